"""Products with PyTorch's shape rules: mm bmm mv dot outer inner kron tensordot, the fused
`add*` forms (beta * input + alpha * product), and the distances cdist and dist.

Each is matmul or einsum (BLAS through NumPy) plus the checks PyTorch makes, so that a shape
mistake reads like PyTorch's message instead of a broadcast that silently succeeds.
"""
import math
import string

import numpy as np

from ..function import op
from ..tensor import Tensor
from .complex import conj
from .dims import wrap_dims
from .linalg import einsum, matmul


def _show(shape) -> str:
    return "x".join(str(s) for s in shape)


def _expect_dims(name: str, tensor, ndim: int, argument: str = "input") -> None:
    if tensor.ndim != ndim:
        raise RuntimeError(f"{name}: {argument} must be a {ndim}-D tensor, got a {tensor.ndim}-D tensor "
                           f"of shape {tuple(tensor.shape)}")


def mm(input, mat2) -> Tensor:
    """(n, m) @ (m, p) -> (n, p)."""
    _expect_dims("mm", input, 2, "self")
    _expect_dims("mm", mat2, 2, "mat2")
    return matmul(input, mat2)


def bmm(input, mat2) -> Tensor:
    """(b, n, m) @ (b, m, p) -> (b, n, p), without broadcasting the batch."""
    _expect_dims("bmm", input, 3, "batch1")
    _expect_dims("bmm", mat2, 3, "batch2")
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm: batch1 and batch2 must have the same number of batches, got "
                           f"{_show(input.shape)} and {_show(mat2.shape)}")
    return matmul(input, mat2)


def mv(input, vec) -> Tensor:
    """(n, m) @ (m,) -> (n,)."""
    _expect_dims("mv", input, 2)
    _expect_dims("mv", vec, 1, "vec")
    return matmul(input, vec)


def dot(input, tensor) -> Tensor:
    """The inner product of two 1-D tensors of the same size."""
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {tensor.ndim}D tensors")
    if input.shape != tensor.shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{tensor.shape[0]}] to have the same number of elements, but got "
                           f"{input.shape[0]} and {tensor.shape[0]} elements respectively")
    return matmul(input, tensor)


def vdot(input, other) -> Tensor:
    """The dot product of conj(input) and other (1-D tensors of the same size)."""
    return dot(conj(input), other)


def outer(input, vec2) -> Tensor:
    """(n,) and (m,) -> (n, m): input[i] * vec2[j]."""
    _expect_dims("outer", input, 1)
    _expect_dims("outer", vec2, 1, "vec2")
    return input.unsqueeze(1) * vec2


def _letters(count: int, start: int = 0) -> str:
    return string.ascii_letters[start:start + count]


def tensordot(a, b, dims=2) -> Tensor:
    """Sum over the last `dims` dims of a and the first of b, or over the dims listed in `dims`."""
    if isinstance(dims, (int, np.integer)):
        if dims < 0 or dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims between 0 and {min(a.ndim, b.ndim)}, got {dims}")
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a, dims_b = ([int(d)] if isinstance(d, (int, np.integer)) else [int(i) for i in d]
                          for d in (getattr(dims[0], "tolist", lambda: dims[0])(),
                                    getattr(dims[1], "tolist", lambda: dims[1])()))
    dims_a = [d % max(a.ndim, 1) for d in dims_a]
    dims_b = [d % max(b.ndim, 1) for d in dims_b]
    for i, j in zip(dims_a, dims_b):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"tensordot: contracted dimensions need to match, but first has size "
                               f"{a.shape[i]} in dim {i} and second has size {b.shape[j]} in dim {j}")
    letters_a = list(_letters(a.ndim))
    letters_b = list(_letters(b.ndim, a.ndim))
    for i, j in zip(dims_a, dims_b):
        letters_b[j] = letters_a[i]
    output = [c for k, c in enumerate(letters_a) if k not in dims_a] + \
             [c for k, c in enumerate(letters_b) if k not in dims_b]
    return einsum(f"{''.join(letters_a)},{''.join(letters_b)}->{''.join(output)}", a, b)


def inner(input, other) -> Tensor:
    """Sum over the last dim of both: (..., m) and (..., m) -> (*input.shape[:-1], *other.shape[:-1])."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, ([-1], [-1]))


def kron(input, other) -> Tensor:
    """The Kronecker product: blocks input[i, j] * other, laid out like input."""
    ndim = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (ndim - input.ndim) + tuple(input.shape))
    b = other.reshape((1,) * (ndim - other.ndim) + tuple(other.shape))
    # interleave: a's dims at even places, b's at odd ones, then merge each pair
    spread_a = a.reshape(tuple(s for size in a.shape for s in (size, 1)))
    spread_b = b.reshape(tuple(s for size in b.shape for s in (1, size)))
    return (spread_a * spread_b).reshape(tuple(x * y for x, y in zip(a.shape, b.shape)))


def _fused(input, product, beta, alpha):
    """beta * input + alpha * product; beta = 0 ignores input (nan and inf included), as PyTorch."""
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        return product.expand(np.broadcast_shapes(tuple(product.shape), tuple(input.shape)))
    return product + (input if beta == 1 else input * beta)


def addmm(input, mat1, mat2, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2)."""
    return _fused(input, mm(mat1, mat2), beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1) -> Tensor:
    return _fused(input, mv(mat, vec), beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1) -> Tensor:
    return _fused(input, outer(vec1, vec2), beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (batch1 @ batch2), batch by batch."""
    return _fused(input, bmm(batch1, batch2), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * sum over the batch of batch1[b] @ batch2[b]."""
    return _fused(input, bmm(batch1, batch2).sum(0), beta, alpha)


# ---- distances ------------------------------------------------------------------------------
@op
def _euclidean_cdist(x1, x2):
    """||x1[..., i, :] - x2[..., j, :]||_2 from matrix products (PyTorch's mm path)."""
    squared = (np.sum(x1 * x1, axis=-1)[..., :, None] + np.sum(x2 * x2, axis=-1)[..., None, :]
               - 2 * (x1 @ np.swapaxes(x2, -1, -2)))
    return np.sqrt(np.maximum(squared, 0))


@_euclidean_cdist.vjp
def _euclidean_cdist_vjp(g, out, x1, x2, needs_input_grad):
    zero = getattr(out, "_data", out) == 0
    # d out / d x1_i = (x1_i - x2_j) / out_ij; 0 where the points coincide, as in PyTorch
    scaled = np.where(zero, 0, g / np.where(zero, 1, out))
    grad_x1 = grad_x2 = None
    if needs_input_grad[0]:
        grad_x1 = x1 * np.sum(scaled, axis=-1)[..., None] - scaled @ x2
    if needs_input_grad[1]:
        grad_x2 = x2 * np.sum(scaled, axis=-2)[..., None] - np.swapaxes(scaled, -1, -2) @ x1
    return grad_x1, grad_x2


def cdist(x1, x2, p: float = 2.0, compute_mode=None) -> Tensor:
    """Distances between each row of x1 (..., P, M) and each row of x2 (..., R, M): (..., P, R)."""
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D, X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} "
                           f"X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    if compute_mode not in (None, "use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):
        raise ValueError(f"cdist: {compute_mode} is not a valid value for compute_mode")
    # PyTorch's rule: the matrix-product form (fast, less exact near 0) only for more than 25 rows
    large = x1.shape[-2] > 25 or x2.shape[-2] > 25
    if p == 2 and (compute_mode == "use_mm_for_euclid_dist" or large and compute_mode != "donot_use_mm_for_euclid_dist"):
        return _euclidean_cdist(x1, x2)
    difference = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return pnorm(difference, ord=float(p), dim=-1)


def _norm_axes(dim, ndim):
    """dim (None: all, an int, or several) as a tuple of distinct non-negative axes."""
    axes = wrap_dims(dim, ndim, "linalg.vector_norm")
    if axes is None:
        return tuple(range(ndim))
    return axes if isinstance(axes, tuple) else (axes,)


@op
def pnorm(x, ord=2, dim=None, keepdim=False):
    """(sum |x|^ord)^(1/ord) over dim (None: all elements); ord inf / -inf: the largest / smallest
    |x| (inf of nothing is 0), 0: the count of nonzeros. linalg.vector_norm, dist and cdist use it."""
    axes = _norm_axes(dim, x.ndim)
    if ord == 2:
        square = x * x if x.dtype.kind != "c" else np.square(np.abs(x))
        return np.sqrt(np.add.reduce(square, axis=axes, keepdims=keepdim))
    if ord == 0:
        return np.count_nonzero(x, axis=axes, keepdims=keepdim).astype(x.dtype)
    magnitude = np.abs(x)
    if ord == math.inf:
        return np.max(magnitude, axis=axes, keepdims=keepdim, initial=0)
    if ord == -math.inf:
        return np.min(magnitude, axis=axes, keepdims=keepdim)
    if ord == 1:
        return np.add.reduce(magnitude, axis=axes, keepdims=keepdim)
    with np.errstate(divide="ignore"):
        return np.add.reduce(magnitude ** ord, axis=axes, keepdims=keepdim) ** (1.0 / ord)


@pnorm.vjp
def pnorm_vjp(g, out, x, ord=2, dim=None, keepdim=False):
    # PyTorch's conventions: the gradient is 0 where the norm is 0; tied extremes share it evenly
    axes = _norm_axes(dim, x.ndim)
    if not keepdim:  # the reduced dimensions back, so that out and g broadcast against x
        out, g = np.expand_dims(out, axes), np.expand_dims(g, axes)
    if ord == 0:
        return x * 0.0
    if ord == 1:
        return g * np.sign(x)
    if ord in (math.inf, -math.inf):
        winners = np.abs(x) == out
        count = np.asarray(getattr(winners, "_data", winners)).sum(axis=axes, keepdims=True)
        return g * np.sign(x) * winners / count
    zero = np.asarray(getattr(out, "_data", out)) == 0
    safe = np.where(zero, 1.0, out)
    if ord == 2:
        return np.where(zero, 0.0, g / safe) * x
    return np.where(zero, 0.0, g / safe ** (ord - 1)) * x * np.abs(x) ** (ord - 2)


def dist(input, other, p: float = 2) -> Tensor:
    """The p-norm of input - other (broadcast), over all elements."""
    return pnorm(input - other, ord=float(p))
