"""Rounding and integer-division ops: floor ceil round trunc frac, fmod remainder floor_divide,
div's rounding modes, nan_to_num. Steps have a zero gradient almost everywhere, as in PyTorch."""
import numpy as np

from ..function import op
from .promotion import promote, promote_floating


def _zero_vjp(g, out, x, **options):
    return g * 0


def _integral(x):
    return type(x) is np.ndarray and x.dtype.kind in "biu"


@op
def floor(x):
    return x.copy() if _integral(x) else np.floor(x)


@op
def ceil(x):
    return x.copy() if _integral(x) else np.ceil(x)


@op
def trunc(x):
    return x.copy() if _integral(x) else np.trunc(x)


@op
def round(x, decimals=0):
    """Round half to even (as PyTorch and NumPy), to `decimals` places."""
    return x.copy() if _integral(x) and decimals >= 0 else np.round(x, decimals)


for _step in (floor, ceil, trunc, round):
    _step.vjp(_zero_vjp)


@op
def frac(x):
    """x - trunc(x): the fractional part, with x's sign."""
    if _integral(x):
        raise RuntimeError(f"frac: not implemented for integer dtype {x.dtype}")
    return x - np.trunc(x)


@frac.vjp
def frac_vjp(g, out, x):
    return g


@op
def fmod(input, other):
    """C's fmod: the remainder of input / other with input's sign."""
    return np.fmod(*promote(input, other))


@fmod.vjp
def fmod_vjp(g, out, input, other, needs_input_grad):
    return (g if needs_input_grad[0] else None,
            -g * np.trunc(input / other) if needs_input_grad[1] else None)


@op
def remainder(input, other):
    """Python's modulus: the remainder of input / other with other's sign."""
    return np.remainder(*promote(input, other))


@remainder.vjp
def remainder_vjp(g, out, input, other, needs_input_grad):
    return (g if needs_input_grad[0] else None,
            -g * np.floor(input / other) if needs_input_grad[1] else None)


@op
def floor_divide(input, other):
    """input / other rounded down (Python's //)."""
    return np.floor_divide(*promote(input, other))


@op
def trunc_divide(input, other):
    """input / other rounded toward zero (div with rounding_mode='trunc')."""
    input, other = promote(input, other)
    if _integral(input) or _integral(other):
        quotient = np.floor_divide(input, other)
        # floor and trunc differ where the division is inexact and the signs differ
        inexact = (np.remainder(input, other) != 0) & ((np.asarray(input) < 0) != (np.asarray(other) < 0))
        return quotient + inexact
    return np.trunc(np.true_divide(input, other))


floor_divide.vjp(_zero_vjp)
trunc_divide.vjp(_zero_vjp)


@op
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """nan, +inf and -inf replaced (by 0 and the dtype's largest and lowest values by default)."""
    if _integral(x):
        return x.copy()
    return np.nan_to_num(x, copy=True, nan=nan, posinf=posinf, neginf=neginf)


@nan_to_num.vjp
def nan_to_num_vjp(g, out, x, nan=0.0, posinf=None, neginf=None):
    return g * np.isfinite(getattr(x, "_data", x))


@op
def copysign(input, other):
    return np.copysign(*promote_floating(input, other))


@copysign.vjp
def copysign_vjp(g, out, input, other, needs_input_grad):
    # d|input| * sign(other) / d input: sign(input) * sign(out), 0 at input = 0
    raw = getattr(input, "_data", input)
    return (g * np.where(raw == 0, 0, np.sign(raw) * np.sign(getattr(out, "_data", out)))
            if needs_input_grad[0] else None,
            g * 0 if needs_input_grad[1] else None)

