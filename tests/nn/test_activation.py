"""Activations: float64 gradchecks, values against their formulas, module reprs."""
import math

import numpy as np
import pytest

import needl
import needl.nn as nn
import needl.nn.functional as F
from needl.autograd import gradcheck


def away_from_kinks(*shape, seed=0):
    """Inputs at least 0.05 away from 0, +-1, +-3, 6 where some activations have kinks."""
    values = np.random.default_rng(seed).uniform(-4, 4, shape)
    for kink in (0.0, 1.0, -1.0, 3.0, -3.0):
        values = np.where(np.abs(values - kink) < 0.05, kink + 0.1, values)
    return needl.tensor(values, requires_grad=True)


FUNCTIONS = {
    "relu": F.relu, "relu6": F.relu6, "leaky_relu": lambda x: F.leaky_relu(x, 0.2), "elu": F.elu,
    "selu": F.selu, "celu": lambda x: F.celu(x, 0.7), "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"), "silu": F.silu, "mish": F.mish,
    "softplus": F.softplus, "softplus_beta": lambda x: F.softplus(x, beta=2.0, threshold=3.0),
    "sigmoid": F.sigmoid, "tanh": F.tanh, "logsigmoid": F.logsigmoid, "hardtanh": F.hardtanh,
    "hardsigmoid": F.hardsigmoid, "hardswish": F.hardswish, "softsign": F.softsign,
    "tanhshrink": F.tanhshrink, "softmax": lambda x: F.softmax(x, dim=1),
    "log_softmax": lambda x: F.log_softmax(x, dim=0), "softmin": lambda x: F.softmin(x, dim=-1),
    "glu": lambda x: F.glu(x, dim=1),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_activation_gradcheck(name):
    assert gradcheck(FUNCTIONS[name], (away_from_kinks(3, 4),))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_activation_keeps_float32(name):
    assert FUNCTIONS[name](needl.randn(3, 4)).dtype == np.float32


def test_values_match_formulas():
    x = np.linspace(-5, 5, 41)
    t = needl.tensor(x)
    sigmoid = 1 / (1 + np.exp(-x))
    erf = np.array([math.erf(v / math.sqrt(2)) for v in x])
    np.testing.assert_allclose(F.gelu(t).detach().numpy(), 0.5 * x * (1 + erf), atol=1e-12)
    np.testing.assert_allclose(F.silu(t).detach().numpy(), x * sigmoid, atol=1e-12)
    np.testing.assert_allclose(F.elu(t, 0.5).detach().numpy(), np.where(x > 0, x, 0.5 * (np.exp(x) - 1)), atol=1e-12)
    np.testing.assert_allclose(F.softplus(t).detach().numpy(), np.log1p(np.exp(x)), atol=1e-12)
    np.testing.assert_allclose(F.leaky_relu(t).detach().numpy(), np.where(x > 0, x, 0.01 * x))
    np.testing.assert_allclose(F.logsigmoid(t).detach().numpy(), np.log(sigmoid), atol=1e-12)
    np.testing.assert_allclose(F.mish(t).detach().numpy(), x * np.tanh(np.log1p(np.exp(x))), atol=1e-12)
    np.testing.assert_allclose(F.softmax(needl.tensor(x.reshape(1, -1)), dim=1).detach().numpy().sum(), 1.0)


def test_erf_is_accurate_in_both_precisions():
    """The one erf (needl.special.erf, which GELU uses): float64 to ~1e-15, float32 within a few ulps."""
    x = np.linspace(-7, 7, 2001)
    reference = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(needl.erf(needl.tensor(x)).numpy(), reference, atol=1e-14)
    single = needl.erf(needl.tensor(x, dtype=needl.float32)).numpy()
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, reference, atol=4e-7)


def test_softplus_is_linear_above_threshold_and_stable():
    out = F.softplus(needl.tensor([1000.0, -1000.0]))
    assert np.all(np.isfinite(out.detach().numpy())) and out.detach().numpy()[0] == 1000.0


def test_prelu_gradcheck_and_module():
    x = away_from_kinks(2, 3, 4)
    weight = needl.tensor([0.1, 0.2, 0.3], dtype=needl.float64, requires_grad=True)
    assert gradcheck(F.prelu, (x, weight))
    assert gradcheck(F.prelu, (x, needl.tensor([0.25], dtype=needl.float64, requires_grad=True)))
    layer = nn.PReLU(3)
    assert tuple(layer.weight.shape) == (3,) and np.all(layer.weight.detach().numpy() == 0.25)
    with pytest.raises(RuntimeError, match="weight has 2 entries"):
        F.prelu(needl.randn(2, 3), needl.ones(2))


def test_modules_apply_their_function_and_print_like_pytorch():
    x = needl.randn(2, 5)
    pairs = [(nn.ReLU(), F.relu(x)), (nn.LeakyReLU(0.1), F.leaky_relu(x, 0.1)), (nn.GELU("tanh"), F.gelu(x, "tanh")),
             (nn.ELU(0.5), F.elu(x, 0.5)), (nn.Softplus(2.0), F.softplus(x, 2.0)), (nn.SiLU(), F.silu(x)),
             (nn.Sigmoid(), F.sigmoid(x)), (nn.Tanh(), F.tanh(x)), (nn.Softmax(dim=1), F.softmax(x, 1)),
             (nn.LogSoftmax(dim=1), F.log_softmax(x, 1)), (nn.Hardtanh(-2, 2), F.hardtanh(x, -2, 2))]
    for module, expected in pairs:
        np.testing.assert_array_equal(module(x).detach().numpy(), expected.detach().numpy())
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.GELU()) == "GELU(approximate='none')"
    assert repr(nn.ELU()) == "ELU(alpha=1.0)"
    assert repr(nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"


def test_bad_arguments():
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(needl.randn(2), approximate="fast")
    with pytest.raises(RuntimeError, match="even size"):
        F.glu(needl.randn(2, 3))
    with pytest.warns(UserWarning, match="Implicit dimension"):
        F.softmax(needl.randn(2, 3))


@pytest.mark.parametrize("name", ["relu", "gelu", "silu", "elu", "softplus", "mish", "hardswish", "logsigmoid"])
def test_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((4, 5)) * 3
    mine, theirs = needl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    getattr(F, name)(mine).sum().backward()
    getattr(torch.nn.functional, name)(theirs).sum().backward()
    np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("slope", [0.2, 0.0, -0.3, 1.5])
def test_leaky_relu_any_slope(slope):
    x = away_from_kinks(3, 4)
    expected = np.where(x.detach().numpy() > 0, x.detach().numpy(), slope * x.detach().numpy())
    np.testing.assert_allclose(F.leaky_relu(x, slope).detach().numpy(), expected)
    assert gradcheck(lambda t: F.leaky_relu(t, slope), (x,))
    assert np.isnan(F.leaky_relu(needl.tensor([np.nan]), slope).numpy()[0])


@pytest.mark.parametrize("name", ["leaky_relu", "elu", "selu", "celu", "gelu", "silu", "relu"])
def test_channels_last_stays_channels_last(name):
    """A conv's channels-last output keeps its memory layout through the activation and its gradient."""
    values = np.random.default_rng(1).standard_normal((2, 5, 4, 3)).astype(np.float32).transpose(0, 3, 1, 2)
    x = needl.tensor(values, requires_grad=True)
    out = FUNCTIONS[name](x)
    assert out.detach().numpy().strides[1] == 4 and out.dtype == np.float32
    out.backward(needl.ones_like(out))
    assert x.grad.dtype == np.float32


def test_elu_family_values_and_gradients_at_both_signs():
    x = needl.tensor(np.linspace(-3, 3, 13) + 0.01, requires_grad=True)
    for function, alpha, scale, input_scale in [(lambda t: F.elu(t, 0.5), 0.5, 1.0, 1.0),
                                                (F.selu, 1.6732632423543772, 1.0507009873554805, 1.0),
                                                (lambda t: F.celu(t, 0.7), 0.7, 1.0, 1 / 0.7)]:
        values = x.detach().numpy()
        expected = np.where(values > 0, scale * values, alpha * scale * np.expm1(values * input_scale))
        slope = np.where(values > 0, scale, alpha * scale * input_scale * np.exp(values * input_scale))
        out = function(x)
        np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12)
        x.grad = None
        out.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), slope, rtol=1e-12)


def test_float32_gelu_in_blocks_matches_float64():
    """The float32 GELU runs in blocks of BLOCK elements: check across a block boundary and at 0-d."""
    from needl.nn.functional.activation import BLOCK
    values = np.linspace(-7, 7, BLOCK + 1001)
    x = needl.tensor(values.astype(np.float32), requires_grad=True)
    out = F.gelu(x)
    out.backward(needl.ones_like(out))
    exact = needl.tensor(values, requires_grad=True)
    reference = F.gelu(exact)
    reference.backward(needl.ones_like(reference))
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    np.testing.assert_allclose(out.detach().numpy(), reference.detach().numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), exact.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert F.gelu(needl.tensor(np.float32(1.0))).shape == ()
    strided = needl.tensor(values.astype(np.float32))[::3]
    np.testing.assert_allclose(F.gelu(strided).numpy(), reference.detach().numpy()[::3], rtol=1e-6, atol=1e-6)


def test_silu_far_negative_is_quietly_zero():
    import warnings
    x = needl.tensor(np.array([-200.0, -90.0, 0.0, 90.0], np.float32), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = F.silu(x)
        out.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), [0.0, -90.0 / (1 + np.exp(90.0)), 0.0, 90.0], atol=1e-30)
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0, 0.5, 1.0], atol=1e-30)
