"""interpolate: nearest (gather along each axis) and (bi)linear (one small interpolation matrix per axis, BLAS).

Source positions follow PyTorch's rules (scale = 1 / scale_factor when given, else in / out;
align_corners for the linear modes), computed in the input's dtype as PyTorch does.
"""
import math

import numpy as np

from ...autograd import op
from ...autograd.tensor import Tensor

_MODES = {"nearest": 1, "nearest-exact": 1, "linear": 1, "bilinear": 2}


def _scale(in_size, out_size, scale_factor, align_corners, dtype):
    if align_corners:
        return dtype.type((in_size - 1) / (out_size - 1)) if out_size > 1 else dtype.type(0)
    if scale_factor is not None:
        return dtype.type(1.0 / scale_factor)
    return dtype.type(in_size) / dtype.type(out_size)


def _nearest_indices(in_size, out_size, scale_factor, exact, dtype):
    """Source index of every output position (non-decreasing), as PyTorch's nearest / nearest-exact."""
    if out_size == in_size:
        return np.arange(out_size)
    scale = _scale(in_size, out_size, scale_factor, False, dtype)
    positions = np.arange(out_size, dtype=dtype)
    source = np.floor((positions + dtype.type(0.5)) * scale) if exact else np.floor(positions * scale)
    return np.minimum(source.astype(np.int64), in_size - 1)


def _linear_matrix(in_size, out_size, scale_factor, align_corners, dtype):
    """(out, in) matrix whose rows hold the two linear-interpolation weights of each output position."""
    scale = _scale(in_size, out_size, scale_factor, align_corners, dtype)
    positions = np.arange(out_size, dtype=dtype)
    if align_corners:
        source = positions * scale
    else:
        source = np.maximum((positions + dtype.type(0.5)) * scale - dtype.type(0.5), 0)
    low = source.astype(np.int64)
    high = np.where(low < in_size - 1, low + 1, low)
    weight_high = (source - low).astype(dtype)
    matrix = np.zeros((out_size, in_size), dtype=dtype)
    rows = np.arange(out_size)
    np.add.at(matrix, (rows, low), 1 - weight_high)
    np.add.at(matrix, (rows, high), weight_high)
    return matrix


def _scatter_along(grad, index, size, axis):
    """The adjoint of take(index, axis) for a non-decreasing index: sums runs with one reduceat."""
    starts = np.flatnonzero(np.concatenate(([True], index[1:] != index[:-1])))
    sums = np.add.reduceat(grad, starts, axis=axis)
    shape = list(grad.shape)
    shape[axis] = size
    result = np.zeros(shape, dtype=grad.dtype)
    where = [slice(None)] * grad.ndim
    where[axis] = index[starts]
    result[tuple(where)] = sums
    return result


@op
def _nearest(input, indices=()):
    output = input
    for offset, index in enumerate(indices):
        output = output.take(index, axis=input.ndim - len(indices) + offset)
    return output


@_nearest.vjp
def _nearest_vjp(g, out, input, indices=()):
    grad = g
    for offset in reversed(range(len(indices))):
        axis = input.ndim - len(indices) + offset
        grad = _scatter_along(grad, indices[offset], input.shape[axis], axis)
    return grad


@op
def _linear(input, matrices=()):
    """Interpolate the last one or two axes: x @ W.T for the width, H @ x for the height."""
    width = matrices[-1]
    output = (input.reshape(-1, input.shape[-1]) @ width.T).reshape(input.shape[:-1] + width.shape[:1])
    if len(matrices) == 2:
        output = np.matmul(matrices[0], output)
    return output


@_linear.vjp
def _linear_vjp(g, out, input, matrices=()):
    grad = g
    if len(matrices) == 2:
        grad = np.matmul(matrices[0].T, grad)
    width = matrices[-1]
    return (grad.reshape(-1, grad.shape[-1]) @ width).reshape(grad.shape[:-1] + width.shape[1:])


def _output_size(input, size, scale_factor, dims):
    spatial = tuple(input.shape[-dims:])
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        size = (size,) * dims if isinstance(size, int) else tuple(size)
        if len(size) != dims:
            raise ValueError(f"interpolate: size {size} must have {dims} entries for input of shape {tuple(input.shape)}")
        return tuple(int(s) for s in size), (None,) * dims
    factors = (float(scale_factor),) * dims if isinstance(scale_factor, (int, float)) else tuple(
        float(f) for f in scale_factor)
    if len(factors) != dims:
        raise ValueError(f"interpolate: scale_factor {scale_factor} must have {dims} entries for input of shape "
                         f"{tuple(input.shape)}")
    return tuple(math.floor(s * f) for s, f in zip(spatial, factors)), factors


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resize the spatial axes of (N, C, L) or (N, C, H, W): mode 'nearest', 'nearest-exact', 'linear' (3-D)
    or 'bilinear' (4-D)."""
    if mode not in _MODES:
        raise NotImplementedError(f"interpolate: mode '{mode}' is not supported (supported: {', '.join(_MODES)})")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    if mode.startswith("nearest") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear")
    dims = input.ndim - 2
    if dims not in (1, 2) or (mode in ("linear", "bilinear") and dims != _MODES[mode]):
        raise ValueError(f"interpolate: mode '{mode}' expects a {2 + _MODES[mode]}-D input" if mode in (
            "linear", "bilinear") else f"interpolate: expected a 3-D or 4-D input, got shape {tuple(input.shape)}")
    out_size, factors = _output_size(input, size, scale_factor, dims)
    if min(out_size) < 1:
        raise ValueError(f"interpolate: the output size {out_size} must be positive (input of shape {tuple(input.shape)})")
    if recompute_scale_factor:
        factors = (None,) * dims
    dtype = input.dtype
    spatial = input.shape[-dims:]
    if mode.startswith("nearest"):
        indices = tuple(_nearest_indices(s, o, f, mode == "nearest-exact", dtype)
                        for s, o, f in zip(spatial, out_size, factors))
        return _nearest(input, indices=indices)
    matrices = tuple(_linear_matrix(s, o, f, bool(align_corners), dtype) for s, o, f in zip(spatial, out_size, factors))
    return _linear(input, matrices=matrices)
