"""Padding layers and Softmax2d."""
import numpy as np
import pytest

import needl
import needl.nn as nn
from needl.autograd import gradcheck


@pytest.mark.parametrize("layer", [nn.ZeroPad2d((1, 2, 0, 1)), nn.ConstantPad1d(2, 1.5), nn.ReflectionPad2d(1),
                                   nn.ReplicationPad2d((2, 0, 1, 1)), nn.CircularPad1d(1), nn.ReflectionPad1d(2)])
def test_padding_gradcheck(layer):
    x = needl.tensor(np.random.default_rng(0).standard_normal((2, 2, 3, 4)[-(layer.dims + 2):]), requires_grad=True)
    assert gradcheck(layer, (x,))


def test_padding_values_and_shapes():
    x = needl.tensor(np.arange(6.0).reshape(1, 2, 3))
    np.testing.assert_array_equal(nn.ReflectionPad1d(1)(x).detach().numpy()[0, 0], [1, 0, 1, 2, 1])
    np.testing.assert_array_equal(nn.ReplicationPad1d(1)(x).detach().numpy()[0, 0], [0, 0, 1, 2, 2])
    np.testing.assert_array_equal(nn.ConstantPad1d((0, 1), -1.0)(x).detach().numpy()[0, 1], [3, 4, 5, -1])
    assert nn.ZeroPad2d(2)(needl.randn(1, 1, 3, 3)).shape == (1, 1, 7, 7)
    assert repr(nn.ZeroPad2d(2)) == "ZeroPad2d((2, 2, 2, 2))"
    with pytest.raises(ValueError, match="tuple of 4 ints"):
        nn.ZeroPad2d((1, 2))


def test_softmax2d_normalises_channels():
    out = nn.Softmax2d()(needl.randn(2, 3, 4, 4)).detach().numpy()
    np.testing.assert_allclose(out.sum(1), 1, rtol=1e-6)


@pytest.mark.parametrize("name", ["ZeroPad3d", "ReflectionPad3d", "ReplicationPad3d", "CircularPad3d"])
def test_3d_padding_layers(name):
    x = needl.tensor(np.random.default_rng(0).standard_normal((1, 2, 3, 3, 4)), requires_grad=True)
    layer = getattr(nn, name)((1, 2, 0, 1, 2, 1))
    assert layer(x).shape == (1, 2, 6, 4, 7)
    assert gradcheck(layer, (x,))
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, name)((1, 2, 0, 1, 2, 1))(torch.tensor(x.detach().numpy())).numpy()
    np.testing.assert_array_equal(layer(x).detach().numpy(), theirs)
