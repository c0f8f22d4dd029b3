"""Activation functions, each one op with its local gradient (float32 stays float32)."""
import math
import warnings

import numpy as np

from ...autograd import op
from ...autograd.ops import elementwise, reduce
from ...autograd.tensor import Tensor
from ._inplace import in_place_allowed

_SQRT_HALF = math.sqrt(0.5)


def _data(value):
    return value._data if isinstance(value, Tensor) else value

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# erf(x) = tanh(P(x)) with P odd of degree 13: a least-squares fit of atanh(erf(x)) on [0, 4],
# reweighted towards the smallest worst-case relative error of erf; within 4 float32 ulps on
# [-4, 4], and erf(+-4) rounds to +-1 in float32. 16x faster than SciPy's float32 erf here.
_ERF_ATANH_COEFFICIENTS = np.array([1.12837927e+00, 1.02769055e-01, -1.91826825e-04, -6.19789735e-04,
                                    8.76399547e-05, -5.66904565e-06, 1.41894882e-07], dtype=np.float32)


BLOCK = 1 << 16  # elements: the temporaries of a many-pass kernel stay in L2 between its passes


def _same_layout(arrays) -> list:
    """The arrays, made C-contiguous unless all have one memory layout that ravels to a view."""
    first = arrays[0]
    if all(a.strides == first.strides and a.shape == first.shape for a in arrays) and \
            np.shares_memory(first.ravel("K"), first):
        return list(arrays)
    return [np.ascontiguousarray(a) for a in arrays]


def _blockwise(kernel, inputs, outputs=1, dtype=None) -> list:
    """Run kernel(*input_blocks, *output_blocks) over 1-D blocks of BLOCK elements, in memory
    order; the outputs are fresh arrays laid out like the inputs (channels-last stays so)."""
    inputs = _same_layout(inputs)
    results = [np.empty_like(inputs[0], dtype=dtype) for _ in range(outputs)]
    flats = [a.ravel("K") for a in inputs + results]
    for start in range(0, flats[0].size, BLOCK):
        kernel(*(flat[start:start + BLOCK] for flat in flats))
    return results


def _erf_into(u: np.ndarray, out: np.ndarray) -> None:
    """out = erf(u) in float32 arithmetic (see _ERF_ATANH_COEFFICIENTS); u is clipped in place."""
    np.clip(u, np.float32(-4.0), np.float32(4.0), out=u)
    square = u * u
    coefficients = _ERF_ATANH_COEFFICIENTS
    np.multiply(square, coefficients[-1], out=out)
    for coefficient in coefficients[-2:0:-1]:  # Horner in u^2
        out += coefficient
        out *= square
    out += coefficients[0]
    out *= u
    np.tanh(out, out=out)


def _erf_block(x, out):
    _erf_into(x.astype(np.float32, copy=True), out)


def float32_erf(x: np.ndarray) -> np.ndarray:
    """erf in float32 arithmetic, accurate to float32 precision, in blocks, in x's layout."""
    return _blockwise(_erf_block, [np.asarray(x)], dtype=np.float32)[0]


def erf(x):
    """needl.special.erf (which uses float32_erf on float32), imported on first use: needl.special
    costs ~30 ms of import time that most programs never need."""
    from ...special import erf as special_erf
    return special_erf(x)


def _elementwise(function, input: Tensor, inplace: bool, **options) -> Tensor:
    """function(input), or written into input's memory and recorded as an in-place op (inplace=True,
    where the tape allows it: see _inplace.py)."""
    if inplace and in_place_allowed(input):
        return input._apply_(function, **options)
    return function(input, **options)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(0, x); inplace=True writes into input (recorded on the tape, as input.relu_())."""
    return _elementwise(elementwise.relu, input, inplace)


def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x))."""
    return elementwise.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """tanh(x)."""
    return elementwise.tanh(input)


def _fresh(x: np.ndarray) -> np.ndarray:
    """An uninitialised floating array in x's memory layout (channels-last stays channels-last)."""
    return np.empty_like(x, dtype=np.result_type(x, 0.5))


def _step(values: np.ndarray, low, high) -> np.ndarray:
    """high where values > 0, low elsewhere (NaN: low), as a float array: a comparison written
    straight into floats and one multiply-add. np.where would branch on every element, which
    mispredicts on random signs (~8x slower on 2M floats here)."""
    factor = np.greater(values, 0, out=_fresh(values))
    if high - low != 1:
        factor *= high - low
    if low:
        factor += low
    return factor


def _times(g, factor: np.ndarray):
    """g * factor, written into factor when that keeps g's dtype; Tensors (create_graph) recorded."""
    if isinstance(g, np.ndarray) and g.dtype == factor.dtype and g.shape == factor.shape:
        return np.multiply(factor, g, out=factor)
    return g * factor


@op
def _leaky_relu(x, negative_slope=0.01):
    """max(x, slope * x) for slopes up to 1, min above: two passes."""
    out = np.multiply(x, negative_slope, out=_fresh(x))
    return (np.maximum if negative_slope <= 1 else np.minimum)(x, out, out=out)


@_leaky_relu.vjp
def _leaky_relu_vjp(g, out, x, negative_slope=0.01):
    # for slopes >= 0, out > 0 exactly where x > 0: the input need not be kept (inplace=True)
    return _times(g, _step(_data(out), negative_slope, 1.0))


@op
def _leaky_relu_negative(x, negative_slope=-0.01):
    """leaky_relu with a negative slope (its output's sign no longer tells where x > 0)."""
    return _leaky_relu.forward(x, negative_slope=negative_slope)


@_leaky_relu_negative.vjp
def _leaky_relu_negative_vjp(g, out, x, negative_slope=-0.01):
    return _times(g, _step(_data(x), negative_slope, 1.0))


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    negative_slope = float(negative_slope)
    function = _leaky_relu if negative_slope >= 0 else _leaky_relu_negative
    return _elementwise(function, input, inplace, negative_slope=negative_slope)


@op
def _hardtanh(x, min_val=-1.0, max_val=1.0):
    return np.clip(x, min_val, max_val)


@_hardtanh.vjp
def _hardtanh_vjp(g, out, x, min_val=-1.0, max_val=1.0):
    return g * ((x > min_val) & (x < max_val))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val]."""
    return _elementwise(_hardtanh, input, inplace, min_val=float(min_val), max_val=float(max_val))


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(0, x), 6)."""
    return _elementwise(_hardtanh, input, inplace, min_val=0.0, max_val=6.0)


@op
def _elu(x, alpha=1.0, scale=1.0, input_scale=1.0):
    """scale * x for x > 0, alpha * scale * (exp(input_scale * x) - 1) otherwise: the two branches
    are each zero on the other side, so their sum needs no np.where."""
    out = np.minimum(x, 0, out=_fresh(x))
    if input_scale != 1:
        out *= input_scale
    np.expm1(out, out=out)
    out *= alpha * scale
    positive = np.maximum(x, 0)
    if scale != 1:
        positive *= scale
    out += positive
    return out


@_elu.vjp
def _elu_vjp(g, out, x, alpha=1.0, scale=1.0, input_scale=1.0):
    # x <= 0: d/dx alpha*scale*(exp(x*s) - 1) = s * (out + alpha*scale)
    if isinstance(g, Tensor):  # create_graph: the slope depends on out, recorded
        return elementwise.where(_data(x) > 0, g * scale, g * (out + alpha * scale) * input_scale)
    # out <= 0 where x <= 0, and for x > 0 the same expression with min(out, 0) gives
    # s * alpha * scale, corrected to scale
    factor = np.minimum(_data(out), 0, out=_fresh(_data(out)))
    factor += alpha * scale
    factor *= input_scale
    correction = scale - alpha * scale * input_scale
    if correction:
        factor += _step(_data(x), 0.0, correction)
    return _times(g, factor)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return _elementwise(_elu, input, inplace, alpha=float(alpha))


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants."""
    return _elementwise(_elu, input, inplace, alpha=_SELU_ALPHA, scale=_SELU_SCALE)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    return _elementwise(_elu, input, inplace, alpha=float(alpha), input_scale=1.0 / alpha)


def _gelu_block(x, out, cdf):
    """out = x * cdf, cdf = (1 + erf(x / sqrt 2)) / 2, on one block (float32)."""
    u = np.multiply(x, np.float32(_SQRT_HALF))
    _erf_into(u, cdf)
    cdf *= np.float32(0.5)
    cdf += np.float32(0.5)
    np.multiply(x, cdf, out=out)


def _gelu_grad_block(x, g, cdf, grad):
    """grad = g * (cdf + x * exp(-x^2 / 2) / sqrt(2 pi)) on one block (float32)."""
    np.multiply(x, x, out=grad)
    grad *= np.float32(-0.5)
    np.exp(grad, out=grad)
    grad *= x
    grad *= np.float32(_INV_SQRT_2PI)
    grad += cdf
    grad *= g


@op
def _gelu(x, approximate="none"):
    """Returns (output, the CDF or tanh term) so that the backward does not evaluate erf again."""
    if approximate == "tanh":
        term = np.tanh((x + x * x * x * 0.044715) * _SQRT_2_OVER_PI)
        return x * 0.5 * (1.0 + term), term
    if x.dtype == np.float32:  # in L2-sized blocks: ~20 passes, each over a block in cache
        out, cdf = _blockwise(_gelu_block, [x], outputs=2)
        return out, cdf
    cdf = erf(x * _SQRT_HALF)
    cdf += 1.0
    cdf *= 0.5
    return x * cdf, cdf


@_gelu.vjp
def _gelu_vjp(grads, outputs, x, approximate="none"):
    g = grads[0]
    recording = isinstance(g, Tensor)  # create_graph: recompute the term from x with ops
    if approximate == "tanh":
        t = np.tanh((x + x * x * x * 0.044715) * _SQRT_2_OVER_PI) if recording else outputs[1]
        slope = 0.5 * (1.0 + t) + x * 0.5 * (1.0 - t * t) * _SQRT_2_OVER_PI * (1.0 + x * x * 0.134145)
        return g * slope
    if not recording and x.dtype == np.float32 and g.dtype == np.float32:
        return _blockwise(_gelu_grad_block, [x, g, outputs[1]])[0]
    cdf = 0.5 * (1.0 + erf(x * _SQRT_HALF)) if recording else outputs[1]
    return g * (cdf + x * np.exp(x * x * -0.5) * _INV_SQRT_2PI)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) (Phi the normal CDF); approximate='tanh' uses the tanh formula."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate argument must be either none or tanh, got {approximate!r}")
    return _gelu(input, approximate=approximate)[0]


@op
def _silu(x):
    if x.dtype.kind != "f":
        return x * elementwise.sigmoid(x)
    with np.errstate(over="ignore"):  # exp(-x) = inf below ~-88 (float32) gives the right 0
        return _blockwise(_silu_block, [x])[0]


def _silu_block(x, out):
    """out = x / (1 + exp(-x)): four passes over one block."""
    np.negative(x, out=out)
    np.exp(out, out=out)
    out += 1
    np.divide(x, out, out=out)


def _silu_grad_block(x, g, grad):
    """grad = g * s * (1 + x * (1 - s)) with s = sigmoid(x), on one block."""
    s = np.negative(x)
    np.exp(s, out=s)
    s += 1
    np.reciprocal(s, out=s)
    np.subtract(1, s, out=grad)
    grad *= x
    grad += 1
    grad *= s
    grad *= g


@_silu.vjp
def _silu_vjp(g, out, x):
    if isinstance(g, np.ndarray) and x.dtype.kind == "f" and g.dtype == x.dtype:
        with np.errstate(over="ignore"):
            return _blockwise(_silu_grad_block, [x, g])[0]
    s = elementwise.sigmoid(x)
    return g * s * (1.0 + x * (1.0 - s))


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (also called swish)."""
    return _elementwise(_silu, input, inplace)


@op
def _mish(x):
    return x * np.tanh(np.logaddexp(0, x))


@_mish.vjp
def _mish_vjp(g, out, x):
    t = np.tanh(_softplus(x, threshold=np.inf))  # an op, so recorded under create_graph
    return g * (t + x * (1.0 - t * t) * elementwise.sigmoid(x))


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    return _elementwise(_mish, input, inplace)


@op
def _softplus(x, beta=1.0, threshold=20.0):
    scaled = x * beta
    return np.where(scaled > threshold, x, np.logaddexp(0, scaled) / beta)


@_softplus.vjp
def _softplus_vjp(g, out, x, beta=1.0, threshold=20.0):
    scaled = x * beta
    return np.where(scaled > threshold, g, g * elementwise.sigmoid(scaled))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, linear where beta * x > threshold."""
    return _softplus(input, beta=float(beta), threshold=float(threshold))


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), computed stably."""
    return -_softplus(-input)


@op
def _hardsigmoid(x):
    return np.clip(x / 6.0 + 0.5, 0.0, 1.0)


@_hardsigmoid.vjp
def _hardsigmoid_vjp(g, out, x):
    return g * ((x > -3.0) & (x < 3.0)) / 6.0


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """clamp(x / 6 + 1 / 2, 0, 1)."""
    return _elementwise(_hardsigmoid, input, inplace)


@op
def _hardswish(x):
    return x * np.clip(x / 6.0 + 0.5, 0.0, 1.0)


@_hardswish.vjp
def _hardswish_vjp(g, out, x):
    slope = np.where(x < -3.0, 0.0, np.where(x > 3.0, 1.0, x / 3.0 + 0.5))
    return g * slope


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * hardsigmoid(x)."""
    return _elementwise(_hardswish, input, inplace)


@op
def _softsign(x):
    return x / (1.0 + np.abs(x))


@_softsign.vjp
def _softsign_vjp(g, out, x):
    denominator = 1.0 + np.abs(x)
    return g / (denominator * denominator)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return _softsign(input)


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    return input - elementwise.tanh(input)


@op
def _prelu(x, weight):
    slope = weight.reshape((-1,) + (1,) * (x.ndim - 2)) if x.ndim >= 2 and weight.size > 1 else weight
    return np.where(x > 0, x, x * slope)


@_prelu.vjp
def _prelu_vjp(g, out, x, weight, needs_input_grad):
    per_channel = x.ndim >= 2 and np.size(_data(weight)) > 1
    slope = weight.reshape((-1,) + (1,) * (x.ndim - 2)) if per_channel else weight
    negative = _data(x) <= 0
    grad_input = np.where(negative, g * slope, g) if needs_input_grad[0] else None
    grad_weight = None
    if needs_input_grad[1]:
        contribution = np.where(negative, g * x, 0)
        if per_channel:
            axes = (0,) + tuple(range(2, x.ndim))
            grad_weight = contribution.sum(axis=axes)
        else:
            grad_weight = contribution.sum().reshape(weight.shape)
    return grad_input, grad_weight


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x for x > 0, weight * x otherwise; weight has 1 or C (channel dim 1) entries."""
    if weight._data.size not in (1, input.shape[1] if input.ndim >= 2 else 1):
        raise RuntimeError(f"prelu: weight has {weight._data.size} entries, expected 1 or the "
                           f"number of channels of the input of shape {tuple(input.shape)}")
    return _prelu(input, weight)


def _softmax_dim(ndim: int, name: str) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                  f"Change the call to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along dim."""
    if dim is None:
        dim = _softmax_dim(input.ndim, "softmax")
    if dtype is not None:
        input = input.astype(dtype)
    return reduce.softmax(input, dim=dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """x - logsumexp(x) along dim, computed without forming the probabilities."""
    if dim is None:
        dim = _softmax_dim(input.ndim, "log_softmax")
    if dtype is not None:
        input = input.astype(dtype)
    return reduce.log_softmax(input, dim=dim)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x) along dim."""
    if dim is None:
        dim = _softmax_dim(input.ndim, "softmin")
    return softmax(-input, dim=dim, dtype=dtype)


@op
def _glu(x, dim=-1):
    first, second = np.split(x, 2, axis=dim)
    return first * elementwise.sigmoid(second)


@_glu.vjp
def _glu_vjp(g, out, x, dim=-1):
    first, second = x.chunk(2, dim) if isinstance(x, Tensor) else np.split(x, 2, axis=dim)
    gate = elementwise.sigmoid(second)
    return np.concatenate([g * gate, g * first * gate * (1.0 - gate)], axis=dim)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """first half * sigmoid(second half) along dim."""
    if input.shape[dim] % 2:
        raise RuntimeError(f"glu: halving dimension {dim} needs an even size, got input of shape {tuple(input.shape)}")
    return _glu(input, dim=dim)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, value elsewhere."""
    if inplace and in_place_allowed(input):
        return input.masked_fill_(_data(input) <= threshold, float(value))
    return elementwise.where(_data(input) > threshold, input, float(value))


_threshold = threshold


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, 0 elsewhere."""
    return elementwise.where(np.abs(_data(input)) > lambd, input, 0.0)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    values = _data(input)
    shift = np.where(values > lambd, -lambd, np.where(values < -lambd, lambd, 0.0)).astype(values.dtype)
    return elementwise.where(np.abs(values) > lambd, input + shift, 0.0)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Leaky ReLU whose negative slope is drawn from U(lower, upper) per element in training,
    and is (lower + upper) / 2 in eval."""
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    from ...autograd import random
    values = _data(input)
    slopes = random.generator().uniform(lower, upper, values.shape).astype(values.dtype)
    factors = np.where(values >= 0, 1, slopes).astype(values.dtype)
    return input.mul_(factors) if inplace and in_place_allowed(input) else input * factors


# PyTorch's in-place spellings of the functional forms
def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)


def selu_(input: Tensor) -> Tensor:
    return selu(input, inplace=True)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return _threshold(input, threshold, value, inplace=True)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    return rrelu(input, lower, upper, training, inplace=True)


def gumbel_softmax(logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """softmax((logits + g) / tau) along dim with g ~ Gumbel(0, 1) drawn from needl's generator;
    hard=True returns the one-hot of its argmax with the soft sample's gradient (straight-through)."""
    from ...autograd import random
    values = _data(logits)
    exponential = random.generator().exponential(size=values.shape).astype(values.dtype)
    gumbels = -np.log(exponential)
    soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return soft
    probabilities = _data(soft)
    hard_sample = np.zeros_like(probabilities)
    np.put_along_axis(hard_sample, np.expand_dims(np.argmax(probabilities, axis=dim), dim), 1.0, axis=dim)
    return soft + (hard_sample - probabilities)  # values: the one-hot; gradient: the soft sample's
