"""Dropout: zero elements (or whole channels) with probability p and scale the rest by 1/(1-p)."""
import warnings

import numpy as np

from ...autograd import random
from ...autograd.ops import elementwise
from ...autograd.tensor import Tensor


def _check_probability(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _masked(input: Tensor, p: float, mask_shape: tuple) -> Tensor:
    """input * (keep mask / (1 - p)) as one mul node; the mask broadcasts over mask_shape's 1s."""
    dtype = input.dtype
    if p == 1.0:
        multiplier = np.zeros(mask_shape, dtype=dtype)
    else:
        keep = random.generator().random(mask_shape, dtype=np.float32 if dtype == np.float32 else np.float64) >= p
        multiplier = keep.astype(dtype)
        multiplier *= 1.0 / (1.0 - p)
    return elementwise.mul(input, multiplier)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Each element zeroed with probability p during training; identity otherwise."""
    _check_probability(p)
    if not training or p == 0.0:
        return input
    return _masked(input, p, tuple(input.shape))


def _feature_dropout(input: Tensor, p: float, training: bool, batched_ndim: int, name: str) -> Tensor:
    _check_probability(p)
    if input.ndim not in (batched_ndim - 1, batched_ndim):
        raise RuntimeError(f"{name}: Expected {batched_ndim - 1}D or {batched_ndim}D input, got input of "
                           f"shape {tuple(input.shape)}")
    if not training or p == 0.0:
        return input
    channel_axes = 2 if input.ndim == batched_ndim else 1
    mask_shape = tuple(input.shape[:channel_axes]) + (1,) * (input.ndim - channel_axes)
    return _masked(input, p, mask_shape)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, L) or (C, L) input."""
    return _feature_dropout(input, p, training, 3, "dropout1d")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, H, W) input; a 3-D input is taken as (N, C, L), as PyTorch does."""
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L).", stacklevel=2)
        _check_probability(p)
        if not training or p == 0.0:
            return input
        return _masked(input, p, tuple(input.shape[:2]) + (1,))
    return _feature_dropout(input, p, training, 4, "dropout2d")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, D, H, W) or (C, D, H, W) input."""
    return _feature_dropout(input, p, training, 5, "dropout3d")
