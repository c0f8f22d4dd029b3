"""Elementary special functions: logit expit xlogy xlog1py entr sinc expm1 exp2, and the aliases
torch.special keeps for log1p, softmax, log_softmax and logsumexp."""
import math

import numpy as np

from ..autograd import op
from ..autograd.ops import elementwise, reduce
from ._arrays import result_dtype

_LOG_TWO = math.log(2.0)


def _floating(x) -> np.ndarray:
    x = np.asarray(x)
    return x.astype(result_dtype(x), copy=False)


def _pair(x, y):
    """x and y as arrays of one floating dtype; Python scalars take the other operand's dtype."""
    x_array, y_array = np.asarray(x), np.asarray(y)
    weak = [isinstance(v, (int, float)) and not isinstance(v, bool) for v in (x, y)]
    if weak[0] and not weak[1]:
        dtype = result_dtype(y_array)
    elif weak[1] and not weak[0]:
        dtype = result_dtype(x_array)
    else:
        dtype = np.result_type(result_dtype(x_array), result_dtype(y_array))
    return x_array.astype(dtype, copy=False), y_array.astype(dtype, copy=False)


def expit(input):
    """The logistic sigmoid 1 / (1 + exp(-x)) (torch.special.expit)."""
    return elementwise.sigmoid(input)


@op
def _logit(input, eps=None):
    x = _floating(input)
    if eps is not None:
        x = np.clip(x, eps, 1.0 - eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x / (1.0 - x))


@_logit.vjp
def _logit_vjp(g, out, input, eps=None):
    grad = g / (input * (1.0 - input))
    if eps is None:
        return grad
    return np.where((input < eps) | (input > 1.0 - eps), 0.0, grad)  # flat where clamped, as PyTorch


def logit(input, eps: float = None):
    """log(p / (1 - p)); with eps, p is first clamped to [eps, 1 - eps] (and the gradient is 0 outside)."""
    return _logit(input, eps=eps)


def _times_log(input, other, log):
    """input * log(other), 0 where input == 0 unless other is nan."""
    x, y = _pair(input, other)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((x == 0) & ~np.isnan(y), 0.0, x * log(y)).astype(x.dtype, copy=False)


@op
def xlogy(input, other):
    """input * log(other), 0 where input == 0 (unless other is nan), as PyTorch's xlogy."""
    return _times_log(input, other, np.log)


@xlogy.vjp
def xlogy_vjp(g, out, input, other, needs_input_grad):
    # d/dx = log(y) (0 where y == 0), as PyTorch: x = 0 does not stop the gradient to x
    with np.errstate(divide="ignore", invalid="ignore"):
        return (g * xlogy(other != 0, other) if needs_input_grad[0] else None,
                g * input / other if needs_input_grad[1] else None)


@op
def xlog1py(input, other):
    """input * log1p(other), 0 where input == 0 (unless other is nan)."""
    return _times_log(input, other, np.log1p)


@xlog1py.vjp
def xlog1py_vjp(g, out, input, other, needs_input_grad):
    with np.errstate(divide="ignore", invalid="ignore"):
        return (g * xlog1py(other != -1, other) if needs_input_grad[0] else None,
                g * input / (other + 1.0) if needs_input_grad[1] else None)


@op
def entr(input):
    """-x log x for x > 0, 0 at 0, -inf for x < 0 (elementwise entropy)."""
    x = _floating(input)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(x > 0, -x * np.log(x), np.where(x == 0, 0.0, -np.inf))
    return np.where(np.isnan(x), np.nan, out).astype(x.dtype, copy=False)


@entr.vjp
def entr_vjp(g, out, input):
    return -g * (np.log(input) + 1.0)


@op
def sinc(input):
    """The normalized sinc function sin(pi x) / (pi x), 1 at 0."""
    x = _floating(input)
    scaled = np.pi * x
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 1.0, np.sin(scaled) / scaled).astype(x.dtype, copy=False)


# sinc'(x) = sum_k (-1)^k 2k pi^2k x^(2k-1) / (2k+1)!, used for |x| < 0.1 where the closed form cancels
_SINC_SLOPE = [(-1) ** k * 2 * k * math.pi ** (2 * k) / math.factorial(2 * k + 1) for k in range(1, 9)]


@sinc.vjp
def sinc_vjp(g, out, input):
    small = np.abs(input) < 0.1
    safe = np.where(small, 1.0, input)
    square = input * input
    series = _SINC_SLOPE[-1]
    for c in _SINC_SLOPE[-2::-1]:
        series = series * square + c
    return g * np.where(small, series * input, (np.cos(safe * math.pi) - out) / safe)


@op
def expm1(input):
    """exp(x) - 1, accurate for small x."""
    return np.expm1(_floating(input))


@expm1.vjp
def expm1_vjp(g, out, input):
    return g * (out + 1.0)


@op
def exp2(input):
    """2 ** x."""
    return np.exp2(_floating(input))


@exp2.vjp
def exp2_vjp(g, out, input):
    return g * out * _LOG_TWO


log1p = elementwise.log1p


def softmax(input, dim: int, dtype=None):
    """torch.special.softmax: exp(x) / sum(exp(x)) along dim."""
    return reduce.softmax(input if dtype is None else input.astype(dtype), dim=dim)


def log_softmax(input, dim: int, dtype=None):
    """torch.special.log_softmax along dim."""
    return reduce.log_softmax(input if dtype is None else input.astype(dtype), dim=dim)


def logsumexp(input, dim, keepdim: bool = False):
    """torch.special.logsumexp: log(sum(exp(x))) over dim, computed stably."""
    return reduce.logsumexp(input, dim=dim, keepdim=keepdim)
