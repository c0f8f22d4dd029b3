"""Norms: vector_norm (the core op pnorm, one gradient per order, shared with dist and cdist),
matrix_norm and norm built on it, and cond. PyTorch's conventions: the 2-norm's gradient is 0 at
0, the max norms share their gradient evenly between tied entries."""
import math
import numbers

import numpy as np

from ..autograd.ops import elementwise, reduce
from ..autograd.ops.products import pnorm
from ..autograd.ops import shape as shape_ops
from ..autograd.tensor import Tensor
from . import _checks
from .decompositions import svdvals
from .inverse import inv


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """(sum |x|^ord)^(1/ord) over dim (all dimensions if None); ord may be inf, -inf, 0 or any real."""
    _checks.floating("vector_norm", x, "input")
    if isinstance(ord, str) or not isinstance(ord, numbers.Real):
        raise RuntimeError(f"linalg.vector_norm: Expected a numeric ord, got {ord!r}")
    if dtype is not None:
        x = shape_ops.cast(x, dtype=np.dtype(dtype))
    if _checks.array(x).size == 0 and (ord < 0 or ord == math.inf):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor "
                           f"because the operation does not have an identity")
    return pnorm(x, ord=float(ord) if ord not in (1, 2, 0) else ord, dim=dim, keepdim=keepdim)


def _matrix_dims(dim, ndim):
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dim}")
    rows, columns = (d % ndim for d in dim)
    if rows == columns:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    return rows, columns


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """Matrix norms over the two dims: 'fro', 'nuc', 2 / -2 (largest / smallest singular value),
    1 / -1 (max / min column sum of |A|), inf / -inf (max / min row sum)."""
    _checks.matrix("matrix_norm", A)
    if dtype is not None:
        A = shape_ops.cast(A, dtype=np.dtype(dtype))
    ndim = _checks.array(A).ndim
    rows, columns = _matrix_dims(tuple(dim), ndim)
    if ord == "fro":
        return pnorm(A, ord=2, dim=(rows, columns), keepdim=keepdim)
    if ord in ("nuc", 2, -2):
        # the two dims last, the singular values reduced, the dims put back if keepdim
        rest = [d for d in range(ndim) if d not in (rows, columns)]
        moved = shape_ops.permute(A, dims=tuple(rest) + (rows, columns))
        values = svdvals(moved)
        result = (reduce.sum(values, dim=-1) if ord == "nuc" else
                  reduce.amax(values, dim=-1) if ord == 2 else reduce.amin(values, dim=-1))
        if keepdim:
            for d in sorted((rows, columns)):
                result = shape_ops.unsqueeze(result, dim=d)
        return result
    if ord in (1, -1, math.inf, -math.inf):
        summed, extreme = (rows, columns) if ord in (1, -1) else (columns, rows)
        sums = reduce.sum(elementwise.abs(A), dim=summed, keepdim=True)
        result = (reduce.amax if ord > 0 else reduce.amin)(sums, dim=extreme, keepdim=True)
        return result if keepdim else shape_ops.squeeze(result, dim=(rows, columns))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """torch.linalg.norm: a vector norm over one dim (or all, flattened, when ord and dim are None),
    a matrix norm over two; with ord but no dim, A must be 1-D or 2-D."""
    ndim = _checks.array(A).ndim
    if dim is not None:
        dims = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {ndim}D.")


def cond(A: Tensor, p=None) -> Tensor:
    """The condition number: s_max / s_min for p None or 2, ||A||_p ||A^-1||_p otherwise."""
    _checks.matrix("cond", A)
    if p in (None, 2, -2):
        values = svdvals(A)
        ratio = reduce.amax(values, dim=-1) / reduce.amin(values, dim=-1)
        return ratio if p != -2 else 1.0 / ratio
    _checks.square("cond", A)
    return matrix_norm(A, p) * matrix_norm(inv(A), p)
