"""Contractions: matmul with batch broadcasting, and einsum; both go to BLAS through NumPy."""
import math
import string

import numpy as np

from ..function import op
from .complex import conj


def _matmul_shapes_error(a, b):
    def show(shape):
        return "x".join(str(s) for s in shape)
    return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({show(a.shape)} and {show(b.shape)})")


@op
def matmul(a, b):
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"matmul needs tensors of at least 1 dimension, got shapes {a.shape} and {b.shape}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype} != {b.dtype}")
    if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
        raise _matmul_shapes_error(a, b)
    return a @ b


@matmul.vjp
def matmul_vjp(g, out, a, b, needs_input_grad):
    # 1-D operands are lifted to matrices, as matmul itself does, and dropped again at the end
    vector_a, vector_b = a.ndim == 1, b.ndim == 1
    if g.dtype.kind == "c":  # PyTorch's complex convention: g @ b^H and a^H @ g
        a, b = conj(a), conj(b)
    if vector_a and vector_b:  # a dot product
        return (g * b if needs_input_grad[0] else None), (g * a if needs_input_grad[1] else None)
    if vector_a:
        a, g = a.reshape(1, -1), np.expand_dims(g, -2)
    if vector_b:
        b, g = b.reshape(-1, 1), np.expand_dims(g, -1)
    grad_a = grad_b = None
    if needs_input_grad[0]:
        grad_a = g @ b.swapaxes(-1, -2)
        if vector_a:
            grad_a = grad_a.reshape(grad_a.shape[:-2] + grad_a.shape[-1:])
    if needs_input_grad[1]:
        if b.ndim == 2 and a.ndim > 2:  # one weight shared by a batch: a single 2-D BLAS call
            rows = math.prod(a.shape[:-1])  # not -1, which an empty a cannot resolve
            grad_b = a.reshape(rows, a.shape[-1]).swapaxes(0, 1) @ g.reshape(rows, g.shape[-1])
        else:
            grad_b = a.swapaxes(-1, -2) @ g
        if vector_b:
            grad_b = grad_b.reshape(grad_b.shape[:-1])
    return grad_a, grad_b


def _explicit(equation, shapes):
    """An einsum equation with '...' spelled out in free letters and its output made explicit."""
    equation = equation.replace(" ", "")
    inputs, _, output = equation.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: equation '{equation}' names {len(terms)} operands, got {len(shapes)}")
    free = [c for c in string.ascii_letters if c not in equation]
    widest = max((len(shape) - (len(term) - 3) for term, shape in zip(terms, shapes) if "..." in term), default=0)
    ellipsis = "".join(free[:widest])
    terms = [term.replace("...", ellipsis[widest - (len(shape) - (len(term) - 3)):]) if "..." in term else term
             for term, shape in zip(terms, shapes)]
    if "->" in equation:
        output = output.replace("...", ellipsis)
    else:
        letters = "".join(terms)
        output = ellipsis + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ellipsis))
    return terms, output


@op
def einsum(equation, *operands):
    return np.einsum(equation, *operands, optimize=len(operands) > 1)


@einsum.vjp
def einsum_vjp(g, out, equation, *operands, needs_input_grad):
    terms, output = _explicit(equation, [o.shape for o in operands])
    if g.dtype.kind == "c":  # PyTorch's complex convention: the other operands conjugated
        operands = [conj(operand) for operand in operands]
    grads = [None]
    for i, (term, operand) in enumerate(zip(terms, operands)):
        if not needs_input_grad[i + 1]:
            grads.append(None)
            continue
        others = [t for j, t in enumerate(terms) if j != i]
        present = set(output).union(*others)
        target = "".join(c for c in term if c in present)
        if len(set(term)) != len(term):
            raise NotImplementedError(f"einsum gradient with a repeated index in '{term}'")
        grad = einsum(",".join([output] + others) + "->" + target,
                      g, *[o for j, o in enumerate(operands) if j != i])
        if target != term:  # letters summed away inside this operand only: broadcast back
            shape = [operand.shape[k] if c in present else 1 for k, c in enumerate(term)]
            grad = np.broadcast_to(grad.reshape(shape), operand.shape)
        grads.append(grad)
    return tuple(grads)
