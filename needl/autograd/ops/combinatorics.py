"""combinations and vander (built from recorded indexing and products, so differentiable),
and unravel_index (flat indices to coordinates, off the tape)."""
import itertools

import numpy as np

from ..tensor import Tensor


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-r combinations of the elements of a 1-D tensor, as rows (itertools' order)."""
    if input.ndim != 1:
        raise RuntimeError(f"combinations: expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"combinations: expect a non-negative number, but got {r}")
    if r == 0:
        return Tensor._make(np.empty(0, dtype=input.dtype))
    choose = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = np.fromiter(itertools.chain.from_iterable(choose(range(input.shape[0]), r)), dtype=np.int64)
    return input[Tensor._make(rows.reshape(-1, r))]


def vander(x: Tensor, N=None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of a 1-D x: columns x^(N-1) ... x^0 (or the reverse, increasing)."""
    if x.ndim != 1:
        raise RuntimeError(f"x must be a one-dimensional tensor, got shape {list(x.shape)}")
    columns = x.shape[0] if N is None else N
    if columns < 0:
        raise RuntimeError(f"N must be non-negative, got {columns}")
    if x.dtype.kind == "b":
        x = x.astype(np.int64)
    powers = Tensor._make(np.arange(columns, dtype=x.dtype if x.dtype.kind in "fc" else np.int64))
    # x^0 is 1 also at x = 0, and cumprod keeps the gradient finite there
    table = x.unsqueeze(1).expand(x.shape[0], max(columns - 1, 0)).cumprod(1) if columns > 1 else None
    ones = x.new_ones(x.shape[0], min(columns, 1), dtype=table.dtype if table is not None else
                      np.result_type(x.dtype, powers.dtype))
    result = ones if table is None else _cat(ones, table)
    return result if increasing else result.flip(1)


def _cat(first: Tensor, second: Tensor) -> Tensor:
    from .shape import cat
    return cat(first, second, dim=1)


def unravel_index(indices, shape) -> tuple:
    """The coordinates in a tensor of `shape` of flat (row-major) indices, one int64 tensor per dim."""
    data = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if data.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {data.dtype}")
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    size = int(np.prod(shape))
    if data.size and (data.max() >= size or data.min() < -size):
        raise RuntimeError(f"unravel_index: indices out of bounds for a tensor of {size} elements")
    return tuple(Tensor._make(coordinate.astype(np.int64)) for coordinate in np.unravel_index(data % max(size, 1), shape))
