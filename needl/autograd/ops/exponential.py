"""Powers, exponentials and logarithms beyond exp/log/sqrt: exp2 expm1 log2 log10 logaddexp
logit xlogy reciprocal rsqrt square float_power."""
import math

import numpy as np

from ..function import op
from ..tensor import Tensor
from .elementwise import pow
from .promotion import floating, promote_floating


def _raw(value):
    return getattr(value, "_data", value)


@op
def exp2(x):
    return np.exp2(floating(x))


@exp2.vjp
def exp2_vjp(g, out, x):
    return g * out * math.log(2)


@op
def expm1(x):
    return np.expm1(floating(x))


@expm1.vjp
def expm1_vjp(g, out, x):
    return g * (out + 1)


@op
def log2(x):
    return np.log2(floating(x))


@log2.vjp
def log2_vjp(g, out, x):
    return g / (x * math.log(2))


@op
def log10(x):
    return np.log10(floating(x))


@log10.vjp
def log10_vjp(g, out, x):
    return g / (x * math.log(10))


@op
def logaddexp(input, other):
    """log(exp(input) + exp(other)) without overflow."""
    return np.logaddexp(*promote_floating(input, other))


@logaddexp.vjp
def logaddexp_vjp(g, out, input, other, needs_input_grad):
    return (g * np.exp(input - out) if needs_input_grad[0] else None,
            g * np.exp(other - out) if needs_input_grad[1] else None)


@op
def logaddexp2(input, other):
    return np.logaddexp2(*promote_floating(input, other))


@logaddexp2.vjp
def logaddexp2_vjp(g, out, input, other, needs_input_grad):
    return (g * np.exp2(input - out) if needs_input_grad[0] else None,
            g * np.exp2(other - out) if needs_input_grad[1] else None)


@op
def logit(x, eps=None):
    """log(x / (1 - x)); with eps, x is first clamped to [eps, 1 - eps]."""
    x = floating(x)
    if eps is not None:
        x = np.clip(x, eps, 1 - eps)
    with np.errstate(divide="ignore"):
        return np.log(x / (1 - x))


@logit.vjp
def logit_vjp(g, out, x, eps=None):
    grad = g / (x * (1 - x))
    if eps is None:
        return grad
    raw = _raw(x)
    return np.where((raw < eps) | (raw > 1 - eps), 0, grad)


@op
def xlogy(input, other):
    """input * log(other), 0 where input is 0 (also where other is 0), nan where other is nan."""
    input, other = promote_floating(input, other)
    with np.errstate(divide="ignore", invalid="ignore"):
        product = input * np.log(other)
    return np.where((input == 0) & ~np.isnan(other), 0, product)


@xlogy.vjp
def xlogy_vjp(g, out, input, other, needs_input_grad):
    grad_input = grad_other = None
    if needs_input_grad[0]:
        grad_input = g * xlogy(_raw(input) != 0, other)
    if needs_input_grad[1]:
        grad_other = g * input / other
    return grad_input, grad_other


@op
def reciprocal(x):
    return np.reciprocal(floating(x))


@reciprocal.vjp
def reciprocal_vjp(g, out, x):
    return -g * out * out


@op
def rsqrt(x):
    return np.reciprocal(np.sqrt(floating(x)))


@rsqrt.vjp
def rsqrt_vjp(g, out, x):
    return g * out * out * out * -0.5


@op
def square(x):
    return np.square(x) if type(x) is not np.ndarray or x.dtype != bool else x.astype(np.int64)


@square.vjp
def square_vjp(g, out, x):
    return g * x * 2


def float_power(input, exponent):
    """input ** exponent computed in float64, as PyTorch's float_power."""
    input = input.double() if isinstance(input, Tensor) else float(input)
    exponent = exponent.double() if isinstance(exponent, Tensor) else exponent
    return pow(input, exponent)
