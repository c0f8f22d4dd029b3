"""Shape ops: views where NumPy gives views, and indexing whose gradient scatters back."""
import numpy as np

from ..function import op, view_op
from .dims import dim_error, wrap_dim

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


def _view_of(x, shape):
    """x reshaped without copying, or None where its strides do not allow it."""
    try:
        return np.reshape(x, shape, copy=False)
    except TypeError:  # NumPy < 2.1 has no copy=: set the shape of a view, which refuses a copy
        view = x.view()
        try:
            view.shape = shape
        except AttributeError:
            return None
        return view
    except ValueError:
        return None


@view_op
def view(x, shape=()):
    """reshape that never copies: PyTorch's view, which refuses strides it cannot reinterpret."""
    result = _view_of(x, _resolve_shape(shape, x.size))
    if result is None:
        raise RuntimeError(f"view size is not compatible with input tensor's size and stride (at least "
                           f"one dimension spans across two contiguous subspaces): cannot view shape "
                           f"{x.shape} with strides {tuple(s // max(x.itemsize, 1) for s in x.strides)} "
                           f"as {tuple(shape)}. Use .reshape(...) instead.")
    return result


@view.vjp
def view_vjp(g, out, x, shape=()):
    return g.reshape(x.shape)


@view_op
def transpose(x, dim0=0, dim1=1):
    if x.ndim == 0:
        wrap_dim(dim0, 0, "transpose"), wrap_dim(dim1, 0, "transpose")
        return x
    return np.swapaxes(x, wrap_dim(dim0, x.ndim, "transpose"), wrap_dim(dim1, x.ndim, "transpose"))


@transpose.vjp
def transpose_vjp(g, out, x, dim0=0, dim1=1):
    return g.swapaxes(dim0, dim1) if x.ndim else g


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
    return np.expand_dims(x, wrap_dim(dim, x.ndim + 1, "unsqueeze"))


@unsqueeze.vjp
def unsqueeze_vjp(g, out, x, dim=0):
    return g.reshape(x.shape)


@view_op
def squeeze(x, dim=None):
    if dim is None:
        return np.squeeze(x)
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    dims = tuple(wrap_dim(d, x.ndim, "squeeze") for d in dims)
    if x.ndim == 0:
        return x
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
    for i, size in enumerate(sizes[:lead]):
        if size == -1:
            raise RuntimeError(f"expand: the expanded size of the tensor (-1) isn't allowed in a "
                               f"leading, non-existing dimension {i} (expanding shape {x.shape} to "
                               f"{tuple(sizes)})")
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


def flatten(input, start_dim: int = 0, end_dim: int = -1):
    """input with dims start_dim..end_dim merged into one (a 0-d input becomes 1-d)."""
    start, end = wrap_dim(start_dim, input.ndim, "flatten"), wrap_dim(end_dim, input.ndim, "flatten")
    if start > end:
        raise RuntimeError(f"flatten() has invalid args: start_dim ({start_dim}) cannot come after "
                           f"end_dim ({end_dim}) for a tensor of {input.ndim} dimensions")
    if input.ndim == 0:
        return reshape(input, shape=(1,))
    if start == end:
        return input
    shape = input.shape
    merged = 1
    for size in shape[start:end + 1]:
        merged *= size
    return reshape(input, shape=shape[:start] + (merged,) + shape[end + 1:])


def unflatten(input, dim: int, sizes):
    """input with dim split into `sizes` (one of them may be -1)."""
    axis = wrap_dim(dim, input.ndim, "unflatten")
    sizes = tuple(sizes)
    length = input.shape[axis]
    known = 1
    for size in sizes:
        known *= size if size != -1 else 1
    if sizes.count(-1) > 1 or (-1 not in sizes and known != length) or (
            -1 in sizes and (known == 0 or length % known)):
        raise RuntimeError(f"unflatten: provided sizes {list(sizes)} don't multiply up to the size of "
                           f"dim {dim} ({length}) in the input tensor of shape {tuple(input.shape)}")
    sizes = tuple(length // known if size == -1 else size for size in sizes)
    return reshape(input, shape=input.shape[:axis] + sizes + input.shape[axis + 1:])


# ---- indexing -------------------------------------------------------------------------------
def normalize_index(key):
    """Tensors and lists in an index become NumPy arrays, so NumPy indexing rules apply."""
    from ..tensor import Tensor
    if isinstance(key, tuple):
        return tuple(normalize_index(k) for k in key)
    if isinstance(key, Tensor):
        return key._data
    if isinstance(key, list):
        key = [item._data if isinstance(item, Tensor) else item for item in key]
        array = np.asarray(key)
        return array.astype(np.intp) if array.size == 0 else array  # x[[]] selects nothing
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


def _joined_axis(tensors, dim, name):
    if not tensors:
        raise RuntimeError(f"{name}(): expects a non-empty list of tensors")
    return wrap_dim(dim, max(np.ndim(t) for t in tensors) + (name == "stack"), name)


@op
def cat(*tensors, dim=0):
    # PyTorch skips 1-d empty tensors (the legacy placeholder) when the others have more dims
    ndim = max(np.ndim(t) for t in tensors) if tensors else 0
    if ndim > 1:
        tensors = [t for t in tensors if not (np.ndim(t) == 1 and np.shape(t)[0] == 0)] or tensors[:1]
    axis = _joined_axis(tensors, dim, "cat")
    if any(np.ndim(t) == 0 for t in tensors):
        raise RuntimeError("cat(): zero-dimensional tensor cannot be concatenated")
    try:
        return np.concatenate(tensors, axis=axis)
    except ValueError:
        raise RuntimeError(f"cat(): tensors must have the same shape except in dimension {dim}, "
                           f"got shapes {[np.shape(t) for t in tensors]}") from None


@cat.vjp
def cat_vjp(g, out, *tensors, dim=0):
    axis = dim % out.ndim
    grads, start = [], 0
    for t in tensors:
        if out.ndim > 1 and t.ndim == 1 and t.shape[0] == 0:
            grads.append(None)  # a skipped empty placeholder
            continue
        stop = start + t.shape[axis]
        grads.append(g[(slice(None),) * axis + (slice(start, stop),)])
        start = stop
    return tuple(grads)


cat.reads_only_shapes("tensors")


@op
def stack(*tensors, dim=0):
    axis = _joined_axis(tensors, dim, "stack")
    shapes = {np.shape(t) for t in tensors}
    if len(shapes) > 1:
        raise RuntimeError(f"stack expects each tensor to be equal size, got shapes "
                           f"{[np.shape(t) for t in tensors]}")
    return np.stack(tensors, axis=axis)


@stack.vjp
def stack_vjp(g, out, *tensors, dim=0):
    axis = dim % out.ndim
    return tuple(g[(slice(None),) * axis + (i,)] for i in range(len(tensors)))


stack.reads_only_shapes("tensors")


def _slices(x, axis, sizes):
    parts, start = [], 0
    for size in sizes:
        parts.append(x[(slice(None),) * axis + (slice(start, start + size),)])
        start += size
    return tuple(parts)


def split(tensor, split_size_or_sections, dim: int = 0):
    """Views of the tensor along dim: pieces of `split_size_or_sections`, or the sizes in a list."""
    axis = wrap_dim(dim, tensor.ndim, "split")
    if tensor.ndim == 0:
        raise RuntimeError("split(): expected a tensor with at least one dimension, got a 0-d tensor")
    length = tensor.shape[axis]
    split_size = split_size_or_sections
    if isinstance(split_size, (int, np.integer)):
        if split_size < 0 or (split_size == 0 and length):
            raise RuntimeError(f"split(): split_size can only be 0 if dimension size is 0, and never "
                               f"negative, but got split_size={split_size} for dimension {dim} of size {length}")
        if split_size == 0 or length == 0:
            return (tensor,)
        sizes = [min(split_size, length - start) for start in range(0, length, split_size)]
    else:
        sizes = [int(s) for s in split_size]
        if sum(sizes) != length or any(s < 0 for s in sizes):
            raise RuntimeError(f"split(): split_sizes {sizes} must be non-negative and add up to the "
                               f"size {length} of dimension {dim} of a tensor of shape {tuple(tensor.shape)}")
    return _slices(tensor, axis, sizes)


def chunk(input, chunks: int, dim: int = 0):
    """About `chunks` equal views along dim (the last may be smaller; fewer if dim is short)."""
    if not isinstance(chunks, (int, np.integer)) or chunks <= 0:
        raise RuntimeError(f"chunk(): chunks must be an int greater than 0, got {chunks!r}")
    axis = wrap_dim(dim, input.ndim, "chunk")
    if input.ndim == 0:
        raise RuntimeError("chunk(): expected a tensor with at least one dimension, got a 0-d tensor")
    length = input.shape[axis]
    if length == 0:  # PyTorch: `chunks` empty pieces
        return _slices(input, axis, [0] * chunks)
    return split(input, -(-length // chunks), axis)


def unbind(input, dim: int = 0):
    axis = wrap_dim(dim, input.ndim, "unbind")
    if input.ndim == 0:
        raise dim_error(dim, 0, "unbind")
    return tuple(input[(slice(None),) * axis + (i,)] for i in range(input.shape[axis]))
