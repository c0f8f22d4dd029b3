"""Running reductions along a dim: cumsum cumprod cummax cummin logcumsumexp, and diff."""
import numpy as np

from ..function import op
from ..tensor import Tensor
from . import return_types
from .complex import conj
from .dims import wrap_dim
from .shape import gather


def _raw(value):
    return value._data if isinstance(value, Tensor) else value


def _axis(ndim, dim, name):
    """NumPy's axis for dim of an input with ndim dims (None on a 0-d input, which NumPy would
    flatten: reshaped back). It takes ndim, not the input, so that a vjp calling it reads no input."""
    return wrap_dim(dim, ndim, name) if ndim else None


def _accumulated(function, x, dim, name):
    axis = _axis(x.ndim, dim, name)
    dtype = np.int64 if x.dtype.kind in "biu" else None  # PyTorch sums integers in int64
    out = function(x, axis=0 if axis is None else axis, dtype=dtype) if x.ndim else function(
        x.reshape(1), axis=0, dtype=dtype).reshape(())
    return out


def _reverse_cumsum(g, axis):
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


@op
def cumsum(x, dim=0):
    return _accumulated(np.cumsum, x, dim, "cumsum")


@cumsum.vjp
def cumsum_vjp(g, out, x, dim=0):
    axis = _axis(x.ndim, dim, "cumsum")
    return g if axis is None else _reverse_cumsum(g, axis)



@op
def cumprod(x, dim=0):
    return _accumulated(np.cumprod, x, dim, "cumprod")


@cumprod.vjp
def cumprod_vjp(g, out, x, dim=0):
    axis = _axis(x.ndim, dim, "cumprod")
    if axis is None:
        return g
    raw = _raw(x)
    if np.all(raw):
        return _reverse_cumsum(g * conj(out), axis) / conj(x)
    # With zeros: before the first zero of a slice the usual rule holds; at the first zero z the
    # gradient is the sum over j >= z of g_j times the product of x_k (k <= j, k != z); after it, 0.
    length = raw.shape[axis]
    positions = np.arange(length).reshape((-1,) + (1,) * (raw.ndim - axis - 1))
    first_zero = np.argmax(raw == 0, axis=axis, keepdims=True)
    first_zero = np.where(np.any(raw == 0, axis=axis, keepdims=True), first_zero, length)
    before, at = positions < first_zero, positions == first_zero
    safe = np.where(before, x, 1)
    usual = np.where(before, _reverse_cumsum(g * conj(out), axis) / conj(safe), 0)
    without_zero = np.cumprod(np.where(at, 1, x), axis=axis)
    at_zero = np.where(at, _reverse_cumsum(g * conj(without_zero), axis), 0)
    return usual + at_zero


def _running_extreme(input, dim, accumulate, name, result_type):
    data = _raw(input)
    axis = _axis(data.ndim, dim, name)
    if axis is None:
        return result_type(input * 1, Tensor._make(np.zeros((), np.int64)))
    running = accumulate(data, axis=axis)
    positions = np.arange(data.shape[axis]).reshape((-1,) + (1,) * (data.ndim - axis - 1))
    # the last position at which the running extreme was reached (PyTorch's index for ties)
    reached = (data == running) | (np.isnan(data) if data.dtype.kind == "f" else False)
    indices = np.maximum.accumulate(np.where(reached, positions, 0), axis=axis)
    return result_type(gather(input, axis, indices), Tensor._make(indices))


def cummax(input, dim: int):
    """(values, indices): the running maximum along dim and where it was last reached."""
    return _running_extreme(input, dim, np.maximum.accumulate, "cummax",
                            return_types.cummax)


def cummin(input, dim: int):
    return _running_extreme(input, dim, np.minimum.accumulate, "cummin", return_types.cummin)


@op
def logcumsumexp(x, dim=0):
    """log(cumsum(exp(x))) along dim, exact for any range of values (NumPy's logaddexp.accumulate)."""
    if x.dtype.kind not in "fc":
        raise RuntimeError(f"logcumsumexp: expected a floating point input, got {x.dtype}")
    axis = _axis(x.ndim, dim, "logcumsumexp")
    return x.copy() if axis is None else np.logaddexp.accumulate(x, axis=axis)


@logcumsumexp.vjp
def logcumsumexp_vjp(g, out, x, dim=0):
    axis = _axis(x.ndim, dim, "logcumsumexp")
    if axis is None:
        return g
    if isinstance(g, Tensor):
        return _logcumsumexp_vjp_recorded(g, out, x, axis)
    # grad_i = sum_{j >= i} g_j exp(x_i - out_j), summed in log space for the positive and the
    # negative parts of g separately (as PyTorch), so that nothing overflows
    with np.errstate(divide="ignore"):
        positive = np.log(np.maximum(g, 0)) - out
        negative = np.log(np.maximum(-g, 0)) - out

    def reverse_logcumsumexp(values):
        return np.flip(logcumsumexp(np.flip(values, axis), dim=axis), axis)
    return np.exp(reverse_logcumsumexp(positive) + x) - np.exp(reverse_logcumsumexp(negative) + x)


def _logcumsumexp_vjp_recorded(g, out, x, axis):
    """The same gradient as a (n x n) weighted sum per slice, differentiable again (create_graph):
    weight exp(x_i - out_j) for j >= i, at most 1, and no log of g (whose derivative at 0 is inf)."""
    length = x.shape[axis]
    later = np.triu(np.ones((length, length), bool)).reshape((length, length) + (1,) * (x.ndim - axis - 1))
    exponent = np.where(later, x.unsqueeze(axis + 1) - out.unsqueeze(axis), -np.inf)
    return (np.exp(exponent) * g.unsqueeze(axis)).sum(axis + 1)


def diff(input, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    """The n-th forward difference along dim (after joining prepend and append)."""
    from .shape import cat
    axis = wrap_dim(dim, input.ndim, "diff")
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    parts = [part for part in (prepend, input, append) if part is not None]
    if len(parts) > 1:
        parts = [part if isinstance(part, Tensor) or np.ndim(part) else
                 Tensor._make(np.full(input.shape[:axis] + (1,) + input.shape[axis + 1:], part, input.dtype))
                 for part in parts]
        input = cat(*parts, dim=axis)
    head = (slice(None),) * axis
    for _ in range(n):
        input = input[head + (slice(1, None),)] - input[head + (slice(None, -1),)]
    return input
