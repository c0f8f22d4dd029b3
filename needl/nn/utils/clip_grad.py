"""Gradient clipping: rescale all gradients by their global norm, or clamp each value."""
import math
import warnings
from typing import Iterable

import numpy as np

from ...autograd.tensor import Tensor


def _with_grads(parameters) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def get_total_norm(tensors: Iterable[Tensor], norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    """The norm_type-norm of all the tensors' values together (the norm of their norms), no copies."""
    arrays = [t._data for t in ([tensors] if isinstance(tensors, Tensor) else tensors)]
    norm_type = float(norm_type)
    if not arrays:
        return Tensor._make(np.asarray(0.0, dtype=np.float32))
    if norm_type == math.inf:
        total = max(float(np.max(np.abs(a))) if a.size else 0.0 for a in arrays)
    elif norm_type == 2.0:
        total = math.sqrt(sum(float(np.vdot(a.reshape(-1), a.reshape(-1))) for a in arrays))
    else:
        total = sum(float(np.sum(np.abs(a) ** norm_type)) for a in arrays) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
                           f"so it cannot be clipped. To disable this error and scale the gradients by the "
                           f"non-finite norm anyway, set `error_if_nonfinite=False`")
    return Tensor._make(np.asarray(total, dtype=arrays[0].dtype))


def clip_grads_with_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float, total_norm, foreach=None) -> None:
    """Scale the gradients in place by max_norm / (total_norm + 1e-6) when that is below 1."""
    coefficient = float(max_norm) / (float(total_norm) + 1e-6)
    if coefficient < 1.0:
        for p in _with_grads(parameters):
            p.grad._data *= coefficient


def clip_grad_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Scale the gradients in place so that their joint norm is at most max_norm; returns the norm before."""
    params = _with_grads(parameters)
    total = get_total_norm([p.grad for p in params], norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_norm(parameters: Iterable[Tensor] | Tensor, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Deprecated spelling of clip_grad_norm_ (with PyTorch's warning)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float, foreach=None) -> None:
    """Clamp every gradient value to [-clip_value, clip_value] in place."""
    clip_value = float(clip_value)
    for p in _with_grads(parameters):
        np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)
