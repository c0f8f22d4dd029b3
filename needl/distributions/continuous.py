"""Uniform, Exponential, Gamma, Beta: Uniform and Exponential reparameterised; Gamma and Beta
sample without gradient (their rsample needs the implicit gradient of the gamma sampler, which
needl does not have yet, and says so)."""
import numpy as np

from ..autograd.ops import elementwise
from ..autograd.random import generator
from ..autograd.tensor import Tensor
from ..special import digamma, gammaln
from . import constraints
from .distribution import Distribution
from .utils import array, broadcast_all, tiny


class Uniform(Distribution):
    """Uniform on [low, high); rsample = low + (high - low) u."""
    arg_constraints = {"low": constraints.dependent(is_discrete=False, event_dim=0),
                       "high": constraints.dependent(is_discrete=False, event_dim=0)}
    has_rsample = True

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = broadcast_all(low, high)
        super().__init__(self.low.shape, validate_args=validate_args)
        if self._validate_args and not np.all(array(self.low) < array(self.high)):
            raise ValueError(f"Uniform is not defined when low >= high (low {self.low}, high {self.high})")

    @property
    def support(self):
        return constraints.interval(self.low, self.high)

    @property
    def mean(self) -> Tensor:
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Tensor:
        return Tensor._make(np.full(self._batch_shape, np.nan, self.low.dtype))

    @property
    def variance(self) -> Tensor:
        width = self.high - self.low
        return width * width / 12

    @property
    def stddev(self) -> Tensor:
        return (self.high - self.low) / 12 ** 0.5

    def rsample(self, sample_shape=()) -> Tensor:
        u = self._uniform_draws(self._extended_shape(sample_shape), self.low)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        data = array(value)
        inside = ((array(self.low) <= data) & (data < array(self.high))).astype(self.low.dtype)
        with np.errstate(divide="ignore"):
            return Tensor._make(np.log(inside)) - elementwise.log(self.high - self.low)

    def cdf(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return elementwise.clamp((value - self.low) / (self.high - self.low), min=0.0, max=1.0)

    def icdf(self, value) -> Tensor:
        return value * (self.high - self.low) + self.low

    def entropy(self) -> Tensor:
        return elementwise.log(self.high - self.low)


class Exponential(Distribution):
    """Density rate exp(-rate x) on x >= 0; rsample = E / rate with E standard exponential."""
    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return 1 / self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate * 0.0

    @property
    def stddev(self) -> Tensor:
        return 1 / self.rate

    @property
    def variance(self) -> Tensor:
        return 1 / (self.rate * self.rate)

    def rsample(self, sample_shape=()) -> Tensor:
        draws = generator().standard_exponential(self._extended_shape(sample_shape), dtype=self.rate.dtype)
        return draws / self.rate

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return elementwise.log(self.rate) - self.rate * value

    def cdf(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 1 - elementwise.exp(-self.rate * value)

    def icdf(self, value) -> Tensor:
        return -elementwise.log1p(-value) / self.rate

    def entropy(self) -> Tensor:
        return 1.0 - elementwise.log(self.rate)


def _gamma_draws(concentration: np.ndarray, shape) -> np.ndarray:
    """Standard gamma draws of the concentrations' dtype, kept above the smallest normal number."""
    draws = generator().standard_gamma(np.broadcast_to(concentration, shape), dtype=np.float64)
    return np.maximum(draws, tiny(concentration.dtype)).astype(concentration.dtype)


class Gamma(Distribution):
    """Density rate^a x^(a-1) exp(-rate x) / Gamma(a), a = concentration."""
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(self.concentration.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return elementwise.clamp((self.concentration - 1) / self.rate, min=0.0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / (self.rate * self.rate)

    def sample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        draws = _gamma_draws(array(self.concentration), shape) / np.broadcast_to(array(self.rate), shape)
        return Tensor._make(np.maximum(draws, tiny(draws.dtype)))

    def rsample(self, sample_shape=()) -> Tensor:
        raise NotImplementedError("Gamma.rsample: reparameterized gamma samples (the implicit gradient with "
                                  "respect to concentration) are not implemented in needl; use sample()")

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        a, rate = self.concentration, self.rate
        return a * elementwise.log(rate) + (a - 1) * elementwise.log(value) - rate * value - gammaln(a)

    def cdf(self, value) -> Tensor:
        raise NotImplementedError("Gamma.cdf needs the regularized incomplete gamma function (special.gammainc), "
                                  "which needl does not have yet")

    def entropy(self) -> Tensor:
        a = self.concentration
        return a - elementwise.log(self.rate) + gammaln(a) + (1.0 - a) * digamma(a)


class Beta(Distribution):
    """Density x^(a-1) (1-x)^(b-1) / B(a, b) on [0, 1], a = concentration1, b = concentration0."""
    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval

    def __init__(self, concentration1, concentration0, validate_args=None):
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        super().__init__(self.concentration1.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        return (self.concentration1 - 1) / (self.concentration1 + self.concentration0 - 2)

    @property
    def variance(self) -> Tensor:
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total * total * (total + 1))

    def sample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        a = _gamma_draws(array(self.concentration1), shape)
        b = _gamma_draws(array(self.concentration0), shape)
        eps = float(np.finfo(a.dtype).eps)
        return Tensor._make(np.clip(a / (a + b), tiny(a.dtype), 1 - eps))

    def rsample(self, sample_shape=()) -> Tensor:
        raise NotImplementedError("Beta.rsample: reparameterized beta samples (built on the gamma sampler's "
                                  "implicit gradient) are not implemented in needl; use sample()")

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        a, b = self.concentration1, self.concentration0
        return ((a - 1) * elementwise.log(value) + (b - 1) * elementwise.log1p(-value)
                - _log_beta(a, b))

    def entropy(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        total = a + b
        return (_log_beta(a, b) - (a - 1) * digamma(a) - (b - 1) * digamma(b)
                + (total - 2) * digamma(total))


def _log_beta(a, b):
    return gammaln(a) + gammaln(b) - gammaln(a + b)
