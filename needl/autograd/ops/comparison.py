"""Comparisons, tests and logical ops: bool results, off the tape (they have no gradient)."""
import numpy as np

from ..function import op
from ..tensor import Tensor
from .dims import wrap_dims


def _raw(value):
    return value._data if isinstance(value, Tensor) else value


def _bool(function):
    """A PyTorch-named function on the arrays of its arguments whose result is a bool tensor."""
    def apply(input, other=None):
        if other is None:
            return Tensor._make(np.asarray(function(_raw(input))))
        return Tensor._make(np.asarray(function(_raw(input), _raw(other))))
    apply.__name__ = function.__name__
    apply.__doc__ = f"Elementwise {function.__name__}, as a bool tensor (off the tape)."
    return apply


eq = _bool(np.equal)
ne = _bool(np.not_equal)
lt = _bool(np.less)
le = _bool(np.less_equal)
gt = _bool(np.greater)
ge = _bool(np.greater_equal)
isnan = _bool(np.isnan)
isinf = _bool(np.isinf)
isfinite = _bool(np.isfinite)
isposinf = _bool(np.isposinf)
isneginf = _bool(np.isneginf)
signbit = _bool(np.signbit)
logical_and = _bool(np.logical_and)
logical_or = _bool(np.logical_or)
logical_xor = _bool(np.logical_xor)
logical_not = _bool(np.logical_not)


def isreal(input) -> Tensor:
    return Tensor._make(np.asarray(np.isreal(_raw(input))))


def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol * |other|, elementwise."""
    return Tensor._make(np.asarray(np.isclose(_raw(input), _raw(other), rtol=rtol, atol=atol,
                                              equal_nan=equal_nan)))


def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    return bool(np.allclose(_raw(input), _raw(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(input, other) -> bool:
    """True if both have the same shape and elements."""
    return bool(np.array_equal(_raw(input), _raw(other)))


def _logical_reduction(function, input, dim, keepdim, name):
    data = _raw(input)
    axis = wrap_dims(dim, data.ndim, name)
    result = np.asarray(function(data, axis=axis, keepdims=keepdim))
    # PyTorch keeps uint8 for uint8 inputs, bool otherwise
    return Tensor._make(result.astype(np.uint8) if data.dtype == np.uint8 else result)


def all(input, dim=None, keepdim: bool = False) -> Tensor:
    """True where every element along dim is nonzero."""
    return _logical_reduction(np.all, input, dim, keepdim, "all")


def any(input, dim=None, keepdim: bool = False) -> Tensor:
    """True where some element along dim is nonzero."""
    return _logical_reduction(np.any, input, dim, keepdim, "any")


def count_nonzero(input, dim=None) -> Tensor:
    data = _raw(input)
    return Tensor._make(np.asarray(np.count_nonzero(data, axis=wrap_dims(dim, data.ndim, "count_nonzero")),
                                   dtype=np.int64))


def is_nonzero(input) -> bool:
    data = _raw(input)
    if data.size != 1:
        raise RuntimeError(f"Boolean value of Tensor with {'no values' if data.size == 0 else 'more than one value'} "
                           f"is ambiguous")
    return bool(data.item())


@op
def step_into(input, *others, compute=None):
    """compute(input, *others) (arrays in, a Tensor or array out) in input's dtype: the recorded
    in-place form (Tensor._apply_) of an op without a gradient (eq_, logical_and_, bitwise_and_ ...)."""
    result = compute(input, *others)
    return np.asarray(getattr(result, "_data", result)).astype(input.dtype, copy=False)


@step_into.vjp
def step_into_vjp(g, out, input, *others, compute=None):
    return (g * 0,) + (None,) * len(others)
