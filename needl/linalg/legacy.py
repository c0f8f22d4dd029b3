"""The older top-level forms PyTorch keeps beside torch.linalg (torch.svd, torch.norm, torch.inverse...),
with their own arguments and return types: needl.<name> and the Tensor methods are these.
(torch.trace, diagonal, dot, outer and ger are the core ops of needl/autograd/ops.)"""
from collections import namedtuple

import numpy as np

from ..autograd.tensor import Tensor
from . import _checks
from .decompositions import pinv, svd as linalg_svd
from .inverse import cholesky as linalg_cholesky, det, inv, logdet, slogdet
from .norms import matrix_norm, vector_norm
from .products import cross as linalg_cross, matrix_power

svd_result = namedtuple("svd", ["U", "S", "V"])

inverse = inv
__all__ = ["svd", "qr", "norm", "inverse", "det", "logdet", "slogdet", "cholesky", "pinverse",
           "matrix_power", "cross"]


def svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> svd_result:
    """torch.svd: (U, S, V) with V, not Vh; some=True gives the thin factors; without compute_uv,
    U and V are zero matrices of shape (m, m) and (n, n), whatever some says (as PyTorch)."""
    if not compute_uv:
        from .decompositions import svdvals
        data = _checks.array(input)
        m, n = data.shape[-2:]
        batch = data.shape[:-2]
        return svd_result(Tensor._make(np.zeros(batch + (m, m), data.dtype)), svdvals(input),
                          Tensor._make(np.zeros(batch + (n, n), data.dtype)))
    U, S, Vh = linalg_svd(input, full_matrices=not some)
    return svd_result(U, S, Vh.mT if isinstance(Vh, Tensor) else Vh)


def qr(input: Tensor, some: bool = True):
    """torch.qr: (Q, R), reduced when some (the default), complete otherwise."""
    from .decompositions import qr as linalg_qr
    return linalg_qr(input, mode="reduced" if some else "complete")


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
