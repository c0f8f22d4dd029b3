"""Reductions over `dim` (an int, a tuple of ints or None for all), softmax and its kin."""
import math

import numpy as np

from ..function import op
from ..tensor import Tensor
from .shape import scatter_add


def _axes(dim, ndim):
    """`dim` as a sorted tuple of non-negative axes (None: every axis)."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    axes = []
    for d in dims:
        if not -ndim <= d < max(ndim, 1):
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-max(ndim, 1)}, {max(ndim, 1) - 1}], but got {d})")
        axes.append(d % ndim if ndim else 0)
    return tuple(sorted(axes))


def _expand(g, x, dim, keepdim):
    """Broadcast a reduced gradient back over the reduced axes of x (a read-only view).

    Small gradients are filled into a fresh array instead: NumPy's ops on a stride-0 view take a
    slower path that costs more than the copy below about 4096 elements.
    """
    if not keepdim and dim is not None and x.ndim:
        g = np.expand_dims(g, _axes(dim, x.ndim))
    if type(g) is np.ndarray and 0 < x.size <= 4096:
        full = np.empty(x.shape, g.dtype)
        full[...] = g
        return full
    if type(g) is np.ndarray and g.flags.c_contiguous and x.size:
        # the view np.broadcast_to makes, built directly: 3x cheaper for the small arrays of a tape
        strides = (0,) * (x.ndim - g.ndim)
        if g.ndim:  # a full reduction (0-d g) needs no per-axis strides
            strides += tuple(0 if size == 1 else stride for size, stride in zip(g.shape, g.strides))
        # positional arguments and setflags: each half the cost of keywords and view.flags.writeable
        view = np.ndarray(x.shape, g.dtype, g, 0, strides)
        view.setflags(write=False)
        return view
    return np.broadcast_to(g, x.shape)


def _numpy_dim(dim):
    return tuple(dim) if isinstance(dim, list) else dim


@op
def sum(x, dim=None, keepdim=False):
    # np.add.reduce is what np.sum calls, without np.sum's Python dispatch layer (2x faster on small arrays)
    return np.add.reduce(x, axis=_numpy_dim(dim), keepdims=keepdim)


@sum.vjp
def sum_vjp(g, out, x, dim=None, keepdim=False):
    return _expand(g, x, dim, keepdim)


@op
def mean(x, dim=None, keepdim=False):
    if x.dtype.kind not in "fc":
        raise RuntimeError(f"mean() needs a floating point input, got dtype {x.dtype}")
    return np.mean(x, axis=_numpy_dim(dim), keepdims=keepdim)


@mean.vjp
def mean_vjp(g, out, x, dim=None, keepdim=False):
    count = math.prod(x.shape) // max(math.prod(out.shape), 1) if math.prod(x.shape) else 1
    return _expand(g * (1.0 / count), x, dim, keepdim)


@op
def var(x, dim=None, correction=1, keepdim=False):
    return np.var(x, axis=_numpy_dim(dim), ddof=correction, keepdims=keepdim)


@var.vjp
def var_vjp(g, out, x, dim=None, correction=1, keepdim=False):
    axes = _axes(dim, x.ndim)
    count = 1
    for axis in axes:
        count *= x.shape[axis]
    centred = x - x.mean(axis=axes, keepdims=True)
    return _expand(g, x, dim, keepdim) * centred * (2.0 / max(count - correction, 0))


@op
def prod(x, dim=None, keepdim=False):
    return np.prod(x, axis=dim, keepdims=keepdim)


@prod.vjp
def prod_vjp(g, out, x, dim=None, keepdim=False):
    return _expand(g, x, dim, keepdim) * _expand(out, x, dim, keepdim) / x


def _extreme_vjp(g, out, x, dim, keepdim):
    """amax/amin: the gradient is shared evenly between the tied extremes, as in PyTorch."""
    winners = x == _expand(out, x, dim, keepdim)
    count = winners.sum(axis=_axes(dim, x.ndim), keepdims=True)
    return _expand(g, x, dim, keepdim) * winners / count


@op
def amax(x, dim=None, keepdim=False):
    return np.amax(x, axis=_numpy_dim(dim), keepdims=keepdim)


@amax.vjp
def amax_vjp(g, out, x, dim=None, keepdim=False):
    return _extreme_vjp(g, out, x, dim, keepdim)


@op
def amin(x, dim=None, keepdim=False):
    return np.amin(x, axis=_numpy_dim(dim), keepdims=keepdim)


@amin.vjp
def amin_vjp(g, out, x, dim=None, keepdim=False):
    return _extreme_vjp(g, out, x, dim, keepdim)


def _pick(x, dim, keepdim, arg):
    indices = np.expand_dims(arg(x, axis=dim), dim)
    values = np.take_along_axis(x, indices, axis=dim)
    if not keepdim:
        values, indices = values.squeeze(dim), indices.squeeze(dim)
    return values, indices


def _pick_vjp(grads, out, x, dim, keepdim):
    g, _ = grads
    indices = out[1]
    if not keepdim:
        g, indices = np.expand_dims(g, dim), np.expand_dims(indices, dim)
    return scatter_add(g, indices, dim=dim, shape=x.shape)


@op
def max_with_indices(x, dim=0, keepdim=False):
    """max over `dim` as (values, indices); the gradient goes to the first maximum."""
    return _pick(x, dim, keepdim, np.argmax)


@max_with_indices.vjp
def max_with_indices_vjp(grads, out, x, dim=0, keepdim=False):
    return _pick_vjp(grads, out, x, dim, keepdim)


@op
def min_with_indices(x, dim=0, keepdim=False):
    return _pick(x, dim, keepdim, np.argmin)


@min_with_indices.vjp
def min_with_indices_vjp(grads, out, x, dim=0, keepdim=False):
    return _pick_vjp(grads, out, x, dim, keepdim)


def argmax(x, dim=None, keepdim=False):
    """Indices of the maxima (int64, off the tape); with dim=None, into the flattened input."""
    data = x._data if isinstance(x, Tensor) else np.asarray(x)
    return Tensor._make(np.asarray(np.argmax(data, axis=dim, keepdims=keepdim and dim is not None)))


def argmin(x, dim=None, keepdim=False):
    data = x._data if isinstance(x, Tensor) else np.asarray(x)
    return Tensor._make(np.asarray(np.argmin(data, axis=dim, keepdims=keepdim and dim is not None)))


def _logsumexp(x, dim):
    """log(sum(exp(x))) over dim, keepdims, finite for large inputs (the max is taken out)."""
    peak = np.amax(x, axis=dim, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0)
    shifted = np.exp(x - peak)
    return np.log(np.sum(shifted, axis=dim, keepdims=True)) + peak


@op
def logsumexp(x, dim=None, keepdim=False):
    out = _logsumexp(x, _numpy_dim(dim))
    return out if keepdim else np.squeeze(out, axis=_numpy_dim(dim))


@logsumexp.vjp
def logsumexp_vjp(g, out, x, dim=None, keepdim=False):
    return _expand(g, x, dim, keepdim) * np.exp(x - _expand(out, x, dim, keepdim))


@op
def softmax(x, dim=-1):
    out = np.exp(x - np.amax(x, axis=dim, keepdims=True))
    out /= np.sum(out, axis=dim, keepdims=True)
    return out


@softmax.vjp
def softmax_vjp(g, out, x, dim=-1):
    return out * (g - (g * out).sum(axis=dim, keepdims=True))


@op
def log_softmax(x, dim=-1):
    return x - _logsumexp(x, dim)


@log_softmax.vjp
def log_softmax_vjp(g, out, x, dim=-1):
    return g - np.exp(out) * g.sum(axis=dim, keepdims=True)
