"""Tensors over memory made elsewhere: empty_strided, frombuffer, and DLPack exchange
(from_dlpack / to_dlpack), all sharing memory rather than copying, as in PyTorch."""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import dtypes
from .creation import _finish
from .tensor import Tensor


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
                  pin_memory: bool = False) -> Tensor:
    """An uninitialised tensor of `size` with the given strides (in elements) over fresh memory."""
    size, stride = tuple(int(n) for n in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"empty_strided: mismatch in length of strides and shape: {len(size)} sizes, "
                           f"{len(stride)} strides")
    target = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype, "empty_strided")
    span = 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    storage = np.empty(span, dtype=target)
    return _finish(as_strided(storage, size, [s * target.itemsize for s in stride]), requires_grad, device)


def frombuffer(buffer, *, dtype, count: int = -1, offset: int = 0, requires_grad: bool = False) -> Tensor:
    """A 1-D tensor over an object with the buffer protocol (bytes, bytearray, memoryview, array),
    sharing its memory (read-only if the buffer is)."""
    target = dtypes.as_dtype(dtype, "frombuffer")
    length = memoryview(buffer).nbytes
    if offset < 0 or offset >= max(length, 1):
        raise ValueError(f"frombuffer: offset ({offset} bytes) must be non-negative and no greater than "
                         f"buffer length ({length} bytes) minus 1")
    if count <= 0 and (length - offset) % target.itemsize:
        raise ValueError(f"frombuffer: buffer length ({length - offset} bytes after offset) must be a "
                         f"multiple of element size ({target.itemsize})")
    return _finish(np.frombuffer(buffer, dtype=target, count=count, offset=offset), requires_grad)


class _Capsule:
    """A legacy DLPack capsule given the __dlpack__ protocol NumPy reads."""

    def __init__(self, capsule):
        self.capsule = capsule

    def __dlpack__(self, **options):
        return self.capsule

    def __dlpack_device__(self):
        return (1, 0)  # kDLCPU


def from_dlpack(ext_tensor) -> Tensor:
    """A tensor sharing the memory of a DLPack-exporting CPU array (NumPy, PyTorch, JAX ...) or capsule."""
    source = ext_tensor if hasattr(ext_tensor, "__dlpack__") else _Capsule(ext_tensor)
    try:
        array = np.from_dlpack(source)
    except (BufferError, RuntimeError, TypeError) as error:
        raise RuntimeError(f"from_dlpack: cannot read {type(ext_tensor).__name__} ({error}); needl "
                           f"reads CPU memory only") from error
    dtypes.as_dtype(array.dtype, "from_dlpack")
    return Tensor._make(array)


def to_dlpack(tensor: Tensor):
    """A DLPack capsule of tensor's memory (for from_dlpack in another library)."""
    return tensor._data.__dlpack__()
