"""Memory layout as PyTorch reports it (strides and storage offsets in elements, read off NumPy's
byte strides), memory formats, and the strided views as_strided and Tensor.unfold."""
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided as _numpy_as_strided

from ..function import op, view_op
from .dims import wrap_dim

try:
    from numpy.lib.array_utils import byte_bounds as _byte_bounds
except ImportError:  # NumPy < 2
    _byte_bounds = np.byte_bounds


class memory_format:
    """PyTorch's memory formats; needl's arrays are laid out by NumPy, so these only describe layouts."""
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"needl.{self.name}"


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")


def _storage(array):
    """The array that owns the memory `array` views, and that memory's first byte address."""
    root = array
    while isinstance(root.base, np.ndarray):
        root = root.base
    return root, _byte_bounds(root)[0]


def strides(array) -> tuple:
    """NumPy's byte strides as PyTorch's element strides."""
    itemsize = array.itemsize or 1
    return tuple(s // itemsize for s in array.strides)


def offset_in_storage(array) -> int:
    """How many elements into its storage (the memory of the array it views) `array` starts."""
    _, start = _storage(array)
    return (array.__array_interface__["data"][0] - start) // (array.itemsize or 1)


def is_contiguous(array, memory_format=None) -> bool:
    """Row-major (PyTorch's contiguous), or channels-last for 4-d / 5-d arrays; size-1 dims are ignored."""
    if memory_format in (None, contiguous_format, preserve_format):
        return bool(array.flags.c_contiguous)
    order = {channels_last: (0, 2, 3, 1), channels_last_3d: (0, 2, 3, 4, 1)}.get(memory_format)
    if order is None or array.ndim != len(order):
        return False
    return bool(np.transpose(array, order).flags.c_contiguous)


@op
def _remap(g, source=None, target=None, size=0):
    """Sum g's elements into a buffer of `size` at `source` (element numbers), then read it at `target`.

    The gradient of any strided view is this with source = the view's element numbers and target
    = the input's; overlapping windows (repeated numbers) add up.
    """
    buffer = np.bincount(source.reshape(-1), weights=g.reshape(-1), minlength=size)
    return buffer[target].astype(g.dtype, copy=False)


@_remap.vjp
def _remap_vjp(gg, out, g, source=None, target=None, size=0):
    return _remap(gg, source=target, target=source, size=size)


def _numbering(shape, strides, offset):
    """The element number, in a strided layout, of each element of an array of `shape`."""
    number = np.full(shape, offset, np.int64)
    for axis, (length, stride) in enumerate(zip(shape, strides)):
        place = [1] * len(shape)
        place[axis] = length
        number += (np.arange(length, dtype=np.int64) * stride).reshape(place)
    return number


def _check_geometry(size, stride, offset, available, name):
    if len(size) != len(stride):
        raise RuntimeError(f"{name}: mismatch in length of strides and shape ({len(stride)} vs {len(size)})")
    if any(s < 0 for s in stride) or any(s < 0 for s in size) or offset < 0:
        raise RuntimeError(f"{name}: sizes, strides and the storage offset must be non-negative, got "
                           f"size {list(size)}, stride {list(stride)}, offset {offset}")
    needed = offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else 0
    if needed > available:
        raise RuntimeError(f"{name}: sizes {list(size)}, strides {list(stride)} and storage offset {offset} "
                           f"require a storage of {needed} elements, out of bounds for a storage of "
                           f"{available} elements")


def _storage_view(x, size, stride, offset, name):
    root, start = _storage(x)
    if not root.flags.c_contiguous:
        raise RuntimeError(f"{name}: the storage of this tensor is not one block of memory; call "
                           f".contiguous() first")
    flat = root.reshape(-1).view(x.dtype) if root.dtype == x.dtype else None
    if flat is None:
        raise RuntimeError(f"{name}: the tensor views memory of another dtype ({root.dtype})")
    _check_geometry(size, stride, offset, flat.size, name)
    itemsize = x.itemsize
    return flat, _numpy_as_strided(flat[offset:] if flat.size else flat, size,
                                   tuple(s * itemsize for s in stride), writeable=x.flags.writeable)


@view_op
def as_strided(x, size=(), stride=(), storage_offset=None):
    """A view of x's storage with the given sizes and strides (in elements) from storage_offset."""
    offset = offset_in_storage(x) if storage_offset is None else int(storage_offset)
    return _storage_view(x, tuple(size), tuple(stride), offset, "as_strided")[1]


@as_strided.vjp
def as_strided_vjp(g, out, x, size=(), stride=(), storage_offset=None):
    x = getattr(x, "_data", x)  # only x's layout is read (x is a Tensor under create_graph)
    own_offset = offset_in_storage(x)
    offset = own_offset if storage_offset is None else int(storage_offset)
    flat, _ = _storage_view(x, tuple(size), tuple(stride), offset, "as_strided")
    source = _numbering(tuple(size), tuple(stride), offset)
    target = _numbering(x.shape, strides(x), own_offset)
    return _remap(g, source=source, target=target, size=flat.size)


as_strided.reads_only_shapes("x")


def _windows(x, dimension, size, step):
    axis = wrap_dim(dimension, x.ndim, "unfold")
    length = x.shape[axis] if x.ndim else 1
    if size > length:
        raise RuntimeError(f"unfold: maximum size for tensor at dimension {dimension} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"unfold: size is {size} but must be >= 0")
    count = (length - size) // step + 1
    if x.ndim == 0:
        return (size,), (0,)
    shape = x.shape[:axis] + (count,) + x.shape[axis + 1:] + (size,)
    element_strides = strides(x)
    return shape, element_strides[:axis] + (element_strides[axis] * step,) + element_strides[axis + 1:] + \
        (element_strides[axis],)


@view_op
def unfold(x, dimension=0, size=1, step=1):
    """Sliding windows of `size` every `step` along dimension, as a new last dim (a view)."""
    shape, element_strides = _windows(x, dimension, size, step)
    itemsize = x.itemsize
    return _numpy_as_strided(x, shape, tuple(s * itemsize for s in element_strides), writeable=x.flags.writeable)


@unfold.vjp
def unfold_vjp(g, out, x, dimension=0, size=1, step=1):
    count = math.prod(x.shape)  # x is a Tensor under create_graph, whose size is a method
    numbers = np.arange(count, dtype=np.int64).reshape(x.shape)
    shape, element_strides = _windows(numbers, dimension, size, step)
    source = _numpy_as_strided(numbers, shape, tuple(s * numbers.itemsize for s in element_strides),
                               writeable=False)
    return _remap(g, source=source, target=numbers, size=count)
