"""needl.linalg's values, shapes, named tuples and errors (NumPy as the reference), and the
legacy torch.* forms in needl.linalg.legacy."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import needl
import needl.linalg as linalg
from needl.linalg import legacy


def tensor(*shape, seed=0, shift=0.0, dtype=np.float64):
    data = np.random.default_rng(seed).standard_normal(shape)
    if shift:
        data = data + shift * np.eye(shape[-1])
    return needl.tensor(data.astype(dtype))


def test_named_tuples_have_pytorchs_fields():
    A = tensor(3, 3, shift=3.0)
    assert linalg.slogdet(A)._fields == ("sign", "logabsdet")
    assert linalg.qr(A)._fields == ("Q", "R")
    assert linalg.svd(A)._fields == ("U", "S", "Vh")
    assert linalg.eigh(A + A.mT)._fields == ("eigenvalues", "eigenvectors")
    assert linalg.lstsq(A, A)._fields == ("solution", "residuals", "rank", "singular_values")
    assert linalg.inv_ex(A)._fields == ("inverse", "info")
    assert linalg.cholesky_ex(A @ A.mT)._fields == ("L", "info")
    assert legacy.svd(A)._fields == ("U", "S", "V")


def test_factorizations_reconstruct_their_input():
    A = tensor(2, 4, 3)
    Q, R = linalg.qr(A)
    np.testing.assert_allclose((Q @ R).numpy(), A.numpy(), atol=1e-12)
    assert Q.shape == (2, 4, 3) and linalg.qr(A, mode="complete").Q.shape == (2, 4, 4)
    assert linalg.qr(A, mode="r").Q.shape == (0,)
    U, S, Vh = linalg.svd(A, full_matrices=False)
    np.testing.assert_allclose(((U * S[..., None, :]) @ Vh).numpy(), A.numpy(), atol=1e-12)
    assert linalg.svd(A).U.shape == (2, 4, 4)
    symmetric = A.mT @ A
    values, vectors = linalg.eigh(symmetric)
    np.testing.assert_allclose(((vectors * values[..., None, :]) @ vectors.mT).numpy(), symmetric.numpy(), atol=1e-12)
    L = linalg.cholesky(symmetric)
    np.testing.assert_allclose((L @ L.mT).numpy(), symmetric.numpy(), atol=1e-12)
    np.testing.assert_allclose(linalg.cholesky(symmetric, upper=True).numpy(), L.mT.numpy(), atol=1e-12)


def test_inverse_family_against_numpy():
    A, B = tensor(2, 3, 3, shift=3.0), tensor(3, 2, seed=1)
    np.testing.assert_allclose(linalg.inv(A).numpy(), np.linalg.inv(A.numpy()))
    np.testing.assert_allclose(linalg.det(A).numpy(), np.linalg.det(A.numpy()))
    np.testing.assert_allclose(linalg.solve(A, B).numpy(), np.linalg.solve(A.numpy(), B.numpy()))
    rows = tensor(4, 3, seed=3)
    np.testing.assert_allclose(linalg.solve(A, rows, left=False).numpy(),
                               rows.numpy() @ np.linalg.inv(A.numpy()), atol=1e-12)
    b = tensor(2, 3, seed=2)  # A's batch shape + (n,): a batch of vectors, as PyTorch decides
    assert linalg.solve(A, b).shape == (2, 3)
    upper = np.triu(A.numpy())
    np.testing.assert_allclose(linalg.solve_triangular(A, B, upper=True).numpy(), np.linalg.solve(upper, B.numpy()))
    sign, logabsdet = linalg.slogdet(A)
    np.testing.assert_allclose(sign.numpy() * np.exp(logabsdet.numpy()), np.linalg.det(A.numpy()))
    np.testing.assert_allclose(linalg.pinv(tensor(4, 3)).numpy(), np.linalg.pinv(tensor(4, 3).numpy()), atol=1e-12)
    assert linalg.matrix_rank(needl.tensor(np.array([[1.0, 2.0], [2.0, 4.0]]))).item() == 1
    assert linalg.matrix_rank(tensor(2, 4, 3)).tolist() == [3, 3]


def test_lstsq_extras_follow_the_driver():
    A, B = tensor(5, 3), tensor(5, 2, seed=1)
    expected, residuals, _, singular = np.linalg.lstsq(A.numpy(), B.numpy(), rcond=None)
    result = linalg.lstsq(A, B)
    np.testing.assert_allclose(result.solution.numpy(), expected, atol=1e-12)
    assert result.residuals.shape == (0,) and result.singular_values.shape == (0,) and result.rank.item() == 3
    result = linalg.lstsq(A, B, driver="gelsd")
    np.testing.assert_allclose(result.residuals.numpy(), residuals)
    np.testing.assert_allclose(result.singular_values.numpy(), singular)
    with pytest.raises(RuntimeError, match="driver"):
        linalg.lstsq(A, B, driver="magic")


@pytest.mark.parametrize("ord", [2, 1, 3, 0.5, math.inf, -math.inf, 0, -2])
def test_vector_norm_against_numpy(ord):
    x = tensor(3, 4)
    np.testing.assert_allclose(linalg.vector_norm(x, ord, dim=1).numpy(), np.linalg.norm(x.numpy(), ord, axis=1))
    assert linalg.vector_norm(x, ord, dim=(0, 1), keepdim=True).shape == (1, 1)


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf])
def test_matrix_norm_against_numpy(ord):
    A = tensor(2, 3, 4)
    np.testing.assert_allclose(linalg.matrix_norm(A, ord).numpy(), np.linalg.norm(A.numpy(), ord, axis=(-2, -1)))
    np.testing.assert_allclose(linalg.matrix_norm(A, ord, dim=(0, 2), keepdim=True).numpy(),
                               np.linalg.norm(A.numpy(), ord, axis=(0, 2), keepdims=True))


def test_norm_dispatch_as_pytorch():
    A = tensor(3, 4)
    assert linalg.norm(A).item() == pytest.approx(np.linalg.norm(A.numpy()))
    assert linalg.norm(A, 2).item() == pytest.approx(np.linalg.norm(A.numpy(), 2))
    assert linalg.norm(A, 1, dim=0).shape == (4,)
    assert linalg.norm(tensor(2, 3, 4), dim=(1, 2)).shape == (2,)
    with pytest.raises(RuntimeError, match="1D or 2D"):
        linalg.norm(tensor(2, 3, 4), 2)
    assert legacy.norm(A).item() == pytest.approx(np.linalg.norm(A.numpy()))
    assert legacy.norm(A, p=2, dim=(0, 1)).item() == pytest.approx(np.linalg.norm(A.numpy()))
    assert legacy.norm(A, p="nuc").item() == pytest.approx(np.linalg.norm(A.numpy(), "nuc"))


def test_products_against_numpy():
    a, b = tensor(2, 1, 3), tensor(1, 4, 3, seed=1)
    np.testing.assert_allclose(linalg.cross(a, b).numpy(), np.cross(a.numpy(), b.numpy()))
    np.testing.assert_allclose(linalg.vecdot(a, b).numpy(), (a.numpy() * b.numpy()).sum(-1))
    A = tensor(3, 3)
    np.testing.assert_allclose(linalg.matrix_power(A, 5).numpy(), np.linalg.matrix_power(A.numpy(), 5))
    np.testing.assert_allclose(linalg.matrix_power(A, -3).numpy(), np.linalg.matrix_power(A.numpy(), -3), rtol=1e-10)
    np.testing.assert_allclose(linalg.matrix_power(A, 0).numpy(), np.eye(3))
    chain = [tensor(10, 2), tensor(2, 30, seed=1), tensor(30, 3, seed=2), tensor(3, seed=3)]
    np.testing.assert_allclose(linalg.multi_dot(chain).numpy(), np.linalg.multi_dot([c.numpy() for c in chain]))
    B = tensor(2, 3, 4)
    np.testing.assert_allclose(linalg.diagonal(B, offset=1).numpy(), np.diagonal(B.numpy(), 1, -2, -1))
    assert needl.trace(A).item() == pytest.approx(np.trace(A.numpy()))
    assert legacy.cross(tensor(3, 2), tensor(3, 2, seed=1)).shape == (3, 2)  # dim: the first of size 3


def test_legacy_svd_returns_v_and_compute_uv_false_returns_zeros():
    A = tensor(4, 3)
    U, S, V = legacy.svd(A)
    np.testing.assert_allclose(((U * S) @ V.mT).numpy(), A.numpy(), atol=1e-12)
    assert U.shape == (4, 3)
    U, S, V = legacy.svd(A, some=False, compute_uv=False)
    assert U.shape == (4, 4) and V.shape == (3, 3) and not U.numpy().any()
    U, S, V = legacy.svd(A, compute_uv=False)  # some has no effect then, as in PyTorch
    assert U.shape == (4, 4) and V.shape == (3, 3) and not V.numpy().any()
    np.testing.assert_allclose(S.numpy(), np.linalg.svd(A.numpy(), compute_uv=False))


def test_float32_stays_float32():
    A = tensor(3, 3, shift=3.0, dtype=np.float32)
    for result in (linalg.inv(A), linalg.det(A), linalg.svdvals(A), linalg.eigh(A + A.mT).eigenvalues,
                   linalg.pinv(A), linalg.vector_norm(A), linalg.matrix_norm(A, 2), linalg.qr(A).Q,
                   linalg.cholesky(A @ A.mT), linalg.solve(A, A), linalg.lstsq(A, A).solution):
        assert result.dtype == needl.float32


def test_errors_name_the_problem():
    with pytest.raises(RuntimeError, match="batches of square matrices, but they are 3 by 4"):
        linalg.inv(tensor(3, 4))
    with pytest.raises(RuntimeError, match="singular"):
        linalg.inv(needl.tensor(np.array([[1.0, 2.0], [2.0, 4.0]])))
    with pytest.raises(RuntimeError, match="order 2 is not positive-definite"):
        linalg.cholesky(needl.tensor(np.array([[1.0, 2.0], [2.0, 1.0]])))
    with pytest.raises(RuntimeError, match="floating point"):
        linalg.det(needl.tensor([[1, 2], [3, 4]]))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        linalg.svd(tensor(3))
    with pytest.raises(RuntimeError, match="Incompatible shapes"):
        linalg.solve(tensor(3, 3), tensor(4, 2))
    with pytest.raises(RuntimeError, match="length 3"):
        linalg.cross(tensor(2, 4), tensor(2, 4))
    with pytest.raises(RuntimeError, match="unrecognized mode"):
        linalg.qr(tensor(3, 3), mode="economic")


def test_ex_variants_report_failures_without_raising():
    batch = needl.tensor(np.stack([np.eye(2), [[1.0, 2.0], [2.0, 4.0]]]))
    inverse, info = linalg.inv_ex(batch)
    assert info.tolist() == [0, 1] and np.isnan(inverse.numpy()[1]).all()
    np.testing.assert_allclose(inverse.numpy()[0], np.eye(2))
    L, info = linalg.cholesky_ex(needl.tensor(np.stack([np.eye(2), [[1.0, 2.0], [2.0, 1.0]]])))
    assert info.tolist() == [0, 2]
    with pytest.raises(RuntimeError):
        linalg.inv_ex(batch, check_errors=True)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(batch=st.lists(st.integers(0, 3), max_size=2).map(tuple), n=st.integers(1, 4), seed=st.integers(0, 999))
def test_batched_shapes_including_empty_batches(batch, n, seed):
    data = np.random.default_rng(seed).standard_normal(batch + (n, n)) + 3 * np.eye(n)
    A = needl.tensor(data)
    assert linalg.inv(A).shape == batch + (n, n)
    assert linalg.det(A).shape == batch
    assert linalg.svdvals(A).shape == batch + (n,)
    assert linalg.vector_norm(A, dim=-1).shape == batch + (n,)
    np.testing.assert_allclose(linalg.det(A).numpy(), np.linalg.det(data), rtol=1e-10)
    np.testing.assert_allclose(linalg.eigvalsh(A + A.mT).numpy(), np.linalg.eigvalsh(data + np.swapaxes(data, -1, -2)),
                               atol=1e-10)


def test_legacy_qr_and_the_core_diagonal_outer_dot():
    A = tensor(4, 3)
    Q, R = legacy.qr(A)
    assert Q.shape == (4, 3) and legacy.qr(A, some=False).Q.shape == (4, 4)
    B = tensor(3, 4, 5)
    np.testing.assert_allclose(needl.diagonal(B, 1).numpy(), np.diagonal(B.numpy(), 1, 0, 1))
    a, b = tensor(3), tensor(4, seed=1)
    np.testing.assert_allclose(needl.outer(a, b).numpy(), np.outer(a.numpy(), b.numpy()))
    assert needl.dot(a, a).item() == pytest.approx(float(a.numpy() @ a.numpy()))
    with pytest.raises(RuntimeError, match="1D tensors expected, but got 2D and 2D tensors"):
        needl.dot(A, A)
