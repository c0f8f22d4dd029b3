"""Complex gradients of the core ops: PyTorch's convention (dL/dx + i dL/dy for z = x + iy), checked
by finite differences on the real and imaginary parts (each complex input is a float64 leaf
(..., 2) read through view_as_complex; a complex output is read back through view_as_real)."""
import numpy as np
import pytest

import needl
from needl.autograd import gradcheck, gradgradcheck
from needl.autograd.ops import complex as complex_ops
from needl.fft.complex_ops import view_as_complex, view_as_real


def pairs(*shape, seed=0, shift=0.0):
    """A float64 leaf of shape + (2,): the real and imaginary parts of a complex input."""
    data = np.random.default_rng(seed).standard_normal(shape + (2,))
    data[..., 0] += shift
    return needl.tensor(data, requires_grad=True)


def as_real(value):
    return view_as_real(value) if value.is_complex() else value


def through_complex(function):
    """function of complex tensors as a function of their (re, im) pairs, with a real output."""
    return lambda *parts: as_real(function(*(view_as_complex(p) for p in parts)))


UNARY = [
    ("exp", needl.exp), ("log", needl.log), ("log1p", needl.log1p), ("sqrt", needl.sqrt),
    ("abs", needl.abs), ("tanh", needl.tanh), ("sin", needl.sin), ("cos", needl.cos),
    ("tan", needl.tan), ("asin", needl.asin), ("acos", needl.acos), ("atan", needl.atan),
    ("sinh", needl.sinh), ("cosh", needl.cosh), ("asinh", needl.asinh), ("acosh", needl.acosh),
    ("atanh", needl.atanh), ("exp2", needl.exp2), ("expm1", needl.expm1), ("log2", needl.log2),
    ("log10", needl.log10), ("reciprocal", needl.reciprocal), ("rsqrt", needl.rsqrt),
    ("square", needl.square), ("neg", lambda z: -z),
    ("pow_2", lambda z: z ** 2), ("pow_3", lambda z: z ** 3), ("pow_half", lambda z: z ** 0.5),
    ("pow_complex_exponent", lambda z: z ** (0.5 + 1j)), ("number_to_the_z", lambda z: 2.0 ** z),
    ("sum", lambda z: z.sum(0)), ("mean", lambda z: z.mean()), ("prod", lambda z: z.prod(0)),
    ("prod_all", lambda z: z.prod()), ("cumsum", lambda z: z.cumsum(1)), ("cumprod", lambda z: z.cumprod(1)),
    ("conj", needl.conj), ("real", needl.real), ("imag", needl.imag), ("angle", needl.angle),
    ("mul_by_complex_number", lambda z: z * (2 - 3j)), ("div_number_by_z", lambda z: (1 + 2j) / z),
]


@pytest.mark.parametrize("name,function", UNARY, ids=[u[0] for u in UNARY])
def test_unary_complex_gradients(name, function):
    z = pairs(3, 4, shift=1.5)  # away from the branch cuts and zeros of log, sqrt, acosh ...
    assert gradcheck(through_complex(function), (z,))
    assert gradgradcheck(through_complex(function), (z,))


BINARY = [
    ("mul", lambda a, b: a * b, (3, 4), (3, 4)),
    ("mul_broadcast", lambda a, b: a * b, (3, 4), (4,)),
    ("div", lambda a, b: a / b, (3, 4), (1, 4)),
    ("pow", lambda a, b: a ** b, (3, 4), (3, 4)),
    ("add_sub", lambda a, b: a + b - a * 2, (3, 4), (3, 4)),
    ("matmul", needl.matmul, (2, 3, 4), (4, 5)),
    ("matmul_batched", needl.matmul, (2, 3, 4), (2, 4, 2)),
    ("matmul_vector_matrix", needl.matmul, (4,), (4, 3)),
    ("matmul_matrix_vector", needl.matmul, (3, 4), (4,)),
    ("mm", needl.mm, (3, 4), (4, 2)),
    ("bmm", needl.bmm, (2, 3, 4), (2, 4, 2)),
    ("mv", needl.mv, (3, 4), (4,)),
    ("dot", needl.dot, (4,), (4,)),
    ("vdot", needl.vdot, (4,), (4,)),
    ("outer", needl.outer, (3,), (4,)),
    ("inner", needl.inner, (2, 4), (3, 4)),
    ("kron", needl.kron, (2, 2), (2, 3)),
    ("tensordot", lambda a, b: needl.tensordot(a, b, dims=([1], [0])), (3, 4), (4, 2)),
    ("einsum", lambda a, b: needl.einsum("ij,jk->ik", a, b), (3, 4), (4, 2)),
    ("einsum_summed_away", lambda a, b: needl.einsum("ij,j->", a, b), (3, 4), (4,)),
]


@pytest.mark.parametrize("name,function,shape_a,shape_b", BINARY, ids=[b[0] for b in BINARY])
def test_binary_complex_gradients(name, function, shape_a, shape_b):
    a, b = pairs(*shape_a, seed=1, shift=1.0), pairs(*shape_b, seed=2, shift=1.0)
    assert gradcheck(through_complex(function), (a, b))
    assert gradgradcheck(through_complex(function), (a, b))


def test_real_and_complex_operands_mixed():
    x = needl.tensor(np.random.default_rng(3).standard_normal((3, 4)), requires_grad=True)
    z = pairs(3, 4, seed=4)
    function = lambda x, z: as_real(x * view_as_complex(z) + needl.exp(x) / view_as_complex(z))  # noqa: E731
    assert gradcheck(function, (x, z))
    assert x.dtype == needl.float64  # the real input's gradient is real


def test_the_issue_example_matches_pytorch():
    z = needl.tensor(1 + 1j, requires_grad=True)
    w = needl.tensor(2 + 1j, requires_grad=True)
    (z * w).abs().sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), 1.5811388 + 1.5811388j, rtol=1e-6)
    np.testing.assert_allclose(w.grad.numpy(), 1.2649111 + 0.6324555j, rtol=1e-6)


def test_real_dtypes_keep_the_real_path():
    x = needl.tensor(np.linspace(0.5, 2.0, 6, dtype=np.float32), requires_grad=True)
    (x * x.exp() / x.sqrt()).sum().backward()
    assert x.grad.dtype == needl.float32
    assert complex_ops.conj(x) is x and complex_ops.conj(2.0) == 2.0 and complex_ops.conj(1j) == -1j


def test_numpy_conjugate_is_recorded():
    z = view_as_complex(pairs(3, seed=5))
    conjugated = np.conjugate(z)
    assert isinstance(conjugated, needl.Tensor) and conjugated.grad_fn is not None
    np.testing.assert_allclose(conjugated.detach().numpy(), np.conjugate(z.detach().numpy()))
    assert isinstance(np.real(z), needl.Tensor) and np.imag(z).grad_fn is not None


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    a = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    b = rng.standard_normal((4, 2)) + 1j * rng.standard_normal((4, 2))

    def loss(module, a, b):
        product = module.matmul(a, b)
        return (module.exp(product / (a.sum() + 3)).abs() + module.sqrt(product * product + 1).real
                + (a ** 3).mean().imag + module.log(b.abs() + b * 0.1 + 2).abs().sum()).sum()

    ours = [needl.tensor(v, requires_grad=True) for v in (a, b)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (a, b)]
    loss(needl, *ours).backward()
    loss(torch, *theirs).backward()
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-10)
