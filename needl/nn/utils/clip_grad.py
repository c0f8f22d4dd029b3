"""Gradient clipping: rescale all gradients by their global norm, or clamp each value.

The norm is read in one pass over each gradient (a BLAS dot product for the 2-norm), never by
joining the gradients into one array first (which would copy all of them).
"""
import math
import warnings
from typing import Iterable, List

import numpy as np

from ...autograd.tensor import Tensor


def _with_grads(parameters) -> List[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def _norm(arrays: List[np.ndarray], norm_type: float) -> float:
    """The norm of all `arrays` taken together (the norm of their norms, as PyTorch's)."""
    if norm_type == math.inf:
        return max((float(np.max(np.abs(a))) for a in arrays if a.size), default=0.0)
    if norm_type == 2.0:
        total = 0.0
        for array in arrays:
            flat = array.reshape(-1)
            total += float(np.dot(flat, flat))
        return math.sqrt(total)
    return sum(float(np.sum(np.abs(a) ** norm_type)) for a in arrays) ** (1.0 / norm_type)


def _check_finite(total: float, norm_type: float, error_if_nonfinite: bool) -> None:
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is "
                           f"non-finite, so it cannot be clipped. To disable this error and scale "
                           f"the gradients by the non-finite norm anyway, set "
                           f"`error_if_nonfinite=False`")


def _scale(grads: List[np.ndarray], max_norm: float, total: float) -> None:
    """grads *= min(max_norm / (total + 1e-6), 1) in place (a NaN norm makes them NaN, an infinite
    one zero, as in PyTorch)."""
    coefficient = max_norm / (total + 1e-6)
    if not coefficient >= 1.0:
        with np.errstate(invalid="ignore"):  # inf * 0, quietly NaN as in PyTorch
            for grad in grads:
                grad *= coefficient


def get_total_norm(tensors: Iterable[Tensor] | Tensor, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """The norm of the norms of the tensors (as clip_grad_norm_ computes it)."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if not tensors:
        return Tensor._make(np.asarray(0.0, dtype=np.float32))
    arrays = [t._data for t in tensors]
    total = _norm(arrays, float(norm_type))
    _check_finite(total, norm_type, error_if_nonfinite)
    return Tensor._make(np.asarray(total, dtype=arrays[0].dtype))


def clip_grads_with_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float,
                          total_norm, foreach=None) -> None:
    """Scale the gradients in place by min(max_norm / (total_norm + 1e-6), 1), the norm given."""
    total = float(total_norm._data if isinstance(total_norm, Tensor) else total_norm)
    _scale([p.grad._data for p in _with_grads(parameters)], float(max_norm), total)


def clip_grad_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Scale the gradients in place so that their joint norm is at most max_norm; returns the norm before."""
    params = _with_grads(parameters)
    if not params:
        return Tensor._make(np.asarray(0.0, dtype=np.float32))
    grads = [p.grad._data for p in params]
    total = _norm(grads, float(norm_type))
    _check_finite(total, norm_type, error_if_nonfinite)
    _scale(grads, float(max_norm), total)
    return Tensor._make(np.asarray(total, dtype=grads[0].dtype))


def clip_grad_norm(parameters: Iterable[Tensor] | Tensor, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Deprecated spelling of clip_grad_norm_ (with PyTorch's warning)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float, foreach=None) -> None:
    """Clamp every gradient value to [-clip_value, clip_value] in place."""
    clip_value = float(clip_value)
    for p in _with_grads(parameters):
        np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)
