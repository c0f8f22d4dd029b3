"""Elementwise functions of two tensors beyond arithmetic: fmax fmin (NaN-ignoring), ldexp,
frexp, nextafter, heaviside, gcd, lcm. fmax, fmin, ldexp and nextafter (the gradient passes to
input, as PyTorch's) are differentiable; the others are steps or integer functions with no
gradient in PyTorch, so they are off the tape."""
import numpy as np

from ..function import op
from ..tensor import Tensor
from .promotion import promote, promote_floating


def _raw(value):
    return value._data if isinstance(value, Tensor) else value


@op
def fmax(input, other):
    """The larger of the two, ignoring a NaN (NaN only where both are)."""
    return np.fmax(*promote(input, other))


@fmax.vjp
def fmax_vjp(g, out, input, other, needs_input_grad):
    input_wins = (input >= other) | np.isnan(other)  # PyTorch's rule: a tie goes to input
    return (g * input_wins if needs_input_grad[0] else None,
            g * ~input_wins if needs_input_grad[1] else None)


@op
def fmin(input, other):
    """The smaller of the two, ignoring a NaN (NaN only where both are)."""
    return np.fmin(*promote(input, other))


@fmin.vjp
def fmin_vjp(g, out, input, other, needs_input_grad):
    input_wins = (input <= other) | np.isnan(other)
    return (g * input_wins if needs_input_grad[0] else None,
            g * ~input_wins if needs_input_grad[1] else None)


@op
def ldexp(input, other):
    """input * 2 ** other, in floating point."""
    input, other = promote_floating(input, other)
    return input * np.exp2(other)


@ldexp.vjp
def ldexp_vjp(g, out, input, other, needs_input_grad):
    return (g * np.exp2(other) if needs_input_grad[0] else None,
            g * out * np.log(2.0) if needs_input_grad[1] else None)


def _integral(name: str, function):
    def apply(input, other) -> Tensor:
        x, y = promote(_raw(input), _raw(other))
        kind = (x if isinstance(x, np.ndarray) else np.asarray(y)).dtype.kind
        if kind not in "iu":
            raise RuntimeError(f"{name}: not implemented for dtype "
                               f"{(x if isinstance(x, np.ndarray) else y).dtype}")
        result = np.asarray(function(x, y))
        dtype = x.dtype if isinstance(x, np.ndarray) else y.dtype
        return Tensor._make(result.astype(dtype, copy=False))
    apply.__name__ = name
    apply.__doc__ = f"Elementwise {name} of integer tensors (off the tape)."
    return apply


@op
def nextafter(input, other):
    """The next floating-point value after input towards other."""
    input, other = promote(input, other)
    if np.asarray(input).dtype.kind != "f":
        raise RuntimeError(f"nextafter: not implemented for dtype {np.asarray(input).dtype}")
    return np.nextafter(input, other)


@nextafter.vjp
def nextafter_vjp(g, out, input, other, needs_input_grad):
    return g if needs_input_grad[0] else None, g * 0 if needs_input_grad[1] else None


nextafter.reads_only_shapes("input", "other")
gcd = _integral("gcd", np.gcd)
lcm = _integral("lcm", np.lcm)


def heaviside(input, values) -> Tensor:
    """0 where input < 0, values where input == 0, 1 where input > 0."""
    x, y = _raw(input), _raw(values)
    if isinstance(y, np.ndarray) and isinstance(x, np.ndarray) and x.dtype != y.dtype:
        raise RuntimeError(f"heaviside is not yet implemented for tensors with different dtypes: "
                           f"{x.dtype} and {y.dtype}")
    return Tensor._make(np.asarray(np.heaviside(x, y)).astype(x.dtype, copy=False))


def frexp(input):
    """(mantissa, exponent) with input = mantissa * 2 ** exponent, |mantissa| in [0.5, 1)."""
    from .return_types import frexp as frexp_result
    data = _raw(input)
    if data.dtype.kind != "f":
        raise RuntimeError(f"frexp only supports floating-point dtypes, got {data.dtype}")
    mantissa, exponent = np.frexp(data)
    return frexp_result(Tensor._make(mantissa), Tensor._make(exponent.astype(np.int32)))
