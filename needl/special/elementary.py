"""Elementary special functions: expit entr sinc, and the names torch.special shares with the
top level (logit xlogy xlog1py expm1 exp2 log1p softmax log_softmax logsumexp), which are the
core ops themselves."""
import math

import numpy as np

from ..autograd import op
from ..autograd.functional import log_softmax, logsumexp, softmax  # noqa: F401
from ..autograd.ops import elementwise
from ..autograd.ops.exponential import exp2, expm1, logit, xlog1py, xlogy  # noqa: F401
from ._arrays import result_dtype


def _floating(x) -> np.ndarray:
    x = np.asarray(x)
    return x.astype(result_dtype(x), copy=False)


def expit(input):
    """The logistic sigmoid 1 / (1 + exp(-x)) (torch.special.expit)."""
    return elementwise.sigmoid(input)


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


log1p = elementwise.log1p
