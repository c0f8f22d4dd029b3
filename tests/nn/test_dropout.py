"""Dropout: train/eval behaviour, scaling, channel masks, seeding, gradients."""
import numpy as np
import pytest

import needl
import needl.nn as nn
import needl.nn.functional as F


def test_dropout_zeroes_and_scales_in_training_only():
    layer = nn.Dropout(0.25)
    x = needl.ones(200, 50)
    out = layer(x).detach().numpy()
    kept = out != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(out[kept], 1 / 0.75, rtol=1e-6)
    assert out.dtype == np.float32
    layer.eval()
    assert layer(x) is x


def test_dropout_gradient_uses_the_same_mask():
    x = needl.randn(10, 10, requires_grad=True)
    out = F.dropout(x, 0.5)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), (out.detach().numpy() != 0) * 2.0)


def test_dropout_edge_probabilities_and_errors():
    x = needl.randn(4, 4)
    assert F.dropout(x, 0.0) is x
    assert np.all(F.dropout(x, 1.0).detach().numpy() == 0)
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(x, -0.1)


def test_dropout_is_reproducible_with_manual_seed():
    needl.manual_seed(3)
    first = F.dropout(needl.ones(20), 0.5).detach().numpy()
    needl.manual_seed(3)
    np.testing.assert_array_equal(F.dropout(needl.ones(20), 0.5).detach().numpy(), first)


def test_dropout2d_drops_whole_channels():
    out = nn.Dropout2d(0.5)(needl.ones(8, 16, 3, 3)).detach().numpy()
    per_channel = out.reshape(8, 16, -1)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    assert 0 < (per_channel == 0).all(-1).mean() < 1
    unbatched = F.dropout1d(needl.ones(16, 5), 0.5).detach().numpy()
    assert np.all((unbatched == 0).all(-1) | (unbatched == 2).all(-1))
    with pytest.warns(UserWarning, match="3D input to dropout2d"):
        F.dropout2d(needl.ones(2, 3, 4), 0.5)
    with pytest.raises(RuntimeError, match="Expected 2D or 3D input"):
        F.dropout1d(needl.ones(2, 3, 4, 5))


def test_dropout_repr():
    assert repr(nn.Dropout()) == "Dropout(p=0.5, inplace=False)"
    assert repr(nn.Dropout2d(0.1)) == "Dropout2d(p=0.1, inplace=False)"


@pytest.mark.parametrize("function", [F.dropout, F.dropout2d])
def test_dropout_gradcheck_with_a_fixed_mask(function):
    from needl.autograd import gradcheck

    def seeded(x):
        needl.manual_seed(5)  # the same mask at every evaluation
        return function(x, 0.4)

    x = needl.tensor(np.random.default_rng(0).standard_normal((2, 3, 2, 2)), requires_grad=True)
    assert gradcheck(seeded, (x,))
