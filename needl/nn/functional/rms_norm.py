"""rms_norm: divide by the root mean square over the trailing normalized_shape axes, then scale.

One op: y = x * r * weight with r = 1 / sqrt(mean(x^2) + eps); its vjp is written with NumPy
operators, so it also runs (recorded) on Tensors for second-order gradients.
"""
from typing import Optional

import numpy as np

from ...autograd.function import op
from ...autograd.tensor import Tensor


def _axes(ndim: int, normalized_ndim: int) -> tuple:
    return tuple(range(ndim - normalized_ndim, ndim))


def _inverse_rms(x, axes, eps):
    return 1.0 / np.sqrt(np.mean(x * x, axis=axes, keepdims=True) + eps)


@op
def _rms_norm(input, weight, normalized_ndim=1, eps=1e-6):
    scale = _inverse_rms(input, _axes(input.ndim, normalized_ndim), input.dtype.type(eps))
    output = input * scale
    return output if weight is None else output * weight


@_rms_norm.vjp
def _rms_norm_vjp(grad, out, input, weight, normalized_ndim=1, eps=1e-6, needs_input_grad=None):
    axes = _axes(input.ndim, normalized_ndim)
    scale = _inverse_rms(input, axes, input.dtype.type(eps))
    grad_input = grad_weight = None
    if needs_input_grad[0]:
        upstream = grad if weight is None else grad * weight
        # d/dx (x r): r (u - x r^2 mean(u x))
        grad_input = scale * (upstream - input * (scale * scale) * np.mean(upstream * input, axis=axes, keepdims=True))
    if needs_input_grad[1]:
        leading = tuple(range(input.ndim - normalized_ndim))
        grad_weight = np.sum(grad * input * scale, axis=leading) if leading else grad * input * scale
    return grad_input, grad_weight


def rms_norm(input: Tensor, normalized_shape, weight: Optional[Tensor] = None, eps: Optional[float] = None) -> Tensor:
    """x / sqrt(mean(x^2 over the trailing normalized_shape axes) + eps) * weight, as PyTorch;
    eps None is the machine epsilon of the input's dtype."""
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    count = len(normalized_shape)
    if input.ndim < count or tuple(input.shape[input.ndim - count:]) != normalized_shape:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(str(s) for s in normalized_shape)}], but got input of size "
                           f"{list(input.shape)}")
    if weight is not None and tuple(weight.shape) != normalized_shape:
        raise RuntimeError(f"rms_norm: weight should have shape {normalized_shape}, got {tuple(weight.shape)}")
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    return _rms_norm(input, weight, normalized_ndim=count, eps=float(eps))
