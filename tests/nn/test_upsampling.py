"""interpolate and Upsample: nearest, nearest-exact, linear, bilinear; gradients, values, errors."""
import numpy as np
import pytest

import needl
import needl.nn as nn
import needl.nn.functional as F
from needl.autograd import gradcheck

CASES = [
    ((2, 2, 5), dict(size=3)),
    ((2, 2, 5), dict(scale_factor=1.5)),
    ((1, 2, 3, 4), dict(scale_factor=2)),
    ((1, 2, 3, 4), dict(size=(5, 2), mode="nearest-exact")),
    ((2, 2, 5), dict(size=8, mode="linear")),
    ((1, 2, 3, 4), dict(size=(5, 7), mode="bilinear")),
    ((1, 2, 3, 4), dict(scale_factor=(1.7, 0.6), mode="bilinear", align_corners=True)),
    ((1, 2, 3, 4), dict(size=(5, 3), mode="bicubic")),
    ((1, 1, 3, 4), dict(scale_factor=1.6, mode="bicubic", align_corners=True)),
    ((1, 1, 2, 3, 3), dict(size=(3, 2, 4), mode="trilinear")),
    ((1, 1, 2, 3, 2), dict(scale_factor=2, mode="trilinear", align_corners=True)),
    ((2, 2, 7), dict(size=3, mode="area")),
    ((1, 2, 5, 7), dict(size=(2, 3), mode="area")),
    ((1, 1, 2, 3, 4), dict(scale_factor=2, mode="nearest")),
]


@pytest.mark.parametrize("shape, options", CASES)
def test_interpolate_gradcheck(shape, options):
    x = needl.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda t: F.interpolate(t, **options), (x,))


def test_values():
    x = needl.tensor(np.arange(5.0).reshape(1, 1, 5))
    np.testing.assert_array_equal(F.interpolate(x, size=3).detach().numpy()[0, 0], [0, 1, 3])
    np.testing.assert_array_equal(F.interpolate(x, size=8).detach().numpy()[0, 0], [0, 0, 1, 1, 2, 3, 3, 4])
    np.testing.assert_array_equal(F.interpolate(x, size=3, mode="nearest-exact").detach().numpy()[0, 0], [0, 2, 4])
    np.testing.assert_allclose(F.interpolate(x, size=9, mode="linear", align_corners=True).detach().numpy()[0, 0],
                               np.linspace(0, 4, 9))
    image = needl.randn(2, 3, 4, 4)
    assert F.interpolate(image, scale_factor=2, mode="bilinear").dtype == np.float32
    np.testing.assert_array_equal(F.interpolate(image, scale_factor=2).detach().numpy()[:, :, ::2, ::2], image.detach().numpy())


def test_upsample_module_and_errors():
    layer = nn.Upsample(scale_factor=2, mode="bilinear")
    assert repr(layer) == "Upsample(scale_factor=2.0, mode='bilinear')"
    assert repr(nn.Upsample(size=(3, 4))) == "Upsample(size=(3, 4), mode='nearest')"
    assert layer(needl.randn(1, 2, 3, 3)).shape == (1, 2, 6, 6)
    with pytest.raises(NotImplementedError, match="mode 'lanczos' is not supported"):
        F.interpolate(needl.randn(1, 1, 2, 2), scale_factor=2, mode="lanczos")
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        F.interpolate(needl.randn(1, 1, 2, 2))
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(needl.randn(1, 1, 2, 2), scale_factor=2, align_corners=True)


@pytest.mark.parametrize("shape, options", CASES)
def test_matches_pytorch(shape, options):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal(shape)
    mine, theirs = needl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_mine, out_theirs = F.interpolate(mine, **options), torch.nn.functional.interpolate(theirs, **options)
    np.testing.assert_allclose(out_mine.detach().numpy(), out_theirs.detach().numpy(), rtol=1e-12, atol=1e-12)
    (out_mine ** 2).sum().backward()
    (out_theirs ** 2).sum().backward()
    np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_second_order_float32_and_aliases():
    from needl.autograd import gradgradcheck
    x = needl.tensor(np.random.default_rng(2).standard_normal((1, 1, 3, 3)), requires_grad=True)
    assert gradgradcheck(lambda t: F.interpolate(t, size=(4, 5), mode="bicubic"), (x,))
    assert F.interpolate(needl.randn(1, 1, 2, 2, 2), scale_factor=2, mode="trilinear").dtype == np.float32
    with pytest.warns(UserWarning, match="upsample is deprecated"):
        assert F.upsample(needl.randn(1, 1, 2, 2), scale_factor=2).shape == (1, 1, 4, 4)
    with pytest.warns(UserWarning, match="deprecated"):
        np.testing.assert_allclose(F.upsample_bilinear(x, size=(5, 5)).detach().numpy(),
                                   F.interpolate(x, size=(5, 5), mode="bilinear", align_corners=True).detach().numpy())
    assert repr(nn.UpsamplingBilinear2d(scale_factor=2)) == "UpsamplingBilinear2d(scale_factor=2.0, mode='bilinear')"
    assert nn.UpsamplingNearest2d(size=3)(needl.randn(1, 1, 2, 2)).shape == (1, 1, 3, 3)
    with pytest.raises(ValueError, match="'trilinear' expects a 5-D input"):
        F.interpolate(needl.randn(1, 1, 2, 2), scale_factor=2, mode="trilinear")
