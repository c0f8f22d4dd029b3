"""Rearranging elements: flip roll rot90 movedim tile repeat_interleave, broadcasting, the stacks
(hstack vstack dstack column_stack), meshgrid and cartesian_prod.

flip, roll and rot90 return copies, as PyTorch's do (a NumPy view would let writes leak back).
"""
import warnings

import numpy as np

from ..function import op
from ..tensor import Tensor
from .dims import wrap_dim
from .shape import cat, expand, getitem, permute, repeat, reshape, stack


def _axes(dims, ndim, name):
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    axes = tuple(wrap_dim(d, ndim, name) for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"{name}(): dims {dims} has a dim appearing more than once")
    return axes


@op
def flip(x, dims=()):
    """x reversed along each of dims."""
    axes = _axes(dims, x.ndim, "flip")
    return np.flip(x, axes).copy() if x.ndim else x.copy()


@flip.vjp
def flip_vjp(g, out, x, dims=()):
    return flip(g, dims=dims)


def fliplr(input) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError(f"fliplr: input must be >= 2-d, got {input.ndim}-d")
    return flip(input, dims=(1,))


def flipud(input) -> Tensor:
    if input.ndim < 1:
        raise RuntimeError("flipud: input must be >= 1-d")
    return flip(input, dims=(0,))


@op
def roll(x, shifts=0, dims=None):
    """x shifted circularly by `shifts` along dims (flattened and restored when dims is None)."""
    if dims is None:
        return np.roll(x.reshape(-1), shifts).reshape(x.shape)
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    axes = _axes(dims, x.ndim, "roll")
    if len(shifts) != len(axes):
        raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: {len(shifts)}, dims: {len(axes)}")
    return np.roll(x, shifts, axes)


@roll.vjp
def roll_vjp(g, out, x, shifts=0, dims=None):
    back = -shifts if isinstance(shifts, (int, np.integer)) else tuple(-s for s in shifts)
    return roll(g, shifts=back, dims=dims)


@op
def rot90(x, k=1, dims=(0, 1)):
    """x rotated by k quarter turns in the plane of dims (from the first dim toward the second)."""
    if len(dims) != 2:
        raise RuntimeError(f"rot90(): expected total rotation dims == 2, but got dims = {len(dims)}")
    if x.ndim < 2:
        raise RuntimeError(f"rot90(): expected total dims >= 2, but got total dims = {x.ndim}")
    return np.rot90(x, k, _axes(dims, x.ndim, "rot90")).copy()


@rot90.vjp
def rot90_vjp(g, out, x, k=1, dims=(0, 1)):
    return rot90(g, k=-k, dims=dims)


def movedim(input, source, destination) -> Tensor:
    """input with the dims in `source` moved to the places in `destination` (a permuted view)."""
    source = _axes(source, input.ndim, "movedim")
    destination = _axes(destination, input.ndim, "movedim")
    if len(source) != len(destination):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(source)} dims) should "
                           f"contain the same number of dims as destination ({list(destination)} dims)")
    order = [d for d in range(input.ndim) if d not in source]
    for place, dim in sorted(zip(destination, source)):
        order.insert(place, dim)
    return permute(input, dims=tuple(order))


def swapdims(input, dim0: int, dim1: int) -> Tensor:
    return input.transpose(dim0, dim1)


def ravel(input) -> Tensor:
    return reshape(input, shape=(-1,))


def tile(input, dims) -> Tensor:
    """input repeated `dims` times along each dim (leading dims of 1 added as needed)."""
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    dims = (1,) * (input.ndim - len(dims)) + dims
    return repeat(input, repeats=dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None) -> Tensor:
    """Each element (slice along dim) repeated `repeats` times in place; input flattened if dim is None.

    repeat_interleave(counts) alone is arange(len(counts)) with each index repeated counts[i] times.
    """
    if repeats is None:  # torch.repeat_interleave(repeats)
        counts = np.asarray(getattr(input, "_data", input))
        return Tensor._make(np.repeat(np.arange(counts.size, dtype=np.int64), counts))
    if dim is None:
        input, axis = reshape(input, shape=(-1,)), 0
    else:
        axis = wrap_dim(dim, input.ndim, "repeat_interleave")
    length = input.shape[axis] if input.ndim else 1
    counts = np.asarray(getattr(repeats, "_data", repeats))
    if counts.dtype.kind not in "iu" or counts.ndim > 1 or (counts.ndim == 1 and counts.size not in (1, length)):
        raise RuntimeError(f"repeat_interleave: repeats must be an int or a 1-D integer tensor of size 1 or "
                           f"{length} (the size of dim {dim}), got {counts!r}")
    if counts.size and counts.min() < 0:
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    positions = np.repeat(np.arange(length), counts.reshape(-1) if counts.size != 1 else int(counts.reshape(-1)[0]))
    if input.ndim == 0:
        input = reshape(input, shape=(1,))
    return getitem(input, key=(slice(None),) * axis + (positions,))


def tensor_split(input, indices_or_sections, dim: int = 0) -> tuple:
    """Views along dim: n near-equal pieces (the first ones one longer), or cut at the given indices."""
    axis = wrap_dim(dim, input.ndim, "tensor_split")
    length = input.shape[axis]
    sections = getattr(indices_or_sections, "_data", indices_or_sections)
    if isinstance(sections, (int, np.integer)) or (isinstance(sections, np.ndarray) and sections.ndim == 0):
        count = int(sections)
        if count <= 0:
            raise RuntimeError(f"tensor_split(): number of sections must be larger than 0, got {count}")
        sizes = [length // count + (i < length % count) for i in range(count)]
        cuts = np.cumsum([0] + sizes)
    else:
        cuts = [0] + [int(i) for i in sections] + [length]
    return tuple(getitem(input, key=(slice(None),) * axis + (slice(start, max(start, stop)),))
                 for start, stop in zip(cuts[:-1], cuts[1:]))


def broadcast_shapes(*shapes) -> tuple:
    shapes = [(s,) if isinstance(s, (int, np.integer)) else tuple(s) for s in shapes]
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise RuntimeError(f"shape mismatch: objects cannot be broadcast to a single shape: {shapes}") from None


def broadcast_to(input, size) -> Tensor:
    return expand(input, sizes=tuple(size))


def broadcast_tensors(*tensors) -> tuple:
    """Views of the tensors expanded to their common broadcast shape."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = broadcast_shapes(*(tuple(t.shape) for t in tensors))
    return tuple(t if tuple(t.shape) == shape else expand(t, sizes=shape) for t in tensors)


def _at_least(input, ndim):
    shape = tuple(input.shape)
    if len(shape) >= ndim:
        return input
    if ndim == 3 and len(shape) == 2:
        return reshape(input, shape=shape + (1,))
    if ndim == 3 and len(shape) == 1:
        return reshape(input, shape=(1,) + shape + (1,))
    return reshape(input, shape=(1,) * (ndim - len(shape)) + shape)


def _each(tensors, ndim):
    results = tuple(_at_least(t, ndim) for t in (tensors if len(tensors) != 1 or isinstance(tensors[0], Tensor)
                                                  else tensors[0]))
    return results[0] if len(results) == 1 else results


def atleast_1d(*tensors):
    return _each(tensors, 1)


def atleast_2d(*tensors):
    return _each(tensors, 2)


def atleast_3d(*tensors):
    """As PyTorch (and NumPy): a 1-D (n,) becomes (1, n, 1), a 2-D (m, n) becomes (m, n, 1)."""
    return _each(tensors, 3)


def hstack(tensors) -> Tensor:
    """cat along dim 1, or along dim 0 for 1-D tensors."""
    tensors = [_at_least(t, 1) for t in tensors]
    return cat(*tensors, dim=0 if tensors and tensors[0].ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    return cat(*[_at_least(t, 2) for t in tensors], dim=0)


row_stack = vstack


def dstack(tensors) -> Tensor:
    return cat(*[_at_least(t, 3) for t in tensors], dim=2)


def column_stack(tensors) -> Tensor:
    """1-D (and 0-d) tensors as columns, others as they are, joined along dim 1."""
    columns = [reshape(t, shape=(-1, 1)) if t.ndim <= 1 else t for t in tensors]
    return cat(*columns, dim=1)


def meshgrid(*tensors, indexing=None) -> tuple:
    """Coordinate grids from 1-D tensors: 'ij' (matrix, PyTorch's default) or 'xy' (Cartesian) indexing."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("needl.meshgrid: in an upcoming release, it will be required to pass the indexing "
                      "argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be one of 'xy' or 'ij', but got '{indexing}'")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid expects all tensors to be 0-d or 1-d, got shape {tuple(t.shape)}")
    vectors = [reshape(t, shape=(-1,)) for t in tensors]
    sizes = [v.shape[0] for v in vectors]
    if indexing == "xy" and len(vectors) >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for i, vector in enumerate(vectors):
        place = i if indexing == "ij" or len(vectors) < 2 or i > 1 else 1 - i
        shape = [1] * len(vectors)
        shape[place] = sizes[place]
        grids.append(expand(reshape(vector, shape=tuple(shape)), sizes=tuple(sizes)))
    return tuple(grids)


def cartesian_prod(*tensors) -> Tensor:
    """Every combination of one element from each 1-D tensor, as rows (like itertools.product)."""
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack(*[reshape(g, shape=(-1,)) for g in grids], dim=1)


def block_diag(*tensors) -> Tensor:
    """The tensors (at most 2-D) as the blocks of a block-diagonal matrix."""
    from .shape import setitem
    blocks = [t if t.ndim == 2 else reshape(t, shape=(1, -1) if t.ndim == 1 else (1, 1)) for t in tensors]
    rows, cols = sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)
    dtype = np.result_type(*[b.dtype for b in blocks]) if blocks else np.float32
    result = Tensor._make(np.zeros((rows, cols), dtype))
    row = col = 0
    for block in blocks:  # one write per block (the blocks are few)
        height, width = block.shape
        result = setitem(result, block, key=(slice(row, row + height), slice(col, col + width)))
        row, col = row + height, col + width
    return result
