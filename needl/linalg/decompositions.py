"""Decompositions: qr svd svdvals eigh eigvalsh, and pinv matrix_rank lstsq built on them.

Gradients are the standard ones (as PyTorch's). svd's and eigh's involve 1 / (s_i^2 - s_j^2) and
1 / (l_j - l_i): they are infinite or nan where singular values or eigenvalues repeat, and they
are only defined for losses that do not depend on the arbitrary signs (or, for repeated values,
rotations) of the singular vectors and eigenvectors.
"""
from collections import namedtuple

import numpy as np

from ..autograd import op
from ..autograd.mode import is_grad_enabled
from ..autograd.ops import reduce
from ..autograd.ops import shape as shape_ops
from ..autograd.tensor import Tensor
from . import _checks
from ._checks import eye_like, mT
from .inverse import _solve_triangular

linalg_qr = namedtuple("linalg_qr", ["Q", "R"])
linalg_svd = namedtuple("linalg_svd", ["U", "S", "Vh"])
linalg_eigh = namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
linalg_lstsq = namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])


def _recording(A) -> bool:
    return isinstance(A, Tensor) and A.requires_grad and is_grad_enabled()


def _lower(n: int, dtype, strict: bool = False) -> np.ndarray:
    return np.tril(np.ones((n, n), dtype), -1 if strict else 0)


@op
def _qr(A, mode="reduced"):
    return tuple(np.linalg.qr(A, mode="complete" if mode == "complete" else "reduced"))


def _qr_backward_tall(gQ, gR, Q, R):
    """m >= n: gA = (gQ + Q copyltu(M)) R^-T with M = R gR^T - gQ^T Q, copyltu copying the
    lower triangle onto the upper one."""
    n = R.shape[-1]
    M = R @ mT(gR) - mT(gQ) @ Q
    lower = M * _lower(n, M.dtype)
    copied = lower + mT(lower * _lower(n, M.dtype, strict=True))
    right = gQ + Q @ copied
    # right R^-T: solve X R^T = right, i.e. R X^T = right^T
    return mT(_solve_triangular(R, mT(right), upper=True))


@_qr.vjp
def _qr_vjp(grads, outputs, A, mode="reduced"):
    gQ, gR = grads
    Q, R = outputs
    m, n = A.shape[-2], A.shape[-1]
    if mode == "complete" and m > n:
        raise RuntimeError("linalg.qr: The QR decomposition is not differentiable when mode='complete' "
                           "and nrows > ncols.")
    gQ = gQ if gQ is not None else Q * 0.0
    gR = gR if gR is not None else R * 0.0
    if m >= n:
        return _qr_backward_tall(gQ, gR, Q, R)
    # m < n: A = [X | Y] with X = Q U square: gX from the square case, gY = Q gV
    U = R[..., :, :m]
    gU, gV = gR[..., :, :m], gR[..., :, m:]
    Y = A[..., :, m:]
    grad_X = _qr_backward_tall(gQ + Y @ mT(gV), gU, Q, U)
    return shape_ops.cat(grad_X, Q @ gV, dim=-1)


def qr(A: Tensor, mode: str = "reduced") -> linalg_qr:
    """A = Q R with Q orthonormal columns and R upper triangular; mode 'reduced', 'complete' or 'r'
    ('r': R only, Q is an empty tensor, and no gradient, as in PyTorch)."""
    _checks.matrix("qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' "
                           f"(default), 'r', or 'complete'")
    if mode == "r":
        R = np.linalg.qr(_checks.array(A), mode="r")
        return linalg_qr(Tensor._make(np.empty((0,), R.dtype)), _no_grad_result("qr", A, R,
                         "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                         "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr."))
    Q, R = _qr(A, mode=mode)
    return linalg_qr(Q, R)


def _no_grad_result(name, A, array, message):
    """A result with no gradient; where one would be needed, an op whose backward says why."""
    if not _recording(A):
        return Tensor._make(array)
    return _undifferentiable(A, value=array, message=message)


@op
def _undifferentiable(A, value=None, message=""):
    return value


@_undifferentiable.vjp
def _undifferentiable_vjp(g, out, A, value=None, message=""):
    raise RuntimeError(message)


@op
def _svd(A, full_matrices=True):
    return tuple(np.linalg.svd(A, full_matrices=full_matrices))


@_svd.vjp
def _svd_vjp(grads, outputs, A, full_matrices=True):
    gU, gS, gVh = grads
    U, S, Vh = outputs
    m, n = A.shape[-2], A.shape[-1]
    k = min(m, n)
    if full_matrices:  # as PyTorch: only the first k singular vectors carry a gradient
        U, Vh = U[..., :, :k], Vh[..., :k, :]
        gU = None if gU is None else gU[..., :, :k]
        gVh = None if gVh is None else gVh[..., :k, :]
    if gU is None and gVh is None:
        return (U * gS[..., None, :]) @ Vh if gS is not None else None
    gS = gS if gS is not None else S * 0.0
    square = S * S
    difference = square[..., None, :] - square[..., :, None]  # E_ij = s_j^2 - s_i^2
    identity = eye_like(S, k)
    difference = difference + identity  # 1 on the diagonal, which the skew parts below avoid
    inner = identity * gS[..., None, :]
    if gU is not None:
        UhgU = mT(U) @ gU
        inner = inner + ((UhgU - mT(UhgU)) / difference) * S[..., None, :]
    if gVh is not None:
        VhgV = Vh @ mT(gVh)
        inner = inner + S[..., :, None] * ((VhgV - mT(VhgV)) / difference)
    grad = U @ inner @ Vh
    if gU is not None and m > k:  # the part of gU outside U's span
        grad = grad + ((gU - U @ (mT(U) @ gU)) / S[..., None, :]) @ Vh
    if gVh is not None and n > k:
        grad = grad + U @ ((gVh - (gVh @ mT(Vh)) @ Vh) / S[..., :, None])
    return grad


def svd(A: Tensor, full_matrices: bool = True, *, driver=None) -> linalg_svd:
    """A = U diag(S) Vh, S in descending order; full_matrices=False gives the thin factors."""
    _checks.matrix("svd", A)
    U, S, Vh = _svd(A, full_matrices=full_matrices)
    return linalg_svd(U, S, Vh)


def svdvals(A: Tensor, *, driver=None) -> Tensor:
    """The singular values of A in descending order (gradient U diag(gS) Vh)."""
    _checks.matrix("svdvals", A)
    if _recording(A):
        return _svd(A, full_matrices=False)[1]
    return Tensor._make(np.linalg.svd(_checks.array(A), compute_uv=False))


@op
def _eigh(A, UPLO="L"):
    return tuple(np.linalg.eigh(A, UPLO=UPLO))


@_eigh.vjp
def _eigh_vjp(grads, outputs, A, UPLO="L"):
    # gA = V (diag(gL) + skew(V^T gV) / (2 E)) V^T, E_ij = l_j - l_i: symmetric, as PyTorch's
    gL, gV = grads
    L, V = outputs
    n = A.shape[-1]
    identity = eye_like(L, n)
    inner = identity * (gL[..., None, :] if gL is not None else 0.0)
    if gV is not None:
        difference = L[..., None, :] - L[..., :, None] + identity
        VhgV = mT(V) @ gV
        inner = inner + (VhgV - mT(VhgV)) / (2.0 * difference)
    return V @ inner @ mT(V)


def eigh(A: Tensor, UPLO: str = "L") -> linalg_eigh:
    """Eigenvalues (ascending) and orthonormal eigenvectors of symmetric A, reading its UPLO triangle."""
    _checks.square("eigh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    eigenvalues, eigenvectors = _eigh(A, UPLO=UPLO)
    return linalg_eigh(eigenvalues, eigenvectors)


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """The eigenvalues of symmetric A in ascending order."""
    _checks.square("eigvalsh", A)
    if _recording(A):
        return eigh(A, UPLO)[0]
    return Tensor._make(np.linalg.eigvalsh(_checks.array(A), UPLO=UPLO))


def _cutoff(S: np.ndarray, shape, atol, rtol) -> np.ndarray:
    """PyTorch's rank tolerance: max(atol, rtol * s_max), rtol = eps * max(m, n) when neither is given."""
    atol = 0.0 if atol is None else _checks.array(atol)
    if rtol is None:
        rtol = np.finfo(S.dtype).eps * max(shape[-2:]) if np.all(atol == 0) else 0.0
    rtol = _checks.array(rtol)
    largest = S.max(axis=-1, initial=0.0)
    return np.maximum(atol, rtol * largest)


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The number of singular values above max(atol, rtol * s_max), per matrix (an int64 tensor)."""
    _checks.matrix("matrix_rank", A)
    data = _checks.array(A)
    S = np.abs(np.linalg.eigvalsh(data)) if hermitian else np.linalg.svd(data, compute_uv=False)
    return Tensor._make((S > _cutoff(S, data.shape, atol, rtol)[..., None]).sum(axis=-1).astype(np.int64))


@op
def _pinv(A, atol=None, rtol=None, hermitian=False):
    if hermitian:
        values, vectors = np.linalg.eigh(A)
        keep = np.abs(values) > _cutoff(np.abs(values), A.shape, atol, rtol)[..., None]
        inverse = np.where(keep, 1.0 / np.where(keep, values, 1.0), 0.0).astype(A.dtype)
        return (vectors * inverse[..., None, :]) @ mT(vectors)
    U, S, Vh = np.linalg.svd(A, full_matrices=False)
    keep = S > _cutoff(S, A.shape, atol, rtol)[..., None]
    inverse = np.where(keep, 1.0 / np.where(keep, S, 1.0), 0.0).astype(A.dtype)
    return mT(Vh) @ (inverse[..., :, None] * mT(U))


@_pinv.vjp
def _pinv_vjp(g, P, A, atol=None, rtol=None, hermitian=False):
    # Golub & Pereyra, for a pseudo-inverse of locally constant rank:
    # gA = -P^T g P^T + (I - A P) g^T P P^T + P^T P g^T (I - P A)
    Pt, gt = mT(P), mT(g)
    first = -(Pt @ g @ Pt)
    gt_P_Pt = gt @ (P @ Pt)
    second = gt_P_Pt - A @ (P @ gt_P_Pt)
    Pt_P_gt = (Pt @ P) @ gt
    third = Pt_P_gt - (Pt_P_gt @ P) @ A
    return first + second + third


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse, singular values below max(atol, rtol * s_max) treated as 0."""
    _checks.matrix("pinv", A)
    return _pinv(A, atol=atol, rtol=rtol, hermitian=hermitian)


_LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A: Tensor, B: Tensor, rcond=None, *, driver=None) -> linalg_lstsq:
    """The least-squares solution of A X = B (pinv(A) B, differentiable). The extras follow the
    LAPACK driver PyTorch would use (CPU default 'gelsy'): rank for gelsy/gelsd/gelss, singular
    values for gelsd/gelss, residuals for all but gelsy when m > n and A has full rank."""
    _checks.matrix("lstsq", A)
    _checks.floating("lstsq", B, "B")
    driver = "gelsy" if driver is None else driver
    if driver not in _LSTSQ_DRIVERS:
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of {_LSTSQ_DRIVERS}")
    data = _checks.array(A)
    vector = _checks.array(B).ndim == 1 or _checks.array(B).ndim == data.ndim - 1
    if vector:
        B = shape_ops.unsqueeze(B, dim=-1)
    if _checks.array(B).shape[-2] != data.shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2) "
                           f"({data.shape[-2]} and {_checks.array(B).shape[-2]})")
    m, n = data.shape[-2:]
    rtol = rcond if rcond is not None else np.finfo(data.dtype).eps * max(m, n)
    solution = _pinv(A, rtol=rtol) @ B
    empty = Tensor._make(np.empty((0,), data.dtype))
    singular_values = np.linalg.svd(data, compute_uv=False)
    ranks = (singular_values > _cutoff(singular_values, data.shape, None, rtol)[..., None]).sum(axis=-1)
    residuals = empty
    if driver != "gelsy" and m > n and np.all(ranks == n):
        error = A @ solution - B
        residuals = reduce.sum(error * error, dim=-2)
        if vector:
            residuals = shape_ops.squeeze(residuals, dim=-1)
    if vector:
        solution = shape_ops.squeeze(solution, dim=-1)
    rank = Tensor._make(np.empty((0,), np.int64) if driver == "gels" else ranks.astype(np.int64))
    values = Tensor._make(singular_values) if driver in ("gelsd", "gelss") else empty
    return linalg_lstsq(solution, residuals, rank, values)
