"""Poisson and Binomial: counts, sampled as floats (as PyTorch does), densities through lgamma."""
import numpy as np

from ..autograd.ops import elementwise, reduce
from ..autograd.random import generator
from ..autograd.tensor import Tensor
from ..special import gammaln, xlogy
from . import constraints
from .distribution import Distribution
from .utils import array, broadcast_all, lazy_property, logits_to_probs, probs_to_logits, softplus


class Poisson(Distribution):
    """P(k) = rate^k exp(-rate) / k!."""
    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return Tensor._make(np.floor(array(self.rate)))

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        rate = array(self.rate)
        return Tensor._make(generator().poisson(np.broadcast_to(rate, shape)).astype(rate.dtype))

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return xlogy(value, rate) - rate - gammaln(value + 1)


class Binomial(Distribution):
    """The number of successes in total_count trials of probability probs (or sigmoid(logits))."""
    arg_constraints = {"total_count": constraints.nonnegative_integer, "probs": constraints.unit_interval,
                       "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            self.total_count, self.probs = broadcast_all(total_count, probs)
            self.total_count = self.total_count.astype(self.probs.dtype)
            shape = self.probs.shape
        else:
            self.total_count, self.logits = broadcast_all(total_count, logits)
            self.total_count = self.total_count.astype(self.logits.dtype)
            shape = self.logits.shape
        super().__init__(shape, validate_args=validate_args)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        n = array(self.total_count)
        return Tensor._make(np.minimum(np.floor((n + 1) * array(self.probs)), n))

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        n, p = array(self.total_count), array(self.probs)
        draws = generator().binomial(np.broadcast_to(n, shape).astype(np.int64), np.broadcast_to(p, shape))
        return Tensor._make(draws.astype(p.dtype))

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        n = self.total_count
        # log C(n, k) + k logits - n log(1 + exp(logits))
        combinations = gammaln(n + 1) - gammaln(value + 1) - gammaln(n - value + 1)
        return combinations + value * self.logits - n * softplus(self.logits)

    def entropy(self) -> Tensor:
        counts = np.unique(array(self.total_count))
        if counts.size > 1:
            raise NotImplementedError("Inhomogeneous total count not supported by `entropy`.")
        support = self.enumerate_support(expand=False)
        log_prob = self.log_prob(support)
        return -reduce.sum(elementwise.exp(log_prob) * log_prob, dim=0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        counts = np.unique(array(self.total_count))
        if counts.size > 1:
            raise NotImplementedError("Inhomogeneous total count not supported by `enumerate_support`.")
        values = np.arange(int(counts[0]) + 1, dtype=array(self.total_count).dtype)
        values = Tensor._make(values.reshape((-1,) + (1,) * len(self._batch_shape)))
        from ..autograd.ops import shape as shape_ops
        return shape_ops.expand(values, sizes=values.shape[:1] + self._batch_shape) if expand else values
