"""The older top-level forms PyTorch keeps beside torch.linalg (torch.svd, torch.norm, torch.inverse,
chain_matmul, triangular_solve, cholesky_solve ...), with their own arguments and return types:
needl.<name> and the Tensor methods are these. matrix_rank, lstsq, solve, eig and symeig are
removed in PyTorch and raise, as there, with a pointer to their needl.linalg replacements.
(torch.trace, diagonal, dot, outer and ger are the core ops of needl/autograd/ops.)"""
from collections import namedtuple

import numpy as np

from ..autograd.tensor import Tensor
from . import _checks
from .decompositions import pinv, svd as linalg_svd
from .inverse import cholesky as linalg_cholesky, det, inv, logdet, slogdet, solve_triangular
from .norms import matrix_norm, vector_norm
from .products import cross as linalg_cross, matrix_power, multi_dot

svd_result = namedtuple("svd", ["U", "S", "V"])
triangular_solve_result = namedtuple("triangular_solve", ["solution", "cloned_coefficient"])

inverse = inv
__all__ = ["svd", "qr", "norm", "inverse", "det", "logdet", "slogdet", "cholesky", "pinverse",
           "matrix_power", "cross", "chain_matmul", "nuclear_norm", "frobenius_norm", "triangular_solve",
           "cholesky_solve", "cholesky_inverse", "matrix_rank", "lstsq", "solve", "eig", "symeig"]


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


def chain_matmul(*matrices, out=None) -> Tensor:
    """The product of the matrices, in the cheapest order (needl.linalg.multi_dot)."""
    if len(matrices) == 1:
        return matrices[0].clone()
    return multi_dot(list(matrices))


def nuclear_norm(input: Tensor, dim=(-2, -1), keepdim: bool = False) -> Tensor:
    """The sum of the singular values (needl.linalg.matrix_norm(input, 'nuc'))."""
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim) as positional, PyTorch's first overload
        dim, keepdim = (-2, -1), dim
    return matrix_norm(input, "nuc", dim=tuple(dim), keepdim=keepdim)


def frobenius_norm(input: Tensor, dim=(-2, -1), keepdim: bool = False) -> Tensor:
    """The 2-norm of the entries over dim (needl.linalg.vector_norm(input, 2, dim))."""
    return vector_norm(input, 2, dim=tuple(dim) if not isinstance(dim, int) else dim, keepdim=keepdim)


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False, *, out=None):
    """(X, A.clone()) with A X = b (or A^T X = b) for triangular A: linalg.solve_triangular(A, b)."""
    coefficient = A.mT if transpose else A
    solution = solve_triangular(coefficient, b, upper=upper != transpose, unitriangular=unitriangular)
    return triangular_solve_result(solution, A.clone())


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """X with (L L^H) X = B, given the Cholesky factor L (or U with U^H U, upper=True)."""
    lower = L.mT.conj() if upper else L
    middle = solve_triangular(lower, B, upper=False)
    return solve_triangular(lower.mT.conj(), middle, upper=True)


def cholesky_inverse(L: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """The inverse of L L^H (or U^H U) from its Cholesky factor."""
    identity = Tensor._make(np.broadcast_to(np.eye(L.shape[-1], dtype=L.dtype), L.shape))
    return cholesky_solve(identity, L, upper)


def _removed(name: str, replacement: str):
    def removed(*args, **kwargs):
        raise RuntimeError(f"needl.{name} was deprecated in PyTorch 1.9 and is now removed, as in "
                           f"PyTorch: use {replacement} instead")
    removed.__name__ = name
    removed.__doc__ = f"Removed in PyTorch: raises, pointing to {replacement}."
    return removed


matrix_rank = _removed("matrix_rank", "needl.linalg.matrix_rank(A, hermitian=symmetric)")
lstsq = _removed("lstsq", "needl.linalg.lstsq(A, B) (note the argument order: A first)")
solve = _removed("solve", "needl.linalg.solve(A, B) (note the argument order: A first)")
eig = _removed("eig", "needl.linalg.eigh for symmetric matrices (needl has no general, complex eig)")
symeig = _removed("symeig", "needl.linalg.eigh(A, UPLO='U' if upper else 'L') or needl.linalg.eigvalsh")
