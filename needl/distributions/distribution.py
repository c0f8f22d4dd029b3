"""Distribution: the base class of needl.distributions, with PyTorch's shapes and checks.

batch_shape indexes independent distributions, event_shape one draw of one of them; a sample of
sample_shape has shape sample_shape + batch_shape + event_shape. Samples are drawn from needl's
generator (needl.manual_seed makes them repeatable) and carry no gradient, except rsample's,
which is a differentiable function of the parameters (the reparameterisation trick).
"""
import numpy as np

from ..autograd.mode import no_grad
from ..autograd.ops import shape as shape_ops
from ..autograd.random import generator
from ..autograd.tensor import Tensor
from . import constraints
from .utils import array


class Distribution:
    """Base class: subclasses set arg_constraints, support, and implement what they can."""
    has_rsample = False
    has_enumerate_support = False
    _validate_args = True  # as PyTorch (its default is __debug__)
    arg_constraints = {}
    support = None

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        if value not in (True, False):
            raise ValueError("validate_args must be True or False")
        Distribution._validate_args = value

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape = tuple(batch_shape)
        self._event_shape = tuple(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            self._check_parameters()

    def _check_parameters(self):
        arg_constraints = self.arg_constraints
        for name, constraint in arg_constraints.items():
            if constraints.is_dependent(constraint):
                continue
            if name not in self.__dict__ and isinstance(getattr(type(self), name, None), property):
                continue  # a parameter not given (probs when logits were), not computed just to check it
            value = getattr(self, name)
            valid = constraint.check(value)
            if not np.all(valid):
                raise ValueError(
                    f"Expected parameter {name} (Tensor of shape {tuple(array(value).shape)}) of "
                    f"distribution {self!r} to satisfy the constraint {constraint!r}, but found "
                    f"invalid values:\n{value}")

    # ---- shapes ------------------------------------------------------------------------------
    @property
    def batch_shape(self) -> tuple:
        return self._batch_shape

    @property
    def event_shape(self) -> tuple:
        return self._event_shape

    def _extended_shape(self, sample_shape=()) -> tuple:
        return tuple(sample_shape) + self._batch_shape + self._event_shape

    def expand(self, batch_shape, _instance=None):
        """The same distribution over a larger batch: parameters broadcast, not copied."""
        batch_shape = tuple(batch_shape)
        new = _instance if _instance is not None else type(self).__new__(type(self))
        for name, value in self.__dict__.items():
            if isinstance(value, Tensor) and value.shape[:len(self._batch_shape)] == self._batch_shape:
                trailing = value.shape[len(self._batch_shape):]
                new.__dict__[name] = shape_ops.expand(value, sizes=batch_shape + trailing)
            elif not name.startswith("_batch_shape"):
                new.__dict__[name] = value
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    # ---- moments ------------------------------------------------------------------------------
    @property
    def mean(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no mean")

    @property
    def mode(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no mode")

    @property
    def variance(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no variance")

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    # ---- sampling and densities ---------------------------------------------------------------
    def sample(self, sample_shape=()) -> Tensor:
        """A draw without gradient (rsample's, for reparameterised distributions)."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=()) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not support reparameterized sampling (rsample)")

    def sample_n(self, n: int) -> Tensor:
        return self.sample((n,))

    def log_prob(self, value) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no log_prob")

    def cdf(self, value) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no cdf")

    def icdf(self, value) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no icdf")

    def entropy(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no entropy")

    def perplexity(self) -> Tensor:
        return self.entropy().exp()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not support enumerate_support")

    # ---- checks ------------------------------------------------------------------------------
    def _validate_sample(self, value) -> None:
        """value must broadcast with batch_shape + event_shape and lie in the support."""
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        shape = value.shape
        event_dims = len(self._event_shape)
        if shape[len(shape) - event_dims:] != self._event_shape:
            raise ValueError(f"The right-most size of value must match event_shape: {shape} vs {self._event_shape}.")
        actual, expected = shape[:len(shape) - event_dims], self._batch_shape
        for i, j in zip(reversed(actual), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: "
                                 f"{shape} vs {self._extended_shape()}.")
        support = self.support
        if support is None or constraints.is_dependent(support):
            return
        if not np.all(support.check(value)):
            raise ValueError(f"Expected value argument (Tensor of shape {shape}) to be within the support "
                             f"({support!r}) of the distribution {self!r}, but found invalid values:\n{value}")

    def _normal_draws(self, shape, like) -> np.ndarray:
        return generator().standard_normal(shape, dtype=like.dtype)

    def _uniform_draws(self, shape, like) -> np.ndarray:
        return generator().random(shape, dtype=like.dtype)

    def __repr__(self):
        shown = [f"{name}: {value if array(value).size == 1 else tuple(array(value).shape)}"
                 for name, value in self.__dict__.items() if name in self.arg_constraints]
        return f"{type(self).__name__}({', '.join(shown)})"
