"""Trigonometric and hyperbolic ops beyond sin/cos/tanh: tan, asin ... atanh, atan2, hypot.

Integer inputs compute in the default float dtype, as in PyTorch.
"""
import numpy as np

from ..function import op
from .complex import conj
from .promotion import floating, promote_floating


@op
def tan(x):
    return np.tan(floating(x))


@tan.vjp
def tan_vjp(g, out, x):
    return g * conj(1 + out * out)


@op
def asin(x):
    return np.arcsin(floating(x))


@asin.vjp
def asin_vjp(g, out, x):
    return g / conj(np.sqrt(1 - x * x))


@op
def acos(x):
    return np.arccos(floating(x))


@acos.vjp
def acos_vjp(g, out, x):
    return -g / conj(np.sqrt(1 - x * x))


@op
def atan(x):
    return np.arctan(floating(x))


@atan.vjp
def atan_vjp(g, out, x):
    return g / conj(1 + x * x)


@op
def sinh(x):
    return np.sinh(floating(x))


@sinh.vjp
def sinh_vjp(g, out, x):
    return g * conj(np.cosh(x))


@op
def cosh(x):
    return np.cosh(floating(x))


@cosh.vjp
def cosh_vjp(g, out, x):
    return g * conj(np.sinh(x))


@op
def asinh(x):
    return np.arcsinh(floating(x))


@asinh.vjp
def asinh_vjp(g, out, x):
    return g / conj(np.sqrt(x * x + 1))


@op
def acosh(x):
    return np.arccosh(floating(x))


@acosh.vjp
def acosh_vjp(g, out, x):
    if x.dtype.kind == "c":  # sqrt(z - 1) sqrt(z + 1), which is not sqrt(z^2 - 1) off the real line
        return g / conj(np.sqrt(x - 1) * np.sqrt(x + 1))
    return g / np.sqrt(x * x - 1)


@op
def atanh(x):
    return np.arctanh(floating(x))


@atanh.vjp
def atanh_vjp(g, out, x):
    return g / conj(1 - x * x)


@op
def atan2(input, other):
    """The angle of the point (other, input): atan(input / other) in the right quadrant."""
    return np.arctan2(*promote_floating(input, other))


@atan2.vjp
def atan2_vjp(g, out, input, other, needs_input_grad):
    scale = g / (input * input + other * other)
    return (scale * other if needs_input_grad[0] else None,
            -scale * input if needs_input_grad[1] else None)


@op
def hypot(input, other):
    return np.hypot(*promote_floating(input, other))


@hypot.vjp
def hypot_vjp(g, out, input, other, needs_input_grad):
    scale = g / out
    return (scale * input if needs_input_grad[0] else None,
            scale * other if needs_input_grad[1] else None)


@op
def deg2rad(x):
    return np.deg2rad(floating(x))


@deg2rad.vjp
def deg2rad_vjp(g, out, x):
    return g * (np.pi / 180)


@op
def rad2deg(x):
    return np.rad2deg(floating(x))


@rad2deg.vjp
def rad2deg_vjp(g, out, x):
    return g * (180 / np.pi)
