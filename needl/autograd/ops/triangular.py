"""Triangles and diagonals: tril triu (+ their indices), diagonal (a view), diag_embed, diag, trace."""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from ...device import check_device
from .. import dtypes
from ..function import op, view_op
from ..tensor import Tensor
from .dims import wrap_dim
from .shape import clone


def _at_least_2d(x, name):
    if x.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions, got shape {x.shape}")


@op
def tril(x, diagonal=0):
    """The lower triangle of the last two dims (elements with column - row <= diagonal)."""
    _at_least_2d(x, "tril")
    return np.tril(x, diagonal)


@tril.vjp
def tril_vjp(g, out, x, diagonal=0):
    return tril(g, diagonal=diagonal)


@op
def triu(x, diagonal=0):
    """The upper triangle of the last two dims (elements with column - row >= diagonal)."""
    _at_least_2d(x, "triu")
    return np.triu(x, diagonal)


@triu.vjp
def triu_vjp(g, out, x, diagonal=0):
    return triu(g, diagonal=diagonal)


def _indices(function, row, col, offset, dtype, device):
    check_device(device)
    coordinates = np.stack(function(row, offset, col)).reshape(2, -1)
    return Tensor._make(coordinates.astype(dtypes.as_dtype(dtype or dtypes.int64)))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None) -> Tensor:
    """A (2, N) tensor of the (row, column) coordinates of the lower triangle of a row x col matrix."""
    return _indices(np.tril_indices, row, col, offset, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None) -> Tensor:
    return _indices(np.triu_indices, row, col, offset, dtype, device)


def _diagonal_axes(ndim, dim1, dim2, name):
    first, second = wrap_dim(dim1, ndim, name), wrap_dim(dim2, ndim, name)
    if first == second:
        raise RuntimeError(f"{name}: diagonal dimensions cannot be identical {dim1}, {dim2}")
    return first, second


def _diagonal_view(x, offset, first, second):
    """A writable view of x's diagonal across axes (first, second), as the last axis."""
    start = [slice(None)] * x.ndim
    if offset >= 0:
        start[second] = slice(offset, None)
    else:
        start[first] = slice(-offset, None)
    shifted = x[tuple(start)]
    layout = np.diagonal(shifted, 0, first, second)  # its shape and strides; the view itself is read-only
    return as_strided(shifted, layout.shape, layout.strides)


@view_op
def diagonal(x, offset=0, dim1=0, dim2=1):
    """The diagonal across dim1, dim2 (offset > 0 above it), as a view whose last dim runs along it."""
    _at_least_2d(x, "diagonal")
    first, second = _diagonal_axes(x.ndim, dim1, dim2, "diagonal")
    return _diagonal_view(x, offset, first, second)


@diagonal.vjp
def diagonal_vjp(g, out, x, offset=0, dim1=0, dim2=1):
    first, second = _diagonal_axes(x.ndim, dim1, dim2, "diagonal")
    return diagonal_put(g, shape=x.shape, offset=offset, dim1=first, dim2=second)


@op
def diagonal_put(values, shape=(), offset=0, dim1=0, dim2=1):
    """Zeros of `shape` with `values` on the diagonal across dim1, dim2 (the inverse of diagonal)."""
    out = np.zeros(shape, values.dtype)
    _diagonal_view(out, offset, dim1, dim2)[...] = values
    return out


@diagonal_put.vjp
def diagonal_put_vjp(gg, out, values, shape=(), offset=0, dim1=0, dim2=1):
    return diagonal(gg, offset=offset, dim1=dim1, dim2=dim2)


_diagonal = diagonal  # for diag, whose PyTorch argument `diagonal` hides the op

def diag_embed(input, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices (across dim1, dim2 of the result) whose diagonals are the last dim of input."""
    ndim = input.ndim + 1
    first, second = _diagonal_axes(ndim, dim1, dim2, "diag_embed")
    size = (input.shape[-1] if input.ndim else 1) + abs(offset)
    shape = list(input.shape[:-1])
    for axis in sorted((first, second)):
        shape.insert(axis, size)
    values = input if input.ndim else input.reshape(1)
    return diagonal_put(values, shape=tuple(shape), offset=offset, dim1=first, dim2=second)


def diag(input, diagonal: int = 0) -> Tensor:
    """A 1-D input as the diagonal of a square matrix; a 2-D input's diagonal (a copy)."""
    if input.ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if input.ndim == 2:
        return clone(_diagonal(input, offset=diagonal))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


def diagflat(input, offset: int = 0) -> Tensor:
    return diag(input.reshape(-1), offset)


def trace(input) -> Tensor:
    """The sum of the main diagonal of a matrix."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return diagonal(input).sum()


def main_diagonal_key(shape, wrap: bool = False):
    """The index of the main diagonal of a matrix (wrap: restarting below a tall one, as NumPy's
    fill_diagonal) or of a tensor whose dims are all equal."""
    if len(shape) < 2:
        raise RuntimeError(f"fill_diagonal_: dimensions must larger than 1, got shape {tuple(shape)}")
    if len(shape) > 2:
        if len(set(shape)) != 1:
            raise RuntimeError(f"fill_diagonal_: all dimensions of input must be of equal length, got {tuple(shape)}")
        return (np.arange(shape[0]),) * len(shape)
    rows, columns = shape
    stop = rows * columns if wrap else min(rows, columns) * columns
    return np.unravel_index(np.arange(0, stop, columns + 1), shape)
