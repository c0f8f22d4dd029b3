"""The gamma function family: gammaln (lgamma), digamma, polygamma, Hurwitz zeta, multigammaln.

gammaln: Stirling's series for x >= 10, the recurrence down to [1.75, 2.75) below, and on
[0.75, 2.75] Chebyshev series of lgamma(x) / ((x - 1)(x - 2)), fitted at import to lgamma's
Taylor series about 1 and 2 (whose coefficients are zeta values), so that the result keeps a
few ulps of relative accuracy at the zeros 1 and 2 too; x <= 0 by reflection. digamma: recurrence up to
x >= 10 and its asymptotic series. zeta(s, q) and polygamma: the Euler-Maclaurin formula.
"""
import math
from fractions import Fraction

import numpy as np

from ..autograd import op
from ._arrays import kernel, piecewise, result_dtype
from ._series import Chebyshev


def _bernoulli_numbers(count: int) -> list:
    """B_0 ... B_{count-1} as exact fractions (B_1 = -1/2), by the usual recurrence."""
    numbers = []
    for m in range(count):
        total = sum(math.comb(m + 1, k) * numbers[k] for k in range(m))
        numbers.append(Fraction(1) if m == 0 else -total / (m + 1))
    return numbers


_BERNOULLI = _bernoulli_numbers(40)
_EULER_GAMMA = 0.57721566490153286061
_HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)


def _zeta_value(s: int) -> float:
    """zeta(s) for an integer s >= 2 as a Python float, by Euler-Maclaurin after 10 terms."""
    n = 10
    terms = [k ** -s for k in range(1, n)] + [n ** (1 - s) / (s - 1), 0.5 * n ** -s]
    rising = Fraction(s)  # s (s + 1) ... (s + 2j - 2)
    for j in range(1, 12):
        terms.append(float(_BERNOULLI[2 * j] / math.factorial(2 * j) * rising) * n ** (-s - 2 * j + 1))
        rising *= (s + 2 * j - 1) * (s + 2 * j)
    return math.fsum(terms)


_ZETA = [math.nan, math.inf] + [_zeta_value(s) for s in range(2, 64)]


def _lgamma_near_one(z: float) -> float:
    """lgamma(1 + z) for |z| <= 1/2: -gamma z + sum_k (-1)^k zeta(k) z^k / k."""
    return math.fsum([-_EULER_GAMMA * z] + [(-z) ** k * _ZETA[k] / k for k in range(2, 64)])


def _lgamma_near_two(z: float) -> float:
    """lgamma(2 + z) for -1/2 <= z <= 1: (1 - gamma) z + sum_k (-1)^k (zeta(k) - 1) z^k / k."""
    return math.fsum([(1 - _EULER_GAMMA) * z] + [(-z) ** k * (_ZETA[k] - 1) / k for k in range(2, 64)])




def _lgamma_over_zeros(x: float) -> float:
    """lgamma(x) / ((x - 1)(x - 2)) for 0.75 <= x <= 2.75: between 0.37 and 0.65, no zeros."""
    value = _lgamma_near_one(x - 1.0) if x < 1.5 else _lgamma_near_two(x - 2.0)
    return value / ((x - 1.0) * (x - 2.0))


# ... as Chebyshev series on [0.75, 1.5] and [1.5, 2.75], short enough for few terms
_LOW_PIECE = Chebyshev(lambda t: [_lgamma_over_zeros(1.125 + 0.375 * z) for z in t], 22)
_HIGH_PIECE = Chebyshev(lambda t: [_lgamma_over_zeros(2.125 + 0.625 * z) for z in t], 21)

_STIRLING = [float(_BERNOULLI[2 * k] / (2 * k * (2 * k - 1))) for k in range(1, 9)]
_DIGAMMA_ASYMPTOTIC = [float(_BERNOULLI[2 * k] / (2 * k)) for k in range(1, 9)]
_LARGE = 10.0


def _stirling(x):
    """lgamma(x) for x >= 10: (x - 1/2) log x - x + log(2 pi)/2 + sum_k B_2k / (2k (2k-1) x^(2k-1))."""
    inverse = 1.0 / x
    square = inverse * inverse
    correction = np.full_like(x, _STIRLING[-1])
    for c in _STIRLING[-2::-1]:
        correction *= square
        correction += c
    return (x - 0.5) * np.log(x) - x + _HALF_LOG_TWO_PI + correction * inverse


def _lgamma_middle(x):
    """lgamma(x) for 0.75 <= x < 2.75, relative to its zeros at 1 and 2."""
    low = x < 1.5
    zeros = (x - 1.0) * (x - 2.0)
    out = zeros * piecewise(x, [(low, lambda x: _LOW_PIECE((x - 1.125) * (1.0 / 0.375))),
                                (~low, lambda x: _HIGH_PIECE((x - 2.125) * 1.6))])
    out += 0.0  # lgamma(1) = lgamma(2) = +0, as PyTorch's
    return out


def _lgamma_by_recurrence(x):
    """lgamma(x) for 2.75 <= x < 10: lgamma(r) + log(r (r+1) ... (x-1)) with r = x - n in [1.75, 2.75)."""
    steps = np.floor(x - 0.75) - 1.0
    r = x - steps  # exact
    product = np.ones_like(x)
    for k in range(1, 9):
        product *= np.where(k <= steps, x - k, 1.0)
    return _lgamma_middle(r) + np.log(product)


def _lgamma_positive(x):
    """lgamma(x) for x > 0 (inf and nan included)."""
    return piecewise(x, [
        (x < 0.75, lambda x: _lgamma_middle(x + 1.0) - np.log(x)),  # -log x >= 0.29 dominates
        ((x >= 0.75) & (x < 2.75), _lgamma_middle),
        ((x >= 2.75) & (x < _LARGE), _lgamma_by_recurrence),
        (x == np.inf, lambda x: x),
        (~(x < _LARGE) & (x != np.inf), _stirling)])


def _abs_sin_pi(x):
    """|sin(pi x)|, with x reduced exactly to [-1/2, 1/2] first: 0 at the integers, accurate for large x."""
    return np.abs(np.sin(np.pi * (x - np.round(x))))


@kernel
def _lgamma(x):
    positive = x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return piecewise(x, [
            (positive, _lgamma_positive),
            # reflection: lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x); inf at 0, -1, -2 ...
            (~positive, lambda x: np.where(
                np.isinf(x), np.inf,
                np.log(np.pi / _abs_sin_pi(x)) - _lgamma_positive(1.0 - x)))])


def _digamma_positive(x):
    """digamma(x) for x > 0: psi(x) = psi(x + n) - sum_k 1 / (x + k), then the asymptotic series."""
    shifts = np.where(x < _LARGE, np.ceil(_LARGE - x), 0.0)
    total = np.zeros_like(x)
    for k in range(int(shifts.max(initial=0))):
        total += np.where(k < shifts, 1.0 / (x + k), 0.0)
    z = x + shifts
    inverse_square = 1.0 / (z * z)
    series = np.full_like(x, _DIGAMMA_ASYMPTOTIC[-1])
    for c in _DIGAMMA_ASYMPTOTIC[-2::-1]:
        series *= inverse_square
        series += c
    return np.log(z) - 0.5 / z - series * inverse_square - total


@kernel
def _digamma(x):
    positive = x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        out = piecewise(x, [
            (positive, _digamma_positive),
            # reflection: psi(x) = psi(1 - x) - pi / tan(pi x); nan at the negative integers
            (~positive, lambda x: _digamma_positive(1.0 - x) - np.pi / np.tan(np.pi * (x - np.round(x))))])
    out[x == 0] = np.copysign(np.inf, -x[x == 0])  # as PyTorch: -inf at +0, inf at -0
    out[(x < 0) & (x == np.floor(x))] = np.nan
    out[x == -np.inf] = np.nan
    return out


_ZETA_TERMS = 9  # terms summed directly before Euler-Maclaurin takes over, as in Cephes
_EULER_MACLAURIN = [float(_BERNOULLI[2 * j] / math.factorial(2 * j)) for j in range(1, 13)]


def _hurwitz_zeta(s, q):
    """zeta(s, q) = sum_k (q + k)^-s for s > 1 (broadcast float arrays of one dtype).

    q <= 0 works for integer s (polygamma of negative x): the direct sum then runs past -q.
    """
    s, q = np.broadcast_arrays(s, q)
    shifts = _ZETA_TERMS + np.maximum(np.ceil(-q), 0.0)
    total = np.zeros_like(q)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for k in range(int(shifts.max(initial=_ZETA_TERMS))):
            total += np.where(k < shifts, (q + k) ** -s, 0.0)
        a = q + shifts
        power = a ** -s
        total += a * power / (s - 1.0) + 0.5 * power
        rising = s.copy()  # s (s+1) ... (s + 2j - 2)
        inverse = 1.0 / a
        power = power * inverse
        inverse_square = inverse * inverse
        for j, c in enumerate(_EULER_MACLAURIN):
            term = c * rising * power
            total += term
            rising = rising * (s + 2 * j + 1) * (s + 2 * j + 2)
            power = power * inverse_square
    total = np.where(s == 1.0, np.inf, total)
    total = np.where((q <= 0) & (q == np.floor(q)), np.inf, total)
    return np.where((s < 1.0) | ((q <= 0) & (s != np.floor(s))), np.nan, total)


def _float_pair(s, q):
    """Two inputs as arrays of their common floating dtype (integers take the default dtype)."""
    s, q = np.asarray(s), np.asarray(q)
    dtype = np.result_type(result_dtype(s), result_dtype(q))
    return s.astype(dtype, copy=False), q.astype(dtype, copy=False)


@op
def zeta(input, other):
    """Hurwitz zeta function sum_k (other + k)^-input (torch.special.zeta(input, other))."""
    s, q = _float_pair(input, other)
    return _hurwitz_zeta(s, q)


@zeta.vjp
def zeta_vjp(g, out, input, other, needs_input_grad):
    if needs_input_grad[0]:
        raise NotImplementedError("the derivative of zeta with respect to input (the exponent) is not "
                                  "implemented, as in PyTorch; only other (q) is differentiable")
    return None, -g * input * zeta(input + 1.0, other)


@op
def _polygamma(input, n=1):
    x = np.asarray(input)
    dtype = result_dtype(x)
    x = x.astype(np.float32 if dtype == np.float16 else dtype, copy=False)
    if n == 0:
        return _digamma(x).astype(dtype, copy=False)
    sign = 1.0 if n % 2 else -1.0  # (-1)^(n+1) n! zeta(n + 1, x)
    return (sign * math.factorial(n) * _hurwitz_zeta(np.asarray(n + 1.0, x.dtype), x)).astype(dtype, copy=False)


@_polygamma.vjp
def _polygamma_vjp(g, out, input, n=1):
    return g * _polygamma(input, n=n + 1)


def polygamma(n: int, input):
    """The n-th derivative of digamma (torch.special.polygamma(n, input))."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ValueError(f"polygamma(n, input) needs a non-negative integer n, got {n!r}")
    return _polygamma(input, n=int(n))


@op
def gammaln(input):
    """log |Gamma(input)| (torch.special.gammaln, torch.lgamma)."""
    return _lgamma(input)


@gammaln.vjp
def gammaln_vjp(g, out, input):
    return g * digamma(input)


lgamma = gammaln


@op
def digamma(input):
    """d/dx log Gamma(x) (torch.special.digamma, alias psi)."""
    return _digamma(input)


@digamma.vjp
def digamma_vjp(g, out, input):
    return g * _polygamma(input, n=1)


psi = digamma


def multigammaln(input, p: int):
    """log of the multivariate gamma function of dimension p: sum_i lgamma(input - i/2) + p(p-1)/4 log pi."""
    if not isinstance(p, (int, np.integer)) or p < 1:
        raise ValueError(f"multigammaln needs an integer p >= 1, got {p!r}")
    data = input._data if hasattr(input, "_data") else np.asarray(input)
    if np.any(data <= 0.5 * (p - 1)):
        raise ValueError(f"multigammaln: all elements must be greater than (p-1)/2 = {0.5 * (p - 1)}")
    total = gammaln(input)
    for i in range(1, p):
        total = total + gammaln(input - 0.5 * i)
    return total + 0.25 * p * (p - 1) * math.log(math.pi)
