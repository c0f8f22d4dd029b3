"""LU factorisation with partial pivoting (PyTorch's torch.linalg.lu_factor and torch.lu), its
unpacking into P, L, U (lu_unpack) and solves with it (lu_solve). The factorisation is one op:
a column sweep vectorised over the batch, with the square-matrix gradient
gA = P L^-H (tril(L^H gL, -1) + triu(gU U^H)) U^-H."""
from collections import namedtuple

import numpy as np

from ..autograd import op
from ..autograd.tensor import Tensor
from . import _checks
from .inverse import solve_triangular

linalg_lu_factor = namedtuple("linalg_lu_factor", ["LU", "pivots"])
linalg_lu = namedtuple("linalg_lu", ["P", "L", "U"])
lu_unpack_result = namedtuple("lu_unpack", ["P", "L", "U"])


def _factor(A: np.ndarray):
    """(LU packed, 0-based row swaps): row k was swapped with row swaps[k] before step k."""
    lu = A.copy()
    n = lu.shape[-1]
    swaps = np.zeros(lu.shape[:-2] + (n,), dtype=np.int64)
    batch = np.indices(lu.shape[:-2]) if lu.ndim > 2 else ()
    batch = tuple(batch)
    for k in range(n):
        pivot = np.argmax(np.abs(lu[..., k:, k]), axis=-1) + k
        swaps[..., k] = pivot
        row_k, row_p = lu[..., k, :].copy(), lu[batch + (pivot,)].copy()
        lu[..., k, :] = row_p
        lu[batch + (pivot,)] = row_k
        head = lu[..., k, k]
        safe = np.where(head == 0, 1, head)
        lu[..., k + 1:, k] /= safe[..., None]
        lu[..., k + 1:, k + 1:] -= lu[..., k + 1:, k:k + 1] * lu[..., k:k + 1, k + 1:]
    return lu, swaps


def _permutation(swaps: np.ndarray, dtype) -> np.ndarray:
    """P with A = P L U, from the row swaps."""
    n = swaps.shape[-1]
    order = np.broadcast_to(np.arange(n), swaps.shape).copy()
    rows = np.indices(swaps.shape[:-1]) if swaps.ndim > 1 else ()
    rows = tuple(rows)
    for k in range(n):
        other = swaps[..., k]
        first, second = order[..., k].copy(), order[rows + (other,)].copy()
        order[..., k], order[rows + (other,)] = second, first
    # row i of P A is row order[i] of A, so P^T has ones at (i, order[i]); P = its transpose
    permutation = np.zeros(swaps.shape + (n,), dtype=dtype)
    np.put_along_axis(permutation, order[..., None], 1, axis=-1)
    return np.swapaxes(permutation, -1, -2)


@op
def _lu_factor(A):
    lu, swaps = _factor(A)
    return lu, (swaps + 1).astype(np.int32)


@_lu_factor.vjp
def _lu_factor_vjp(grads, outputs, A):
    g, _ = grads
    lu, pivots = outputs
    n = lu.shape[-1]
    L = np.tril(lu, -1) + np.eye(n, dtype=lu.dtype)
    U = np.triu(lu)
    inner = np.tril(np.swapaxes(L, -1, -2).conj() @ np.tril(g, -1), -1) + np.triu(np.triu(g) @ np.swapaxes(U, -1, -2).conj())
    left = np.linalg.solve(np.swapaxes(L, -1, -2).conj(), inner)  # L^-H inner
    right = np.swapaxes(np.linalg.solve(U.conj(), np.swapaxes(left, -1, -2)), -1, -2)  # (.) U^-H
    return _permutation(pivots.astype(np.int64) - 1, lu.dtype) @ right


def lu_factor(A: Tensor, *, pivot: bool = True) -> linalg_lu_factor:
    """(LU, pivots) of square matrices A (..., n, n): L below the diagonal (unit diagonal implied),
    U on and above it, pivots the 1-based rows swapped at each step (LAPACK's, int32)."""
    _checks.square("lu_factor", A)
    if not pivot:
        raise RuntimeError("lu_factor: LU without pivoting is not implemented on the CPU (as in PyTorch)")
    return linalg_lu_factor(*_lu_factor(A))


def linalg_lu_function(A: Tensor, *, pivot: bool = True) -> linalg_lu:
    """torch.linalg.lu: (P, L, U) with A = P L U (needl.linalg.lu)."""
    return linalg_lu(*lu_unpack(*lu_factor(A, pivot=pivot)))


linalg_lu_function.__name__ = linalg_lu_function.__qualname__ = "lu"


def lu(A: Tensor, pivot: bool = True, get_infos: bool = False):
    """torch.lu: (A_LU, pivots), plus with get_infos LAPACK's info per matrix: 0, or the 1-based
    index of the first zero on U's diagonal (a singular matrix)."""
    factors = lu_factor(A, pivot=pivot)
    if get_infos:
        zero = np.diagonal(factors.LU._data, axis1=-2, axis2=-1) == 0
        infos = np.where(zero.any(-1), zero.argmax(-1) + 1, 0).astype(np.int32)
        return factors.LU, factors.pivots, Tensor._make(infos)
    return tuple(factors)


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True):
    """(P, L, U) with A = P L U from lu_factor's packed result (differentiable in LU_data)."""
    n = LU_data.shape[-1]
    P = Tensor._make(_permutation(LU_pivots._data.astype(np.int64) - 1, LU_data.dtype)) if unpack_pivots else None
    if not unpack_data:
        return lu_unpack_result(P, None, None)
    identity = Tensor._make(np.eye(n, dtype=LU_data.dtype))
    return lu_unpack_result(P, LU_data.tril(-1) + identity, LU_data.triu())


def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
    """X with A X = b, A given as lu_factor's (LU, pivots)."""
    P, L, U = lu_unpack(LU_data, LU_pivots)
    rhs = P.mT @ b
    return solve_triangular(U, solve_triangular(L, rhs, upper=False, unitriangular=True), upper=True)
