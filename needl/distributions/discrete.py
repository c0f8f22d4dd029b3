"""Bernoulli, Categorical, OneHotCategorical (and its straight-through form): parameterised by
probs or logits, the other one computed on first use."""
import numpy as np

from ..autograd.ops import elementwise, reduce
from ..autograd.ops import shape as shape_ops
from ..autograd.tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import (array, as_float_tensor, broadcast_all, lazy_property, logits_to_probs, probs_to_logits,
                    softplus)


def _one_of(probs, logits, name):
    if (probs is None) == (logits is None):
        raise ValueError(f"{name}: either `probs` or `logits` must be specified, but not both.")


class Bernoulli(Distribution):
    """1 with probability probs (or sigmoid(logits)), else 0; samples are floats, as PyTorch's."""
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        _one_of(probs, logits, "Bernoulli")
        if probs is not None:
            (self.probs,) = broadcast_all(probs)
            shape = self.probs.shape
        else:
            (self.logits,) = broadcast_all(logits)
            shape = self.logits.shape
        super().__init__(shape, validate_args=validate_args)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> tuple:
        return self._batch_shape

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        probs = array(self.probs)
        return Tensor._make(np.where(probs == 0.5, np.nan, (probs > 0.5)).astype(probs.dtype))

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        probs = array(self.probs)
        return Tensor._make((self._uniform_draws(shape, probs) < np.broadcast_to(probs, shape)).astype(probs.dtype))

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return value * logits - softplus(logits)  # -binary_cross_entropy_with_logits

    def entropy(self) -> Tensor:
        return softplus(self.logits) - self.probs * self.logits

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = Tensor._make(np.arange(2, dtype=array(self.probs if "probs" in self.__dict__ else self.logits).dtype)
                              .reshape((2,) + (1,) * len(self._batch_shape)))
        return shape_ops.expand(values, sizes=(2,) + self._batch_shape) if expand else values


class Categorical(Distribution):
    """One of K categories with probabilities probs (normalised) or softmax(logits), over the last
    dimension; samples are int64 indices."""
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        _one_of(probs, logits, type(self).__name__)
        parameter = as_float_tensor(probs if probs is not None else logits)
        if parameter.ndim < 1:
            raise ValueError("`probs` or `logits` parameter must be at least one-dimensional.")
        if probs is not None:
            self.probs = parameter / reduce.sum(parameter, dim=-1, keepdim=True)
        else:
            self.logits = parameter - reduce.logsumexp(parameter, dim=-1, keepdim=True)
        self._num_events = parameter.shape[-1]
        super().__init__(parameter.shape[:-1], validate_args=validate_args)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits)

    @property
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def param_shape(self) -> tuple:
        return self._batch_shape + (self._num_events,)

    @property
    def mean(self) -> Tensor:
        return Tensor._make(np.full(self._batch_shape, np.nan, array(self.probs).dtype))

    @property
    def mode(self) -> Tensor:
        return Tensor._make(np.argmax(array(self.probs), axis=-1))

    @property
    def variance(self) -> Tensor:
        return self.mean

    def sample(self, sample_shape=()) -> Tensor:
        """Inverse CDF, vectorised: the number of cumulative probabilities below a uniform draw."""
        probs = array(self.probs)
        cumulative = np.cumsum(probs, axis=-1)
        cumulative /= cumulative[..., -1:]  # exactly 1 at the end, whatever the rounding
        shape = tuple(sample_shape) + self._batch_shape
        draws = self._uniform_draws(shape + (1,), probs)
        index = (draws >= cumulative).sum(axis=-1)
        return Tensor._make(np.minimum(index, self._num_events - 1).astype(np.int64))

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        index = array(value).astype(np.int64)[..., None]
        shape = np.broadcast_shapes(index.shape, array(self.logits).shape)
        logits = shape_ops.expand(self.logits, sizes=shape)
        index = np.broadcast_to(index, shape[:-1] + (1,))
        return shape_ops.squeeze(shape_ops.gather(logits, -1, Tensor._make(np.ascontiguousarray(index))), dim=-1)

    def entropy(self) -> Tensor:
        minimum = float(np.finfo(array(self.logits).dtype).min)
        logits = elementwise.clamp(self.logits, min=minimum)
        return -reduce.sum(logits * self.probs, dim=-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = Tensor._make(np.arange(self._num_events, dtype=np.int64).reshape(
            (self._num_events,) + (1,) * len(self._batch_shape)))
        return shape_ops.expand(values, sizes=(self._num_events,) + self._batch_shape) if expand else values


class OneHotCategorical(Distribution):
    """Categorical with samples as one-hot vectors (event_shape (K,), the parameters' dtype)."""
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        super().__init__(self._categorical.batch_shape, (self._categorical._num_events,),
                         validate_args=False)
        if validate_args is not None:
            self._validate_args = validate_args

    def expand(self, batch_shape, _instance=None):
        new = type(self).__new__(type(self))
        new._categorical = self._categorical.expand(batch_shape)
        Distribution.__init__(new, tuple(batch_shape), self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def param_shape(self) -> tuple:
        return self._categorical.param_shape

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        probs = array(self.probs)
        return Tensor._make(np.eye(probs.shape[-1], dtype=probs.dtype)[np.argmax(probs, axis=-1)])

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def _one_hot(self, index: np.ndarray) -> Tensor:
        return Tensor._make(np.eye(self._event_shape[0], dtype=array(self.probs).dtype)[index])

    def sample(self, sample_shape=()) -> Tensor:
        return self._one_hot(array(self._categorical.sample(sample_shape)))

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(Tensor._make(np.argmax(array(value), axis=-1)))

    def entropy(self) -> Tensor:
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        n = self._event_shape[0]
        values = self._one_hot(np.arange(n)).reshape((n,) + (1,) * len(self._batch_shape) + (n,))
        return shape_ops.expand(values, sizes=(n,) + self._batch_shape + (n,)) if expand else values

    def __repr__(self):
        return repr(self._categorical).replace("Categorical", type(self).__name__, 1)


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """OneHotCategorical whose rsample passes gradients straight through: sample + probs - probs.detach()."""
    has_rsample = True

    def rsample(self, sample_shape=()) -> Tensor:
        samples = self.sample(sample_shape)
        probs = self.probs
        return samples + (probs - probs.detach())
