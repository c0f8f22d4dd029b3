"""Uniform, Exponential, Gamma, Chi2, Beta, Dirichlet, all with reparameterised samples.

Gamma's rsample takes NumPy's gamma draw x and gives it the implicit gradient dx/da that keeps
its quantile P(a, x) fixed (special.incomplete_gamma.standard_gamma_grad); Beta and Dirichlet
are normalised gamma draws, so their gradients follow."""
import numpy as np

from ..autograd import op
from ..autograd.ops import elementwise, reduce
from ..autograd.ops import shape as shape_ops
from ..autograd.random import generator
from ..autograd.tensor import Tensor
from ..special import digamma, gammainc, gammaln
from ..special.incomplete_gamma import standard_gamma_grad
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


@op
def _standard_gamma(concentration, draws=None):
    """The given standard gamma draws, as a function of their concentration (for the tape)."""
    return draws


@_standard_gamma.vjp
def _standard_gamma_vjp(g, out, concentration, draws=None):
    if isinstance(concentration, Tensor):
        raise NotImplementedError("second derivatives through gamma rsample are not implemented")
    return g * standard_gamma_grad(concentration, out).astype(out.dtype)


def _rsample_standard_gamma(concentration: Tensor, shape) -> Tensor:
    """Standard gamma draws of `shape` that carry dx/dconcentration."""
    expanded = shape_ops.expand(concentration, sizes=shape) if concentration.shape != shape else concentration
    return _standard_gamma(expanded, draws=_gamma_draws(array(concentration), shape))


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

    has_rsample = True

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        value = _rsample_standard_gamma(self.concentration, shape) / self.rate
        return elementwise.clamp(value, min=tiny(self.rate.dtype))

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        a, rate = self.concentration, self.rate
        return a * elementwise.log(rate) + (a - 1) * elementwise.log(value) - rate * value - gammaln(a)

    def cdf(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return gammainc(self.concentration, self.rate * value)

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

    has_rsample = True

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        a = _rsample_standard_gamma(self.concentration1, shape)
        b = _rsample_standard_gamma(self.concentration0, shape)
        dtype = self.concentration1.dtype
        return elementwise.clamp(a / (a + b), min=tiny(dtype), max=1 - float(np.finfo(dtype).eps))

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


class Chi2(Gamma):
    """The chi-squared distribution with df degrees of freedom: Gamma(df / 2, 1 / 2)."""
    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args=None):
        (df,) = broadcast_all(df)
        super().__init__(0.5 * df, 0.5 * (df * 0.0 + 1.0), validate_args=validate_args)

    @property
    def df(self) -> Tensor:
        return self.concentration * 2


class Dirichlet(Distribution):
    """Probability vectors over the last dimension of concentration (event_shape (K,))."""
    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        if not isinstance(concentration, Tensor) or concentration.ndim < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:], validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.concentration / reduce.sum(self.concentration, dim=-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        shifted = elementwise.clamp(self.concentration - 1, min=0.0)
        mode = shifted / reduce.sum(shifted, dim=-1, keepdim=True)
        K = self._event_shape[0]
        # all concentrations below 1: the mode is a vertex, PyTorch puts it on the largest one
        below = np.all(array(self.concentration) < 1, axis=-1, keepdims=True)
        vertex = np.eye(K, dtype=self.concentration.dtype)[np.argmax(array(self.concentration), axis=-1)]
        return elementwise.where(np.broadcast_to(below, vertex.shape), vertex, mode)

    @property
    def variance(self) -> Tensor:
        total = reduce.sum(self.concentration, dim=-1, keepdim=True)
        return self.concentration * (total - self.concentration) / (total * total * (total + 1))

    def rsample(self, sample_shape=()) -> Tensor:
        gammas = _rsample_standard_gamma(self.concentration, self._extended_shape(sample_shape))
        value = gammas / reduce.sum(gammas, dim=-1, keepdim=True)
        dtype = self.concentration.dtype
        return elementwise.clamp(value, min=tiny(dtype), max=1 - float(np.finfo(dtype).eps))

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        a = self.concentration
        return (reduce.sum((a - 1) * elementwise.log(value), dim=-1)
                + gammaln(reduce.sum(a, dim=-1)) - reduce.sum(gammaln(a), dim=-1))

    def entropy(self) -> Tensor:
        a = self.concentration
        K = self._event_shape[0]
        total = reduce.sum(a, dim=-1)
        return (reduce.sum(gammaln(a), dim=-1) - gammaln(total) - (K - total) * digamma(total)
                - reduce.sum((a - 1) * digamma(a), dim=-1))
