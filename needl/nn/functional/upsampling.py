"""interpolate: nearest (gather along each axis); linear, bilinear, trilinear, bicubic and area
(one small interpolation matrix per axis, applied with BLAS: all these modes are separable).

Source positions follow PyTorch's rules (scale = 1 / scale_factor when given, else in / out;
align_corners for the interpolating modes), computed in the input's dtype as PyTorch does;
'area' is adaptive average pooling.
"""
import math
import warnings

import numpy as np

from ...autograd import op
from ...autograd.ops.pool_kernels import averaging_matrix
from ...autograd.tensor import Tensor

# the spatial dims each mode takes (None: any of 1, 2, 3)
_MODES = {"nearest": None, "nearest-exact": None, "area": None, "linear": 1, "bilinear": 2, "bicubic": 2,
          "trilinear": 3}
_CUBIC_A = -0.75


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


def _cubic_matrix(in_size, out_size, scale_factor, align_corners, dtype):
    """(out, in) matrix of the four cubic-convolution weights (A = -0.75) of each output position,
    taps beyond the border folded onto the edge, as PyTorch's bicubic."""
    scale = _scale(in_size, out_size, scale_factor, align_corners, dtype)
    positions = np.arange(out_size, dtype=dtype)
    source = positions * scale if align_corners else (positions + dtype.type(0.5)) * scale - dtype.type(0.5)
    floor = np.floor(source)
    t = (source - floor).astype(dtype)
    a = dtype.type(_CUBIC_A)

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    weights = (far(t + 1), near(t), near(1 - t), far(2 - t))
    matrix = np.zeros((out_size, in_size), dtype=dtype)
    rows = np.arange(out_size)
    for offset, weight in zip((-1, 0, 1, 2), weights):
        np.add.at(matrix, (rows, np.clip(floor.astype(np.int64) + offset, 0, in_size - 1)), weight)
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
    """Interpolate the last len(matrices) axes, each with its (out, in) matrix."""
    return _apply_matrices(input, matrices, transpose=False)


@_linear.vjp
def _linear_vjp(g, out, input, matrices=()):
    return _apply_matrices(g, matrices, transpose=True)


def _apply_matrices(array, matrices, transpose):
    """array with matrix i (or its transpose) applied along axis -len(matrices) + i (arrays or Tensors)."""
    count = len(matrices)
    for offset in reversed(range(count)):
        matrix = matrices[offset].T if transpose else matrices[offset]
        axis = array.ndim - count + offset
        if axis == array.ndim - 1:  # x @ W.T over rows
            flat = array.reshape(-1, array.shape[-1]) @ matrix.T
            array = flat.reshape(tuple(array.shape[:-1]) + matrix.shape[:1])
        else:  # W @ x with the trailing axes flattened
            leading, trailing = tuple(array.shape[:axis]), tuple(array.shape[axis + 1:])
            block = np.matmul(matrix, array.reshape(leading + (array.shape[axis], -1)))
            array = block.reshape(leading + matrix.shape[:1] + trailing)
    return array


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
    """Resize the spatial axes of (N, C, L), (N, C, H, W) or (N, C, D, H, W): mode 'nearest',
    'nearest-exact', 'area' (any), 'linear' (3-D), 'bilinear' or 'bicubic' (4-D), 'trilinear' (5-D)."""
    if mode not in _MODES:
        raise NotImplementedError(f"interpolate: mode '{mode}' is not supported (supported: {', '.join(_MODES)})")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    dims = input.ndim - 2
    wanted = _MODES[mode]
    if dims not in (1, 2, 3) or (wanted is not None and dims != wanted):
        expected = f"a {2 + wanted}-D input" if wanted is not None else "a 3-D, 4-D or 5-D input"
        raise ValueError(f"interpolate: mode '{mode}' expects {expected}, got input of shape {tuple(input.shape)}")
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
    if mode == "area":
        matrices = tuple(averaging_matrix(s, o, dtype) for s, o in zip(spatial, out_size))
    elif mode == "bicubic":
        matrices = tuple(_cubic_matrix(s, o, f, bool(align_corners), dtype) for s, o, f in zip(spatial, out_size, factors))
    else:
        matrices = tuple(_linear_matrix(s, o, f, bool(align_corners), dtype)
                         for s, o, f in zip(spatial, out_size, factors))
    return _linear(input, matrices=matrices)


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of interpolate, as in PyTorch (with its warning)."""
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate(mode='nearest')."""
    warnings.warn("nn.functional.upsample_nearest is deprecated. Use nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate(mode='bilinear', align_corners=True)."""
    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use nn.functional.interpolate instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
