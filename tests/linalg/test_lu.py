"""LU with partial pivoting: linalg.lu_factor/lu, torch.lu, lu_unpack, lu_solve; values, the
factorisation's gradient (float64 gradcheck), optional PyTorch parity."""
import numpy as np
import pytest

import needl
from needl.autograd import gradcheck

RNG = np.random.default_rng(0)


def test_factors_reconstruct_the_matrix():
    A = RNG.standard_normal((2, 4, 4))
    LU, pivots = needl.linalg.lu_factor(needl.tensor(A))
    assert pivots.dtype == needl.int32 and pivots.shape == (2, 4)
    P, L, U = needl.lu_unpack(LU, pivots)
    np.testing.assert_allclose((P @ L @ U).numpy(), A, atol=1e-12)
    np.testing.assert_array_equal(np.diagonal(L.numpy(), axis1=-2, axis2=-1), 1)
    P2, L2, U2 = needl.linalg.lu(needl.tensor(A[0]))
    np.testing.assert_allclose((P2 @ L2 @ U2).numpy(), A[0], atol=1e-12)
    assert needl.linalg.lu_factor(needl.tensor(A, dtype=needl.float32)).LU.dtype == needl.float32


def test_lu_solve_and_infos():
    A, b = RNG.standard_normal((3, 3)), RNG.standard_normal((3, 2))
    LU, pivots = needl.lu(needl.tensor(A))
    np.testing.assert_allclose(needl.lu_solve(needl.tensor(b), LU, pivots).numpy(), np.linalg.solve(A, b))
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    _, _, infos = needl.lu(needl.tensor(singular), get_infos=True)
    assert infos.item() == 2
    assert needl.lu(needl.tensor(A), get_infos=True)[2].item() == 0
    with pytest.raises(RuntimeError, match="square"):
        needl.linalg.lu_factor(needl.zeros(2, 3))


def test_gradients():
    A = needl.tensor(RNG.standard_normal((2, 3, 3)), requires_grad=True)
    b = needl.tensor(RNG.standard_normal((2, 3, 2)), requires_grad=True)
    assert gradcheck(lambda a: needl.linalg.lu_factor(a).LU, (A,))
    assert gradcheck(lambda a, rhs: needl.lu_solve(rhs, *needl.linalg.lu_factor(a)), (A, b))
    assert gradcheck(lambda a: needl.linalg.lu(a).U, (A,))


def test_pytorch_parity():
    torch = pytest.importorskip("torch")
    A = RNG.standard_normal((2, 4, 4))
    LU, pivots = needl.linalg.lu_factor(needl.tensor(A))
    expected_LU, expected_pivots = torch.linalg.lu_factor(torch.tensor(A))
    np.testing.assert_allclose(LU.numpy(), expected_LU.numpy(), atol=1e-12)
    np.testing.assert_array_equal(pivots.numpy(), expected_pivots.numpy())
    P, _, _ = needl.lu_unpack(LU, pivots)
    np.testing.assert_array_equal(P.numpy(), torch.lu_unpack(expected_LU, expected_pivots).P.numpy())
    x = torch.tensor(A, requires_grad=True)
    torch.linalg.lu_factor(x).LU.sum().backward()
    y = needl.tensor(A, requires_grad=True)
    needl.linalg.lu_factor(y).LU.sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), x.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_tensor_methods():
    A = RNG.standard_normal((3, 3))
    spd = A @ A.T + 3 * np.eye(3)
    b = needl.tensor(RNG.standard_normal((3, 2)))
    LU, pivots = needl.tensor(A).lu()
    np.testing.assert_allclose(b.lu_solve(LU, pivots).numpy(), np.linalg.solve(A, b.numpy()))
    lower = needl.tensor(np.linalg.cholesky(spd))
    np.testing.assert_allclose(b.cholesky_solve(lower).numpy(), np.linalg.solve(spd, b.numpy()))
    np.testing.assert_allclose(lower.cholesky_inverse().numpy(), np.linalg.inv(spd))
    upper = needl.tensor(np.triu(A) + 3 * np.eye(3))
    np.testing.assert_allclose(b.triangular_solve(upper).solution.numpy(), np.linalg.solve(upper.numpy(), b.numpy()))
