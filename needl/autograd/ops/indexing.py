"""Indexing along a dim: index_select narrow select take masked_select nonzero, and the writes
scatter scatter_add scatter_reduce index_add index_copy index_fill masked_scatter (index_put is
Tensor.index_put, in tensor.py's in-place section).

Reads are `getitem` with a NumPy key (so their gradient is getitem's: the elements summed back);
writes are ops whose in-place forms (`scatter_`, `index_add_` ...) reuse them through Tensor._apply_.
"""
import numpy as np

from ..function import op
from ..tensor import Tensor
from .dims import wrap_dim
from .shape import expand, gather, getitem, index_put as _index_put_op, setitem


def _raw(value):
    return value._data if isinstance(value, Tensor) else value


def _index_array(index, name, ndim_allowed=(0, 1)):
    array = np.asarray(_raw(index))
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name}(): expected an integer (int64) index, got dtype {array.dtype}")
    if array.ndim not in ndim_allowed:
        raise RuntimeError(f"{name}(): index must be {' or '.join(f'{n}-D' for n in ndim_allowed)}, "
                           f"got shape {array.shape}")
    return array


def _along(axis, index):
    """The NumPy key that picks `index` along `axis` (every element of the other axes)."""
    return (slice(None),) * axis + (index,)


def _check_range(index, size, name, dim):
    if index.size and (index.min() < -size or index.max() >= size):
        raise IndexError(f"{name}(): index out of range in self: indices must be in [{-size}, {size - 1}] "
                         f"for dim {dim} of size {size}, got values in [{index.min()}, {index.max()}]")


# ---- reads ----------------------------------------------------------------------------------
def index_select(input, dim: int, index) -> Tensor:
    """The slices of input at `index` (1-D) along dim."""
    axis = wrap_dim(dim, input.ndim, "index_select")
    index = _index_array(index, "index_select")
    if input.ndim == 0:
        _check_range(index, 1, "index_select", dim)
        return input.reshape(index.shape) * 1
    _check_range(index, input.shape[axis], "index_select", dim)
    return getitem(input, key=_along(axis, index.reshape(-1)))


def narrow(input, dim: int, start, length: int) -> Tensor:
    """The view of `length` elements from `start` along dim."""
    axis = wrap_dim(dim, input.ndim, "narrow")
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    size = input.shape[axis]
    start = int(_raw(start))
    if not -size <= start <= size:
        raise IndexError(f"narrow(): start ({start}) out of range for dimension {dim} of size {size} "
                         f"(expected to be in range of [{-size}, {size}])")
    if start < 0:
        start += size
    if length < 0 or start + length > size:
        raise RuntimeError(f"narrow(): start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return getitem(input, key=_along(axis, slice(start, start + length)))


def narrow_copy(input, dim: int, start, length: int) -> Tensor:
    return narrow(input, dim, start, length) * 1


def select(input, dim: int, index: int) -> Tensor:
    """The view at `index` along dim, which is removed."""
    axis = wrap_dim(dim, input.ndim, "select")
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    size = input.shape[axis]
    index = int(_raw(index))
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} "
                         f"at dimension {dim}")
    return getitem(input, key=_along(axis, index))


def take(input, index) -> Tensor:
    """input as if flattened, at `index` (the result has index's shape)."""
    index = _index_array(index, "take", range(0, 64))
    _check_range(index, max(int(np.prod(input.shape)), 0), "take", 0)
    return getitem(input.reshape(-1), key=index)


def take_along_dim(input, indices, dim=None) -> Tensor:
    """gather with broadcasting: input and indices broadcast except along dim."""
    indices = _index_array(indices, "take_along_dim", range(0, 64))
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    axis = wrap_dim(dim, input.ndim, "take_along_dim")
    if indices.ndim != input.ndim:
        raise RuntimeError(f"take_along_dim(): input and indices should have the same number of "
                           f"dimensions, but got {input.ndim} and {indices.ndim}")
    others = np.broadcast_shapes(input.shape[:axis] + (1,) + input.shape[axis + 1:],
                                 indices.shape[:axis] + (1,) + indices.shape[axis + 1:])
    input_shape = others[:axis] + (input.shape[axis],) + others[axis + 1:]
    index_shape = others[:axis] + (indices.shape[axis],) + others[axis + 1:]
    if tuple(input.shape) != input_shape:
        input = expand(input, sizes=input_shape)
    return gather(input, axis, np.broadcast_to(indices, index_shape))


def masked_select(input, mask) -> Tensor:
    """The elements of input (broadcast with mask) where mask is True, as a 1-D tensor."""
    mask = np.asarray(_raw(mask))
    if mask.dtype != bool:
        raise TypeError(f"masked_select: expected a bool mask, got dtype {mask.dtype}")
    shape = np.broadcast_shapes(tuple(input.shape), mask.shape)
    if tuple(input.shape) != shape:
        input = expand(input, sizes=shape)
    return getitem(input, key=np.broadcast_to(mask, shape))


def nonzero(input, *, as_tuple: bool = False):
    """The coordinates of the nonzero elements: (N, ndim) int64, or one 1-D tensor per dim."""
    data = np.asarray(_raw(input))
    if as_tuple:
        return tuple(Tensor._make(axis.astype(np.int64)) for axis in np.nonzero(np.atleast_1d(data)))
    return Tensor._make(np.argwhere(data).astype(np.int64))


def argwhere(input) -> Tensor:
    return nonzero(input)


# ---- writes ---------------------------------------------------------------------------------
def _scatter_key(x, index, dim, name):
    """The NumPy key that addresses, for each element of index, its place along dim in x."""
    index = np.asarray(index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"{name}(): Expected dtype int64 for index, got {index.dtype}")
    axis = wrap_dim(dim, x.ndim, name)
    if x.ndim == 0:
        return ()
    if index.ndim != x.ndim:
        raise RuntimeError(f"{name}(): Index tensor must have the same number of dimensions as self "
                           f"tensor ({index.ndim} vs {x.ndim})")
    for d, (i, s) in enumerate(zip(index.shape, x.shape)):
        if d != axis and i > s:
            raise RuntimeError(f"{name}(): Expected index {list(index.shape)} to be smaller than self "
                               f"{list(x.shape)} apart from dimension {axis}")
    _check_range(index, x.shape[axis], name, dim)
    grid = list(np.indices(index.shape, sparse=True))
    grid[axis] = index
    return tuple(grid)


def _source(src, index):
    """src cut to index's shape (PyTorch reads only that corner of a larger src)."""
    if np.ndim(src) == 0:
        return src
    if tuple(np.shape(src)) == tuple(index.shape):
        return src
    return src[tuple(slice(0, size) for size in index.shape)]


def _source_grad(grad, src, index):
    """The gradient of src (at the corner index covers; zero beyond)."""
    if tuple(src.shape) == tuple(index.shape):
        return grad
    return _index_put_op(grad, key=tuple(slice(0, size) for size in index.shape), shape=src.shape)


@op
def scatter(x, src, dim=0, index=None):
    """x with src written at index along dim (src a tensor or a number)."""
    out = x.copy()
    out[_scatter_key(x, index, dim, "scatter")] = _source(src, np.asarray(index))
    return out


@scatter.vjp
def scatter_vjp(g, out, x, src, dim=0, index=None, needs_input_grad=(True, True)):
    key = _scatter_key(x, index, dim, "scatter")
    return (setitem(g, 0, key=key) if needs_input_grad[0] else None,
            _source_grad(g[key], src, np.asarray(index)) if needs_input_grad[1] else None)


scatter.reads_only_shapes("x", "src")


@op
def scatter_add_op(x, src, dim=0, index=None):
    """x with src added at index along dim (repeated indices add up)."""
    out = x.copy()
    np.add.at(out, _scatter_key(x, index, dim, "scatter_add"), _source(src, np.asarray(index)))
    return out


@scatter_add_op.vjp
def scatter_add_vjp(g, out, x, src, dim=0, index=None, needs_input_grad=(True, True)):
    key = _scatter_key(x, index, dim, "scatter_add")
    return g, (_source_grad(g[key], src, np.asarray(index)) if needs_input_grad[1] else None)


scatter_add_op.reads_only_shapes("x", "src")


_REDUCE_START = {"sum": 0, "prod": 1, "mean": 0, "amax": -np.inf, "amin": np.inf}
_REDUCE_UFUNC = {"sum": np.add, "prod": np.multiply, "mean": np.add, "amax": np.maximum, "amin": np.minimum}


def _scatter_counts(x, key, index, include_self):
    """How many values meet at each element of x (itself included if include_self)."""
    counts = np.zeros(x.shape, np.int64)
    np.add.at(counts, key, 1)
    return counts + include_self


@op
def scatter_reduce_op(x, src, dim=0, index=None, reduce="sum", include_self=True):
    """x with src reduced into it at index along dim: sum, prod, mean, amax or amin."""
    if reduce not in _REDUCE_UFUNC:
        raise RuntimeError(f"scatter_reduce(): reduce argument must be either sum, prod, mean, amax or "
                           f"amin, got {reduce}")
    index = np.asarray(index)
    key = _scatter_key(x, index, dim, "scatter_reduce")
    out = x.copy()
    if not include_self:
        start = _REDUCE_START[reduce]
        if x.dtype.kind != "f" and np.isinf(start):
            start = np.iinfo(x.dtype).min if reduce == "amax" else np.iinfo(x.dtype).max
        out[key] = start
    _REDUCE_UFUNC[reduce].at(out, key, _source(src, index))
    if reduce == "mean":
        counts = np.maximum(_scatter_counts(x, key, index, include_self), 1)
        out = out // counts if x.dtype.kind in "biu" else (out / counts).astype(x.dtype, copy=False)
    return out


@scatter_reduce_op.vjp
def scatter_reduce_vjp(g, out, x, src, dim=0, index=None, reduce="sum", include_self=True,
                       needs_input_grad=(True, True)):
    index = np.asarray(index)
    key = _scatter_key(x, index, dim, "scatter_reduce")
    source = _raw(_source(src, index))
    hit = np.zeros(x.shape, bool)
    hit[key] = True
    keep = (~hit) | include_self  # where x's own value took part in the result
    if reduce in ("sum", "mean"):
        share = g if reduce == "sum" else g / np.maximum(_scatter_counts(x, key, index, include_self), 1)
        grad_x, grad_src = share * keep, share[key]
    elif reduce == "prod":  # out / value: the product of the others (nonzero values)
        grad_x = np.where(keep, g * out / np.where(_raw(x) == 0, 1, x), 0)
        grad_src = (g * out)[key] / source
    else:  # amax / amin: shared evenly between the values equal to the result
        raw_out = _raw(out)
        winners_x = keep & (_raw(x) == raw_out)
        winners_src = source == raw_out[key]
        ties = winners_x.astype(np.int64)
        np.add.at(ties, key, winners_src)
        share = g / np.maximum(ties, 1)
        grad_x, grad_src = share * winners_x, share[key] * winners_src
    return (grad_x if needs_input_grad[0] else None,
            _source_grad(grad_src, src, index) if needs_input_grad[1] else None)


def scatter_function(input, dim: int, index, src=None, value=None, *, reduce=None) -> Tensor:
    """torch.scatter: src (a tensor) or value (a number) written at index; reduce='add'/'multiply'."""
    source = value if src is None else src
    if source is None:
        raise TypeError("scatter() needs src (a tensor) or value (a number)")
    index = _index_array(index, "scatter", range(0, 64))
    if reduce is None:
        return scatter(input, source, dim=dim, index=index)
    if reduce not in ("add", "multiply"):
        raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, got {reduce}")
    if np.ndim(_raw(source)) == 0:
        source = Tensor._make(np.full(index.shape, _raw(source), input.dtype))
    return scatter_reduce_op(input, source, dim=dim, index=index,
                             reduce="sum" if reduce == "add" else "prod", include_self=True)


def scatter_add(input, dim: int, index, src) -> Tensor:
    return scatter_add_op(input, src, dim=dim, index=_index_array(index, "scatter_add", range(0, 64)))


def scatter_reduce(input, dim: int, index, src, reduce: str, *, include_self: bool = True) -> Tensor:
    return scatter_reduce_op(input, src, dim=dim, index=_index_array(index, "scatter_reduce", range(0, 64)),
                             reduce=reduce, include_self=include_self)


def along_key(input, dim, index, name, source=None):
    axis = wrap_dim(dim, input.ndim, name)
    index = _index_array(index, name)
    _check_range(index, input.shape[axis] if input.ndim else 1, name, dim)
    if source is not None and input.ndim:
        expected = input.shape[:axis] + (index.size,) + input.shape[axis + 1:]
        if tuple(np.shape(_raw(source))) != expected and np.ndim(_raw(source)):
            raise RuntimeError(f"{name}(): source of shape {tuple(np.shape(_raw(source)))} does not match "
                               f"the {expected} that {index.size} indices along dim {dim} of a tensor of "
                               f"shape {tuple(input.shape)} select")
    return _along(axis, index.reshape(-1)) if input.ndim else ()


@op
def index_add_op(x, source, dim=0, index=None, alpha=1):
    """x with alpha * source added at index along dim (repeated indices add up)."""
    out = x.copy()
    np.add.at(out, along_key(x, dim, index, "index_add", source), source if alpha == 1 else source * alpha)
    return out


@index_add_op.vjp
def index_add_vjp(g, out, x, source, dim=0, index=None, alpha=1, needs_input_grad=(True, True)):
    if not needs_input_grad[1]:
        return g, None
    picked = g[along_key(x, dim, index, "index_add")]
    return g, (picked if alpha == 1 else picked * alpha)


index_add_op.reads_only_shapes("x")


def index_add(input, dim: int, index, source, *, alpha=1) -> Tensor:
    return index_add_op(input, source, dim=dim, index=_raw(index), alpha=alpha)


def index_copy(input, dim: int, index, source) -> Tensor:
    """input with the slices at index along dim replaced by source's."""
    return setitem(input, source, key=along_key(input, dim, index, "index_copy", source))


def index_fill(input, dim: int, index, value) -> Tensor:
    """input with the slices at index along dim set to value (a number or 0-d tensor)."""
    if np.ndim(_raw(value)):
        raise RuntimeError(f"index_fill_(): only supports a 0-dimensional value tensor, but got tensor with "
                           f"{np.ndim(_raw(value))} dimension(s).")
    return setitem(input, value, key=along_key(input, dim, index, "index_fill"))


def masked_scatter(input, mask, source) -> Tensor:
    """input with the elements where mask is True replaced, in order, by the first elements of source."""
    mask = np.broadcast_to(np.asarray(_raw(mask)), tuple(input.shape))
    if mask.dtype != bool:
        raise TypeError(f"masked_scatter: expected a bool mask, got dtype {mask.dtype}")
    count = int(mask.sum())
    if count > int(np.prod(source.shape)):
        raise RuntimeError(f"masked_scatter: expected source to have at least {count} elements (the True "
                           f"count of mask), got {int(np.prod(source.shape))}")
    return setitem(input, source.reshape(-1)[:count], key=mask)
