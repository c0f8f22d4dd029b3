"""dtypes are NumPy dtypes; float32 is the default floating type, as in PyTorch."""
import builtins

import numpy as np

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
bool = np.dtype(np.bool_)
complex64 = cfloat = np.dtype(np.complex64)  # the FFTs' outputs; real()/imag()/view_as_real() go back
complex128 = cdouble = np.dtype(np.complex128)

SUPPORTED = (float16, float32, float64, int8, uint8, int16, int32, int64, bool, complex64, complex128)


class _Default:
    dtype = float32


def get_default_dtype() -> np.dtype:
    return _Default.dtype


def set_default_dtype(dtype) -> None:
    """Set the dtype that Python floats and the creation functions take (float32 or float64)."""
    dtype = as_dtype(dtype)
    if dtype not in (float32, float64):
        raise TypeError(f"set_default_dtype takes float32 or float64, got {dtype}")
    _Default.dtype = dtype


def as_dtype(dtype, function: str = None) -> np.dtype:
    """A supported NumPy dtype from a needl/NumPy dtype or its name; refuses anything else.

    `function` names the caller in the message (`zeros(): unknown dtype 'flaot32' ...`).
    """
    where = f"{function}(): " if function else ""
    if isinstance(dtype, (builtins.int, builtins.float)):  # np.dtype(5) is not an error in NumPy
        raise TypeError(f"{where}dtype must be a needl dtype such as needl.float32, got {dtype!r}")
    try:
        result = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}unknown dtype {dtype!r}; needl supports "
                        f"{', '.join(str(d) for d in SUPPORTED)}") from None
    if result not in SUPPORTED:
        raise TypeError(f"{where}unsupported dtype {result}; needl supports "
                        f"{', '.join(str(d) for d in SUPPORTED)}")
    return result


# PyTorch's names for the type of a dtype (`isinstance(x.dtype, needl.dtype)`) and its helpers
dtype = np.dtype


def finfo(type=None) -> np.finfo:
    """Limits of a floating dtype (eps, max, min, tiny, resolution, bits); the default dtype's if None."""
    target = get_default_dtype() if type is None else as_dtype(type)
    if target.kind != "f":
        raise TypeError(f"finfo: {target} is not a floating point dtype (use needl.iinfo for integers)")
    return np.finfo(target)


def iinfo(type) -> np.iinfo:
    """Limits of an integer dtype (max, min, bits)."""
    target = as_dtype(type)
    if target.kind not in "iu":
        raise TypeError(f"iinfo: {target} is not an integer dtype (use needl.finfo for floating point)")
    return np.iinfo(target)


def promote_types(type1, type2) -> np.dtype:
    """PyTorch's promote_types: the higher category (bool < integer < float) wins, else the wider."""
    from .ops.promotion import _promote_types
    return _promote_types(as_dtype(type1), as_dtype(type2))


def can_cast(from_, to) -> bool:
    """Whether PyTorch's casting rules allow from_ -> to (no float -> int, no non-bool -> bool)."""
    source, target = as_dtype(from_), as_dtype(to)
    order = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
    return order[source.kind] <= order[target.kind]


class Size(tuple):
    """A shape: a tuple of ints, printed and used like torch.Size."""

    def __new__(cls, sizes=()):
        return super().__new__(cls, (builtins.int(size) for size in sizes))

    def numel(self) -> int:
        count = 1
        for size in self:
            count *= size
        return count

    def __repr__(self) -> str:
        return f"needl.Size({list(self)})"

    def __getitem__(self, key):
        result = super().__getitem__(key)
        return Size(result) if isinstance(key, slice) else result

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))
