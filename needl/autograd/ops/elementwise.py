"""Elementwise ops. Broadcasting is undone by the tape, so each vjp is the plain local rule."""
import numpy as np

from ..function import op


@op
def add(x, y):
    return x + y


@add.vjp
def add_vjp(g, out, x, y):
    return g, g


@op
def sub(x, y):
    return x - y


@sub.vjp
def sub_vjp(g, out, x, y, needs_input_grad):
    return g, (-g if needs_input_grad[1] else None)


@op
def mul(x, y):
    return x * y


@mul.vjp
def mul_vjp(g, out, x, y, needs_input_grad):
    return (g * y if needs_input_grad[0] else None,
            g * x if needs_input_grad[1] else None)


@op
def div(x, y):
    return x / y


@div.vjp
def div_vjp(g, out, x, y, needs_input_grad):
    return (g / y if needs_input_grad[0] else None,
            -g * out / y if needs_input_grad[1] else None)


@op
def pow(x, exponent):
    return x ** exponent


@pow.vjp
def pow_vjp(g, out, x, exponent, needs_input_grad):
    grad_x = grad_exponent = None
    if needs_input_grad[0]:
        if isinstance(exponent, (int, float)) and exponent == 2:
            grad_x = g * x * 2
        else:
            grad_x = g * exponent * x ** (exponent - 1)
    if needs_input_grad[1]:
        grad_exponent = g * out * np.log(x)
    return grad_x, grad_exponent


@op
def neg(x):
    return -x


@neg.vjp
def neg_vjp(g, out, x):
    return -g


@op
def exp(x):
    return np.exp(x)


@exp.vjp
def exp_vjp(g, out, x):
    return g * out


@op
def log(x):
    return np.log(x)


@log.vjp
def log_vjp(g, out, x):
    return g / x


@op
def log1p(x):
    return np.log1p(x)


@log1p.vjp
def log1p_vjp(g, out, x):
    return g / (x + 1)


@op
def sqrt(x):
    return np.sqrt(x)


@sqrt.vjp
def sqrt_vjp(g, out, x):
    return g * 0.5 / out


@op
def abs(x):
    return np.abs(x)


@abs.vjp
def abs_vjp(g, out, x):
    return g * np.sign(x)


@op
def tanh(x):
    return np.tanh(x)


@tanh.vjp
def tanh_vjp(g, out, x):
    return g * (1 - out * out)


@op
def sigmoid(x):
    # 0.5 * (1 + tanh(x / 2)) never overflows, unlike 1 / (1 + exp(-x))
    out = np.tanh(x * 0.5)
    out *= 0.5
    out += 0.5
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
    return np.sin(x)


@sin.vjp
def sin_vjp(g, out, x):
    return g * np.cos(x)


@op
def cos(x):
    return np.cos(x)


@cos.vjp
def cos_vjp(g, out, x):
    return -g * np.sin(x)


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
    return np.maximum(x, y)


@maximum.vjp
def maximum_vjp(g, out, x, y, needs_input_grad):
    return _winner_grads(g, x, y, x > y, needs_input_grad)


@op
def minimum(x, y):
    return np.minimum(x, y)


@minimum.vjp
def minimum_vjp(g, out, x, y, needs_input_grad):
    return _winner_grads(g, x, y, x < y, needs_input_grad)


@op
def where(condition, x, y):
    return np.where(condition, x, y)


@where.vjp
def where_vjp(g, out, condition, x, y, needs_input_grad):
    return (None,
            np.where(condition, g, 0) if needs_input_grad[1] else None,
            np.where(condition, 0, g) if needs_input_grad[2] else None)


@op
def masked_fill(x, mask=None, value=0.0):
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise TypeError(f"masked_fill expects a bool mask, got dtype {mask.dtype}")
    return np.where(mask, np.asarray(value, dtype=x.dtype), x)


@masked_fill.vjp
def masked_fill_vjp(g, out, x, mask=None, value=0.0):
    return np.where(mask, 0, g)
