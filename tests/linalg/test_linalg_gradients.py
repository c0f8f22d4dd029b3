"""needl.linalg's gradients against float64 finite differences: batches that broadcast,
non-contiguous inputs, second order, and float32 kept float32."""
import math

import numpy as np
import pytest

import needl
import needl.linalg as linalg
from needl.autograd import gradcheck, gradgradcheck


def leaf(*shape, seed=0, shift=0.0):
    data = np.random.default_rng(seed).standard_normal(shape)
    if shift:
        data = data + shift * np.eye(shape[-1])
    return needl.tensor(data, requires_grad=True)


def strided(*shape, shift=0.0):
    """A non-contiguous leaf: the transpose of a contiguous array."""
    data = np.random.default_rng(9).standard_normal(tuple(reversed(shape)))
    if shift:
        data = data + shift * np.eye(shape[0])
    data = data.T
    assert not data.flags.c_contiguous
    return needl.from_numpy(data).requires_grad_()


def symmetric(A):
    return A + A.mT


def positive_definite(A):
    return A @ A.mT + needl.tensor(np.eye(A.shape[-1]))


def svd_invariants(result):
    """Functions of an SVD that do not depend on the singular vectors' signs."""
    U, S, Vh = result
    return U @ Vh, S, U * U, Vh * Vh


# (name, function of the inputs, input builders, second order)
SQUARE = [
    ("inv", linalg.inv, True),
    ("det", linalg.det, True),
    ("slogdet", lambda A: linalg.slogdet(A).logabsdet, True),
    ("cholesky", lambda A: linalg.cholesky(positive_definite(A)), True),
    ("cholesky_upper", lambda A: linalg.cholesky(positive_definite(A), upper=True), True),
    ("eigh", lambda A: (lambda r: (r.eigenvalues, r.eigenvectors ** 2))(linalg.eigh(symmetric(A))), True),
    ("eigh_upper", lambda A: linalg.eigh(symmetric(A), UPLO="U").eigenvalues, True),
    ("eigvalsh", lambda A: linalg.eigvalsh(symmetric(A)), True),
    ("matrix_power", lambda A: linalg.matrix_power(A, 3), True),
    ("matrix_power_negative", lambda A: linalg.matrix_power(A, -2), True),
    ("pinv_hermitian", lambda A: linalg.pinv(symmetric(A), hermitian=True), True),
    ("cond", linalg.cond, False),
    ("cond_fro", lambda A: linalg.cond(A, "fro"), False),
    ("inv_ex", lambda A: linalg.inv_ex(A).inverse, False),
    ("cholesky_ex", lambda A: linalg.cholesky_ex(positive_definite(A)).L, False),
]


@pytest.mark.parametrize("name,function,second", SQUARE, ids=[s[0] for s in SQUARE])
def test_square_matrix_functions(name, function, second):
    A = leaf(2, 3, 3, shift=3.0)
    assert gradcheck(function, (A,))
    if second:
        assert gradgradcheck(function, (A,))
    assert gradcheck(function, (strided(3, 3, shift=3.0),))


RECTANGULAR = [
    ("qr", lambda A: tuple(linalg.qr(A))),
    ("qr_complete", lambda A: tuple(linalg.qr(A, mode="complete"))),
    ("svd", lambda A: svd_invariants(linalg.svd(A, full_matrices=False))),
    ("svd_full", lambda A: linalg.svd(A).S),
    ("svdvals", linalg.svdvals),
    ("pinv", linalg.pinv),
    ("matrix_norm_nuc", lambda A: linalg.matrix_norm(A, "nuc")),
    ("matrix_norm_2", lambda A: linalg.matrix_norm(A, 2)),
    ("matrix_norm_minus_2", lambda A: linalg.matrix_norm(A, -2)),
    ("diagonal", lambda A: linalg.diagonal(A, offset=1)),
]


@pytest.mark.parametrize("name,function", RECTANGULAR, ids=[r[0] for r in RECTANGULAR])
@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3)], ids=str)
def test_rectangular_matrix_functions(name, function, shape):
    if name == "qr_complete" and shape[-2] > shape[-1]:
        pytest.skip("not differentiable, as in PyTorch (checked below)")
    A = leaf(*shape)
    assert gradcheck(function, (A,))
    assert gradgradcheck(function, (A,))
    assert gradcheck(function, (strided(*shape),))


def test_svd_full_matrices_vectors_use_their_first_k_columns():
    A = leaf(4, 2)
    assert gradcheck(lambda A: (lambda r: r.U[:, :2] @ r.Vh)(linalg.svd(A, full_matrices=True)), (A,))


SOLVES = [
    ("solve_matrix", lambda A, B: linalg.solve(A, B), (3, 2)),
    ("solve_vector", lambda A, B: linalg.solve(A, B), (3,)),
    ("solve_batch_of_vectors", lambda A, B: linalg.solve(A, B), (2, 3)),
    ("solve_broadcast", lambda A, B: linalg.solve(A, B), (4, 1, 3, 2)),
    ("solve_right", lambda A, B: linalg.solve(A, B, left=False), (2, 3)),
    ("solve_triangular_upper", lambda A, B: linalg.solve_triangular(A, B, upper=True), (3, 2)),
    ("solve_triangular_unit_lower", lambda A, B: linalg.solve_triangular(A, B, upper=False, unitriangular=True), (3, 2)),
    ("solve_triangular_right", lambda A, B: linalg.solve_triangular(A, B, upper=True, left=False), (2, 3)),
    ("lstsq", lambda A, B: linalg.lstsq(A, B).solution, (2, 3, 2)),
]


@pytest.mark.parametrize("name,function,b_shape", SOLVES, ids=[s[0] for s in SOLVES])
def test_solves(name, function, b_shape):
    A, B = leaf(2, 3, 3, shift=3.0), leaf(*b_shape, seed=1)
    assert gradcheck(function, (A, B))
    assert gradgradcheck(function, (A, B))


NORMS = [(ord, dim, keepdim) for ord in (2, 1, 3.5, 0.5, -1.5, math.inf, -math.inf, 0)
         for dim, keepdim in ((None, False), (1, False), ((0, 2), True))]


@pytest.mark.parametrize("ord,dim,keepdim", NORMS, ids=str)
def test_vector_norm(ord, dim, keepdim):
    x = leaf(2, 3, 4)
    function = lambda x: linalg.vector_norm(x, ord, dim, keepdim)  # noqa: E731
    assert gradcheck(function, (x,))
    if ord not in (1, 0, math.inf, -math.inf):
        assert gradgradcheck(function, (x,))


def test_vector_norm_gradient_is_zero_at_zero_as_pytorch():
    x = needl.tensor(np.zeros((2, 3)), requires_grad=True)
    linalg.vector_norm(x, dim=1).sum().backward()
    assert np.array_equal(x.grad.numpy(), np.zeros((2, 3)))


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf])
def test_matrix_norm_over_other_dims(ord):
    A = leaf(3, 2, 4)
    assert gradcheck(lambda A: linalg.matrix_norm(A, ord, dim=(2, 0), keepdim=True), (A,))


def test_products():
    a, b = leaf(2, 1, 3), leaf(1, 4, 3, seed=1)
    assert gradcheck(linalg.cross, (a, b)) and gradgradcheck(linalg.cross, (a, b))
    assert gradcheck(lambda x, y: linalg.vecdot(x, y, dim=-1), (a, b))
    chain = [leaf(4, seed=2), leaf(4, 5, seed=3), leaf(5, 2, seed=4), leaf(2, seed=5)]
    assert gradcheck(lambda *m: linalg.multi_dot(m), chain)
    A = leaf(2, 3, 4)
    assert gradgradcheck(lambda A: linalg.diagonal(A, offset=-1, dim1=0, dim2=2) ** 2, (A,))


def test_det_gradient_at_a_singular_matrix_is_the_adjugate():
    A = needl.tensor(np.array([[1.0, 2.0], [2.0, 4.0]]), requires_grad=True)
    linalg.det(A).backward()
    assert np.allclose(A.grad.numpy(), [[4.0, -2.0], [-2.0, 1.0]])


def test_undifferentiable_qr_modes_raise_when_differentiated():
    A = leaf(4, 3)
    with pytest.raises(RuntimeError, match="mode='r'"):
        linalg.qr(A, mode="r").R.sum().backward()
    with pytest.raises(RuntimeError, match="complete"):
        linalg.qr(A, mode="complete").Q.sum().backward()


@pytest.mark.parametrize("function", [
    linalg.inv, linalg.det, lambda A: linalg.slogdet(A).logabsdet, linalg.pinv, linalg.svdvals,
    lambda A: linalg.cholesky(A @ A.mT + needl.tensor(np.eye(3), dtype=needl.float32)),
    lambda A: linalg.eigh(A + A.mT).eigenvectors, lambda A: linalg.qr(A).R,
    lambda A: linalg.matrix_norm(A, "nuc"), lambda A: linalg.solve(A, A),
])
def test_float32_stays_float32(function):
    A = needl.tensor(np.random.default_rng(3).standard_normal((3, 3)).astype(np.float32) + 3 * np.eye(3, dtype=np.float32),
                     requires_grad=True)
    out = function(A)
    assert out.dtype == needl.float32
    out.sum().backward()
    assert A.grad.dtype == needl.float32
