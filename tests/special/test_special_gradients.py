"""needl.special's gradients: float64 finite differences (broadcast, non-contiguous, second order)
and, when PyTorch is installed, its values and gradients."""
import numpy as np
import pytest

import needl
import needl.special as special
from needl.autograd import gradcheck, gradgradcheck


def leaf(low, high, shape=(2, 3), seed=0):
    return needl.tensor(np.random.default_rng(seed).uniform(low, high, shape), requires_grad=True)


def strided(low, high, shape=(2, 3)):
    data = np.random.default_rng(1).uniform(low, high, tuple(reversed(shape))).T
    assert not data.flags.c_contiguous
    return needl.from_numpy(data).requires_grad_()


# (name, function, input range): every unary function is smooth on its range, so second order too
UNARY = [
    ("erf", special.erf, (-2.5, 2.5)), ("erfc", special.erfc, (-2.5, 2.5)),
    ("erfcx", special.erfcx, (-2, 5)), ("erfinv", special.erfinv, (-0.95, 0.95)),
    ("ndtr", special.ndtr, (-3, 3)), ("ndtri", special.ndtri, (0.02, 0.98)),
    ("log_ndtr", special.log_ndtr, (-6, 3)), ("gammaln", special.gammaln, (0.1, 6)),
    ("gammaln_negative", special.gammaln, (-2.9, -2.1)), ("digamma", special.digamma, (0.2, 12)),
    ("trigamma", lambda x: special.polygamma(1, x), (0.2, 5)),
    ("polygamma3", lambda x: special.polygamma(3, x), (0.5, 5)),
    ("multigammaln", lambda x: special.multigammaln(x, 3), (1.2, 4)),
    ("i0", special.i0, (-10, 10)), ("i0e", special.i0e, (-10, 10)), ("i1", special.i1, (-10, 10)),
    ("i1e", special.i1e, (-10, 10)), ("logit", special.logit, (0.05, 0.95)),
    ("logit_eps", lambda x: special.logit(x, eps=0.01), (0.05, 0.95)),
    ("expit", special.expit, (-4, 4)), ("sinc", special.sinc, (-3, 3)),
    ("sinc_near_zero", special.sinc, (-1e-4, 1e-4)), ("entr", special.entr, (0.1, 3)),
    ("expm1", special.expm1, (-2, 2)), ("exp2", special.exp2, (-2, 2)),
]


@pytest.mark.parametrize("name,function,bounds", UNARY, ids=[u[0] for u in UNARY])
def test_unary_gradients(name, function, bounds):
    x = leaf(*bounds)
    assert gradcheck(function, (x,))
    assert gradgradcheck(function, (x,))
    assert gradcheck(function, (strided(*bounds),))


@pytest.mark.parametrize("name,function,bounds", UNARY, ids=[u[0] for u in UNARY])
def test_float32_stays_float32_with_its_gradient(name, function, bounds):
    x = needl.tensor(np.random.default_rng(2).uniform(*bounds, (5,)).astype(np.float32), requires_grad=True)
    y = function(x)
    y.sum().backward()
    assert y.dtype == needl.float32 and x.grad.dtype == needl.float32


@pytest.mark.parametrize("function", [special.xlogy, special.xlog1py], ids=["xlogy", "xlog1py"])
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3))], ids=str)
def test_binary_gradients_broadcast(function, shapes):
    x, y = leaf(-2, 2, shapes[0]), leaf(0.2, 3, shapes[1], seed=3)
    assert gradcheck(function, (x, y))
    assert gradgradcheck(function, (x, y))


def test_xlogy_gradient_at_zero_as_pytorch():
    x = needl.tensor([0.0, 0.0, 1.0], requires_grad=True)
    y = needl.tensor([2.0, 0.0, 2.0], requires_grad=True)
    special.xlogy(x, y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [np.log(2.0), 0.0, np.log(2.0)], rtol=1e-6)
    np.testing.assert_allclose(y.grad.numpy(), [0.0, np.nan, 0.5], rtol=1e-6)


def test_scalar_operands():
    y = leaf(0.5, 2, (3,))
    assert gradcheck(lambda y: special.xlogy(2.0, y) + special.xlog1py(y, 0.5), (y,))


def test_zeta_gradient_in_q_and_error_in_s():
    s = needl.tensor(np.array([[2.0], [3.5]]))
    q = leaf(0.5, 3, (3,))
    assert gradcheck(lambda q: special.zeta(s, q), (q,))
    assert gradgradcheck(lambda q: special.zeta(s, q), (q,))
    exponent = needl.tensor(np.array([2.0]), requires_grad=True)
    with pytest.raises(NotImplementedError, match="exponent"):
        special.zeta(exponent, q).sum().backward()


def test_logit_eps_gradient_is_zero_where_clamped():
    p = needl.tensor([0.001, 0.5, 0.999], requires_grad=True)
    special.logit(p, eps=0.01).sum().backward()
    assert p.grad.numpy()[0] == 0 and p.grad.numpy()[2] == 0 and p.grad.numpy()[1] == pytest.approx(4.0)


def test_polygamma_refuses_bad_orders():
    with pytest.raises(ValueError, match="non-negative integer"):
        special.polygamma(-1, needl.tensor([1.0]))
    with pytest.raises(ValueError, match="non-negative integer"):
        special.polygamma(1.5, needl.tensor([1.0]))


# ---- PyTorch parity ---------------------------------------------------------------------------
PARITY = [
    ("erf", (-3, 3)), ("erfc", (-3, 3)), ("erfcx", (-2, 8)), ("erfinv", (-0.99, 0.99)),
    ("ndtr", (-5, 5)), ("ndtri", (0.001, 0.999)), ("log_ndtr", (-20, 5)), ("gammaln", (0.01, 20)),
    ("digamma", (0.01, 20)), ("i0", (-15, 15)), ("i0e", (-15, 15)), ("i1", (-15, 15)),
    ("i1e", (-15, 15)), ("logit", (0.01, 0.99)), ("expit", (-5, 5)), ("sinc", (-4, 4)),
    ("entr", (0.01, 4)), ("expm1", (-3, 3)), ("exp2", (-3, 3)), ("log1p", (-0.5, 3)),
]


# PyTorch's own trigamma (digamma's gradient) is good to ~5e-10; its float32 sinc gradient loses
# ~1e-3 relative near 0, where needl switches to a series
GRADIENT_TOLERANCE = {("digamma", "float64"): 1e-9, ("sinc", "float32"): 1e-4}


@pytest.mark.parametrize("name,bounds", PARITY, ids=[p[0] for p in PARITY])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_matches_pytorch(name, bounds, dtype):
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(4).uniform(*bounds, (64,)).astype(dtype)
    ours = needl.tensor(data, requires_grad=True)
    theirs = torch.tensor(data, requires_grad=True)
    out, expected = getattr(special, name)(ours), getattr(torch.special, name)(theirs)
    weights = np.random.default_rng(5).standard_normal(64).astype(dtype)
    (out * needl.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    rtol = 1e-12 if dtype == "float64" else 2e-6
    assert out.dtype == needl.float64 if dtype == "float64" else out.dtype == needl.float32
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=rtol, atol=rtol)
    tolerance = GRADIENT_TOLERANCE.get((name, dtype), rtol * 10)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=tolerance, atol=tolerance)


def test_polygamma_xlogy_zeta_multigammaln_match_pytorch():
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(6).uniform(0.6, 5, (20,))
    for n in (1, 2, 4):
        ours = needl.tensor(data, requires_grad=True)
        theirs = torch.tensor(data, requires_grad=True)
        special.polygamma(n, ours).sum().backward()
        torch.special.polygamma(n, theirs).sum().backward()
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-9)
    x, y = np.random.default_rng(7).uniform(-1, 2, (2, 20))
    x[:3] = 0.0
    y = np.abs(y)
    for name in ("xlogy", "xlog1py"):
        ours = [needl.tensor(v, requires_grad=True) for v in (x, y)]
        theirs = [torch.tensor(v, requires_grad=True) for v in (x, y)]
        getattr(special, name)(*ours).sum().backward()
        getattr(torch.special, name)(*theirs).sum().backward()
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12)
    ours, theirs = needl.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    special.zeta(needl.tensor(np.full(20, 2.5)), ours).sum().backward()
    torch.special.zeta(torch.tensor(np.full(20, 2.5)), theirs).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
    ours, theirs = needl.tensor(data + 1, requires_grad=True), torch.tensor(data + 1, requires_grad=True)
    special.multigammaln(ours, 3).sum().backward()
    torch.special.multigammaln(theirs, 3).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


def test_incomplete_gamma_gradients():
    a, x = leaf(0.5, 4), leaf(0.1, 6, seed=1)
    for function in (special.gammainc, special.gammaincc):
        assert gradcheck(lambda x: function(a.detach(), x), (x,))
        assert gradgradcheck(lambda x: function(a.detach(), x), (x,))
        with pytest.raises(NotImplementedError, match="input"):
            function(a, x).sum().backward()
