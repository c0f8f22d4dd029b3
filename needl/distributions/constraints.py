"""Constraints on parameters and supports (torch.distributions.constraints): each checks values
elementwise (over its event dimensions) and names itself as PyTorch does in error messages."""
import numpy as np

from ..autograd.tensor import Tensor


def _array(value) -> np.ndarray:
    return value._data if isinstance(value, Tensor) else np.asarray(value)


class Constraint:
    """A region of values; check(value) is a bool array over the batch (event dimensions reduced)."""
    is_discrete = False
    event_dim = 0

    def check(self, value) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self):
        return type(self).__name__.lstrip("_") + "()"


class _Dependent(Constraint):
    """A constraint that depends on other parameters: not checked."""

    def __init__(self, *, is_discrete=False, event_dim=0):
        self.is_discrete = is_discrete
        self.event_dim = event_dim

    def __call__(self, *, is_discrete=False, event_dim=0):
        """dependent(is_discrete=..., event_dim=...) makes one with those attributes, as PyTorch's."""
        return _Dependent(is_discrete=is_discrete, event_dim=event_dim)

    def check(self, value):
        raise ValueError("Cannot determine validity of dependent constraint")


def is_dependent(constraint) -> bool:
    return isinstance(constraint, _Dependent)


class _Real(Constraint):
    def check(self, value):
        value = _array(value)
        return value == value  # not nan


class _Boolean(Constraint):
    is_discrete = True

    def check(self, value):
        value = _array(value)
        return (value == 0) | (value == 1)


class _IntegerInterval(Constraint):
    is_discrete = True

    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value):
        value = _array(value)
        return (value % 1 == 0) & (self.lower_bound <= value) & (value <= self.upper_bound)

    def __repr__(self):
        return f"IntegerInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerGreaterThan(Constraint):
    is_discrete = True

    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def check(self, value):
        value = _array(value)
        return (value % 1 == 0) & (value >= self.lower_bound)

    def __repr__(self):
        return f"IntegerGreaterThan(lower_bound={self.lower_bound})"


class _GreaterThan(Constraint):
    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def check(self, value):
        return _array(value) > _array(self.lower_bound)

    def __repr__(self):
        return f"GreaterThan(lower_bound={_show(self.lower_bound)})"


class _GreaterThanEq(_GreaterThan):
    def check(self, value):
        return _array(value) >= _array(self.lower_bound)

    def __repr__(self):
        return f"GreaterThanEq(lower_bound={_show(self.lower_bound)})"


class _LessThan(Constraint):
    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, value):
        return _array(value) < _array(self.upper_bound)

    def __repr__(self):
        return f"LessThan(upper_bound={_show(self.upper_bound)})"


class _Interval(Constraint):
    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value):
        value = _array(value)
        return (_array(self.lower_bound) <= value) & (value <= _array(self.upper_bound))

    def __repr__(self):
        return f"Interval(lower_bound={_show(self.lower_bound)}, upper_bound={_show(self.upper_bound)})"


class _HalfOpenInterval(_Interval):
    def check(self, value):
        value = _array(value)
        return (_array(self.lower_bound) <= value) & (value < _array(self.upper_bound))

    def __repr__(self):
        return f"HalfOpenInterval(lower_bound={_show(self.lower_bound)}, upper_bound={_show(self.upper_bound)})"


class _Simplex(Constraint):
    event_dim = 1

    def check(self, value):
        value = _array(value)
        return np.all(value >= 0, axis=-1) & (np.abs(value.sum(-1) - 1) < 1e-6)


class _OneHot(Constraint):
    is_discrete = True
    event_dim = 1

    def check(self, value):
        value = _array(value)
        return np.all((value == 0) | (value == 1), axis=-1) & (value.sum(-1) == 1)


class _LowerCholesky(Constraint):
    event_dim = 2

    def check(self, value):
        value = _array(value)
        lower = np.all(np.abs(np.triu(value, 1)) == 0, axis=(-2, -1))
        return lower & np.all(np.diagonal(value, axis1=-2, axis2=-1) > 0, axis=-1)


class _PositiveDefinite(Constraint):
    event_dim = 2

    def check(self, value):
        value = _array(value)
        symmetric = np.all(np.isclose(value, np.swapaxes(value, -1, -2), atol=1e-6), axis=(-2, -1))
        return symmetric & (np.linalg.eigvalsh(value).min(axis=-1) > 0)


class _RealVector(Constraint):
    event_dim = 1

    def check(self, value):
        value = _array(value)
        return np.all(value == value, axis=-1)


class _Independent(Constraint):
    """A base constraint over `reinterpreted_batch_ndims` more event dimensions."""

    def __init__(self, base_constraint, reinterpreted_batch_ndims):
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        self.is_discrete = base_constraint.is_discrete
        self.event_dim = base_constraint.event_dim + reinterpreted_batch_ndims

    def check(self, value):
        result = self.base_constraint.check(value)
        if self.reinterpreted_batch_ndims:
            result = np.all(result, axis=tuple(range(-self.reinterpreted_batch_ndims, 0)))
        return result

    def __repr__(self):
        return f"IndependentConstraint({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


def _show(bound):
    value = _array(bound)
    return value.item() if value.size == 1 else value


dependent = _Dependent()
dependent_property = property  # a support that depends on the parameters is a property


def interval(lower_bound, upper_bound):
    return _Interval(lower_bound, upper_bound)


def half_open_interval(lower_bound, upper_bound):
    return _HalfOpenInterval(lower_bound, upper_bound)


def integer_interval(lower_bound, upper_bound):
    return _IntegerInterval(lower_bound, upper_bound)


def greater_than(lower_bound):
    return _GreaterThan(lower_bound)


def greater_than_eq(lower_bound):
    return _GreaterThanEq(lower_bound)


def less_than(upper_bound):
    return _LessThan(upper_bound)


def independent(base_constraint, reinterpreted_batch_ndims):
    return _Independent(base_constraint, reinterpreted_batch_ndims)


real = _Real()
real_vector = _RealVector()
boolean = _Boolean()
one_hot = _OneHot()
nonnegative_integer = _IntegerGreaterThan(0)
positive_integer = _IntegerGreaterThan(1)
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
unit_interval = _Interval(0.0, 1.0)
simplex = _Simplex()
lower_cholesky = _LowerCholesky()
positive_definite = _PositiveDefinite()
