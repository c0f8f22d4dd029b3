"""Higher-order gradients for fused ops whose vjp is written on raw arrays.

Under `backward(create_graph=True)` such a vjp hands over to this helper: it re-runs the op's
composed form (built from needl's differentiable primitives) and takes the gradient of that on
the tape, so the returned gradients can be differentiated again. First-order replays never come
here and keep the fast fused path.
"""
from ...autograd.engine import grad as autograd_grad
from ...autograd.mode import enable_grad
from ...autograd.tensor import Tensor


def is_create_graph(out) -> bool:
    """True when the tape replays with create_graph=True (it then passes the outputs as Tensors)."""
    first = out[0] if isinstance(out, tuple) else out
    return isinstance(first, Tensor)


def composed_vjp(composed, inputs, grads, **options):
    """One gradient per input (None where not needed), differentiable, from composed(*inputs)."""
    wanted = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    with enable_grad():
        outputs = composed(*inputs, **options)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    pairs = [(output, g) for output, g in zip(outputs, grads)
             if g is not None and isinstance(output, Tensor) and output.requires_grad]
    result = [None] * len(inputs)
    if not pairs or not wanted:
        return tuple(result)
    grads_in = autograd_grad([output for output, _ in pairs], [inputs[i] for i in wanted],
                             [g if isinstance(g, Tensor) else Tensor._make(g) for _, g in pairs],
                             create_graph=True, allow_unused=True)
    for i, g in zip(wanted, grads_in):
        result[i] = g
    return tuple(result)
