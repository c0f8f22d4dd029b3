"""Dropout: zero elements (or whole channels) with probability p and scale the rest by 1/(1-p)."""
import math
import warnings

import numpy as np

from ...autograd import random
from ...autograd.ops import elementwise
from ...autograd.tensor import Tensor
from ._inplace import in_place_allowed


def _check_probability(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _masked(input: Tensor, p: float, mask_shape: tuple, inplace: bool = False) -> Tensor:
    """input * (keep mask / (1 - p)) as one mul node (in place: input.mul_); the mask broadcasts
    over mask_shape's 1s."""
    dtype = input.dtype
    if p == 1.0:
        multiplier = np.zeros(mask_shape, dtype=dtype)
    else:
        keep = random.generator().random(mask_shape, dtype=np.float32 if dtype == np.float32 else np.float64) >= p
        multiplier = keep.astype(dtype)
        multiplier *= 1.0 / (1.0 - p)
    return input.mul_(multiplier) if inplace and in_place_allowed(input) else elementwise.mul(input, multiplier)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Each element zeroed with probability p during training; identity otherwise."""
    _check_probability(p)
    if not training or p == 0.0:
        return input
    return _masked(input, p, tuple(input.shape), inplace)


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool, batched: bool) -> Tensor:
    """Zero whole channels: dim 1 of a batched input, dim 0 of an unbatched one (PyTorch's feature_dropout)."""
    _check_probability(p)
    if not training or p == 0.0:
        return input
    channel_axes = 2 if batched else 1
    mask_shape = tuple(input.shape[:channel_axes]) + (1,) * (input.ndim - channel_axes)
    return _masked(input, p, mask_shape, inplace)


def _warn_rank(name: str, input: Tensor, ranks: tuple, spatial: int) -> None:
    if input.ndim not in ranks:
        warnings.warn(f"{name}: Received a {input.ndim}-D input to {name}, which is deprecated and will result "
                      f"in an error in a future release. To retain the behavior and silence this warning, please "
                      f"use dropout instead. Note that {name} exists to provide channel-wise dropout on inputs "
                      f"with {spatial} spatial dimensions, a channel dimension, and an optional batch dimension "
                      f"(i.e. {ranks[0]}D or {ranks[1]}D inputs).", stacklevel=3)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, L) or (C, L) input."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input "
                           f"(shape {tuple(input.shape)})")
    return _feature_dropout(input, p, training, inplace, batched=input.ndim == 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels (dim 1) of an (N, C, H, W) input. Other ranks warn, as in PyTorch: a 3-D
    input is taken as (N, C, L), a 2-D (N, C) one loses single elements."""
    _warn_rank("dropout2d", input, (3, 4), 2)
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L).", stacklevel=2)
    if input.ndim < 2:
        raise RuntimeError(f"dropout2d: Feature dropout requires at least 2 dimensions in the input, got "
                           f"input of shape {tuple(input.shape)}")
    return _feature_dropout(input, p, training, inplace, batched=True)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, D, H, W) or (C, D, H, W) input; other ranks warn and count
    as unbatched, as in PyTorch."""
    _warn_rank("dropout3d", input, (4, 5), 3)
    if input.ndim < 1:
        raise RuntimeError("dropout3d: Feature dropout requires at least 2 dimensions in the input")
    return _feature_dropout(input, p, training, inplace, batched=input.ndim == 5)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: dropped elements take SELU's negative saturation, then an affine
    map keeps the mean and variance (PyTorch's alpha_dropout)."""
    return _alpha_dropout(input, p, training, inplace, tuple(input.shape))


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """alpha_dropout of whole channels (dim 1 of an (N, C, *) input)."""
    if input.ndim < 2:
        raise RuntimeError(f"feature_alpha_dropout: expected at least a 2-D input, got shape {tuple(input.shape)}")
    return _alpha_dropout(input, p, training, inplace, tuple(input.shape[:2]) + (1,) * (input.ndim - 2))


_SELU_SATURATION = 1.7580993408473766  # SELU's scale * alpha: the magnitude of its negative limit


def _alpha_dropout(input, p, training, inplace, mask_shape):
    """input * keep * a + b with keep ~ Bernoulli(1 - p): dropped elements become a * (p - 1) * alpha',
    and a, b keep zero mean and unit variance (PyTorch's formula)."""
    _check_probability(p)
    if not training or p == 0.0:
        return input
    dtype = input.dtype
    if p == 1.0:
        return _masked(input, p, mask_shape, inplace)
    keep = (random.generator().random(mask_shape) >= p).astype(dtype)
    a = 1.0 / math.sqrt((_SELU_SATURATION ** 2 * p + 1) * (1 - p))
    shift = (keep - 1) * (_SELU_SATURATION * a) + _SELU_SATURATION * a * p
    keep *= a
    if inplace and in_place_allowed(input):
        return input.mul_(keep).add_(shift)
    return elementwise.add(elementwise.mul(input, keep), shift)
