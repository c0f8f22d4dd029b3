"""The regularized incomplete gamma functions gammainc P(a, x) and gammaincc Q(a, x) = 1 - P,
and dP/da, which gives reparameterised gamma samples their gradient (implicit differentiation:
dx/da = -(dP/da) / p(x; a)).

P by its power series x^a e^-x sum_k x^k / Gamma(a + k + 1) for x < a + 1, Q by Legendre's
continued fraction (modified Lentz) beyond; each loop runs until every element has converged.
"""
import numpy as np

from ..autograd import op
from .gamma import _digamma, _lgamma, _float_pair

_MAX_TERMS = 100_000


def _prefactor(a, x):
    """x^a e^-x / Gamma(a), through logarithms."""
    with np.errstate(divide="ignore"):
        return np.exp(a * np.log(x) - x - _lgamma(a))


def _series(a, x, derivative=False):
    """P(a, x) = x^a e^-x / Gamma(a + 1) sum_k x^k / ((a+1)...(a+k)), and optionally dP/da,
    whose terms carry log x - digamma(a + k + 1)."""
    epsilon = np.finfo(x.dtype).eps
    term = np.ones_like(x)  # x^k / ((a+1)...(a+k))
    total = term.copy()
    slope = None
    if derivative:
        with np.errstate(divide="ignore"):
            log_x = np.log(x)
        psi = _digamma(a + 1.0)  # digamma(a + k + 1), by the recurrence psi(z + 1) = psi(z) + 1/z
        slope = log_x - psi
    active = np.ones(x.shape, bool)
    for k in range(1, _MAX_TERMS):
        if not active.any():
            break
        term = np.where(active, term * x / (a + k), 0.0)
        total += term
        if derivative:
            psi = psi + 1.0 / (a + k)
            slope += term * (log_x - psi)
        active &= np.abs(term) > epsilon * np.abs(total)
    scale = _prefactor(a, x) / a
    return total * scale, (slope * scale if derivative else None)


def _continued_fraction(a, x, derivative=False):
    """Q(a, x) for x >= a + 1 by the modified Lentz algorithm, and optionally dQ/da, carried
    through the same recurrence in forward mode (each quantity with its derivative in a)."""
    tiny = np.finfo(x.dtype).tiny / np.finfo(x.dtype).eps
    epsilon = np.finfo(x.dtype).eps
    b = x + 1.0 - a
    c = np.full_like(x, 1.0 / tiny)
    d = 1.0 / b
    h = d.copy()
    if derivative:  # d/da of b, c, d, h
        db, dc, dd = -np.ones_like(x), np.zeros_like(x), d * d
        dh = dd.copy()
    active = np.ones(x.shape, bool)
    for i in range(1, _MAX_TERMS):
        if not active.any():
            break
        an = -i * (i - a)  # d an / da = i
        b = b + 2.0
        denominator = an * d + b
        denominator = np.where(np.abs(denominator) < tiny, tiny, denominator)
        c_next = b + an / c
        c_next = np.where(np.abs(c_next) < tiny, tiny, c_next)
        d_next = 1.0 / denominator
        delta = np.where(active, d_next * c_next, 1.0)
        if derivative:
            d_denominator = i * d + an * dd + db
            dd_next = -d_denominator * d_next * d_next
            dc = db + (i - an * dc / c) / c
            d_delta = np.where(active, dd_next * c_next + d_next * dc, 0.0)
            dh = dh * delta + h * d_delta
            dd = dd_next
        c, d = c_next, d_next
        h *= delta
        active &= np.abs(delta - 1.0) > epsilon
    prefactor = _prefactor(a, x)
    if not derivative:
        return prefactor * h, None
    with np.errstate(divide="ignore"):
        log_x = np.log(x)
    return prefactor * h, prefactor * (dh + h * (log_x - _digamma(a)))


def _regularized(a, x):
    """(P, Q) for float arrays of one shape; nan where a <= 0 or x < 0, as SciPy and PyTorch."""
    P, Q = np.empty_like(x), np.empty_like(x)
    valid = (a > 0) & (x >= 0)
    zero = valid & (x == 0)
    infinite = valid & (x == np.inf)
    series = valid & ~zero & ~infinite & (x < a + 1.0)
    fraction = valid & ~zero & ~infinite & ~series
    if series.any():
        P[series] = _series(a[series], x[series])[0]
        Q[series] = 1.0 - P[series]
    if fraction.any():
        Q[fraction] = _continued_fraction(a[fraction], x[fraction])[0]
        P[fraction] = 1.0 - Q[fraction]
    P[zero], Q[zero] = 0.0, 1.0
    P[infinite], Q[infinite] = 1.0, 0.0
    P[~valid] = Q[~valid] = np.nan
    return P, Q


def _pair(a, x):
    a, x = _float_pair(a, x)
    a, x = np.broadcast_arrays(a, x)
    shape = a.shape
    return a.reshape(-1), x.reshape(-1), shape


@op
def gammainc(input, other):
    """The regularized lower incomplete gamma function P(input, other)."""
    a, x, shape = _pair(input, other)
    return _regularized(a, x)[0].reshape(shape)


def _density_gradient(name, g, input, other, needs_input_grad):
    """g times the gamma density x^(a-1) e^-x / Gamma(a): dP/dx (the derivative in a is not offered)."""
    if needs_input_grad[0]:
        raise NotImplementedError(f"the derivative of {name} with respect to input (a) is not implemented, "
                                  f"as in PyTorch")
    return None, g * np.exp((input - 1.0) * np.log(other) - other - gammaln(input))


@gammainc.vjp
def gammainc_vjp(g, out, input, other, needs_input_grad):
    return _density_gradient("gammainc", g, input, other, needs_input_grad)


@op
def gammaincc(input, other):
    """The regularized upper incomplete gamma function Q(input, other) = 1 - P(input, other)."""
    a, x, shape = _pair(input, other)
    return _regularized(a, x)[1].reshape(shape)


@gammaincc.vjp
def gammaincc_vjp(g, out, input, other, needs_input_grad):
    return _density_gradient("gammaincc", -g, input, other, needs_input_grad)


def standard_gamma_grad(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """dx/da for a standard gamma draw x of concentration a, holding its quantile P(a, x) fixed.

    dP/da from the power series below a + 1, from the continued fraction (as -dQ/da) above,
    each where it is accurate to a few ulps relative.
    """
    a, x = np.broadcast_arrays(*_float_pair(a, x))
    shape = a.shape
    a, x = a.reshape(-1), x.reshape(-1)
    slope = np.zeros_like(x)
    lower = x < a + 1.0
    if lower.any():
        slope[lower] = _series(a[lower], x[lower], derivative=True)[1]
    if (~lower).any():
        slope[~lower] = -_continued_fraction(a[~lower], x[~lower], derivative=True)[1]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        density = np.exp((a - 1.0) * np.log(x) - x - _lgamma(a))
        return (-slope / density).reshape(shape)


from .gamma import gammaln  # noqa: E402  (the op, used by the vjps above)
