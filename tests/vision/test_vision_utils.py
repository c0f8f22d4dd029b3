import numpy as np
import pytest

import needl
from needl.vision.utils import make_grid, save_image

RNG = np.random.default_rng(2)


@pytest.mark.parametrize("count,nrow", [(5, 2), (8, 8), (3, 8), (1, 4)])
@pytest.mark.parametrize("channels", [1, 3])
def test_make_grid_matches_torchvision(torchvision, count, nrow, channels):
    import torch
    images = RNG.random((count, channels, 4, 5), dtype=np.float32) * 3 - 1
    for options in ({}, {"padding": 1, "pad_value": 0.5}, {"normalize": True},
                    {"normalize": True, "scale_each": True}, {"normalize": True,
                                                              "value_range": (0.0, 1.0)}):
        expected = torchvision.utils.make_grid(torch.from_numpy(images), nrow=nrow, **options)
        got = make_grid(needl.tensor(images), nrow=nrow, **options)
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)


def test_make_grid_layout_by_hand():
    images = np.arange(1, 4, dtype=np.float32)[:, None, None, None] * np.ones((3, 3, 2, 2), np.float32)
    grid = make_grid(needl.tensor(images), nrow=2, padding=1, pad_value=-1).numpy()
    assert grid.shape == (3, 2 * 3 + 1, 2 * 3 + 1) and grid.dtype == np.float32
    assert (grid[:, 1:3, 1:3] == 1).all() and (grid[:, 1:3, 4:6] == 2).all()
    assert (grid[:, 4:6, 1:3] == 3).all() and (grid[:, 4:6, 4:6] == -1).all()
    assert (grid[:, 0] == -1).all() and (grid[:, :, -1] == -1).all()
    assert make_grid([needl.ones(1, 2, 2)] * 2).shape == (3, 6, 10)
    with pytest.raises(ValueError, match="got \\(2, 2, 2, 2, 2\\)"):
        make_grid(needl.ones(2, 2, 2, 2, 2))


def test_save_image_writes_a_png_of_the_grid(tmp_path, Image):
    images = needl.tensor(RNG.random((6, 3, 8, 8), dtype=np.float32))
    path = tmp_path / "grid.png"
    save_image(images, path, nrow=3)
    written = np.asarray(Image.open(path))
    expected = np.clip(make_grid(images, nrow=3).numpy() * 255 + 0.5, 0, 255).astype(np.uint8)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    np.testing.assert_array_equal(written, expected.transpose(1, 2, 0))
