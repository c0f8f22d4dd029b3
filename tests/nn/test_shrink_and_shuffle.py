"""Threshold, Hardshrink, Softshrink, RReLU, PixelShuffle, PixelUnshuffle, ChannelShuffle."""
import numpy as np
import pytest

import needl
import needl.nn as nn
import needl.nn.functional as F
from needl.autograd import gradcheck


def leaf(*shape):
    values = np.random.default_rng(0).uniform(-2, 2, shape)
    values = np.where(np.abs(np.abs(values) - 0.5) < 0.05, 0.8, values)  # away from the kinks at +-0.5
    return needl.tensor(values, requires_grad=True)


@pytest.mark.parametrize("function", [lambda x: F.threshold(x, 0.5, -3.0), F.hardshrink, F.softshrink,
                                      lambda x: F.rrelu(x, training=False), lambda x: F.pixel_shuffle(x, 2),
                                      lambda x: F.pixel_unshuffle(x, 2), lambda x: F.channel_shuffle(x, 2)])
def test_gradcheck(function):
    assert gradcheck(function, (leaf(1, 4, 2, 2),))


def test_rrelu_training_draws_slopes_in_range():
    x = -needl.ones(1000)
    out = nn.RReLU(0.1, 0.3)(x).detach().numpy()
    assert np.all((out <= -0.1) & (out >= -0.3)) and out.std() > 0.01
    np.testing.assert_allclose(nn.RReLU(0.1, 0.3).eval()(x).detach().numpy(), -0.2)


def test_shapes_and_round_trip():
    x = needl.randn(2, 8, 3, 3)
    shuffled = nn.PixelShuffle(2)(x)
    assert shuffled.shape == (2, 2, 6, 6)
    np.testing.assert_array_equal(nn.PixelUnshuffle(2)(shuffled).detach().numpy(), x.detach().numpy())
    with pytest.raises(RuntimeError, match="divisible by the square of upscale_factor"):
        F.pixel_shuffle(needl.randn(1, 3, 2, 2), 2)


@pytest.mark.parametrize("name, arguments", [("Threshold", (0.1, 20.0)), ("Hardshrink", ()), ("Softshrink", (0.3,)),
                                             ("PixelShuffle", (2,)), ("PixelUnshuffle", (2,)), ("ChannelShuffle", (2,))])
def test_matches_pytorch(name, arguments):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((2, 8, 4, 4))
    mine, theirs = getattr(nn, name)(*arguments), getattr(torch.nn, name)(*arguments)
    assert repr(mine) == repr(theirs)
    a, b = needl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_mine, out_theirs = mine(a), theirs(b)
    np.testing.assert_array_equal(out_mine.detach().numpy(), out_theirs.detach().numpy())
    (out_mine ** 2).sum().backward()
    (out_theirs ** 2).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy())
