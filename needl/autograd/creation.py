"""Creation functions: tensor, zeros, ones, rand... with PyTorch's names, keywords and default dtype.

Every one takes PyTorch's `device=` (the CPU: 'cpu', 'cpu:0', needl.device('cpu') or None; an
accelerator raises an error saying needl runs on the CPU) and ignores `layout=`/`pin_memory=`/
`memory_format=`, which describe nothing needl could do differently.
"""
import numpy as np

from ..device import check_device
from . import dtypes, random
from .random import Generator, bernoulli, multinomial, normal, poisson
from .tensor import Tensor


def _shape(size, function="zeros"):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    try:
        shape = tuple(int(s) for s in size)
    except TypeError:
        raise TypeError(f"{function}(): size must be a sequence of ints, got {size!r}") from None
    if any(s < 0 for s in shape):
        raise RuntimeError(f"{function}(): Trying to create tensor with negative dimension: {list(shape)}")
    return shape


def _float_dtype(dtype, function):
    return dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype, function)


def _finish(array, requires_grad, device=None):
    check_device(device)
    tensor = Tensor._make(array)
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


def tensor(data, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor from data (copied). Python floats take the default dtype; NumPy arrays keep theirs."""
    if isinstance(data, Tensor):
        data = data._data
    if isinstance(data, (list, tuple)) and any(isinstance(item, Tensor) for item in data):
        data = [item._data if isinstance(item, Tensor) else item for item in data]
    if dtype is not None:
        array = np.array(data, dtype=dtypes.as_dtype(dtype, "tensor"))
    else:
        keeps_dtype = isinstance(data, (np.ndarray, np.generic))
        array = np.array(data)
        if array.dtype == np.float64 and not keeps_dtype:
            array = array.astype(dtypes.get_default_dtype())
        dtypes.as_dtype(array.dtype, "tensor")
    return _finish(array, requires_grad, device)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    check_device(device)
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad: bool = False) -> Tensor:
    """obj as a tensor, sharing memory with a NumPy array or tensor unless copy=True or a cast is needed."""
    result = tensor(obj, dtype=dtype) if copy else as_tensor(obj, dtype=dtype, device=device)
    return result.requires_grad_() if requires_grad else result


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with the NumPy array."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    dtypes.as_dtype(array.dtype, "from_numpy")
    return Tensor._make(array)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.asarray(s, dtype=_float_dtype(dtype, "scalar_tensor")), requires_grad, device)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.zeros(_shape(size, "zeros"), dtype=_float_dtype(dtype, "zeros")), requires_grad, device)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.ones(_shape(size, "ones"), dtype=_float_dtype(dtype, "ones")), requires_grad, device)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
          pin_memory: bool = False, memory_format=None) -> Tensor:
    return _finish(np.empty(_shape(size, "empty"), dtype=_float_dtype(dtype, "empty")), requires_grad, device)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of `size` filled with fill_value (bool -> bool, int -> int64, float -> the default dtype)."""
    fill_value = getattr(fill_value, "_data", fill_value)
    if dtype is None and isinstance(fill_value, (bool, np.bool_)):
        dtype = dtypes.bool
    elif dtype is None and isinstance(fill_value, (int, np.integer)):
        dtype = dtypes.int64
    return _finish(np.full(_shape((size,), "full"), fill_value, dtype=_float_dtype(dtype, "full")),
                   requires_grad, device)


def _like(input, dtype):
    return input.dtype if dtype is None else dtype


def zeros_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    return zeros(input.shape, dtype=_like(input, dtype), device=device, requires_grad=requires_grad)


def ones_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    return ones(input.shape, dtype=_like(input, dtype), device=device, requires_grad=requires_grad)


def empty_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    return empty(input.shape, dtype=_like(input, dtype), device=device, requires_grad=requires_grad)


def full_like(input: Tensor, fill_value, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    return full(input.shape, fill_value, dtype=_like(input, dtype), device=device, requires_grad=requires_grad)


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
         pin_memory: bool = False) -> Tensor:
    """Uniform on [0, 1), drawn directly in the target dtype."""
    dtype = _float_dtype(dtype, "rand")
    draws = random.generator(generator).random(_shape(size, "rand"), dtype=_sampling_dtype(dtype))
    return _finish(draws.astype(dtype, copy=False), requires_grad, device)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
          pin_memory: bool = False) -> Tensor:
    """Standard normal samples, drawn directly in the target dtype."""
    dtype = _float_dtype(dtype, "randn")
    draws = random.generator(generator).standard_normal(_shape(size, "randn"), dtype=_sampling_dtype(dtype))
    return _finish(draws.astype(dtype, copy=False), requires_grad, device)


def _sampling_dtype(dtype):
    """NumPy draws float32 and float64 directly; float16 is drawn as float32 and cast."""
    if dtype.kind != "f":
        raise TypeError(f"expected a floating point dtype for random floats, got {dtype}")
    return dtype if dtype in (dtypes.float32, dtypes.float64) else dtypes.float32


def _randint_arguments(args, low, high, size, function):
    """PyTorch's randint overloads: (high, size), (low, high, size), and the keyword forms."""
    args = list(args)
    if size is None and args and isinstance(args[-1], (tuple, list)):
        size = args.pop()
    if high is None:
        if not args:
            raise TypeError(f"{function}() missing the required argument 'high'")
        high = args.pop()
    if low is None:
        low = args.pop() if args else 0
    if args:
        raise TypeError(f"{function}() takes (low=0, high, size) but got extra positional arguments {args}")
    low, high = int(getattr(low, "_data", low)), int(getattr(high, "_data", high))
    if low >= high:
        raise RuntimeError(f"{function}(): random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    return low, high, size


def randint(*args, low=None, high=None, size=None, generator=None, out=None, dtype=None, layout=None,
            device=None, requires_grad: bool = False) -> Tensor:
    """Integers uniform in [low, high): randint(high, size) or randint(low, high, size); int64 by default."""
    low, high, size = _randint_arguments(args, low, high, size, "randint")
    if size is None:
        raise TypeError("randint() missing the required argument 'size' (a tuple of ints)")
    dtype = dtypes.int64 if dtype is None else dtypes.as_dtype(dtype, "randint")
    draws = random.generator(generator).integers(low, high, size=_shape((size,), "randint"), dtype=np.int64)
    return _finish(draws.astype(dtype, copy=False), requires_grad, device)


def randint_like(input: Tensor, *args, low=None, high=None, dtype=None, layout=None, device=None,
                 requires_grad: bool = False, memory_format=None, generator=None) -> Tensor:
    """randint with input's shape (and dtype): randint_like(input, high) or (input, low, high)."""
    low, high, _ = _randint_arguments(args, low, high, (), "randint_like")
    return randint(low, high, tuple(input.shape), generator=generator, dtype=_like(input, dtype), device=device,
                   requires_grad=requires_grad)


def randperm(n: int, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    dtype = dtypes.int64 if dtype is None else dtypes.as_dtype(dtype, "randperm")
    return _finish(random.generator(generator).permutation(int(n)).astype(dtype), requires_grad, device)


def rand_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    return rand(input.shape, dtype=_like(input, dtype), device=device, requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    return randn(input.shape, dtype=_like(input, dtype), device=device, requires_grad=requires_grad)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Values from start to end (exclusive) by step; int64 for integer arguments, else the default dtype."""
    start, end, step = (getattr(v, "_data", v) for v in (start, end, step))
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange(): step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange(): upper bound and larger bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    if dtype is None:
        integral = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if integral else dtypes.get_default_dtype()
    return _finish(np.arange(start, end, step, dtype=dtypes.as_dtype(dtype, "arange")), requires_grad, device)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """The deprecated torch.range: like arange but including end, float by default."""
    if end is None:
        start, end = 0, start
    return arange(start, end + step / 2 if step > 0 else end - abs(step) / 2, step,
                  dtype=dtype or dtypes.get_default_dtype(), device=device, requires_grad=requires_grad)


def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    if steps < 0:
        raise RuntimeError(f"linspace(): number of steps must be non-negative, got {steps}")
    return _finish(np.linspace(start, end, steps, dtype=_float_dtype(dtype, "linspace")), requires_grad, device)


def logspace(start, end, steps: int, base: float = 10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """base ** linspace(start, end, steps)."""
    if steps < 0:
        raise RuntimeError(f"logspace(): number of steps must be non-negative, got {steps}")
    values = np.logspace(start, end, steps, base=base).astype(_float_dtype(dtype, "logspace"))
    return _finish(values, requires_grad, device)


def eye(n: int, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype, "eye")), requires_grad, device)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


# ---- legacy typed constructors: needl.FloatTensor(2, 3), needl.LongTensor([1, 2]) -------------
class _TypedTensorMeta(type):
    """isinstance(t, needl.FloatTensor) is True for float32 tensors, as in PyTorch."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype


def _typed(name, dtype):
    def construct(cls, *args, device=None):
        check_device(device)
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            data = args[0]
            if isinstance(data, Tensor):
                return data.astype(dtype)
            return tensor(data, dtype=dtype)
        return zeros(_shape(args or ((0,),), name), dtype=dtype)
    return _TypedTensorMeta(name, (), {"dtype": dtype, "__new__": construct,
                                         "__doc__": f"{name}(*sizes) or {name}(data): a {dtype} tensor."})


FloatTensor = _typed("FloatTensor", dtypes.float32)
DoubleTensor = _typed("DoubleTensor", dtypes.float64)
HalfTensor = _typed("HalfTensor", dtypes.float16)
LongTensor = _typed("LongTensor", dtypes.int64)
IntTensor = _typed("IntTensor", dtypes.int32)
ShortTensor = _typed("ShortTensor", dtypes.int16)
CharTensor = _typed("CharTensor", dtypes.int8)
ByteTensor = _typed("ByteTensor", dtypes.uint8)
BoolTensor = _typed("BoolTensor", dtypes.bool)

# the names `needl` re-exports at the top level
__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "scalar_tensor", "zeros", "ones", "empty", "full",
           "zeros_like", "ones_like", "empty_like", "full_like", "rand", "randn", "randint", "randint_like",
           "randperm", "rand_like", "randn_like", "arange", "range", "linspace", "logspace", "eye", "is_tensor",
           "normal", "bernoulli", "poisson", "multinomial", "Generator", "FloatTensor", "DoubleTensor",
           "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]
