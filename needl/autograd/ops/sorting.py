"""Sorting and order statistics: sort argsort topk kthvalue median mode quantile.

The order is found on the array (stable, NaN last ascending and first descending, as PyTorch);
the values are then picked with `gather`, whose gradient scatters back to the chosen elements.
"""
import numpy as np

from ..tensor import Tensor
from . import return_types
from .dims import wrap_dim
from .shape import gather, squeeze, unsqueeze


def _raw(value):
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def _order(data, axis, descending):
    """Stable argsort along axis; descending keeps ties in their original order too."""
    if not descending:
        return np.argsort(data, axis=axis, kind="stable")
    length = data.shape[axis]
    ascending = np.argsort(np.flip(data, axis), axis=axis, kind="stable")
    return np.flip(length - 1 - ascending, axis)


def _picked(input, axis, indices, keepdim=True):
    """(values, indices) of input at indices along axis (values on the tape)."""
    values = gather(input, axis, indices)
    indices = Tensor._make(indices)
    if not keepdim:
        values, indices = squeeze(values, dim=axis), Tensor._make(np.squeeze(indices._data, axis))
    return values, indices


def _zero_dim(input):
    return input * 1 if isinstance(input, Tensor) else input, Tensor._make(np.zeros((), np.int64))


def sort(input, dim: int = -1, descending: bool = False, stable: bool = False):
    """(values, indices) sorted along dim; ties keep their order."""
    axis = wrap_dim(dim, input.ndim, "sort")
    if input.ndim == 0:
        return return_types.sort(*_zero_dim(input))
    return return_types.sort(*_picked(input, axis, _order(_raw(input), axis, descending)))


def argsort(input, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    axis = wrap_dim(dim, input.ndim, "argsort")
    data = _raw(input)
    return Tensor._make(np.zeros((), np.int64) if data.ndim == 0 else _order(data, axis, descending))


def msort(input) -> Tensor:
    return sort(input, dim=0).values


def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """The k largest (or smallest) elements along dim and their indices, largest first."""
    axis = wrap_dim(dim, input.ndim, "topk")
    data = _raw(input)
    length = data.shape[axis] if data.ndim else 1
    if not 0 <= k <= length:
        raise RuntimeError(f"topk: k ({k}) must be in the range [0, {length}] (the size of dim {dim} of a "
                           f"tensor of shape {tuple(data.shape)})")
    if data.ndim == 0:
        return return_types.topk(*_zero_dim(input))
    if 8 * k < length and data.dtype.kind == "f" and not np.isnan(data).any():
        # partition first: O(n) to find the k, then sort only those
        key = -data if largest else data
        chosen = np.take(np.argpartition(key, k - 1, axis=axis), np.arange(k), axis=axis) if k else \
            np.zeros(data.shape[:axis] + (0,) + data.shape[axis + 1:], np.int64)
        order = np.argsort(np.take_along_axis(key, chosen, axis=axis), axis=axis, kind="stable")
        indices = np.take_along_axis(chosen, order, axis=axis)
    else:
        indices = np.take(_order(data, axis, largest), np.arange(k), axis=axis)
    return return_types.topk(*_picked(input, axis, indices.astype(np.int64, copy=False)))


def kthvalue(input, k: int, dim: int = -1, keepdim: bool = False):
    """The k-th smallest element (k from 1) along dim and its index."""
    axis = wrap_dim(dim, input.ndim, "kthvalue")
    data = _raw(input)
    length = data.shape[axis] if data.ndim else 1
    if not 1 <= k <= length:
        raise IndexError(f"kthvalue: k ({k}) must be in the range [1, {length}] (the size of dim {dim})")
    if data.ndim == 0:
        return return_types.kthvalue(*_zero_dim(input))
    indices = np.take(_order(data, axis, False), [k - 1], axis=axis)
    return return_types.kthvalue(*_picked(input, axis, indices, keepdim))


def _median(input, dim, keepdim, ignore_nan, name):
    data = _raw(input)
    if dim is None:
        flat = input.reshape(-1)
        if flat.shape[0] == 0:
            return Tensor._make(np.full((), np.nan, data.dtype))
        values, _ = _median(flat, 0, False, ignore_nan, name)
        return values
    axis = wrap_dim(dim, data.ndim, name)
    if data.ndim == 0:
        return _zero_dim(input)
    length = data.shape[axis]
    if length == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size")
    order = _order(data, axis, False)
    missing = np.sum(np.isnan(data), axis=axis, keepdims=True) if data.dtype.kind == "f" else 0
    if ignore_nan:  # the lower median of the non-NaN values (a NaN if there are none)
        position = np.maximum((length - missing - 1) // 2, 0)
    else:  # any NaN makes the median NaN: point at the first NaN, sorted to the end
        position = np.where(missing > 0, length - missing, (length - 1) // 2)
    position = np.broadcast_to(position, order.shape[:axis] + (1,) + order.shape[axis + 1:])
    return _picked(input, axis, np.take_along_axis(order, position, axis=axis), keepdim)


def median(input, dim=None, keepdim: bool = False):
    """The lower median (of all elements, or (values, indices) along dim); NaN if a NaN is present."""
    result = _median(input, dim, keepdim, False, "median")
    return result if dim is None else return_types.median(*result)


def nanmedian(input, dim=None, keepdim: bool = False):
    """median ignoring NaNs."""
    result = _median(input, dim, keepdim, True, "nanmedian")
    return result if dim is None else return_types.nanmedian(*result)


def mode(input, dim: int = -1, keepdim: bool = False):
    """The most frequent value along dim (the smallest of ties) and the index of its last occurrence."""
    axis = wrap_dim(dim, input.ndim, "mode")
    data = _raw(input)
    if data.ndim == 0:
        return return_types.mode(*_zero_dim(input))
    order = np.moveaxis(_order(data, axis, False), axis, -1)
    ordered = np.take_along_axis(np.moveaxis(data, axis, -1), order, axis=-1)
    length = ordered.shape[-1]
    positions = np.broadcast_to(np.arange(length), ordered.shape)
    starts = np.ones(ordered.shape, bool)
    starts[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    first = np.maximum.accumulate(np.where(starts, positions, 0), axis=-1)  # where each run begins
    ends = np.ones(ordered.shape, bool)
    ends[..., :-1] = starts[..., 1:]
    last = np.flip(np.minimum.accumulate(np.flip(np.where(ends, positions, length), -1), axis=-1), -1)
    best = np.argmax(last - first, axis=-1)[..., None]  # the first longest run: the smallest value
    index = np.take_along_axis(order, np.take_along_axis(last, best, axis=-1), axis=-1)
    return return_types.mode(*_picked(input, axis, np.moveaxis(index, -1, axis), keepdim))


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan, name):
    data = _raw(input)
    if data.dtype.kind != "f":
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype, got {data.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{name}() interpolation must be one of {', '.join(_INTERPOLATIONS)}, got "
                         f"'{interpolation}'")
    quantiles = np.asarray(_raw(q), dtype=np.float64)
    if quantiles.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor, got shape {quantiles.shape}")
    if quantiles.size and (quantiles.min() < 0 or quantiles.max() > 1 or np.isnan(quantiles).any()):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    source = input.reshape(-1) if dim is None else input
    axis = 0 if dim is None else wrap_dim(dim, data.ndim, name)
    if source.ndim == 0:
        source, axis = source.reshape(1), 0
    ordered = sort(source, dim=axis).values
    length = ordered.shape[axis]
    keep_shape = ordered.shape[:axis] + (1,) + ordered.shape[axis + 1:]
    missing = np.sum(np.isnan(ordered._data), axis=axis, keepdims=True)
    # the rank into the sorted values: NaNs are sorted last, so a slice with one points at a NaN
    last = (length - missing - 1) if ignore_nan else np.full(missing.shape, length - 1)
    fractions = quantiles.reshape((-1,) + (1,) * len(keep_shape))
    rank = fractions * last if ignore_nan else np.where(missing > 0, length - 1, fractions * last)
    below, above = np.floor(rank), np.ceil(rank)
    if interpolation == "lower":
        above = below
    elif interpolation == "higher":
        below = above
    elif interpolation == "nearest":
        below = above = np.round(rank)
    weight = (rank - below) if interpolation == "linear" else np.full(rank.shape, 0.5 if interpolation == "midpoint" else 0.0)
    empty = (last < 0) | (length == 0)
    clip = max(length - 1, 0)
    below = np.clip(below, 0, clip).astype(np.int64)
    above = np.clip(above, 0, clip).astype(np.int64)
    stacked = unsqueeze(ordered, dim=0).expand((len(fractions),) + tuple(ordered.shape))
    if length == 0:
        result = Tensor._make(np.full((len(fractions),) + keep_shape, np.nan, data.dtype))
    else:
        low = gather(stacked, axis + 1, np.broadcast_to(below, (len(fractions),) + keep_shape))
        high = gather(stacked, axis + 1, np.broadcast_to(above, (len(fractions),) + keep_shape))
        result = low + (high - low) * weight.astype(data.dtype)
        if np.any(empty):
            result = result.masked_fill(np.broadcast_to(empty, result.shape), float("nan"))
    if dim is None:
        result = result.reshape((len(fractions),) + ((1,) * data.ndim if keepdim else ()))
    elif not keepdim:
        result = squeeze(result, dim=axis + 1)
    return result[0] if quantiles.ndim == 0 else result


def quantile(input, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear") -> Tensor:
    """The q-th quantiles along dim (of all elements if None); a 1-D q adds a leading dim."""
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


def nanquantile(input, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear") -> Tensor:
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")
