"""Unique values, counts, histograms and sorted searches: integer or count results, off the tape."""
import builtins

import numpy as np

from ..tensor import Tensor
from . import return_types
from .dims import wrap_dim


def _raw(value):
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def _results(values, inverse, counts, return_inverse, return_counts):
    results = [Tensor._make(values)]
    if return_inverse:
        results.append(Tensor._make(inverse.astype(np.int64, copy=False)))
    if return_counts:
        results.append(Tensor._make(counts.astype(np.int64, copy=False)))
    return results[0] if len(results) == 1 else tuple(results)


def unique(input, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """The distinct elements (or slices along dim), sorted; optionally where each element went and counts."""
    data = _raw(input)
    axis = None if dim is None else wrap_dim(dim, data.ndim, "unique")
    values, inverse, counts = np.unique(data, return_inverse=True, return_counts=True, axis=axis)
    inverse = inverse.reshape(data.shape if axis is None else (data.shape[axis],))
    return _results(values, inverse, counts, return_inverse, return_counts)


def unique_consecutive(input, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """Each run of equal consecutive elements (or slices along dim) collapsed to one."""
    data = _raw(input)
    if dim is None:
        flat, axis = data.reshape(-1), 0
    else:
        axis = wrap_dim(dim, data.ndim, "unique_consecutive")
        flat = np.moveaxis(data, axis, 0).reshape(data.shape[axis], -1) if data.ndim else data.reshape(1)
    length = flat.shape[0]
    starts = np.ones(length, bool)
    if length > 1:
        different = flat[1:] != flat[:-1]
        starts[1:] = different if different.ndim == 1 else different.any(axis=1)
    begin = np.flatnonzero(starts)
    counts = np.diff(np.append(begin, length))
    inverse = np.cumsum(starts) - 1
    if dim is None:
        values = flat[starts]
        inverse = inverse.reshape(data.shape)
    else:
        values = np.take(data, begin, axis=axis) if data.ndim else data
    return _results(values, inverse, counts, return_inverse, return_counts)


def bincount(input, weights=None, minlength: int = 0) -> Tensor:
    """How often each non-negative integer occurs in a 1-D tensor (summing weights if given)."""
    data = _raw(input)
    if data.ndim != 1 or data.dtype.kind not in "iu":
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs, got a "
                           f"{data.ndim}-d tensor of dtype {data.dtype}")
    if data.size and data.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs (found a negative value)")
    if weights is None:
        return Tensor._make(np.bincount(data, minlength=minlength).astype(np.int64))
    weights = _raw(weights)
    result = np.bincount(data, weights=weights, minlength=minlength)
    return Tensor._make(result.astype(weights.dtype if weights.dtype.kind == "f" else np.float64))


def histc(input, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """Counts in `bins` equal bins over [min, max] (the data's range if both are 0); others are ignored."""
    data = _raw(input)
    if data.dtype.kind != "f":
        raise RuntimeError(f"histc: expected a floating point input, got {data.dtype}")
    low, high = float(min), float(max)
    if low == high and data.size:
        low, high = float(data.min()), float(data.max())
    if low == high:
        low, high = low - 1, high + 1
    if low > high:
        raise RuntimeError(f"histc: max ({max}) must be larger than min ({min})")
    counts, _ = np.histogram(data, bins=bins, range=(low, high))
    return Tensor._make(counts.astype(data.dtype))


def histogram(input, bins=100, *, range=None, weight=None, density: bool = False):
    """(hist, bin_edges) as numpy.histogram computes them."""
    data = _raw(input)
    edges = _raw(bins) if isinstance(bins, Tensor) else bins
    hist, bin_edges = np.histogram(data, bins=edges, range=range, density=density,
                                   weights=None if weight is None else _raw(weight))
    return return_types.histogram(Tensor._make(hist.astype(data.dtype)), Tensor._make(bin_edges.astype(data.dtype)))


def histogramdd(input, bins=10, *, range=None, weight=None, density: bool = False):
    """(hist, bin_edges) of the points in the rows of input (..., D), as numpy.histogramdd;
    bins: an int, D ints, or D tensors of edges; range: [min0, max0, min1, max1, ...]."""
    data = _raw(input)
    points = data.reshape(-1, data.shape[-1])
    dims = points.shape[1]
    edges = [_raw(b) for b in bins] if isinstance(bins, (list, tuple)) else bins
    ranges = None if range is None else [tuple(range[2 * d:2 * d + 2]) for d in builtins.range(dims)]
    hist, bin_edges = np.histogramdd(points, bins=edges, range=ranges, density=density,
                                     weights=None if weight is None else _raw(weight).reshape(-1))
    return return_types.histogramdd(Tensor._make(hist.astype(data.dtype)),
                                    [Tensor._make(e.astype(data.dtype)) for e in bin_edges])


def _side(right, side):
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"searchsorted: side can only be 'left' or 'right', got '{side}'")
        if right and side == "left":
            raise RuntimeError("searchsorted: side and right can't be set to opposites, got side of left "
                               "while right was True")
        return side
    return "right" if right else "left"


def searchsorted(sorted_sequence, input, *, out_int32: bool = False, right: bool = False, side=None,
                 sorter=None) -> Tensor:
    """Where each value would be inserted to keep sorted_sequence sorted (along its last dim)."""
    sequence, values = _raw(sorted_sequence), _raw(input)
    side = _side(right, side)
    if sorter is not None:
        sequence = np.take_along_axis(sequence, _raw(sorter), axis=-1)
    dtype = np.int32 if out_int32 else np.int64
    if sequence.ndim <= 1:
        return Tensor._make(np.asarray(np.searchsorted(sequence, values, side=side)).astype(dtype))
    if sequence.shape[:-1] != values.shape[:-1]:
        raise RuntimeError(f"searchsorted: boundaries tensor should be 1 dimension or the first N-1 dimensions "
                           f"of boundaries tensor and input value tensor must match, but we got boundaries "
                           f"tensor {list(sequence.shape)} and input value tensor {list(values.shape)}")
    # row by row at once: count the boundaries below each value (strictly, for side='left')
    compare = np.less if side == "left" else np.less_equal
    return Tensor._make(compare(sequence[..., None, :], values[..., :, None]).sum(-1).astype(dtype))


def bucketize(input, boundaries, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The index of the bucket of each value: boundaries[i-1] < x <= boundaries[i] (right: <= x <)."""
    if _raw(boundaries).ndim != 1:
        raise RuntimeError(f"bucketize: boundaries tensor must be 1 dimension, but got dim({_raw(boundaries).ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
