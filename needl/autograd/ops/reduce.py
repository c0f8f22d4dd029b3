"""Reductions over `dim` (an int, a tuple of ints or None for all), softmax and its kin.

`dim` follows PyTorch: negative dims count from the end, `dim=()` and any dim of a 0-d tensor
reduce everything, and a dim out of range is an IndexError naming the op and the valid range.
"""
import math
import warnings

import numpy as np

from ..function import op
from ..tensor import Tensor
from . import return_types
from .complex import conj
from .dims import wrap_dim, wrap_dims
from .shape import scatter_add


def _raw(value):
    return value._data if isinstance(value, Tensor) else value


def _expand(g, shape, dim, keepdim):
    """Broadcast a reduced gradient back over the reduced axes of an input of this shape (a read-only
    view). It takes the shape, not the input, so that sum and mean do not save their input.

    Small gradients are filled into a fresh array instead: NumPy's ops on a stride-0 view take a
    slower path that costs more than the copy below about 4096 elements.
    """
    ndim, size = len(shape), math.prod(shape)
    axis = wrap_dims(dim, ndim, "reduction")
    if not keepdim and axis is not None:
        g = np.expand_dims(g, axis)
    if type(g) is np.ndarray and 0 < size <= 4096:
        full = np.empty(shape, g.dtype)
        full[...] = g
        return full
    if type(g) is np.ndarray and g.flags.c_contiguous and size:
        # the view np.broadcast_to makes, built directly: 3x cheaper for the small arrays of a tape
        strides = (0,) * (ndim - g.ndim)
        if g.ndim:  # a full reduction (0-d g) needs no per-axis strides
            strides += tuple(0 if size == 1 else stride for size, stride in zip(g.shape, g.strides))
        # positional arguments and setflags: each half the cost of keywords and view.flags.writeable
        view = np.ndarray(shape, g.dtype, g, 0, strides)
        view.setflags(write=False)
        return view
    return np.broadcast_to(g, shape)


def _count(shape, axis) -> int:
    """How many elements of an input of this shape each output element of a reduction over `axis`
    summarises."""
    if axis is None:
        return math.prod(shape)
    count = 1
    for a in (axis,) if isinstance(axis, int) else axis:
        count *= shape[a]
    return count


def _accumulator(x):
    """int64 for integers and bools (PyTorch's sum and prod), None: x's own dtype."""
    return np.int64 if x.dtype.kind in "biu" else None


@op
def sum(x, dim=None, keepdim=False):
    # np.add.reduce is what np.sum calls, without np.sum's Python dispatch layer (2x faster on small arrays)
    return np.add.reduce(x, axis=wrap_dims(dim, x.ndim, "sum"), keepdims=keepdim, dtype=_accumulator(x))


@sum.vjp
def sum_vjp(g, out, x, dim=None, keepdim=False):
    return _expand(g, x.shape, dim, keepdim)


def _check_floating(x, name: str) -> None:
    if x.dtype.kind not in "fc":
        raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {x.dtype}")


@op
def mean(x, dim=None, keepdim=False):
    _check_floating(x, "mean")
    axis = wrap_dims(dim, x.ndim, "mean")
    if x.size == 0:  # PyTorch's nan, without NumPy's empty-slice warning
        with np.errstate(invalid="ignore"):
            return np.add.reduce(x, axis=axis, keepdims=keepdim) / x.dtype.type(_count(x.shape, axis))
    return np.mean(x, axis=axis, keepdims=keepdim)


@mean.vjp
def mean_vjp(g, out, x, dim=None, keepdim=False):
    count = _count(x.shape, wrap_dims(dim, x.ndim, "mean"))
    return _expand(g * (1.0 / count if count else np.nan), x.shape, dim, keepdim)


def _variance(x, dim, correction, keepdim, name):
    """var in float64 for float16/32 inputs, as PyTorch accumulates: data near 1e-30 keeps its std."""
    _check_floating(x, name)
    axis = wrap_dims(dim, x.ndim, name)
    if _count(x.shape, axis) - correction <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than "
                      f"the reduction factor (input numel divided by output numel).", stacklevel=4)
    wide = np.float64 if x.dtype.itemsize < 8 else None
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.var(x, axis=axis, ddof=correction, keepdims=keepdim, dtype=wide)


@op
def var(x, dim=None, correction=1, keepdim=False):
    return _variance(x, dim, correction, keepdim, "var").astype(x.dtype, copy=False)


@var.vjp
def var_vjp(g, out, x, dim=None, correction=1, keepdim=False):
    axis = wrap_dims(dim, x.ndim, "var")
    freedom = _count(x.shape, axis) - correction
    centred = x - x.mean(axis=axis, keepdims=True)
    # PyTorch's 2 / (N - correction): inf with no degree of freedom left (a nan gradient, not an error)
    with np.errstate(invalid="ignore"):
        return _expand(g, x.shape, dim, keepdim) * centred * (2.0 / freedom if freedom else np.inf)


@op
def std(x, dim=None, correction=1, keepdim=False):
    return np.sqrt(_variance(x, dim, correction, keepdim, "std")).astype(x.dtype, copy=False)


@std.vjp
def std_vjp(g, out, x, dim=None, correction=1, keepdim=False):
    # d std = d var / (2 std); zero where std is 0 (a constant input), as in PyTorch
    zero = _raw(out) == 0
    return var_vjp(np.where(zero, 0, g / (2 * np.where(zero, 1, out))), None, x, dim, correction, keepdim)


def variance_options(dim, unbiased, correction):
    """PyTorch's overloads of var/std: var(unbiased), var(dim, unbiased, keepdim), var(dim, correction=c)."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if correction is None:
        correction = 0 if unbiased is False else 1
    return dim, correction


@op
def prod(x, dim=None, keepdim=False):
    return np.multiply.reduce(x, axis=wrap_dims(dim, x.ndim, "prod"), keepdims=keepdim, dtype=_accumulator(x))


def _products_of_others(x, axis):
    """For each element, the product of the other elements of its slice along `axis` (zeros allowed)."""
    if axis is None:
        return _products_of_others(x.reshape(-1), 0).reshape(x.shape)
    ones = np.ones_like(np.take(_raw(x), [0], axis=axis))
    before = np.concatenate([ones, np.cumprod(x, axis=axis)], axis=axis)
    after = np.flip(np.cumprod(np.flip(x, axis), axis=axis), axis)
    after = np.concatenate([after, ones], axis=axis)
    length = x.shape[axis]
    pick = [slice(None)] * x.ndim
    pick[axis] = slice(0, length)
    shifted = [slice(None)] * x.ndim
    shifted[axis] = slice(1, length + 1)
    return before[tuple(pick)] * after[tuple(shifted)]


@prod.vjp
def prod_vjp(g, out, x, dim=None, keepdim=False):
    if np.all(_raw(x)) or x.ndim == 0:
        return _expand(g, x.shape, dim, keepdim) * conj(_expand(out, x.shape, dim, keepdim) / x)
    return _expand(g, x.shape, dim, keepdim) * conj(_products_of_others(x, wrap_dims(dim, x.ndim, "prod")))


def _extreme_vjp(g, out, x, dim, keepdim):
    """amax/amin: the gradient is shared evenly between the tied extremes, as in PyTorch."""
    winners = x == _expand(out, x.shape, dim, keepdim)
    count = winners.sum(axis=wrap_dims(dim, x.ndim, "amax"), keepdims=True)
    return _expand(g, x.shape, dim, keepdim) * winners / count


@op
def amax(x, dim=None, keepdim=False):
    return np.amax(x, axis=wrap_dims(dim, x.ndim, "amax"), keepdims=keepdim)


@amax.vjp
def amax_vjp(g, out, x, dim=None, keepdim=False):
    return _extreme_vjp(g, out, x, dim, keepdim)


@op
def amin(x, dim=None, keepdim=False):
    return np.amin(x, axis=wrap_dims(dim, x.ndim, "amin"), keepdims=keepdim)


@amin.vjp
def amin_vjp(g, out, x, dim=None, keepdim=False):
    return _extreme_vjp(g, out, x, dim, keepdim)


def _pick(x, dim, keepdim, arg, name):
    axis = wrap_dim(dim, x.ndim, name)
    if x.ndim == 0:
        return x.copy(), np.zeros((), np.int64)
    if x.shape[axis] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size "
                         f"(input shape {x.shape})")
    indices = np.expand_dims(arg(x, axis=axis), axis)
    values = np.take_along_axis(x, indices, axis=axis)
    if not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return values, indices


def _pick_vjp(grads, out, x, dim, keepdim):
    g, _ = grads
    if x.ndim == 0:
        # a new array, not g itself: the tape lets a leaf keep (and later add into) what a
        # multi-output node's vjp returns, while g may still be on its way to other nodes
        return g * 1
    axis = wrap_dim(dim, x.ndim, "max")
    indices = out[1]
    if not keepdim:
        g, indices = np.expand_dims(g, axis), np.expand_dims(indices, axis)
    return scatter_add(g, _raw(indices), dim=axis, shape=x.shape)


@op
def max_with_indices(x, dim=0, keepdim=False):
    """max over `dim` as (values, indices); the gradient goes to the first maximum."""
    return _pick(x, dim, keepdim, np.argmax, "max")


@max_with_indices.vjp
def max_with_indices_vjp(grads, out, x, dim=0, keepdim=False):
    return _pick_vjp(grads, out, x, dim, keepdim)


@op
def min_with_indices(x, dim=0, keepdim=False):
    return _pick(x, dim, keepdim, np.argmin, "min")


@min_with_indices.vjp
def min_with_indices_vjp(grads, out, x, dim=0, keepdim=False):
    return _pick_vjp(grads, out, x, dim, keepdim)


def max(input, dim=None, keepdim: bool = False):
    """max over everything, or with `dim` (values, indices); max(input, other) is maximum."""
    if isinstance(dim, Tensor):
        from .elementwise import maximum
        return maximum(input, dim)
    if dim is None:
        return amax(input)
    return return_types.max(*max_with_indices(input, dim=dim, keepdim=keepdim))


def min(input, dim=None, keepdim: bool = False):
    if isinstance(dim, Tensor):
        from .elementwise import minimum
        return minimum(input, dim)
    if dim is None:
        return amin(input)
    return return_types.min(*min_with_indices(input, dim=dim, keepdim=keepdim))


def aminmax(input, *, dim=None, keepdim: bool = False):
    """(min, max) in one call, as PyTorch's named tuple."""
    return return_types.aminmax(amin(input, dim=dim, keepdim=keepdim), amax(input, dim=dim, keepdim=keepdim))


def _arg(x, dim, keepdim, arg, name):
    data = _raw(x) if isinstance(x, Tensor) else np.asarray(x)
    axis = None if dim is None else wrap_dims(dim, data.ndim, name)
    if data.size == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0"
                           if dim is None else f"{name}(): cannot reduce over an empty dimension "
                           f"{dim} of a tensor of shape {data.shape}")
    return Tensor._make(np.asarray(arg(data, axis=axis, keepdims=keepdim)))


def argmax(input, dim=None, keepdim: bool = False) -> Tensor:
    """Indices of the maxima (int64, off the tape); with dim=None, into the flattened input."""
    return _arg(input, dim, keepdim, np.argmax, "argmax")


def argmin(input, dim=None, keepdim: bool = False) -> Tensor:
    return _arg(input, dim, keepdim, np.argmin, "argmin")


def _peak(x, axis):
    """The max along axis (keepdims), with infinities replaced by 0 so that x - peak stays finite."""
    peak = np.amax(x, axis=axis, keepdims=True)
    if not np.isfinite(peak).all():
        peak = np.where(np.isfinite(peak), peak, 0)
    return peak


def _logsumexp(x, axis):
    """log(sum(exp(x))) over axis, keepdims, finite for large inputs (the max is taken out)."""
    if x.size == 0:
        with np.errstate(divide="ignore"):
            return np.log(np.sum(np.exp(x), axis=axis, keepdims=True))
    peak = _peak(x, axis)
    return np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak


@op
def logsumexp(x, dim=None, keepdim=False):
    _check_floating(x, "logsumexp")
    axis = wrap_dims(dim, x.ndim, "logsumexp")
    out = _logsumexp(x, axis)
    return out if keepdim else np.squeeze(out, axis=axis)


@logsumexp.vjp
def logsumexp_vjp(g, out, x, dim=None, keepdim=False):
    return _expand(g, x.shape, dim, keepdim) * np.exp(x - _expand(out, x.shape, dim, keepdim))


def _softmax_axis(x, dim, name):
    if x.dtype.kind not in "fc":
        raise NotImplementedError(f"{name}: not implemented for dtype {x.dtype}; softmax needs a "
                                  f"floating point input (pass dtype=needl.float32 or call .float())")
    return wrap_dims(dim, x.ndim, name)


@op
def softmax(x, dim=-1):
    axis = _softmax_axis(x, dim, "softmax")
    if x.size == 0:
        return x.copy()
    out = np.exp(x - np.amax(x, axis=axis, keepdims=True))
    out /= np.sum(out, axis=axis, keepdims=True)
    return out


@softmax.vjp
def softmax_vjp(g, out, x, dim=-1):
    return out * (g - (g * out).sum(axis=wrap_dims(dim, x.ndim, "softmax"), keepdims=True))


@op
def log_softmax(x, dim=-1):
    axis = _softmax_axis(x, dim, "log_softmax")
    if x.size == 0:
        return x.copy()
    # (x - peak) - log(sum) rather than x - (log(sum) + peak): exact at logits of 1e4 in float32
    shifted = x - _peak(x, axis)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


@log_softmax.vjp
def log_softmax_vjp(g, out, x, dim=-1):
    return g - np.exp(out) * g.sum(axis=wrap_dims(dim, x.ndim, "log_softmax"), keepdims=True)


def softmax_function(input, dim=None, dtype=None, *, name="softmax", function=softmax):
    """softmax/log_softmax with PyTorch's `dtype=` (cast first) and its implicit-dim default."""
    if dtype is not None:
        input = input.astype(dtype) if isinstance(input, Tensor) else input
    if dim is None:  # PyTorch's legacy choice for an unspecified dim
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return function(input, dim=dim)


@op
def nansum(x, dim=None, keepdim=False):
    return np.nansum(x, axis=wrap_dims(dim, x.ndim, "nansum"), keepdims=keepdim, dtype=_accumulator(x))


@nansum.vjp
def nansum_vjp(g, out, x, dim=None, keepdim=False):
    return np.where(np.isnan(_raw(x)), 0, _expand(g, x.shape, dim, keepdim))


def nanmean(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Mean of the non-NaN elements (NaN where a slice has none)."""
    if dtype is not None:
        input = input.astype(dtype)
    _check_floating(_raw(input), "nanmean")
    count = Tensor._make(np.asarray(np.sum(~np.isnan(_raw(input)), axis=wrap_dims(dim, input.ndim, "nanmean"),
                                           keepdims=keepdim)))
    return nansum(input, dim=dim, keepdim=keepdim) / count.astype(input.dtype)
