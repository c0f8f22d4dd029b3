"""The error function family: erf erfc erfcx erfinv and the normal distribution's ndtr ndtri log_ndtr.

erf(x) = x P(x^2) for |x| < 0.75, P its Taylor series, and erfc(x) = exp(-x^2) erfcx(x) beyond,
x erfcx(x) a Chebyshev series fitted at import to the C library's erfc (see _series.py).
exp(-x^2) is taken as exp(-h^2) exp(-(x - h)(x + h)) with h = x cut to half its bits, so that
erfc stays accurate to a few ulps where it is tiny. The inverses are Halley iterations on these.
"""
import math
from fractions import Fraction

import numpy as np

from ..autograd import op
from ..nn.functional.activation import float32_erf
from ._arrays import kernel, piecewise
from ._series import Chebyshev, PowerSeries

_SMALL = 0.75  # below: the series in x^2; above: erfcx
_CENTRE = 3.0  # erfcx's series is in s = (x - 3) / (x + 3), which maps [0.75, inf) to [-0.6, 1]
_S_LOW = (_SMALL - _CENTRE) / (_SMALL + _CENTRE)
_SQRT_PI = math.sqrt(math.pi)
_TWO_OVER_SQRT_PI = 2.0 / _SQRT_PI
_SQRT_HALF = math.sqrt(0.5)
_SQRT_TWO = math.sqrt(2.0)
_SQRT_TWO_PI = math.sqrt(2.0 * math.pi)
_LOG_SQRT_TWO_PI = 0.5 * math.log(2.0 * math.pi)


def _reference_erfcx_times_x(x: float) -> float:
    """x exp(x^2) erfc(x) for x >= 0.75, to float64 precision (used only to fit the series)."""
    if x > 20.0:  # asymptotic series: 1/sqrt(pi) * sum (-1)^k (2k-1)!! / (2x^2)^k
        total, term = 0.0, 1.0
        for k in range(1, 14):
            total += term
            term *= -(2 * k - 1) / (2.0 * x * x)
        return total / _SQRT_PI
    square = Fraction(x) ** 2  # exp(x^2) from the exactly split square
    high = float(square)
    return x * math.erfc(x) * math.exp(high) * math.exp(float(square - Fraction(high)))


def _from_t(t, low):
    """The x >= 0 whose s = (x - c) / (x + c) sits at t in [-1, 1] of the series' interval [low, 1]."""
    s = low + (t + 1) * 0.5 * (1 - low)
    return _CENTRE * (1 + s) / (1 - s)


# erf(x) / x = 2/sqrt(pi) sum_k (-x^2)^k / (k! (2k + 1))
_ERF_OVER_X = PowerSeries([_TWO_OVER_SQRT_PI * (-1) ** k / (math.factorial(k) * (2 * k + 1))
                           for k in range(17)], _SMALL * _SMALL)
_ERFCX_TIMES_X = Chebyshev(lambda t: [_reference_erfcx_times_x(x) for x in _from_t(t, _S_LOW)], 23)


def _erf_small(x):
    """erf(x) for |x| < 0.75."""
    return x * _ERF_OVER_X(x * x)


def _erfcx_large(x):
    """exp(x^2) erfc(x) for x >= 0.75 (inf included)."""
    s = 1.0 - (2.0 * _CENTRE) / (x + _CENTRE)
    return _ERFCX_TIMES_X((s - _S_LOW) * (2.0 / (1.0 - _S_LOW)) - 1.0) / x


_LOW_BITS = {np.dtype(np.float32): np.uint32((1 << 12) - 1), np.dtype(np.float64): np.uint64((1 << 27) - 1)}


def _exp_minus_square(x, half=False):
    """exp(-x^2) (or exp(-x^2 / 2)) with x^2 split into an exact high part and a small rest."""
    bits = _LOW_BITS[x.dtype]
    high = (x.view(bits.dtype) & ~bits).view(x.dtype)  # x with the low half of its bits cleared
    rest = (x - high) * (x + high)
    scale = 0.5 if half else 1.0
    return np.exp(-(high * high) * scale) * np.exp(-rest * scale)


def _erfc_large(x, relative=True):
    """erfc(x) for x >= 0.75; relative=False (for erf = 1 - erfc) skips the split of x^2, whose
    rounding only matters relative to a tiny erfc."""
    x = np.minimum(x, 30.0)  # erfc(30) underflows in float64; keeps exp(-inf^2) out
    return (_exp_minus_square(x) if relative else np.exp(-(x * x))) * _erfcx_large(x)


@kernel
def _erf(x):
    magnitude = np.abs(x)
    small = magnitude < _SMALL
    return piecewise(x, [(small, _erf_small),
                         (~small, lambda x: np.copysign(1.0 - _erfc_large(np.abs(x), relative=False), x))])


@kernel
def _erfc(x):
    small = np.abs(x) < _SMALL
    positive = x >= _SMALL
    return piecewise(x, [(small, lambda x: 1.0 - _erf_small(x)),
                         (positive, _erfc_large),
                         (~(small | positive), lambda x: 2.0 - _erfc_large(-x, relative=False))])


@kernel
def _erfcx(x):
    small = np.abs(x) < _SMALL
    positive = x >= _SMALL
    return piecewise(x, [(small, lambda x: np.exp(x * x) * (1.0 - _erf_small(x))),
                         (positive, _erfcx_large),
                         (~(small | positive), lambda x: 2.0 * np.exp(x * x) - _erfcx_large(-x))])


def _inverse_erf(y, q):
    """x >= 0 with erf(x) = y for y in [0, 1], given q = 1 - y exactly (the caller has it).

    Winitzki's closed form (relative error < 2e-3), then Halley steps: on erf(x) - y for y <= 1/2,
    on log erfc(x) - log q above, which stays accurate down to q = 1e-300 (ndtri's far tail).
    """
    steps = 1 if y.dtype == np.float32 else 2
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_term = np.log(q * (2.0 - q))  # log(1 - y^2) without forming 1 - y^2
        a = 0.147
        b = 2.0 / (math.pi * a) + 0.5 * log_term
        x = np.sqrt(np.sqrt(b * b - log_term / a) - b)
        small = y <= 0.5
        x[small] = _refine_centre(x[small], y[small], steps)
        tail = ~small & (q > 0)
        x[tail] = _refine_tail(x[tail], q[tail], steps)
    x[q == 0] = np.inf
    x[(q < 0) | (y < 0) | np.isnan(y)] = np.nan
    return x


def _refine_centre(x, y, steps):
    """Halley on f = erf(x) - y: f' = 2/sqrt(pi) exp(-x^2), f''/f' = -2x."""
    for _ in range(steps):
        step = (_erf(x) - y) * (0.5 * _SQRT_PI) * np.exp(x * x)
        x = x - step / (1.0 + x * step)
    return x


def _refine_tail(x, q, steps):
    """Halley on g = log erfc(x) - log q = log erfcx(x) - x^2 - log q: g' = -h, g''/g' = 2x - h,
    with h = 2 / (sqrt(pi) erfcx(x))."""
    log_q = np.log(q)
    for _ in range(steps):
        scaled = _erfcx(x)
        h = _TWO_OVER_SQRT_PI / scaled
        step = (np.log(scaled) - x * x - log_q) / -h
        x = x - step / (1.0 - step * (h - 2.0 * x) * 0.5)
    return x


@kernel
def _erfinv(y):
    magnitude = np.abs(y)
    return np.copysign(_inverse_erf(magnitude, 1.0 - magnitude), y)


@kernel
def _ndtri(p):
    """ndtri(p) = -sqrt(2) erfcinv(2p), with erfcinv(z) = erfinv(1 - z) and z's distance to 0 or 2."""
    z = p + p
    below = z <= 1.0
    magnitude = np.where(below, 1.0 - z, z - 1.0)  # |1 - z|, exact for z in [0.5, 2]
    q = np.where(below, z, 2.0 - z)  # 1 - |1 - z|, exact too
    x = _inverse_erf(magnitude, q)
    x = np.where((p < 0) | (p > 1), np.nan, x)
    return np.where(below, -_SQRT_TWO * x, _SQRT_TWO * x) + 0.0  # ndtri(1/2) = +0


def _normal_tail(x):
    """1 - Phi(x) = exp(-x^2/2) erfcx(x/sqrt 2) / 2 for x >= 0.75 sqrt 2, exp(-x^2/2) split on x."""
    x = np.minimum(x, 40.0)
    return 0.5 * _exp_minus_square(x, half=True) * _erfcx_large(x * _SQRT_HALF)


@kernel
def _ndtr(x):
    """Phi(x) = erfc(-x / sqrt(2)) / 2."""
    lower = x <= -_SMALL * _SQRT_TWO
    return piecewise(x, [(lower, lambda x: _normal_tail(-x)),
                         (~lower, lambda x: 0.5 * _erfc(-x * _SQRT_HALF))])


@kernel
def _log_ndtr(x):
    """log Phi(x): log(erfcx(-x/sqrt 2) / 2) - x^2/2 in the lower tail, log1p(-(1 - Phi(x))) above."""
    lower = x < -1.0
    upper = x > _SMALL * _SQRT_TWO
    return piecewise(x, [(lower, lambda x: np.log(0.5 * _erfcx(-x * _SQRT_HALF)) - 0.5 * x * x),
                         (upper, lambda x: np.log1p(-_normal_tail(x))),
                         (~(lower | upper), lambda x: np.log(0.5 * _erfc(-x * _SQRT_HALF)))])


@op
def erf(input):
    """The error function 2/sqrt(pi) int_0^x exp(-t^2) dt (torch.special.erf, torch.erf);
    float32 and float16 through GELU's fast float32 form (within 4 ulps, ~16x faster)."""
    if input.dtype in (np.float32, np.float16):
        return float32_erf(input).astype(input.dtype, copy=False)
    return _erf(input)


@erf.vjp
def erf_vjp(g, out, input):
    return g * (_TWO_OVER_SQRT_PI * np.exp(-(input * input)))


@op
def erfc(input):
    """1 - erf(input), accurate where it is tiny."""
    return _erfc(input)


@erfc.vjp
def erfc_vjp(g, out, input):
    return g * (-_TWO_OVER_SQRT_PI * np.exp(-(input * input)))


@op
def erfcx(input):
    """The scaled complementary error function exp(x^2) erfc(x)."""
    return _erfcx(input)


@erfcx.vjp
def erfcx_vjp(g, out, input):
    return g * (2.0 * input * out - _TWO_OVER_SQRT_PI)


@op
def erfinv(input):
    """The inverse of erf on (-1, 1); +-inf at +-1, nan outside."""
    return _erfinv(input)


@erfinv.vjp
def erfinv_vjp(g, out, input):
    return g * (0.5 * _SQRT_PI * np.exp(out * out))


@op
def ndtr(input):
    """The standard normal CDF Phi(x)."""
    return _ndtr(input)


@ndtr.vjp
def ndtr_vjp(g, out, input):
    return g * (np.exp(-0.5 * input * input) * (1.0 / _SQRT_TWO_PI))


@op
def ndtri(input):
    """The inverse of the standard normal CDF (the normal quantile function)."""
    return _ndtri(input)


@ndtri.vjp
def ndtri_vjp(g, out, input):
    return g * (_SQRT_TWO_PI * np.exp(0.5 * out * out))


@op
def log_ndtr(input):
    """log Phi(x), accurate far into both tails."""
    return _log_ndtr(input)


@log_ndtr.vjp
def log_ndtr_vjp(g, out, input):
    # phi(x) / Phi(x) = exp(-x^2/2 - log Phi(x)) / sqrt(2 pi): finite where both factors underflow
    return g * (np.exp(-0.5 * input * input - out) * (1.0 / _SQRT_TWO_PI))
