"""Elementwise ops. Broadcasting is undone by the tape, so each vjp is the plain local rule.

Complex inputs follow PyTorch's convention: the vjp of a holomorphic f is g * conj(f'(z));
`conj` leaves real values as they are, so real dtypes pay one dtype check, no extra pass.
"""
import numpy as np

from ..function import op
from .complex import conj
from .promotion import floating, promote, promote_floating


def _raw(value):
    """The array of a Tensor (vjps run on Tensors under create_graph); masks are built from it."""
    return np.asarray(getattr(value, "_data", value))


@op
def add(x, y):
    x, y = promote(x, y)
    return x + y


@add.vjp
def add_vjp(g, out, x, y):
    return g, g


@op
def sub(x, y):
    x, y = promote(x, y)
    return x - y


@sub.vjp
def sub_vjp(g, out, x, y, needs_input_grad):
    return g, (-g if needs_input_grad[1] else None)


@op
def mul(x, y):
    x, y = promote(x, y)
    return x * y


@mul.vjp
def mul_vjp(g, out, x, y, needs_input_grad):
    return (g * conj(y) if needs_input_grad[0] else None,
            g * conj(x) if needs_input_grad[1] else None)


@op
def div(x, y):
    x, y = promote_floating(x, y)
    return x / y


@div.vjp
def div_vjp(g, out, x, y, needs_input_grad):
    return (g / conj(y) if needs_input_grad[0] else None,
            -g * conj(out / y) if needs_input_grad[1] else None)


def _power(x, exponent):
    """x ** exponent for a float array and a Python number, as PyTorch does it: small integral
    exponents by multiplication, 0.5 by sqrt, -1 by reciprocal; others on |x|, because negative
    bases send NumPy's power down a slow scalar path (100x on random normal data)."""
    if exponent == 2:
        return np.square(x)
    if exponent == 0.5:
        return np.sqrt(x)
    if exponent == 1:
        return x.copy()
    if exponent == 0:
        return np.ones_like(x)
    if exponent == -1:
        return np.reciprocal(x)
    if exponent == 3:
        out = np.square(x)
        out *= x
        return out
    if exponent == 4:
        out = np.square(x)
        return np.square(out, out=out)
    if exponent == -2:
        out = np.square(x)
        return np.reciprocal(out, out=out)
    if exponent == -0.5:
        out = np.sqrt(x)
        return np.reciprocal(out, out=out)
    if not np.isfinite(exponent):
        return np.power(x, exponent)
    out = np.power(np.abs(x), exponent)
    if float(exponent).is_integer():
        if int(exponent) % 2:
            np.copysign(out, x, out=out)
        return out
    # a negative base to a fractional power is nan: add sqrt(min(x, 0)), which is nan exactly there
    # and 0 elsewhere (3x faster than a masked write); C's pow gives |-inf| ** y for -inf
    marker = np.minimum(x, 0)
    with np.errstate(invalid="ignore"):
        np.sqrt(marker, out=marker)
    out += marker
    infinite = np.isneginf(x)
    if infinite.any():
        out[infinite] = np.inf if exponent > 0 else 0.0
    return out


@op
def pow(x, exponent):
    x, exponent = promote(x, exponent)
    if type(exponent) in (int, float) and type(x) is np.ndarray and x.dtype.kind == "f" and x.ndim:
        return _power(x, exponent)
    return np.power(x, exponent)


@pow.vjp
def pow_vjp(g, out, x, exponent, needs_input_grad):
    grad_x = grad_exponent = None
    if needs_input_grad[0]:
        if isinstance(exponent, (int, float)):
            if exponent == 0:  # the gradient of x ** 0 is 0, also at x = 0
                grad_x = g * 0
            elif exponent == 2:
                grad_x = g * conj(x) * 2
            else:
                grad_x = g * conj(exponent * pow(x, exponent - 1))
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                grad_x = np.where(_raw(exponent) == 0, 0, g * conj(exponent * pow(x, exponent - 1)))
    if needs_input_grad[1]:
        # 0 ** e has gradient 0 with respect to e >= 0, as in PyTorch (not 0 * log 0 = nan)
        zero_base = (_raw(x) == 0) & (_raw(exponent) >= 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            grad_exponent = g * conj(np.where(zero_base, 0, out * np.log(np.where(zero_base, 1, x))))
    return grad_x, grad_exponent


@op
def neg(x):
    return -x


@neg.vjp
def neg_vjp(g, out, x):
    return -g


@op
def exp(x):
    return np.exp(floating(x))


@exp.vjp
def exp_vjp(g, out, x):
    return g * conj(out)


@op
def log(x):
    return np.log(floating(x))


@log.vjp
def log_vjp(g, out, x):
    return g / conj(x)


@op
def log1p(x):
    return np.log1p(floating(x))


@log1p.vjp
def log1p_vjp(g, out, x):
    return g / conj(x + 1)


@op
def sqrt(x):
    return np.sqrt(floating(x))


@sqrt.vjp
def sqrt_vjp(g, out, x):
    return g * 0.5 / conj(out)


@op
def abs(x):
    return np.abs(x)


@abs.vjp
def abs_vjp(g, out, x):
    if x.dtype.kind == "c":  # g z / |z|, 0 at 0 (PyTorch's g * sgn(z)), from differentiable ops
        magnitude = np.abs(x)
        zero = _raw(magnitude) == 0
        return np.where(zero, 0, g * x / np.where(zero, 1, magnitude))
    return g * np.sign(x)


@op
def tanh(x):
    return np.tanh(floating(x))


@tanh.vjp
def tanh_vjp(g, out, x):
    return g * conj(1 - out * out)


@op
def sigmoid(x):
    # exp(min(x, 0)) / (1 + exp(-|x|)): no overflow, and no cancellation for negative x, where
    # 0.5 * (1 + tanh(x / 2)) rounds to 0 below -17 in float32 (so log(sigmoid(x)) was -inf)
    x = floating(x)
    if x.ndim == 0:  # NumPy returns scalars for 0-d arrays, which the in-place steps cannot write
        return sigmoid.forward(x.reshape(1)).reshape(())
    denominator = np.abs(x)
    np.negative(denominator, out=denominator)
    np.exp(denominator, out=denominator)
    denominator += 1
    out = np.minimum(x, 0)
    np.exp(out, out=out)
    out /= denominator
    return out


@sigmoid.vjp
def sigmoid_vjp(g, out, x):
    return g * out * (1 - out)


@op
def relu(x):
    return np.maximum(x, 0)


@relu.vjp
def relu_vjp(g, out, x):
    return g * (out > 0)


@op
def sin(x):
    return np.sin(floating(x))


@sin.vjp
def sin_vjp(g, out, x):
    return g * conj(np.cos(x))


@op
def cos(x):
    return np.cos(floating(x))


@cos.vjp
def cos_vjp(g, out, x):
    return -g * conj(np.sin(x))


@op
def clamp(x, min=None, max=None):
    if min is None and max is None:
        raise ValueError("clamp needs at least one of min and max")
    return np.clip(x, min, max)


@clamp.vjp
def clamp_vjp(g, out, x, min=None, max=None):
    inside = np.ones(x.shape, dtype=bool)
    if min is not None:
        inside &= x >= min
    if max is not None:
        inside &= x <= max
    return g * inside


def _winner_grads(g, x, y, x_wins, needs_input_grad):
    """maximum/minimum: the gradient goes to the winner; a tie splits it evenly, as PyTorch does."""
    tie = x == y
    half = g * 0.5
    return (g * x_wins + half * tie if needs_input_grad[0] else None,
            g * ~(x_wins | tie) + half * tie if needs_input_grad[1] else None)


@op
def maximum(x, y):
    return np.maximum(*promote(x, y))


@maximum.vjp
def maximum_vjp(g, out, x, y, needs_input_grad):
    return _winner_grads(g, x, y, x > y, needs_input_grad)


@op
def minimum(x, y):
    return np.minimum(*promote(x, y))


@minimum.vjp
def minimum_vjp(g, out, x, y, needs_input_grad):
    return _winner_grads(g, x, y, x < y, needs_input_grad)


@op
def where(condition, x, y):
    return np.where(condition, *promote(x, y))


@where.vjp
def where_vjp(g, out, condition, x, y, needs_input_grad):
    return (None,
            np.where(condition, g, 0) if needs_input_grad[1] else None,
            np.where(condition, 0, g) if needs_input_grad[2] else None)


def _fill_value(value, dtype):
    value = np.asarray(value)
    if value.ndim:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor "
                           f"with {value.ndim} dimension(s).")
    return value.astype(dtype, copy=False)


def _bool_mask(mask):
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise TypeError(f"masked_fill expects a bool mask, got dtype {mask.dtype}")
    return mask


@op
def masked_fill(x, mask=None, value=0.0):
    return np.where(_bool_mask(mask), _fill_value(value, x.dtype), x)


@masked_fill.vjp
def masked_fill_vjp(g, out, x, mask=None, value=0.0):
    return np.where(mask, 0, g)


@op
def masked_fill_tensor(x, value, mask=None):
    """masked_fill with a 0-d value tensor that is itself differentiable."""
    return np.where(_bool_mask(mask), _fill_value(value, x.dtype), x)


@masked_fill_tensor.vjp
def masked_fill_tensor_vjp(g, out, x, value, mask=None, needs_input_grad=(True, True)):
    return (np.where(mask, 0, g) if needs_input_grad[0] else None,
            np.where(mask, g, 0).sum() if needs_input_grad[1] else None)


@op
def sign(x):
    return np.sign(x)


@sign.vjp
def sign_vjp(g, out, x):
    return g * 0
