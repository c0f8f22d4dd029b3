"""Helpers shared by the distributions: broadcasting parameters, probs <-> logits, lazy properties."""
import numbers

import numpy as np

from ..autograd import dtypes, op
from ..autograd.ops import elementwise
from ..autograd.ops import shape as shape_ops
from ..autograd.tensor import Tensor


@op
def softplus(x):
    """log(1 + exp(x)), one op: its gradient sigmoid(x) is right at 0 too (relu + log1p(exp(-|x|))
    composed from ops would give 0 there)."""
    return np.logaddexp(0.0, x).astype(x.dtype, copy=False)


@softplus.vjp
def softplus_vjp(g, out, x):
    return g * elementwise.sigmoid(x)


def array(value) -> np.ndarray:
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def broadcast_all(*values):
    """Tensors of one broadcast shape; numbers take the first tensor's floating dtype (or the default)."""
    tensors = [v for v in values if isinstance(v, Tensor)]
    for v in values:
        if not isinstance(v, (Tensor, numbers.Number, np.ndarray)):
            raise ValueError(f"Input arguments must all be instances of numbers.Number or Tensor, got {type(v).__name__}")
    floating = [t.dtype for t in tensors if t.dtype.kind == "f"]
    dtype = floating[0] if floating else dtypes.get_default_dtype()
    converted = [v if isinstance(v, Tensor) else Tensor._make(np.asarray(v, dtype=dtype)) for v in values]
    shape = np.broadcast_shapes(*(t.shape for t in converted))
    return tuple(t if t.shape == shape else shape_ops.expand(t, sizes=shape) for t in converted)


def as_float_tensor(value, like=None) -> Tensor:
    """value as a floating tensor (numbers take like's dtype, or the default)."""
    if isinstance(value, Tensor):
        return value
    dtype = like.dtype if like is not None else dtypes.get_default_dtype()
    return Tensor._make(np.asarray(value, dtype=dtype))


def tiny(dtype) -> float:
    return float(np.finfo(dtype).tiny)


def eps(dtype) -> float:
    return float(np.finfo(dtype).eps)


def clamp_probs(probs: Tensor) -> Tensor:
    """probs kept inside [eps, 1 - eps], so that their logarithms stay finite."""
    epsilon = eps(probs.dtype)
    return elementwise.clamp(probs, min=epsilon, max=1.0 - epsilon)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    clamped = clamp_probs(probs)
    if is_binary:
        return elementwise.log(clamped) - elementwise.log1p(-clamped)
    return elementwise.log(clamped)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    if is_binary:
        return elementwise.sigmoid(logits)
    from ..autograd.ops import reduce
    return reduce.softmax(logits, dim=-1)


class lazy_property:
    """Computed on first access and then stored on the instance (probs from logits and back)."""

    def __init__(self, function):
        self.function = function
        self.__doc__ = function.__doc__
        self.__name__ = function.__name__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = self.function(instance)
        instance.__dict__[self.function.__name__] = value
        return value
