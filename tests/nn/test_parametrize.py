"""nn.utils.parametrize, nn.utils.parametrizations, nn.utils.stateless.functional_call, fusion, skip_init."""
import copy
import warnings

import numpy as np
import pytest

import needl
import needl.nn as nn
from needl.autograd import gradcheck
from needl.nn.utils import parametrizations, parametrize
from needl.nn.utils.stateless import functional_call


class Symmetric(nn.Module):
    def forward(self, x):
        return (x + x.transpose(0, 1)) * 0.5


class Double(nn.Module):
    def forward(self, x):
        return x * 2

    def right_inverse(self, x):
        return x / 2


def test_register_use_assign_and_remove():
    layer = nn.Linear(3, 3)
    before = layer.weight.detach().numpy().copy()
    parametrize.register_parametrization(layer, "weight", Double())
    assert type(layer).__name__ == "ParametrizedLinear" and isinstance(layer, nn.Linear)
    assert parametrize.type_before_parametrizations(layer) is nn.Linear
    assert parametrize.is_parametrized(layer) and parametrize.is_parametrized(layer, "weight")
    assert not parametrize.is_parametrized(layer, "bias")
    assert list(layer.state_dict()) == ["bias", "parametrizations.weight.original"]
    np.testing.assert_allclose(layer.weight.detach().numpy(), before, rtol=1e-6)  # right_inverse kept the value
    original = layer.parametrizations.weight.original
    layer.weight = needl.ones(3, 3)
    np.testing.assert_array_equal(original.detach().numpy(), 0.5)
    assert layer.parametrizations.weight.original is original  # optimizers keep their reference
    layer(needl.randn(2, 3)).sum().backward()
    assert original.grad is not None
    parametrize.register_parametrization(layer, "weight", Symmetric())  # composes on top
    weight = layer.weight.detach().numpy()
    np.testing.assert_allclose(weight, weight.T)
    with parametrize.cached():
        assert layer.weight is layer.weight
    assert layer.weight is not layer.weight
    parametrize.remove_parametrizations(layer, "weight")
    assert type(layer) is nn.Linear and not hasattr(layer, "parametrizations")
    np.testing.assert_allclose(layer.weight.detach().numpy(), weight)
    assert isinstance(layer.weight, nn.Parameter)


def test_parametrized_gradients_and_deepcopy():
    layer = nn.Linear(3, 3).double()
    parametrize.register_parametrization(layer, "weight", Symmetric())
    x = needl.tensor(np.random.default_rng(0).standard_normal((2, 3)))

    def loss(original):
        return functional_call(layer, {"parametrizations.weight.original": original}, (x,))

    assert gradcheck(loss, (needl.tensor(np.random.default_rng(1).standard_normal((3, 3)), requires_grad=True),))
    clone = copy.deepcopy(layer)
    np.testing.assert_array_equal(clone.weight.detach().numpy(), layer.weight.detach().numpy())
    with pytest.raises(ValueError, match="may not change the shape"):
        parametrize.register_parametrization(nn.Linear(2, 3), "weight", _FirstRow())
    with pytest.raises(ValueError, match="does not have a parameter"):
        parametrize.register_parametrization(nn.Linear(2, 3), "nothing", Double())


class _FirstRow(nn.Module):
    def forward(self, x):
        return x[0]


def test_weight_norm_and_spectral_norm_parametrizations():
    layer = nn.Linear(4, 5)
    weight = layer.weight.detach().numpy().copy()
    parametrizations.weight_norm(layer)
    assert list(layer.state_dict()) == ["bias", "parametrizations.weight.original0", "parametrizations.weight.original1"]
    assert layer.parametrizations.weight.original0.shape == (5, 1)
    np.testing.assert_allclose(layer.weight.detach().numpy(), weight, rtol=1e-5)
    conv = parametrizations.spectral_norm(nn.Conv2d(2, 3, 3))
    for _ in range(30):
        conv(needl.randn(1, 2, 4, 4))
    matrix = conv.weight.detach().numpy().reshape(3, -1)
    assert abs(np.linalg.svd(matrix, compute_uv=False)[0] - 1) < 1e-2
    assert "parametrizations.weight.0._u" in conv.state_dict()


def test_matches_pytorch_state_dict_keys():
    torch = pytest.importorskip("torch")
    mine, theirs = nn.Linear(4, 5), torch.nn.Linear(4, 5)
    parametrizations.weight_norm(mine)
    torch.nn.utils.parametrizations.weight_norm(theirs)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    state = {k: torch.tensor(v.detach().numpy()) for k, v in mine.state_dict().items()}
    theirs.load_state_dict(state)
    np.testing.assert_allclose(mine.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-6)


def test_functional_call_replaces_and_restores():
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    weight = needl.zeros(2, 3, requires_grad=True)
    out = functional_call(model, ({"0.weight": weight}, {"1.running_mean": needl.ones(2)}), needl.randn(4, 3))
    out.sum().backward()
    assert weight.grad is not None and isinstance(model[0].weight, nn.Parameter)
    assert model[0].weight is not weight and np.all(model[1].running_mean.numpy() == 0)
    with pytest.raises(RuntimeError, match="Unexpected key"):
        functional_call(model, {"0.nothing": weight}, needl.randn(4, 3))
    with pytest.raises(RuntimeError, match="Missing key"):
        functional_call(model, {"0.weight": weight}, needl.randn(4, 3), strict=True)
    tied = nn.Sequential(nn.Linear(2, 2, bias=False), nn.Linear(2, 2, bias=False))
    tied[1].weight = tied[0].weight
    replacement = needl.zeros(2, 2)
    assert np.all(functional_call(tied, {"0.weight": replacement}, needl.randn(1, 2)).numpy() == 0)


def test_fusion_skip_init_and_clip_grad_alias():
    conv, norm = nn.Conv2d(3, 4, 3).eval(), nn.BatchNorm2d(4).eval()
    norm.running_mean.data.normal_()
    norm.running_var.data.uniform_(0.5, 2.0)
    x = needl.randn(2, 3, 5, 5)
    fused = nn.utils.fuse_conv_bn_eval(conv, norm)
    np.testing.assert_allclose(fused(x).detach().numpy(), norm(conv(x)).detach().numpy(), atol=1e-5)
    linear, norm1 = nn.Linear(3, 4).eval(), nn.BatchNorm1d(4).eval()
    norm1.running_var.data.fill_(3.0)
    v = needl.randn(2, 3)
    np.testing.assert_allclose(nn.utils.fuse_linear_bn_eval(linear, norm1)(v).detach().numpy(),
                               norm1(linear(v)).detach().numpy(), atol=1e-5)
    assert nn.utils.skip_init(nn.Linear, 3, 4).weight.shape == (4, 3)
    layer = nn.Linear(3, 1)
    layer(needl.randn(4, 3)).sum().backward()
    with pytest.warns(FutureWarning, match="deprecated"):
        total = nn.utils.clip_grad_norm(layer.parameters(), 1e-3)
    assert total.item() > 1e-3 and float(nn.utils.get_total_norm([p.grad for p in layer.parameters()])) < 1.1e-3
