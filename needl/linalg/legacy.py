"""The older top-level forms PyTorch keeps beside torch.linalg (torch.svd, torch.norm, torch.inverse...),
with their own arguments and return types; the lead wires them as needl.<name> and Tensor methods."""
from collections import namedtuple

import numpy as np

from ..autograd.ops import reduce
from ..autograd.ops import shape as shape_ops
from ..autograd.tensor import Tensor
from . import _checks
from .decompositions import pinv, svd as linalg_svd
from .inverse import cholesky as linalg_cholesky, det, inv, logdet, slogdet
from .norms import matrix_norm, vector_norm
from .products import cross as linalg_cross, matrix_power

svd_result = namedtuple("svd", ["U", "S", "V"])

inverse = inv
__all__ = ["svd", "qr", "norm", "inverse", "det", "logdet", "slogdet", "cholesky", "pinverse",
           "matrix_power", "cross", "trace", "outer", "ger", "dot", "diagonal"]


def svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> svd_result:
    """torch.svd: (U, S, V) with V, not Vh; some=True gives the thin factors; without compute_uv,
    U and V are zero matrices."""
    if not compute_uv:
        from .decompositions import svdvals
        S = svdvals(input)
        data = _checks.array(input)
        m, n = data.shape[-2:]
        columns = min(m, n) if some else None
        U = np.zeros(data.shape[:-2] + (m, columns if some else m), data.dtype)
        V = np.zeros(data.shape[:-2] + (n, columns if some else n), data.dtype)
        return svd_result(Tensor._make(U), S, Tensor._make(V))
    U, S, Vh = linalg_svd(input, full_matrices=not some)
    return svd_result(U, S, Vh.mT if isinstance(Vh, Tensor) else Vh)


def qr(input: Tensor, some: bool = True):
    """torch.qr: (Q, R), reduced when some (the default), complete otherwise."""
    from .decompositions import qr as linalg_qr
    return linalg_qr(input, mode="reduced" if some else "complete")


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """torch.diagonal / Tensor.diagonal: as linalg.diagonal, with dim1=0, dim2=1 by default."""
    from .products import diagonal as linalg_diagonal
    return linalg_diagonal(input, offset=offset, dim1=dim1, dim2=dim2)


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """torch.norm: p 'fro' (the 2-norm of the elements over dim), 'nuc' (over two dims), or a number
    (a vector norm over dim, all elements when dim is None)."""
    if p == "nuc":
        return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"norm: invalid norm type {p!r}; expected 'fro', 'nuc' or a number")
    return vector_norm(input, p, dim, keepdim, dtype=dtype)


def cholesky(input: Tensor, upper: bool = False) -> Tensor:
    """torch.cholesky (deprecated in PyTorch for linalg.cholesky): upper is positional here."""
    return linalg_cholesky(input, upper=upper)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """torch.pinverse: pinv with singular values below rcond * s_max dropped."""
    return pinv(input, rtol=rcond)


def cross(input: Tensor, other: Tensor, dim: int = None) -> Tensor:
    """torch.cross: dim defaults to the first dimension of size 3 (PyTorch warns about that default)."""
    if dim is None:
        shape = np.broadcast_shapes(_checks.array(input).shape, _checks.array(other).shape)
        dim = next((d for d, size in enumerate(shape) if size == 3), None)
        if dim is None:
            raise RuntimeError(f"no dimension of size 3 in input (shape {tuple(shape)})")
    return linalg_cross(input, other, dim=dim)


def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal of a 2-D tensor."""
    if _checks.array(input).ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {_checks.array(input).ndim}")
    return reduce.sum(diagonal(input), dim=-1)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """The outer product of two 1-D tensors."""
    return shape_ops.unsqueeze(input, dim=1) * shape_ops.unsqueeze(vec2, dim=0)


ger = outer


def dot(input: Tensor, other: Tensor) -> Tensor:
    """The inner product of two 1-D tensors of the same length."""
    a, b = _checks.array(input), _checks.array(other)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape != b.shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] "
                           f"to have the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements respectively")
    return reduce.sum(input * other)
