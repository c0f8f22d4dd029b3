"""Out-of-place writes of a tensor into a view of a copy of another: diagonal_scatter,
select_scatter, slice_scatter, as_strided_scatter (PyTorch's functional forms of view writes),
plus put and index_reduce, which write through the existing index ops."""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..function import op
from ..tensor import Tensor
from .dims import wrap_dim


@op
def _embed(input, src, view=None, name=""):
    out = input.copy()
    region = view(out)
    if np.shape(src) != region.shape:
        raise RuntimeError(f"{name}: expected src to have a size equal to the slice of self: src size "
                           f"{tuple(np.shape(src))}, slice size {region.shape}")
    region[...] = src
    return out


@_embed.vjp
def _embed_vjp(g, out, input, src, needs_input_grad, view=None, name=""):
    grad_input = None
    if needs_input_grad[0]:
        grad_input = g.copy()
        view(grad_input)[...] = 0
    return grad_input, view(g).copy() if needs_input_grad[1] else None


_embed.reads_only_shapes("input", "src")


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """input with the diagonal (offset, dim1, dim2) replaced by src."""
    def view(array):  # np.diagonal is read-only: the same diagonal as a writable strided view
        first, second = wrap_dim(dim1, array.ndim, "diagonal_scatter"), wrap_dim(dim2, array.ndim, "diagonal_scatter")
        start = [0] * array.ndim
        start[second if offset >= 0 else first] = abs(offset)
        length = max(0, min(array.shape[first] - start[first], array.shape[second] - start[second]))
        rest = [axis for axis in range(array.ndim) if axis not in (first, second)]
        corner = array[tuple(slice(s, None) for s in start)]
        return as_strided(corner, [array.shape[a] for a in rest] + [length],
                          [array.strides[a] for a in rest] + [array.strides[first] + array.strides[second]])
    return _embed(input, src, view=view, name="diagonal_scatter")


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """input with input.select(dim, index) replaced by src."""
    axis = wrap_dim(dim, input.ndim, "select_scatter")
    if not -input.shape[axis] <= index < input.shape[axis]:
        raise IndexError(f"select_scatter: index {index} out of range for dimension {dim} of size "
                         f"{input.shape[axis]}")
    key = (slice(None),) * axis + (index,)
    return _embed(input, src, view=lambda array: array[key], name="select_scatter")


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start=None, end=None, step: int = 1) -> Tensor:
    """input with input[..., start:end:step, ...] (along dim) replaced by src."""
    axis = wrap_dim(dim, input.ndim, "slice_scatter")
    key = (slice(None),) * axis + (slice(start, end, step),)
    return _embed(input, src, view=lambda array: array[key], name="slice_scatter")


def as_strided_scatter(input: Tensor, src: Tensor, size, stride, storage_offset=None) -> Tensor:
    """input (taken as contiguous) with its as_strided(size, stride, storage_offset) view replaced by src."""
    size, stride, offset = tuple(size), tuple(stride), storage_offset or 0
    span = offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else 0
    if span > input.numel():
        raise RuntimeError(f"as_strided_scatter: size {list(size)}, stride {list(stride)} and offset "
                           f"{offset} reach past the {input.numel()} elements of input")

    def view(array):
        flat = array.reshape(-1)[offset:]
        return as_strided(flat, size, [s * array.itemsize for s in stride])
    return _embed(input.contiguous(), src, view=view, name="as_strided_scatter")


def put_(input: Tensor, index, source, accumulate: bool = False) -> Tensor:
    """Write source into input taken as 1-D (row-major) at index, in place; accumulate adds repeats."""
    flat = np.asarray(index._data if isinstance(index, Tensor) else index).reshape(-1)
    count = input.numel()
    if flat.size and (flat.max() >= count or flat.min() < -count):
        raise IndexError(f"put_: index out of range for a tensor of {count} elements")
    key = np.unravel_index(flat % max(count, 1), input.shape)
    values = source.reshape(-1) if isinstance(source, Tensor) else source
    return input.index_put_(tuple(Tensor._make(k) for k in key), values, accumulate)


def index_reduce_(input: Tensor, dim: int, index, source: Tensor, reduce: str, *,
                  include_self: bool = True) -> Tensor:
    """Reduce the slices of source into input's slices along dim named by index ('prod', 'mean',
    'amax', 'amin'), in place: scatter_reduce_ with index spread over source's other dims."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce: reduce must be one of prod, mean, amax, amin, got {reduce!r}")
    axis = wrap_dim(dim, source.ndim, "index_reduce")
    shape = [1] * source.ndim
    shape[axis] = -1
    data = index._data if isinstance(index, Tensor) else np.asarray(index)
    spread = Tensor._make(np.broadcast_to(data.reshape(shape), source.shape))
    return input.scatter_reduce_(axis, spread, source, reduce, include_self=include_self)
