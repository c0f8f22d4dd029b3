"""Normal, LogNormal, HalfNormal, Laplace, Cauchy: location-scale families with reparameterised samples."""
import math

import numpy as np

from ..autograd.ops import elementwise
from ..autograd.random import generator
from ..autograd.tensor import Tensor
from ..special import erf, erfinv
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, eps

_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)


class _LocationScale(Distribution):
    """A real distribution of loc + scale * (a standard one): the parameters broadcast, the mean and
    mode are loc, rsample lets gradients reach both."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc


class Normal(_LocationScale):
    """N(loc, scale^2); rsample = loc + scale * eps with eps standard normal."""

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale * self.scale

    def rsample(self, sample_shape=()) -> Tensor:
        noise = self._normal_draws(self._extended_shape(sample_shape), self.loc)
        return self.loc + self.scale * noise

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        return -0.5 * z * z - elementwise.log(self.scale) - _HALF_LOG_TWO_PI

    def cdf(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + erf((value - self.loc) / (self.scale * math.sqrt(2))))

    def icdf(self, value) -> Tensor:
        return self.loc + self.scale * erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self) -> Tensor:
        return 0.5 + _HALF_LOG_TWO_PI + elementwise.log(self.scale)


class LogNormal(Distribution):
    """exp(X) for X ~ Normal(loc, scale)."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.base_dist = Normal(loc, scale, validate_args=validate_args)
        self.loc, self.scale = self.base_dist.loc, self.base_dist.scale
        super().__init__(self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape, _instance)
        new.base_dist = self.base_dist.expand(batch_shape)
        new.loc, new.scale = new.base_dist.loc, new.base_dist.scale
        return new

    @property
    def mean(self) -> Tensor:
        return elementwise.exp(self.loc + self.scale * self.scale / 2)

    @property
    def mode(self) -> Tensor:
        return elementwise.exp(self.loc - self.scale * self.scale)

    @property
    def variance(self) -> Tensor:
        square = self.scale * self.scale
        return (elementwise.exp(square) - 1) * elementwise.exp(2 * self.loc + square)

    def rsample(self, sample_shape=()) -> Tensor:
        return elementwise.exp(self.base_dist.rsample(sample_shape))

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        log_value = elementwise.log(value)
        return self.base_dist.log_prob(log_value) - log_value

    def cdf(self, value) -> Tensor:
        return self.base_dist.cdf(elementwise.log(value))

    def icdf(self, value) -> Tensor:
        return elementwise.exp(self.base_dist.icdf(value))

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() + self.loc


class Laplace(_LocationScale):
    """The Laplace (double exponential) distribution: density exp(-|x - loc| / scale) / (2 scale)."""

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale * self.scale

    @property
    def stddev(self) -> Tensor:
        return math.sqrt(2) * self.scale

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        low = eps(self.loc.dtype) - 1  # u in (-1, 1), as PyTorch: log1p(-|u|) stays finite
        u = (self._uniform_draws(shape, self.loc) * (1 - low) + low).astype(self.loc.dtype)
        return self.loc - self.scale * (np.sign(u) * np.log1p(-np.abs(u)))

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return -elementwise.log(2 * self.scale) - elementwise.abs(value - self.loc) / self.scale

    def cdf(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        from ..special import expm1
        centred = value - self.loc
        return 0.5 - 0.5 * _sign(centred) * expm1(-elementwise.abs(centred) / self.scale)

    def icdf(self, value) -> Tensor:
        term = value - 0.5
        return self.loc - self.scale * _sign(term) * elementwise.log1p(-2 * elementwise.abs(term))

    def entropy(self) -> Tensor:
        return 1 + elementwise.log(2 * self.scale)


class HalfNormal(Distribution):
    """|X| for X ~ Normal(0, scale)."""
    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale, validate_args=None):
        self.base_dist = Normal(0.0, scale, validate_args=validate_args)
        self.scale = self.base_dist.scale
        super().__init__(self.scale.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape, _instance)
        new.base_dist = self.base_dist.expand(batch_shape)
        new.scale = new.base_dist.scale
        return new

    @property
    def mean(self) -> Tensor:
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def mode(self) -> Tensor:
        return self.scale * 0.0

    @property
    def variance(self) -> Tensor:
        return self.scale * self.scale * (1 - 2 / math.pi)

    def rsample(self, sample_shape=()) -> Tensor:
        return elementwise.abs(self.base_dist.rsample(sample_shape))

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self.base_dist.log_prob(value) + math.log(2)

    def cdf(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, value) -> Tensor:
        return self.base_dist.icdf((value + 1) / 2)

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() - math.log(2)


class Cauchy(_LocationScale):
    """The Cauchy distribution: density 1 / (pi scale (1 + ((x - loc) / scale)^2)); no mean, no variance."""

    @property
    def mean(self) -> Tensor:
        return Tensor._make(np.full(self._batch_shape, np.nan, self.loc.dtype))

    @property
    def variance(self) -> Tensor:
        return Tensor._make(np.full(self._batch_shape, np.inf, self.loc.dtype))

    def rsample(self, sample_shape=()) -> Tensor:
        return self.loc + self.scale * generator().standard_cauchy(self._extended_shape(sample_shape)).astype(self.loc.dtype)

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        return -math.log(math.pi) - elementwise.log(self.scale) - elementwise.log1p(z * z)

    def cdf(self, value) -> Tensor:
        raise NotImplementedError("Cauchy.cdf needs arctan, which needl has no op for yet")

    def icdf(self, value) -> Tensor:
        angle = math.pi * (value - 0.5)
        return self.loc + self.scale * elementwise.sin(angle) / elementwise.cos(angle)

    def entropy(self) -> Tensor:
        return math.log(4 * math.pi) + elementwise.log(self.scale)


def _sign(x):
    return Tensor._make(np.sign(x._data)) if isinstance(x, Tensor) else np.sign(x)
