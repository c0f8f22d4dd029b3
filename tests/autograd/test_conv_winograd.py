"""3x3 stride-1 convolutions (and their input gradients) by Winograd F(2x2, 3x3): the same values
and gradients as im2col."""
import numpy as np
import pytest

import needl
from needl.autograd import Tensor, gradcheck, gradgradcheck
from needl.autograd.ops import conv_kernels, conv_winograd
from needl.autograd.ops.conv import conv2d, conv_transpose2d


def leaf(*shape):
    return Tensor(needl.autograd.random.generator().standard_normal(shape), requires_grad=True)


@pytest.fixture
def winograd_everywhere(monkeypatch):
    """Winograd for any channel count, so that float64 finite differences stay small."""
    monkeypatch.setattr(conv_winograd, "MIN_CHANNELS", 1)


@pytest.fixture
def im2col_only(monkeypatch):
    def use_im2col():
        monkeypatch.setattr(conv_winograd, "MIN_CHANNELS", 10 ** 9)
    return use_im2col


def test_which_convolutions_take_the_winograd_path():
    assert conv_winograd.applicable((64, 128, 3, 3), (1, 1), (1, 1), 1, np.float32)
    assert not conv_winograd.applicable((64, 64, 3, 3), (2, 2), (1, 1), 1, np.float32)   # strided
    assert not conv_winograd.applicable((64, 64, 3, 3), (1, 1), (2, 2), 1, np.float32)   # dilated
    assert not conv_winograd.applicable((64, 32, 3, 3), (1, 1), (1, 1), 2, np.float32)   # grouped
    assert not conv_winograd.applicable((64, 64, 5, 5), (1, 1), (1, 1), 1, np.float32)
    assert not conv_winograd.applicable((64, 32, 3, 3), (1, 1), (1, 1), 1, np.float32)   # few channels
    assert not conv_winograd.applicable((64, 64, 3, 3), (1, 1), (1, 1), 1, np.int64)


@pytest.mark.parametrize("h, w, padding", [(4, 4, 1), (5, 6, 1), (3, 3, 0), (6, 5, "same"), (1, 1, 1), (4, 7, 2)])
def test_gradients_first_and_second_order(winograd_everywhere, h, w, padding):
    x, weight, bias = leaf(2, 2, h, w), leaf(3, 2, 3, 3), leaf(3)
    assert gradcheck(lambda a, b, c: conv2d(a, b, c, padding=padding), (x, weight, bias))
    assert gradgradcheck(lambda a, b: conv2d(a, b, padding=padding), (x, weight))


def test_transposed_stride_one_gradients(winograd_everywhere):
    x, weight = leaf(2, 3, 4, 5), leaf(3, 2, 3, 3)
    assert gradcheck(lambda a, b: conv_transpose2d(a, b, padding=1), (x, weight))


@pytest.mark.parametrize("n, c, h, w, out_channels, padding, channels_last", [
    (5, 64, 8, 8, 72, (1, 1, 1, 1), True),
    (3, 66, 7, 9, 64, (1, 1, 1, 1), False),      # odd sizes: a partial last tile
    (2, 64, 6, 5, 64, (2, 0, 1, 3), True),       # asymmetric padding
    (130, 64, 4, 4, 64, (1, 1, 1, 1), True),     # several blocks of images
])
def test_float32_matches_im2col(im2col_only, n, c, h, w, out_channels, padding, channels_last):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, h, w, c) if channels_last else (n, c, h, w)).astype(np.float32)
    x = x.transpose(0, 3, 1, 2) if channels_last else x
    weight = (rng.standard_normal((out_channels, c, 3, 3)) / np.sqrt(9 * c)).astype(np.float32)
    bias = rng.standard_normal(out_channels).astype(np.float32)
    ho, wo = h + padding[0] + padding[1] - 2, w + padding[2] + padding[3] - 2
    grad = rng.standard_normal((n, ho, wo, out_channels)).astype(np.float32).transpose(0, 3, 1, 2)
    options = dict(stride=(1, 1), padding=padding, dilation=(1, 1), groups=1)

    def kernels():
        return (conv_kernels.forward(x, weight, bias, **options),
                conv_kernels.input_grad(grad, weight, (h, w), **options))
    winograd = kernels()
    im2col_only()
    for mine, reference in zip(winograd, kernels()):
        assert mine.shape == reference.shape and mine.dtype == np.float32
        np.testing.assert_allclose(mine, reference, rtol=2e-5, atol=2e-5 * np.abs(reference).max())
    assert winograd[0].strides[1] == 4  # channels-last output, as the im2col path's
