"""Linear: one fused node, gradients for N-d input, shapes and names, errors."""
import numpy as np
import pytest

import needl
import needl.nn as nn
import needl.nn.functional as F
from needl.autograd import gradcheck


def leaf(*shape, seed=0):
    return needl.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4), (4,)])
def test_linear_gradcheck(shape):
    x, weight, bias = leaf(*shape), leaf(5, 4, seed=1), leaf(5, seed=2)
    assert gradcheck(F.linear, (x, weight, bias))
    assert gradcheck(lambda x, w: F.linear(x, w), (x, weight))


def test_linear_matches_matmul_and_is_one_node():
    x, weight, bias = leaf(2, 3, 4), leaf(5, 4, seed=1), leaf(5, seed=2)
    out = F.linear(x, weight, bias)
    np.testing.assert_allclose(out.detach().numpy(), x.detach().numpy() @ weight.detach().numpy().T + bias.detach().numpy())
    node = out.grad_fn
    assert all(not isinstance(i, needl.Tensor) or i.grad_fn is None for i in node.inputs)


def test_no_input_gradient_for_data_that_needs_none():
    layer = nn.Linear(4, 3)
    x = needl.randn(6, 4)
    layer(x).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(layer.bias.grad.numpy(), np.full(3, 6.0))
    np.testing.assert_allclose(layer.weight.grad.numpy(), np.tile(x.detach().numpy().sum(0), (3, 1)), rtol=1e-5)


def test_linear_module_parameters_and_dtype():
    layer = nn.Linear(4, 3)
    assert [(n, tuple(p.shape)) for n, p in layer.named_parameters()] == [("weight", (3, 4)), ("bias", (3,))]
    assert [n for n, _ in nn.Linear(4, 3, bias=False).named_parameters()] == ["weight"]
    out = layer(needl.randn(2, 4))
    assert out.dtype == np.float32 and out.shape == (2, 3)
    layer.double()
    assert gradcheck(layer, (leaf(2, 4),))


def test_linear_wrong_feature_size_names_both_shapes():
    layer = nn.Linear(4, 3)
    with pytest.raises(RuntimeError, match=r"expected input of shape \(\*, 4\), got \(2, 5\)"):
        layer(needl.randn(2, 5))
    with pytest.raises(RuntimeError, match=r"input has shape \(2, 5\).*weight of shape \(3, 4\)"):
        F.linear(needl.randn(2, 5), layer.weight)


def test_identity_and_bilinear():
    x = needl.randn(2, 3)
    assert nn.Identity(54, unused="x")(x) is x
    layer = nn.Bilinear(3, 2, 4).double()
    assert tuple(layer.weight.shape) == (4, 3, 2)
    assert gradcheck(layer, (leaf(5, 3), leaf(5, 2, seed=1)))


def test_dtype_mismatch_is_a_clear_error():
    layer = nn.Linear(2, 2).double()
    with pytest.raises(RuntimeError, match="input \\(float32, shape \\(3, 2\\)\\) and weight \\(float64\\)"):
        layer(needl.randn(3, 2))
