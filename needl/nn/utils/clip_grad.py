"""Gradient clipping: rescale all gradients by their global norm, or clamp each value."""
import math
from typing import Iterable

import numpy as np

from ...autograd.tensor import Tensor


def _with_grads(parameters) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Scale the gradients in place so that their joint norm is at most max_norm; returns the norm before."""
    params = _with_grads(parameters)
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not params:
        return Tensor._make(np.asarray(0.0, dtype=np.float32))
    grads = [p.grad._data for p in params]
    if norm_type == math.inf:
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    elif norm_type == 2.0:
        total = math.sqrt(sum(float(np.vdot(g.reshape(-1), g.reshape(-1))) for g in grads))
    else:
        total = sum(float(np.sum(np.abs(g) ** norm_type)) for g in grads) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
                           f"so it cannot be clipped. To disable this error and scale the gradients by the "
                           f"non-finite norm anyway, set `error_if_nonfinite=False`")
    coefficient = max_norm / (total + 1e-6)
    if coefficient < 1.0:
        for p in params:
            p.grad._data *= coefficient
    return Tensor._make(np.asarray(total, dtype=grads[0].dtype))


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float, foreach=None) -> None:
    """Clamp every gradient value to [-clip_value, clip_value] in place."""
    clip_value = float(clip_value)
    for p in _with_grads(parameters):
        np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)


def get_total_norm(tensors: Iterable[Tensor], norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    """The norm of the norms of the tensors (as clip_grad_norm_ computes it)."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    arrays = [t._data.reshape(-1) for t in tensors]
    if not arrays:
        return Tensor._make(np.asarray(0.0, dtype=np.float32))
    joined = np.concatenate(arrays)
    total = float(np.max(np.abs(joined))) if norm_type == math.inf else float(np.linalg.norm(joined, ord=norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} is non-finite")
    return Tensor._make(np.asarray(total, dtype=arrays[0].dtype))
