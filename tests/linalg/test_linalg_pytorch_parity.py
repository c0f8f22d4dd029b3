"""needl.linalg against PyTorch (skipped without it): values and gradients of the same losses.

Losses on eigenvectors and singular vectors are made independent of their signs, which LAPACK
builds may choose differently."""
import math

import numpy as np
import pytest

import needl
import needl.linalg as linalg
from needl.linalg import legacy

torch = pytest.importorskip("torch")


def pair(*shape, seed=0, shift=0.0):
    data = np.random.default_rng(seed).standard_normal(shape)
    if shift:
        data = data + shift * np.eye(shape[-1])
    return needl.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)


def sign_free_svd(module, A):
    U, S, Vh = module.svd(A, full_matrices=False)
    return ((U @ Vh) * 1.3).sum() + (S * S).sum() + (U * U)[..., 0].sum() + (Vh * Vh)[..., 0, :].sum()


CASES = [
    ("inv", lambda m, A: m.linalg.inv(A), (2, 3, 3)),
    ("det", lambda m, A: m.linalg.det(A), (2, 3, 3)),
    ("slogdet", lambda m, A: m.linalg.slogdet(A).logabsdet, (2, 3, 3)),
    ("cholesky", lambda m, A: m.linalg.cholesky(A @ A.mT), (2, 3, 3)),
    ("cholesky_upper", lambda m, A: m.linalg.cholesky(A @ A.mT, upper=True), (3, 3)),
    ("qr", lambda m, A: sum(t.sum() for t in m.linalg.qr(A)), (4, 3)),
    ("qr_wide", lambda m, A: sum((t * t).sum() + t.sum() for t in m.linalg.qr(A)), (3, 5)),
    ("svd", lambda m, A: sign_free_svd(m.linalg, A), (2, 4, 3)),
    ("svd_wide", lambda m, A: sign_free_svd(m.linalg, A), (3, 5)),
    ("svdvals", lambda m, A: m.linalg.svdvals(A), (2, 4, 3)),
    ("eigh", lambda m, A: (lambda r: r.eigenvalues.sum() + (r.eigenvectors ** 2)[..., :, 0].sum()
                           + ((r.eigenvectors ** 2) * 2.0)[..., 1, :].sum())(m.linalg.eigh(A + A.mT)), (2, 3, 3)),
    ("eigh_upper", lambda m, A: m.linalg.eigh(A, UPLO="U").eigenvalues * 1.5, (3, 3)),
    ("eigvalsh", lambda m, A: m.linalg.eigvalsh(A), (3, 3)),
    ("pinv", lambda m, A: m.linalg.pinv(A), (4, 3)),
    ("pinv_hermitian", lambda m, A: m.linalg.pinv(A + A.mT, hermitian=True), (3, 3)),
    ("matrix_power", lambda m, A: m.linalg.matrix_power(A, -3), (3, 3)),
    ("cond", lambda m, A: m.linalg.cond(A), (3, 3)),
    ("diagonal", lambda m, A: m.linalg.diagonal(A, offset=-1) * 2.0, (2, 3, 4)),
    ("vector_norm", lambda m, A: m.linalg.vector_norm(A, 3.0, dim=1), (2, 3, 4)),
    ("vector_norm_inf", lambda m, A: m.linalg.vector_norm(A, math.inf, dim=(0, 2)), (2, 3, 4)),
    ("vector_norm_zero_input", lambda m, A: m.linalg.vector_norm(A * 0.0, dim=1), (2, 3)),
    ("matrix_norm_nuc", lambda m, A: m.linalg.matrix_norm(A, "nuc"), (2, 3, 4)),
    ("matrix_norm_1", lambda m, A: m.linalg.matrix_norm(A, 1, dim=(0, 2)), (2, 3, 4)),
    ("matrix_norm_minus_inf", lambda m, A: m.linalg.matrix_norm(A, -math.inf), (2, 3, 4)),
    ("norm", lambda m, A: m.linalg.norm(A), (2, 3, 4)),
    ("legacy_norm", lambda m, A: m.norm(A, p=3, dim=1), (2, 3, 4)),
]


@pytest.mark.parametrize("name,function,shape", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients_match(name, function, shape):
    ours, theirs = pair(*shape, shift=3.0 if shape[-1] == shape[-2] and name != "eigh_upper" else 0.0)
    module = type("needl_namespace", (), {"linalg": linalg, "norm": staticmethod(legacy.norm)})
    out, expected = function(module, ours), function(torch, theirs)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    weights = np.random.default_rng(1).standard_normal(expected.shape)
    (out * needl.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-9, atol=1e-10)


SOLVES = [
    ("solve", lambda m, A, B: m.linalg.solve(A, B), (2, 3, 3), (3, 2)),
    ("solve_vectors", lambda m, A, B: m.linalg.solve(A, B), (2, 3, 3), (2, 3)),
    ("solve_right", lambda m, A, B: m.linalg.solve(A, B, left=False), (2, 3, 3), (4, 3)),
    ("solve_triangular", lambda m, A, B: m.linalg.solve_triangular(A, B, upper=True), (2, 3, 3), (3, 2)),
    ("solve_triangular_right_unit", lambda m, A, B: m.linalg.solve_triangular(
        A, B, upper=False, left=False, unitriangular=True), (3, 3), (2, 3)),
    ("lstsq", lambda m, A, B: m.linalg.lstsq(A, B).solution, (5, 3), (5, 2)),
    ("cross", lambda m, A, B: m.linalg.cross(A, B), (2, 1, 3), (1, 4, 3)),
    ("vecdot", lambda m, A, B: m.linalg.vecdot(A, B, dim=0), (3, 4), (3, 1)),
]


@pytest.mark.parametrize("name,function,a_shape,b_shape", SOLVES, ids=[s[0] for s in SOLVES])
def test_two_input_functions_match(name, function, a_shape, b_shape):
    square = a_shape[-1] == a_shape[-2]
    A, tA = pair(*a_shape, shift=3.0 if square else 0.0)
    B, tB = pair(*b_shape, seed=1)
    out, expected = function(type("n", (), {"linalg": linalg}), A, B), function(torch, tA, tB)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    weights = np.random.default_rng(2).standard_normal(expected.shape)
    (out * needl.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(A.grad.numpy(), tA.grad.numpy(), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(B.grad.numpy(), tB.grad.numpy(), rtol=1e-9, atol=1e-10)


def test_lstsq_extras_match():
    A, tA = pair(5, 3)
    B, tB = pair(5, 2, seed=1)
    for driver in ("gelsy", "gelsd", "gelss", "gels"):
        ours, theirs = linalg.lstsq(A, B, driver=driver), torch.linalg.lstsq(tA, tB, driver=driver)
        for a, b in zip(ours[1:], theirs[1:]):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10)
