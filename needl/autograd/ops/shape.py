"""Shape ops: views where NumPy gives views, and indexing whose gradient scatters back."""
import numpy as np

from ..function import op, view_op

try:
    from numpy.lib.array_utils import byte_bounds as _byte_bounds
except ImportError:  # NumPy < 2
    _byte_bounds = np.byte_bounds


def _resolve_shape(shape, size):
    """A reshape target with PyTorch's checks: one -1 at most, and the sizes must agree."""
    shape = tuple(int(s) for s in shape)
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if shape.count(-1) > 1 or (-1 not in shape and known != size) or (
            -1 in shape and (known == 0 or size % known)):
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size}")
    return shape


@view_op
def reshape(x, shape=()):
    return x.reshape(_resolve_shape(shape, x.size))


@reshape.vjp
def reshape_vjp(g, out, x, shape=()):
    return g.reshape(x.shape)


@view_op
def transpose(x, dim0=0, dim1=1):
    return np.swapaxes(x, dim0, dim1)


@transpose.vjp
def transpose_vjp(g, out, x, dim0=0, dim1=1):
    return g.swapaxes(dim0, dim1)


@view_op
def permute(x, dims=()):
    if len(dims) != x.ndim or sorted(d % max(x.ndim, 1) for d in dims) != list(range(x.ndim)):
        raise RuntimeError(f"permute: dims {tuple(dims)} are not a permutation of the "
                           f"{x.ndim} dimensions of a tensor of shape {x.shape}")
    return np.transpose(x, dims)


@permute.vjp
def permute_vjp(g, out, x, dims=()):
    return np.transpose(g, tuple(np.argsort([d % x.ndim for d in dims])))


@view_op
def unsqueeze(x, dim=0):
    return np.expand_dims(x, dim if dim >= 0 else dim + x.ndim + 1)


@unsqueeze.vjp
def unsqueeze_vjp(g, out, x, dim=0):
    return g.reshape(x.shape)


@view_op
def squeeze(x, dim=None):
    if dim is None:
        return np.squeeze(x)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    dims = tuple(d for d in dims if x.shape[d] == 1)  # PyTorch leaves other sizes alone
    return np.squeeze(x, axis=dims) if dims else x


@squeeze.vjp
def squeeze_vjp(g, out, x, dim=None):
    return g.reshape(x.shape)


@view_op
def expand(x, sizes=()):
    """A broadcast view; -1 keeps a size. The tape sums the gradient back to x's shape."""
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes {len(sizes)} must be at least the "
                           f"number of dimensions {x.ndim} of a tensor of shape {x.shape}")
    target = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    try:
        return np.broadcast_to(x, target)
    except ValueError:
        raise RuntimeError(f"expand: cannot expand shape {x.shape} to {target}") from None


@expand.vjp
def expand_vjp(g, out, x, sizes=()):
    return g


@op
def repeat(x, repeats=()):
    if len(repeats) < x.ndim:
        raise RuntimeError(f"repeat: {len(repeats)} repeats given for a tensor of {x.ndim} dims")
    return np.tile(x, repeats)


@repeat.vjp
def repeat_vjp(g, out, x, repeats=()):
    shape = (1,) * (len(repeats) - x.ndim) + x.shape
    split = []
    for r, s in zip(repeats, shape):
        split += [r, s]
    summed = g.reshape(split).sum(axis=tuple(range(0, 2 * len(shape), 2)))
    return summed.reshape(x.shape)


@op
def cast(x, dtype=None):
    return x.astype(dtype)


@cast.vjp
def cast_vjp(g, out, x, dtype=None):
    return g  # the tape casts the gradient back to x's dtype


@op
def clone(x):
    return x.copy()


@clone.vjp
def clone_vjp(g, out, x):
    return g


def flatten(x, start_dim=0, end_dim=-1):
    ndim = max(x.ndim, 1)
    start, end = start_dim % ndim, end_dim % ndim
    if x.ndim == 0:
        return reshape(x, shape=(1,))
    shape = x.shape[:start] + (-1,) + x.shape[end + 1:]
    if start == end:
        return x
    return reshape(x, shape=shape)


def unflatten(x, dim, sizes):
    dim = dim % x.ndim
    return reshape(x, shape=x.shape[:dim] + tuple(sizes) + x.shape[dim + 1:])


# ---- indexing -------------------------------------------------------------------------------
def normalize_index(key):
    """Tensors and lists in an index become NumPy arrays, so NumPy indexing rules apply."""
    from ..tensor import Tensor
    if isinstance(key, tuple):
        return tuple(normalize_index(k) for k in key)
    if isinstance(key, Tensor):
        return key._data
    if isinstance(key, list):
        return np.asarray(key)
    return key


def _is_advanced(key):
    parts = key if isinstance(key, tuple) else (key,)
    return any(isinstance(k, np.ndarray) and k.ndim > 0 for k in parts)


@view_op
def getitem(x, key=None):
    return x[key]


@getitem.vjp
def getitem_vjp(g, out, x, key=None):
    return index_put(g, key=key, shape=x.shape)


@op
def setitem(x, value, key=None):
    """`x[key] = value` as a value: a copy of x with value written at key (in place: Tensor.__setitem__)."""
    result = x.copy()
    result[key] = value
    return result


@setitem.vjp
def setitem_vjp(g, out, x, value, key=None, needs_input_grad=(True, True)):
    return (setitem(g, 0, key=key) if needs_input_grad[0] else None,
            getitem(g, key=key) if needs_input_grad[1] else None)


# ---- writes through a view: the base's new value is its old value with the view's region replaced
def view_geometry(base, view):
    """Where `view`'s elements lie in `base`'s memory, as (shape, strides, element offset) for both."""
    low, high = _byte_bounds(base)
    itemsize = base.itemsize
    view_low, view_high = _byte_bounds(view)
    if view_low < low or view_high > high or view.itemsize != itemsize:
        raise RuntimeError("in-place write through a view whose memory is not inside its base's")
    start = base.__array_interface__["data"][0]
    view_start = view.__array_interface__["data"][0]
    return ((base.shape, base.strides, (start - low) // itemsize),
            (view.shape, view.strides, (view_start - low) // itemsize), (high - low) // itemsize)


def _region_views(buffer, geometry):
    (base_shape, base_strides, base_offset), (shape, strides, offset), _ = geometry
    strided = np.lib.stride_tricks.as_strided
    return (strided(buffer[base_offset:], base_shape, base_strides),
            strided(buffer[offset:], shape, strides))


def _laid_out(g, geometry):
    """g copied into a buffer with the base's memory layout; returns (buffer, base view, region view)."""
    buffer = np.zeros(geometry[2], dtype=g.dtype)
    base, region = _region_views(buffer, geometry)
    base[...] = g
    return buffer, base, region


@op
def take_region(g, geometry=None):
    """The elements of a base-shaped g that a view covers, shaped as the view."""
    return _laid_out(g, geometry)[2].copy()


@take_region.vjp
def take_region_vjp(gg, out, g, geometry=None):
    return put_region(gg, geometry=geometry)


@op
def put_region(region_grad, geometry=None):
    """A base-shaped array of zeros holding `region_grad` where the view lies."""
    buffer = np.zeros(geometry[2], dtype=region_grad.dtype)
    base, region = _region_views(buffer, geometry)
    region[...] = region_grad
    return base.copy()


@put_region.vjp
def put_region_vjp(gg, out, region_grad, geometry=None):
    return take_region(gg, geometry=geometry)


@op
def zero_region(g, geometry=None):
    """g with the elements a view covers set to zero."""
    buffer, base, region = _laid_out(g, geometry)
    region[...] = 0
    return base.copy()


@zero_region.vjp
def zero_region_vjp(gg, out, g, geometry=None):
    return zero_region(gg, geometry=geometry)


@op
def copy_slices(base, view, geometry=None):
    """The base after its view was written: recorded by in-place writes to views (PyTorch's CopySlices)."""
    buffer, result, region = _laid_out(base, geometry)
    region[...] = view
    return result.copy()


@copy_slices.vjp
def copy_slices_vjp(g, out, base, view, geometry=None, needs_input_grad=(True, True)):
    return (zero_region(g, geometry=geometry) if needs_input_grad[0] else None,
            take_region(g, geometry=geometry) if needs_input_grad[1] else None)


@op
def index_put(g, key=None, shape=()):
    """The gradient of x[key]: zeros of `shape` with g summed in at key (repeats accumulate)."""
    result = np.zeros(shape, dtype=g.dtype)
    if _is_advanced(key):
        np.add.at(result, key, g)
    else:
        result[key] = g
    return result


@index_put.vjp
def index_put_vjp(gg, out, g, key=None, shape=()):
    return gg[key]


@op
def gather(x, dim, index):
    """out[i][j] = x[index[i][j]][j] for dim=0 (torch.gather), with NumPy's take_along_axis."""
    index = np.asarray(index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"gather expects an integer index, got dtype {index.dtype}")
    return np.take_along_axis(x, index, axis=dim)


@gather.vjp
def gather_vjp(g, out, x, dim, index):
    return scatter_add(g, np.asarray(index), dim=dim, shape=x.shape), None, None


@op
def scatter_add(g, index, dim=0, shape=()):
    """Zeros of `shape` with g added at `index` along `dim` (the gradient of gather)."""
    result = np.zeros(shape, dtype=g.dtype)
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    np.add.at(result, tuple(grid), g)
    return result


@scatter_add.vjp
def scatter_add_vjp(gg, out, g, index, dim=0, shape=()):
    return gather(gg, dim, index), None


@op
def cat(*tensors, dim=0):
    if not tensors:
        raise RuntimeError("cat expects a non-empty list of tensors")
    try:
        return np.concatenate(tensors, axis=dim)
    except ValueError:
        raise RuntimeError(f"cat: tensors must have the same shape except in dimension {dim}, "
                           f"got shapes {[np.shape(t) for t in tensors]}") from None


@cat.vjp
def cat_vjp(g, out, *tensors, dim=0):
    axis = dim % out.ndim
    grads, start = [], 0
    for t in tensors:
        stop = start + t.shape[axis]
        grads.append(g[(slice(None),) * axis + (slice(start, stop),)])
        start = stop
    return tuple(grads)


@op
def stack(*tensors, dim=0):
    if not tensors:
        raise RuntimeError("stack expects a non-empty list of tensors")
    shapes = {np.shape(t) for t in tensors}
    if len(shapes) > 1:
        raise RuntimeError(f"stack expects each tensor to be equal size, got shapes "
                           f"{[np.shape(t) for t in tensors]}")
    return np.stack(tensors, axis=dim)


@stack.vjp
def stack_vjp(g, out, *tensors, dim=0):
    axis = dim % out.ndim
    return tuple(g[(slice(None),) * axis + (i,)] for i in range(len(tensors)))


def _slices(x, dim, sizes):
    dim = dim % x.ndim
    parts, start = [], 0
    for size in sizes:
        parts.append(x[(slice(None),) * dim + (slice(start, start + size),)])
        start += size
    return tuple(parts)


def split(x, split_size, dim=0):
    """Views of x along dim: chunks of `split_size`, or the sizes in a list."""
    length = x.shape[dim]
    if isinstance(split_size, int):
        sizes = [min(split_size, length - start) for start in range(0, length, split_size)]
    else:
        sizes = list(split_size)
        if sum(sizes) != length:
            raise RuntimeError(f"split sizes {sizes} do not add up to {length} (dim {dim} of {x.shape})")
    return _slices(x, dim, sizes)


def chunk(x, chunks, dim=0):
    length = x.shape[dim]
    return split(x, -(-length // chunks), dim)


def unbind(x, dim=0):
    dim = dim % x.ndim
    return tuple(x[(slice(None),) * dim + (i,)] for i in range(x.shape[dim]))
