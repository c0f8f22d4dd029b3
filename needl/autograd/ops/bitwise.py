"""Bitwise ops on integer and bool tensors (and, or, xor, not, shifts): off the tape, as in PyTorch
(they have no gradient), with PyTorch's promotion and its refusal of floating inputs."""
import numpy as np

from ..tensor import Tensor
from .promotion import promote


def _raw(value):
    return value._data if isinstance(value, Tensor) else value


def _check_integral(name: str, *operands) -> None:
    for operand in operands:
        kind = operand.dtype.kind if isinstance(operand, np.ndarray) else (
            "f" if isinstance(operand, (float, np.floating, complex)) else "i")
        if kind not in "biu":
            dtype = operand.dtype if isinstance(operand, np.ndarray) else type(operand).__name__
            raise RuntimeError(f"\"{name}_cpu\" not implemented for '{dtype}': bitwise ops take "
                               f"integer or bool tensors")


def _binary(name: str, ufunc, shift: bool = False):
    def apply(input, other) -> Tensor:
        x, y = _raw(input), _raw(other)
        if isinstance(x, (int, np.integer)) and not isinstance(x, bool):  # a number first: `2 << t`
            x = np.asarray(x, dtype=y.dtype if isinstance(y, np.ndarray) else np.int64)
        _check_integral(name, x, y)
        x, y = promote(x, y)
        if shift and isinstance(x, np.ndarray) and x.dtype == np.bool_:
            x = x.astype(np.int64)
        result = ufunc(x, y)
        dtype = x.dtype if isinstance(x, np.ndarray) else np.asarray(result).dtype
        return Tensor._make(np.asarray(result).astype(dtype, copy=False))
    apply.__name__ = name
    apply.__doc__ = f"Elementwise {name} of integer or bool tensors (PyTorch's dtype promotion; no gradient)."
    return apply


bitwise_and = _binary("bitwise_and", np.bitwise_and)
bitwise_or = _binary("bitwise_or", np.bitwise_or)
bitwise_xor = _binary("bitwise_xor", np.bitwise_xor)
bitwise_left_shift = _binary("bitwise_left_shift", np.left_shift, shift=True)
bitwise_right_shift = _binary("bitwise_right_shift", np.right_shift, shift=True)


def bitwise_not(input) -> Tensor:
    """~input: bit complement of integers, logical not of bools."""
    data = _raw(input)
    _check_integral("bitwise_not", data)
    return Tensor._make(np.invert(data))
