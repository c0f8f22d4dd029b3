"""affine_grid and grid_sample: every mode and padding mode, gradients for input and grid (second
order), float32 kept, PyTorch parity (optional)."""
import itertools

import numpy as np
import pytest

import needl
import needl.nn.functional as F
from needl.autograd import gradcheck, gradgradcheck

rng = np.random.default_rng(0)


def _leaf(array):
    return needl.from_numpy(np.asarray(array, dtype=np.float64)).requires_grad_(True)


def _grid(shape):
    # stay away from integer pixel positions, where the interpolation weights have kinks
    return _leaf(rng.uniform(-1.2, 1.2, shape) + 0.013)


@pytest.mark.parametrize("mode, padding_mode", list(itertools.product(["bilinear", "bicubic"],
                                                                      ["zeros", "border", "reflection"])))
def test_grid_sample_gradients(mode, padding_mode):
    image = _leaf(rng.standard_normal((1, 2, 5, 4)).swapaxes(-1, -2))  # non-contiguous (1, 2, 4, 5)
    grid = _grid((1, 3, 2, 2))
    call = lambda x, g: F.grid_sample(x, g, mode, padding_mode, align_corners=padding_mode == "border")
    assert gradcheck(call, (image, grid))
    assert gradgradcheck(call, (image, grid))


def test_grid_sample_volumes_nearest_and_float32():
    volume, grid = _leaf(rng.standard_normal((1, 2, 3, 4, 3))), _grid((1, 2, 2, 2, 3))
    assert gradcheck(lambda x, g: F.grid_sample(x, g, "bilinear", "reflection", False), (volume, grid))
    nearest = F.grid_sample(volume, grid, "nearest", "zeros", True)
    assert nearest.shape == (1, 2, 2, 2, 2)
    assert gradcheck(lambda x: F.grid_sample(x, grid.detach(), "nearest", "border", True), (volume,))
    image = needl.randn(2, 3, 5, 5)
    identity = F.affine_grid(needl.tensor(np.tile(np.eye(2, 3, dtype=np.float32), (2, 1, 1))), (2, 3, 5, 5),
                             align_corners=False)
    resampled = F.grid_sample(image, identity, align_corners=False)
    assert resampled.dtype == np.float32
    np.testing.assert_allclose(resampled.numpy(), image.numpy(), atol=1e-5)  # the identity map
    with pytest.warns(UserWarning, match="align_corners=False"):
        F.grid_sample(image, identity)
    with pytest.raises(ValueError, match="bicubic interpolation only supports 4D"):
        F.grid_sample(volume, grid, "bicubic", align_corners=True)


def test_affine_grid_gradients():
    theta = _leaf(rng.standard_normal((2, 2, 3)))
    assert gradcheck(lambda t: F.affine_grid(t, (2, 1, 3, 4), align_corners=True), (theta,))
    theta3 = _leaf(rng.standard_normal((1, 3, 4)))
    assert F.affine_grid(theta3, (1, 1, 2, 3, 4), align_corners=False).shape == (1, 2, 3, 4, 3)
    with pytest.raises(ValueError, match="expected theta of shape"):
        F.affine_grid(theta, (2, 1, 3, 4, 5), align_corners=True)


@pytest.mark.parametrize("mode, padding_mode, align_corners",
                         list(itertools.product(["bilinear", "nearest", "bicubic"], ["zeros", "border", "reflection"],
                                                [True, False])))
def test_matches_pytorch(mode, padding_mode, align_corners):
    torch = pytest.importorskip("torch")
    for shape, grid_shape in [((2, 3, 5, 6), (2, 4, 7, 2)), ((1, 2, 3, 4, 5), (1, 2, 3, 4, 3))]:
        if mode == "bicubic" and len(shape) == 5:
            continue
        x, g = rng.standard_normal(shape), rng.uniform(-1.3, 1.3, grid_shape)
        mine = [needl.tensor(x, requires_grad=True), needl.tensor(g, requires_grad=True)]
        theirs = [torch.tensor(x, requires_grad=True), torch.tensor(g, requires_grad=True)]
        out_mine = F.grid_sample(*mine, mode, padding_mode, align_corners)
        out_theirs = torch.nn.functional.grid_sample(*theirs, mode, padding_mode, align_corners)
        np.testing.assert_allclose(out_mine.detach().numpy(), out_theirs.detach().numpy(), atol=1e-12)
        direction = rng.standard_normal(tuple(out_theirs.shape))
        (out_mine * needl.tensor(direction)).sum().backward()
        (out_theirs * torch.tensor(direction)).sum().backward()
        np.testing.assert_allclose(mine[0].grad.numpy(), theirs[0].grad.numpy(), atol=1e-12)
        grid_grad = np.zeros(grid_shape) if mine[1].grad is None else mine[1].grad.numpy()
        np.testing.assert_allclose(grid_grad, theirs[1].grad.numpy(), atol=1e-10)
    theta = rng.standard_normal((2, 2, 3))
    np.testing.assert_allclose(F.affine_grid(needl.tensor(theta), (2, 3, 4, 5), align_corners).numpy(),
                               torch.nn.functional.affine_grid(torch.tensor(theta), (2, 3, 4, 5), align_corners).numpy(),
                               atol=1e-14)
