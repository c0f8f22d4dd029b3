"""Modified Bessel functions of the first kind: i0 i0e i1 i1e (e: scaled by exp(-|x|)).

|x| <= 8: the power series I_nu(x) = sum_k (x/2)^(2k+nu) / (k! (k+nu)!), all terms positive.
|x| > 8: sqrt(x) exp(-x) I_nu(x) as Chebyshev series in 16/x - 1, fitted at import to the power
series (x < 50) and to the asymptotic expansion (x >= 50), both exact to float64 there.
"""
import math

import numpy as np

from ..autograd import op
from ._arrays import kernel, piecewise
from ._series import Chebyshev, PowerSeries

_SERIES_LIMIT = 8.0


def _reference_scaled(order: int, x: float) -> float:
    """sqrt(x) exp(-x) I_order(x) for x >= 8 (used only to fit the series)."""
    if x < 50.0:
        term = (0.5 * x) ** order / math.factorial(order)
        terms = [term]
        for k in range(1, 120):
            term *= 0.25 * x * x / (k * (k + order))
            terms.append(term)
        return math.sqrt(x) * math.exp(-x) * math.fsum(terms)
    # I_nu(x) ~ e^x / sqrt(2 pi x) sum_k (-1)^k prod_j (4 nu^2 - (2j - 1)^2) / (k! (8x)^k)
    term, total = 1.0, 1.0
    for k in range(1, 30):
        term *= -(4 * order * order - (2 * k - 1) ** 2) / (k * 8.0 * x)
        total += term
    return total / math.sqrt(2.0 * math.pi)


def _asymptotic_series(order: int) -> Chebyshev:
    return Chebyshev(lambda t: [_reference_scaled(order, 16.0 / (z + 1.0)) for z in t], 26)


# I0(x) = sum_k u^k / (k!)^2 and I1(x) / x = 1/2 sum_k u^k / (k! (k+1)!), u = x^2 / 4 <= 16
_I0_SERIES = PowerSeries([1.0 / math.factorial(k) ** 2 for k in range(30)], 16.0)
_I1_SERIES = PowerSeries([0.5 / (math.factorial(k) * math.factorial(k + 1)) for k in range(30)], 16.0)
_I0_LARGE = _asymptotic_series(0)
_I1_LARGE = _asymptotic_series(1)


def _large(series, x):
    """exp(-x) I(x) for x > 8 (inf included)."""
    return series(16.0 / x - 1.0) / np.sqrt(x)


def _unscaled_large(series, x):
    """I(x) for x > 8: inf beyond exp's range, and at inf."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(x == np.inf, np.inf, _large(series, x) * np.exp(x))


@kernel
def _i0e(x):
    a = np.abs(x)
    small = a <= _SERIES_LIMIT
    return piecewise(a, [(small, lambda a: np.exp(-a) * _I0_SERIES(0.25 * a * a)),
                         (~small, lambda a: _large(_I0_LARGE, a))])


@kernel
def _i0(x):
    a = np.abs(x)
    small = a <= _SERIES_LIMIT
    return piecewise(a, [(small, lambda a: _I0_SERIES(0.25 * a * a)),
                         (~small, lambda a: _unscaled_large(_I0_LARGE, a))])


@kernel
def _i1e(x):
    a = np.abs(x)
    small = a <= _SERIES_LIMIT
    return np.copysign(piecewise(a, [(small, lambda a: np.exp(-a) * a * _I1_SERIES(0.25 * a * a)),
                                     (~small, lambda a: _large(_I1_LARGE, a))]), x)


@kernel
def _i1(x):
    a = np.abs(x)
    small = a <= _SERIES_LIMIT
    return np.copysign(piecewise(a, [(small, lambda a: a * _I1_SERIES(0.25 * a * a)),
                                     (~small, lambda a: _unscaled_large(_I1_LARGE, a))]), x)


@op
def i0(input):
    """The modified Bessel function of the first kind of order 0 (torch.special.i0, torch.i0)."""
    return _i0(input)


@i0.vjp
def i0_vjp(g, out, input):
    return g * i1(input)


@op
def i0e(input):
    """exp(-|x|) I0(x)."""
    return _i0e(input)


@i0e.vjp
def i0e_vjp(g, out, input):
    return g * (i1e(input) - np.sign(input) * out)


@op
def i1(input):
    """The modified Bessel function of the first kind of order 1."""
    return _i1(input)


@i1.vjp
def i1_vjp(g, out, input):
    # I1'(x) = I0(x) - I1(x) / x, 1/2 at 0
    safe = np.where(input == 0, 1.0, input)
    return g * np.where(input == 0, 0.5, i0(input) - out / safe)


@op
def i1e(input):
    """exp(-|x|) I1(x)."""
    return _i1e(input)


@i1e.vjp
def i1e_vjp(g, out, input):
    safe = np.where(input == 0, 1.0, input)
    return g * np.where(input == 0, 0.5, i0e(input) - out * (np.sign(input) + 1.0 / safe))
