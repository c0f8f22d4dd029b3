"""PyTorch's arithmetic functions with their keyword arguments (alpha=, rounding_mode=, value=,
weight=), composed from the elementwise ops so that each gradient is the ops' own."""
from ..tensor import Tensor
from . import elementwise, rounding


def add(input, other, *, alpha=1) -> Tensor:
    """input + alpha * other."""
    return elementwise.add(input, other if alpha == 1 else other * alpha)


def sub(input, other, *, alpha=1) -> Tensor:
    """input - alpha * other."""
    return elementwise.sub(input, other if alpha == 1 else other * alpha)


def rsub(input, other, *, alpha=1) -> Tensor:
    """other - alpha * input."""
    return elementwise.sub(other, input if alpha == 1 else input * alpha)


def mul(input, other) -> Tensor:
    return elementwise.mul(input, other)


_ROUNDING = {None: elementwise.div, "trunc": rounding.trunc_divide, "floor": rounding.floor_divide}


def div(input, other, *, rounding_mode=None) -> Tensor:
    """input / other; rounding_mode 'trunc' rounds toward zero, 'floor' down (integers stay integers)."""
    function = _ROUNDING.get(rounding_mode)
    if function is None:
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                         f"{rounding_mode!r}")
    return function(input, other)


def true_divide(dividend, divisor) -> Tensor:
    return elementwise.div(dividend, divisor)


def lerp(input, end, weight) -> Tensor:
    """input + weight * (end - input)."""
    return input + weight * (end - input)


def addcmul(input, tensor1, tensor2, *, value=1) -> Tensor:
    """input + value * tensor1 * tensor2."""
    product = tensor1 * tensor2
    return input + (product if value == 1 else product * value)


def addcdiv(input, tensor1, tensor2, *, value=1) -> Tensor:
    """input + value * tensor1 / tensor2."""
    quotient = tensor1 / tensor2
    return input + (quotient if value == 1 else quotient * value)


def clamp_min(input, min) -> Tensor:
    return elementwise.clamp(input, min=getattr(min, "_data", min))


def clamp_max(input, max) -> Tensor:
    return elementwise.clamp(input, max=getattr(max, "_data", max))


def positive(input) -> Tensor:
    return input
