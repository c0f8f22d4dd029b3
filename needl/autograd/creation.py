"""Creation functions: tensor, zeros, ones, rand... with PyTorch's names and default dtype."""
import numpy as np

from . import dtypes, random
from .tensor import Tensor


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(int(s) for s in size)


def _float_dtype(dtype):
    return dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)


def _finish(array, requires_grad):
    tensor = Tensor._make(array)
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


def tensor(data, dtype=None, requires_grad: bool = False) -> Tensor:
    """A new tensor from data (copied). Python floats take the default dtype; NumPy arrays keep theirs."""
    if isinstance(data, Tensor):
        data = data._data
    if isinstance(data, (list, tuple)) and any(isinstance(item, Tensor) for item in data):
        data = [item._data if isinstance(item, Tensor) else item for item in data]
    if dtype is not None:
        array = np.array(data, dtype=dtypes.as_dtype(dtype))
    else:
        keeps_dtype = isinstance(data, (np.ndarray, np.generic))
        array = np.array(data)
        if array.dtype == np.float64 and not keeps_dtype:
            array = array.astype(dtypes.get_default_dtype())
        dtypes.as_dtype(array.dtype)
    return _finish(array, requires_grad)


def as_tensor(data, dtype=None) -> Tensor:
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with the NumPy array."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    dtypes.as_dtype(array.dtype)
    return Tensor._make(array)


def zeros(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.zeros(_shape(size), dtype=_float_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.ones(_shape(size), dtype=_float_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.empty(_shape(size), dtype=_float_dtype(dtype)), requires_grad)


def full(size, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    if dtype is None and isinstance(fill_value, bool):
        dtype = dtypes.bool
    elif dtype is None and isinstance(fill_value, int):
        dtype = dtypes.int64
    return _finish(np.full(_shape((size,)), fill_value, dtype=_float_dtype(dtype)), requires_grad)


def zeros_like(input: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return zeros(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def ones_like(input: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return ones(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def empty_like(input: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return empty(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def full_like(input: Tensor, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    return full(input.shape, fill_value, dtype=dtype or input.dtype, requires_grad=requires_grad)


def rand(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1), drawn directly in the target dtype."""
    dtype = _float_dtype(dtype)
    return _finish(random.generator().random(_shape(size), dtype=dtype), requires_grad)


def randn(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    dtype = _float_dtype(dtype)
    return _finish(random.generator().standard_normal(_shape(size), dtype=dtype), requires_grad)


def randint(low, high=None, size=(), dtype=None) -> Tensor:
    if high is None:
        low, high = 0, low
    return Tensor._make(random.generator().integers(low, high, size=tuple(size),
                                                     dtype=dtypes.as_dtype(dtype or dtypes.int64)))


def randperm(n: int, dtype=None) -> Tensor:
    return Tensor._make(random.generator().permutation(n).astype(dtypes.as_dtype(dtype or dtypes.int64)))


def rand_like(input: Tensor, dtype=None) -> Tensor:
    return rand(input.shape, dtype=dtype or input.dtype)


def randn_like(input: Tensor, dtype=None) -> Tensor:
    return randn(input.shape, dtype=dtype or input.dtype)


def arange(start, end=None, step=1, dtype=None, requires_grad: bool = False) -> Tensor:
    if end is None:
        start, end = 0, start
    if dtype is None:
        integral = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if integral else dtypes.get_default_dtype()
    return _finish(np.arange(start, end, step, dtype=dtypes.as_dtype(dtype)), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.linspace(start, end, steps, dtype=_float_dtype(dtype)), requires_grad)


def eye(n, m=None, dtype=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    return input.numel()

# the names `needl` re-exports at the top level
__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "empty", "full", "zeros_like",
           "ones_like", "empty_like", "full_like", "rand", "randn", "randint", "randperm",
           "rand_like", "randn_like", "arange", "linspace", "eye", "is_tensor", "numel"]
