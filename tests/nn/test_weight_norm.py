"""nn.utils.weight_norm / remove_weight_norm."""
import numpy as np
import pytest

import needl
import needl.nn as nn
from needl.autograd import gradcheck
from needl.nn.utils import remove_weight_norm, weight_norm


def test_parameters_names_and_values():
    layer = nn.Linear(3, 2)
    original = layer.weight.detach().numpy().copy()
    weight_norm(layer)
    assert [name for name, _ in layer.named_parameters()] == ["bias", "weight_g", "weight_v"]
    assert tuple(layer.weight_g.shape) == (2, 1)
    np.testing.assert_allclose(layer.weight.detach().numpy(), original, rtol=1e-6)
    layer.weight_g.data[...] *= 2
    x = needl.randn(4, 3)
    np.testing.assert_allclose(layer(x).detach().numpy(), x.detach().numpy() @ (2 * original).T + layer.bias.detach().numpy(), rtol=1e-5, atol=1e-6)
    remove_weight_norm(layer)
    assert [name for name, _ in layer.named_parameters()] == ["bias", "weight"]
    np.testing.assert_allclose(layer.weight.detach().numpy(), 2 * original, rtol=1e-5)


def test_gradients_reach_g_and_v():
    layer = weight_norm(nn.Conv2d(2, 3, 3).double(), dim=None)
    assert layer.weight_g.shape == ()
    x = needl.tensor(np.random.default_rng(0).standard_normal((1, 2, 4, 4)))
    g, v = layer.weight_g, layer.weight_v

    def run(g_value, v_value):
        layer._parameters["weight_g"], layer._parameters["weight_v"] = g_value, v_value
        try:
            return layer(x)
        finally:
            layer._parameters["weight_g"], layer._parameters["weight_v"] = g, v

    assert gradcheck(run, (needl.tensor(g.detach().numpy().copy(), requires_grad=True),
                           needl.tensor(v.detach().numpy().copy(), requires_grad=True)))


def test_errors():
    layer = weight_norm(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="two weight_norm hooks"):
        weight_norm(layer)
    with pytest.raises(ValueError, match="no parameter 'kernel'"):
        weight_norm(nn.Linear(2, 2), name="kernel")


def test_matches_pytorch():
    torch = pytest.importorskip("torch")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.nn.utils.weight_norm(torch.nn.Conv2d(2, 3, 3).double())
    mine = weight_norm(nn.Conv2d(2, 3, 3).double())
    mine.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 2, 5, 5))
    out_mine, out_theirs = mine(needl.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(out_mine.detach().numpy(), out_theirs.detach().numpy(), rtol=1e-10)
    out_mine.sum().backward()
    out_theirs.sum().backward()
    np.testing.assert_allclose(mine.weight_g.grad.numpy(), theirs.weight_g.grad.numpy(), rtol=1e-9)
    np.testing.assert_allclose(mine.weight_v.grad.numpy(), theirs.weight_v.grad.numpy(), rtol=1e-9)
