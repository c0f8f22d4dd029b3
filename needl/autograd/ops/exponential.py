"""Powers, exponentials and logarithms beyond exp/log/sqrt: exp2 expm1 log2 log10 logaddexp
logit xlogy xlog1py reciprocal rsqrt square float_power (torch.special's expm1 exp2 logit xlogy
xlog1py are these)."""
import math

import numpy as np

from ..function import op
from ..tensor import Tensor
from .complex import conj
from .elementwise import pow
from .promotion import floating, promote_floating


def _raw(value):
    return getattr(value, "_data", value)


@op
def exp2(x):
    return np.exp2(floating(x))


@exp2.vjp
def exp2_vjp(g, out, x):
    return g * conj(out) * math.log(2)


@op
def expm1(x):
    return np.expm1(floating(x))


@expm1.vjp
def expm1_vjp(g, out, x):
    return g * conj(out + 1)


@op
def log2(x):
    return np.log2(floating(x))


@log2.vjp
def log2_vjp(g, out, x):
    return g / (conj(x) * math.log(2))


@op
def log10(x):
    return np.log10(floating(x))


@log10.vjp
def log10_vjp(g, out, x):
    return g / (conj(x) * math.log(10))


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
def logit_op(x, eps=None):
    x = floating(x)
    if eps is not None:
        x = np.clip(x, eps, 1 - eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x / (1 - x))


@logit_op.vjp
def logit_op_vjp(g, out, x, eps=None):
    grad = g / (x * (1 - x))
    if eps is None:
        return grad
    raw = _raw(x)
    return np.where((raw < eps) | (raw > 1 - eps), 0, grad)  # flat where clamped, as PyTorch


def logit(input, eps: float = None):
    """log(p / (1 - p)); with eps, p is first clamped to [eps, 1 - eps] (and the gradient is 0 outside)."""
    return logit_op(input, eps=eps)


def _times_log(input, other, log):
    """input * log(other), 0 where input is 0 (also where log(other) is infinite), nan where other is nan."""
    input, other = promote_floating(input, other)
    dtype = np.result_type(input, other)  # a Python number takes the tensor's dtype (log(3.0) would be float64)
    input, other = np.asarray(input, dtype), np.asarray(other, dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        product = input * log(other)
    return np.where((input == 0) & ~np.isnan(other), 0, product)


def _times_log_grads(g, input, other, needs_input_grad, function, pole):
    """PyTorch's gradients of function(input, other) = input * log(other - pole): function(g, other),
    0 where input is 0 and other is at or past the pole; and g * input / (other - pole)."""
    grad_input = grad_other = None
    if needs_input_grad[0]:
        grad_input = np.where((_raw(input) == 0) & (_raw(other) <= pole), 0, function(g, other))
    if needs_input_grad[1]:
        with np.errstate(divide="ignore", invalid="ignore"):
            grad_other = g * input / (other - pole if pole else other)
    return grad_input, grad_other


@op
def xlogy(input, other):
    """input * log(other), 0 where input is 0 (also where other is 0), nan where other is nan."""
    return _times_log(input, other, np.log)


@xlogy.vjp
def xlogy_vjp(g, out, input, other, needs_input_grad):
    return _times_log_grads(g, input, other, needs_input_grad, xlogy, 0)


@op
def xlog1py(input, other):
    """input * log1p(other), 0 where input is 0 (unless other is nan)."""
    return _times_log(input, other, np.log1p)


@xlog1py.vjp
def xlog1py_vjp(g, out, input, other, needs_input_grad):
    return _times_log_grads(g, input, other, needs_input_grad, xlog1py, -1)


@op
def reciprocal(x):
    return np.reciprocal(floating(x))


@reciprocal.vjp
def reciprocal_vjp(g, out, x):
    return -g * conj(out * out)


@op
def rsqrt(x):
    return np.reciprocal(np.sqrt(floating(x)))


@rsqrt.vjp
def rsqrt_vjp(g, out, x):
    return g * conj(out * out * out) * -0.5


@op
def square(x):
    return np.square(x) if type(x) is not np.ndarray or x.dtype != bool else x.astype(np.int64)


@square.vjp
def square_vjp(g, out, x):
    return g * conj(x) * 2


def float_power(input, exponent):
    """input ** exponent computed in float64, as PyTorch's float_power."""
    input = input.double() if isinstance(input, Tensor) else float(input)
    exponent = exponent.double() if isinstance(exponent, Tensor) else exponent
    return pow(input, exponent)
