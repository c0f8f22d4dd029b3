"""nn.utils.spectral_norm / remove_spectral_norm."""
import numpy as np
import pytest

import needl
import needl.nn as nn
from needl.nn.utils import remove_spectral_norm, spectral_norm


def test_names_and_largest_singular_value_near_one():
    layer = spectral_norm(nn.Linear(6, 4), n_power_iterations=30)
    assert list(layer.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    assert [name for name, _ in layer.named_parameters()] == ["bias", "weight_orig"]
    layer(needl.randn(2, 6))
    assert np.linalg.svd(layer.weight.detach().numpy().astype(np.float64), compute_uv=False)[0] == pytest.approx(1.0, rel=1e-3)


def test_eval_does_not_move_the_buffers_and_remove_restores_a_parameter():
    layer = spectral_norm(nn.Conv2d(2, 3, 3))
    layer(needl.randn(1, 2, 4, 4))
    u = layer.weight_u.detach().numpy().copy()
    layer.eval()
    layer(needl.randn(1, 2, 4, 4))
    np.testing.assert_array_equal(layer.weight_u.detach().numpy(), u)
    remove_spectral_norm(layer)
    assert [name for name, _ in layer.named_parameters()] == ["bias", "weight"] and list(layer.buffers()) == []


def test_transposed_conv_uses_dim_1_and_gradients_flow():
    layer = spectral_norm(nn.ConvTranspose2d(2, 4, 3))
    assert tuple(layer.weight_u.shape) == (4,) and tuple(layer.weight_v.shape) == (18,)
    layer(needl.randn(1, 2, 3, 3)).sum().backward()
    assert layer.weight_orig.grad is not None and np.all(np.isfinite(layer.weight_orig.grad.numpy()))
    with pytest.raises(RuntimeError, match="two spectral_norm hooks"):
        spectral_norm(layer)


@pytest.mark.parametrize("training", [True, False])
def test_matches_pytorch(training):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.utils.spectral_norm(torch.nn.Linear(5, 3).double(), n_power_iterations=2).train(training)
    mine = spectral_norm(nn.Linear(5, 3).double(), n_power_iterations=2).train(training)
    mine.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 5))
    out_mine, out_theirs = mine(needl.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(out_mine.detach().numpy(), out_theirs.detach().numpy(), rtol=1e-10)
    out_mine.sum().backward()
    out_theirs.sum().backward()
    np.testing.assert_allclose(mine.weight_orig.grad.numpy(), theirs.weight_orig.grad.numpy(), rtol=1e-9)
    np.testing.assert_allclose(mine.weight_u.detach().numpy(), theirs.weight_u.numpy(), rtol=1e-10)
