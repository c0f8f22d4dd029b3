"""dtypes are NumPy dtypes; float32 is the default floating type, as in PyTorch."""
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


def as_dtype(dtype) -> np.dtype:
    """A supported NumPy dtype from a needl/NumPy dtype or its name; refuses anything else."""
    try:
        result = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}; needl supports "
                        f"{', '.join(str(d) for d in SUPPORTED)}") from None
    if result not in SUPPORTED:
        raise TypeError(f"unsupported dtype {result}; needl supports "
                        f"{', '.join(str(d) for d in SUPPORTED)}")
    return result
