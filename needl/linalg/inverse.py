"""Inverses and solves: inv solve solve_triangular det slogdet cholesky, with their gradients.

Each is one op batched over the leading dimensions (NumPy's LAPACK wrappers broadcast them); the
gradients are the usual matrix-calculus ones, written with matmul and these ops themselves so
that they are differentiable again (second order).
"""
from collections import namedtuple

import numpy as np

from ..autograd import op
from ..autograd.ops import elementwise
from ..autograd.ops import shape as shape_ops
from ..autograd.tensor import Tensor
from . import _checks
from ._checks import eye_like, first_failure, mT

linalg_slogdet = namedtuple("linalg_slogdet", ["sign", "logabsdet"])
linalg_inv_ex = namedtuple("linalg_inv_ex", ["inverse", "info"])
linalg_cholesky_ex = namedtuple("linalg_cholesky_ex", ["L", "info"])


def _singular(name, A):
    singular = np.linalg.matrix_rank(A) < A.shape[-1] if A.size else np.zeros(A.shape[:-2], bool)
    return RuntimeError(f"linalg.{name}: The input matrix is singular{first_failure(singular)}, "
                        f"so the {'inverse' if name == 'inv' else 'solution'} could not be computed")


@op
def _inv(A):
    try:
        return np.linalg.inv(A)
    except np.linalg.LinAlgError:
        raise _singular("inv", A) from None


@_inv.vjp
def _inv_vjp(g, out, A):
    inverse_t = mT(out)
    return -(inverse_t @ g @ inverse_t)


def inv(A: Tensor) -> Tensor:
    """The inverse of each square matrix in A (..., n, n); a singular one raises."""
    _checks.square("inv", A)
    return _inv(A)


def _singular_mask(data: np.ndarray) -> np.ndarray:
    """True for each matrix of a batch that is singular to working precision."""
    if not data.size:
        return np.zeros(data.shape[:-2], bool)
    return np.linalg.matrix_rank(data) < data.shape[-1]


def inv_ex(A: Tensor, *, check_errors: bool = False) -> linalg_inv_ex:
    """(inverse, info): info is 1 where a matrix is singular (its inverse is then nan), 0 elsewhere."""
    _checks.square("inv_ex", A)
    singular = _singular_mask(_checks.array(A))
    if check_errors and singular.any():
        raise _singular("inv_ex", _checks.array(A))
    info = Tensor._make(singular.astype(np.int32))
    if not singular.any():
        return linalg_inv_ex(_inv(A), info)
    mask = singular[..., None, None]
    safe = elementwise.where(mask, eye_like(_checks.array(A)), A)  # invert the others only
    return linalg_inv_ex(elementwise.where(mask, np.nan, _inv(safe)), info)


def _is_vector_rhs(A, B) -> bool:
    """PyTorch's rule: B is a (batch of) vector(s) if it is 1-D or has exactly A's batch shape + (n,)."""
    a_shape, b_shape = _checks.array(A).shape, _checks.array(B).shape
    return len(b_shape) == 1 or (len(b_shape) == len(a_shape) - 1 and b_shape == a_shape[:-1])


def _matrix_rhs(A, B):
    """B with at least A's number of dimensions: NumPy 1.x reads a B one dimension short as vectors."""
    return B.reshape((1,) * (A.ndim - B.ndim) + B.shape) if B.ndim < A.ndim else B


@op
def _solve(A, B):
    """X with A X = B, for B (..., n, k); batch dimensions broadcast."""
    try:
        return np.linalg.solve(A, _matrix_rhs(A, B))
    except np.linalg.LinAlgError:
        raise _singular("solve", A) from None


@_solve.vjp
def _solve_vjp(g, out, A, B, needs_input_grad):
    grad_B = _solve(mT(A), g)
    return (-(grad_B @ mT(out)) if needs_input_grad[0] else None), grad_B


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """X with A X = B (left) or X A = B; B is (..., n) or (..., n, k), batch dimensions broadcast."""
    _checks.square("solve", A)
    _checks.floating("solve", B, "B")
    vector = _is_vector_rhs(A, B)
    n, rows = _checks.array(A).shape[-1], _checks.array(B).shape[-1 if vector else (-2 if left else -1)]
    if rows != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {'x'.join(map(str, _checks.array(B).shape))})")
    if vector:
        B = shape_ops.unsqueeze(B, dim=-1 if left else -2)
    if left:
        X = _solve(A, B)
    else:  # X A = B  <=>  A^T X^T = B^T
        X = mT(_solve(mT(A), mT(B)))
    return shape_ops.squeeze(X, dim=-1 if left else -2) if vector else X


def _triangle(n: int, upper: bool, strict: bool, dtype) -> np.ndarray:
    """The 0/1 mask of a triangle of an n x n matrix (strict: without its diagonal)."""
    ones = np.ones((n, n), dtype)
    if upper:
        return np.triu(ones, 1 if strict else 0)
    return np.tril(ones, -1 if strict else 0)


def _as_triangular(A, upper, unitriangular):
    n = A.shape[-1]
    triangle = A * _triangle(n, upper, unitriangular, A.dtype)
    return triangle + np.eye(n, dtype=A.dtype) if unitriangular else triangle


@op
def _solve_triangular(A, B, upper=False, unitriangular=False):
    try:
        return np.linalg.solve(_as_triangular(A, upper, unitriangular), _matrix_rhs(A, B))
    except np.linalg.LinAlgError:
        raise _singular("solve_triangular", A) from None


@_solve_triangular.vjp
def _solve_triangular_vjp(g, out, A, B, needs_input_grad, upper=False, unitriangular=False):
    grad_B = _solve_triangular(mT(A), g, upper=not upper, unitriangular=unitriangular)
    grad_A = None
    if needs_input_grad[0]:  # only the triangle that was read gets a gradient
        grad_A = -(grad_B @ mT(out)) * _triangle(A.shape[-1], upper, unitriangular, A.dtype)
    return grad_A, grad_B


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Tensor:
    """X with A X = B (or X A = B) for triangular A; only A's upper or lower triangle is read."""
    _checks.square("solve_triangular", A)
    _checks.matrix("solve_triangular", B, "B")
    if left:
        return _solve_triangular(A, B, upper=upper, unitriangular=unitriangular)
    return mT(_solve_triangular(mT(A), mT(B), upper=not upper, unitriangular=unitriangular))


@op
def _det(A):
    return np.linalg.det(A)


@_det.vjp
def _det_vjp(g, out, A):
    # d det / dA = adj(A)^T = det(A) A^-T; a singular matrix takes its adjugate from the SVD
    data = _checks.array(A)
    singular = _checks.array(out) == 0
    if not singular.any():
        return (g * out)[..., None, None] * mT(_inv(A))
    if not isinstance(A, np.ndarray):
        raise NotImplementedError("linalg.det: second derivatives at singular matrices are not supported")
    return g[..., None, None] * _adjugate_transpose(data)


def _adjugate_transpose(A: np.ndarray) -> np.ndarray:
    """adj(A)^T from A = U S V^T: det(U) det(V) U diag(prod_{j != i} s_j) V^T (valid when singular)."""
    U, S, Vh = np.linalg.svd(A)
    n = S.shape[-1]
    others = np.prod(np.where(np.eye(n, dtype=bool), 1.0, S[..., None, :]), axis=-1).astype(A.dtype)
    signs = np.linalg.det(U) * np.linalg.det(Vh)
    return signs[..., None, None] * (U * others[..., None, :]) @ Vh


def det(A: Tensor) -> Tensor:
    """The determinant of each square matrix of A (..., n, n)."""
    _checks.square("det", A)
    return _det(A)


@op
def _slogdet(A):
    sign, logabsdet = np.linalg.slogdet(A)
    return sign, logabsdet


@_slogdet.vjp
def _slogdet_vjp(grads, outputs, A):
    grad_sign, grad_logabsdet = grads
    if grad_logabsdet is None:
        return None
    return grad_logabsdet[..., None, None] * mT(_inv(A))


def slogdet(A: Tensor) -> linalg_slogdet:
    """(sign, logabsdet) of det(A): log|det| without overflow; sign is 0 for a singular matrix."""
    _checks.square("slogdet", A)
    sign, logabsdet = _slogdet(A)
    if isinstance(sign, Tensor):
        sign = sign.detach()
    return linalg_slogdet(sign, logabsdet)


def logdet(A: Tensor) -> Tensor:
    """log det(A) (torch.logdet): nan where det < 0, -inf where it is 0."""
    sign, logabsdet = slogdet(A)
    sign = _checks.array(sign)
    return elementwise.where(sign < 0, np.nan, logabsdet)


@op
def _cholesky(A, upper=False):
    try:
        L = np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        raise _not_positive_definite("cholesky", A) from None
    return mT(L) if upper else L


def _first_bad_minor(A: np.ndarray) -> np.ndarray:
    """Per matrix: the order of the first leading minor that is not positive-definite, 0 if none.

    Runs only on the error path, one batched eigvalsh per order.
    """
    info = np.zeros(A.shape[:-2], np.int32)
    for k in range(A.shape[-1], 0, -1):  # downwards, so that the smallest failing order wins
        bad = ~(np.linalg.eigvalsh(A[..., :k, :k]).min(axis=-1) > 0)
        info = np.where(bad, k, info)
    return info


def _not_positive_definite(name, A):
    info = _first_bad_minor(A)
    order = info[tuple(np.argwhere(info > 0)[0])] if info.ndim else info
    return RuntimeError(f"linalg.{name}: The factorization could not be completed because the input is "
                        f"not positive-definite (the leading minor of order {order} is not "
                        f"positive-definite){first_failure(info > 0)}.")


@_cholesky.vjp
def _cholesky_vjp(g, out, A, upper=False):
    # Murray (2016): gA = L^-T Phi(L^T gL) L^-1 with Phi the lower triangle, diagonal halved,
    # then made symmetric (A is read as a symmetric matrix)
    L, gL = (mT(out), mT(g)) if upper else (out, g)
    n = A.shape[-1]
    lower = (mT(L) @ gL) * _triangle(n, False, False, A.dtype)
    phi = 0.5 * (lower + mT(lower * _triangle(n, False, True, A.dtype)))
    inner = _solve_triangular(mT(L), phi, upper=True)  # L^-T Phi
    return mT(_solve_triangular(mT(L), mT(inner), upper=True))  # (L^-T Phi) L^-1


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """L with A = L L^T (or U with A = U^T U when upper) for symmetric positive-definite A."""
    _checks.square("cholesky", A)
    return _cholesky(A, upper=upper)


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False) -> linalg_cholesky_ex:
    """(L, info): info is the order of the first leading minor that is not positive-definite (L is
    then nan), 0 where the factorization succeeded."""
    _checks.square("cholesky_ex", A)
    data = _checks.array(A)
    try:
        return linalg_cholesky_ex(_cholesky(A, upper=upper), Tensor._make(np.zeros(data.shape[:-2], np.int32)))
    except RuntimeError:
        if check_errors:
            raise
    info = _first_bad_minor(data)
    failed = (info > 0)[..., None, None]
    safe = elementwise.where(failed, eye_like(data), A)
    return linalg_cholesky_ex(elementwise.where(failed, np.nan, _cholesky(safe, upper=upper)), Tensor._make(info))
