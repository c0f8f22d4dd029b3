"""PyTorch's type promotion for the operands of an elementwise op, where NumPy's differs.

PyTorch ranks operands: tensors with dimensions decide the dtype, then 0-d tensors, then Python
numbers (NumPy scalars count as Python numbers), and a lower rank changes the result only if it
is of a higher category (bool < integer < floating). So float32 * 0-d float64 is float32,
float32 * int64 is float32, int64 * 2.5 is the default float dtype; NumPy gives float64 for all.
"""
import numpy as np

from .. import dtypes

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _promote_types(a, b):
    """PyTorch's promote_types: the higher category wins; within one, NumPy's widening rule."""
    if a is None or a == b:
        return b if a is None else a
    category_a, category_b = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if category_a != category_b:
        return a if category_a > category_b else b
    return np.promote_types(a, b)


def _combine(higher, lower):
    """The dtype from a higher-ranked group, unless the lower group is of a higher category."""
    if higher is None:
        return lower
    if lower is not None and _CATEGORY[lower.kind] > _CATEGORY[higher.kind]:
        return _promote_types(higher, lower)
    return higher


def _scalar_dtype(value):
    if isinstance(value, (bool, np.bool_)):
        return dtypes.bool
    if isinstance(value, (int, np.integer)):
        return dtypes.int64
    if isinstance(value, (float, np.floating)):
        return dtypes.get_default_dtype()
    if isinstance(value, (complex, np.complexfloating)):
        return np.dtype(np.complex64 if dtypes.get_default_dtype() == dtypes.float32 else np.complex128)
    return None


def result_dtype(*operands) -> np.dtype:
    """The dtype PyTorch gives an elementwise op on these arrays and Python or NumPy scalars."""
    dimensioned = zero_dim = wrapped = None
    for operand in operands:
        if isinstance(operand, np.ndarray):
            if operand.ndim:
                dimensioned = _promote_types(dimensioned, operand.dtype)
            else:
                zero_dim = _promote_types(zero_dim, operand.dtype)
        else:
            scalar = _scalar_dtype(operand)
            if scalar is not None:
                wrapped = _promote_types(wrapped, scalar)
    return _combine(dimensioned, _combine(zero_dim, wrapped))


def _cast(operand, dtype):
    if isinstance(operand, np.generic):
        operand = operand.item()  # a NumPy scalar behaves as the Python number it holds
    if isinstance(operand, np.ndarray) and operand.dtype != dtype:
        return operand.astype(dtype)
    return operand


def promote(x, y):
    """x and y cast so that NumPy computes in PyTorch's result dtype (arrays only; scalars stay weak)."""
    # fast paths, the common cases on a tape: same-dtype arrays, a float array and a Python number
    if type(x) is np.ndarray:
        if type(y) is np.ndarray:
            if x.dtype == y.dtype:
                return x, y
        elif (type(y) is float or type(y) is int) and x.dtype.kind == "f":
            return x, y
    elif type(y) is np.ndarray and (type(x) is float or type(x) is int) and y.dtype.kind == "f":
        return x, y
    target = result_dtype(x, y)
    if target is None:
        return x, y
    return _cast(x, target), _cast(y, target)


def promote_floating(x, y):
    """promote, then integers and bools to the default float dtype (true division, atan2 ...)."""
    x, y = promote(x, y)
    if type(x) is np.ndarray and x.dtype.kind in "fc" or type(y) is np.ndarray and y.dtype.kind in "fc":
        return x, y
    target = result_dtype(x, y)
    if target is not None and target.kind in "biu":
        default = dtypes.get_default_dtype()
        return _cast(x, default), _cast(y, default)
    return x, y


def floating(x):
    """x itself if floating, else x as the default float dtype (PyTorch's int -> float ops: exp, sin ...)."""
    if type(x) is np.ndarray:
        return x if x.dtype.kind in "fc" else x.astype(dtypes.get_default_dtype())
    return x
