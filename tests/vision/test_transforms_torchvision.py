"""needl.vision.transforms against torchvision on the same inputs (skipped without it)."""
import numpy as np
import pytest

import needl
from needl.vision import transforms as T
from needl.vision.transforms import functional as F

RNG = np.random.default_rng(0)
IMAGE_U8 = RNG.integers(0, 256, (3, 21, 30), dtype=np.uint8)
IMAGE_F32 = RNG.random((3, 21, 30), dtype=np.float32)


def both(image, torch):
    return needl.tensor(image), torch.from_numpy(image.copy())


def assert_close(ours, theirs, dtype):
    ours = ours.numpy() if isinstance(ours, needl.Tensor) else np.asarray(ours)
    theirs = theirs.numpy() if hasattr(theirs, "numpy") else np.asarray(theirs)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    if dtype == np.uint8:  # float rounding may move a value across .5
        difference = np.abs(ours.astype(int) - theirs.astype(int))
        assert difference.max() <= 1 and (difference > 0).mean() < 0.01
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("image", [IMAGE_U8, IMAGE_F32], ids=["uint8", "float32"])
@pytest.mark.parametrize("size", [(7, 11), (40, 33), (21, 9), 12, [25]])
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear", "bicubic"])
@pytest.mark.parametrize("antialias", [True, False])
def test_resize_tensor(TF, torch, image, size, mode, antialias):
    ours, theirs = both(image, torch)
    expected = TF.resize(theirs, size, TF.InterpolationMode(mode), antialias=antialias)
    assert_close(F.resize(ours, size, T.InterpolationMode(mode), antialias=antialias), expected,
                 image.dtype)


def test_resize_max_size_and_batch(TF, torch):
    batch = RNG.random((2, 3, 10, 40), dtype=np.float32)
    ours, theirs = both(batch, torch)
    assert_close(T.Resize(8, max_size=20)(ours), TF.resize(theirs, 8, max_size=20), np.float32)


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic", "box", "lanczos"])
def test_resize_pil(TF, Image, mode):
    picture = Image.fromarray(IMAGE_U8.transpose(1, 2, 0))
    ours = F.resize(picture, (9, 13), T.InterpolationMode(mode))
    assert np.array_equal(np.asarray(ours),
                          np.asarray(TF.resize(picture, [9, 13], TF.InterpolationMode(mode))))


@pytest.mark.parametrize("angle", [30.0, -75.5, 90.0, 180.0])
@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("expand,center,fill", [(False, None, None), (True, None, None),
                                                (False, [4, 7], [0.3, 0.5, 0.7]),
                                                (True, None, [0.0, 0.0, 0.0])])
def test_rotate_tensor(TF, torch, angle, mode, expand, center, fill):
    ours, theirs = both(IMAGE_F32, torch)
    expected = TF.rotate(theirs, angle, TF.InterpolationMode(mode), expand, center, fill)
    got = F.rotate(ours, angle, T.InterpolationMode(mode), expand, center, fill)
    if mode == "nearest":  # a float32 coordinate at a tie may round the other way
        assert got.shape == tuple(expected.shape)
        assert (np.abs(got.numpy() - expected.numpy()) > 1e-6).mean() < 0.01
    else:
        assert_close(got, expected, np.float32)


def test_rotate_uint8_and_pil(TF, torch, Image):
    ours, theirs = both(IMAGE_U8, torch)
    assert_close(F.rotate(ours, 33.0, T.InterpolationMode.BILINEAR),
                 TF.rotate(theirs, 33.0, TF.InterpolationMode.BILINEAR), np.uint8)
    picture = Image.fromarray(IMAGE_U8.transpose(1, 2, 0))
    assert np.array_equal(np.asarray(F.rotate(picture, 33.0, expand=True, fill=(9, 8, 7))),
                          np.asarray(TF.rotate(picture, 33.0, expand=True, fill=[9, 8, 7])))


@pytest.mark.parametrize("image", [IMAGE_U8, IMAGE_F32], ids=["uint8", "float32"])
@pytest.mark.parametrize("name,factor", [("brightness", 1.7), ("brightness", 0.4),
                                         ("contrast", 0.3), ("contrast", 1.6),
                                         ("saturation", 0.2), ("saturation", 2.5),
                                         ("hue", 0.2), ("hue", -0.45)])
def test_colour_adjustments_tensor(TF, torch, image, name, factor):
    ours, theirs = both(image, torch)
    expected = getattr(TF, f"adjust_{name}")(theirs, factor)
    assert_close(getattr(F, f"adjust_{name}")(ours, factor), expected, image.dtype)


@pytest.mark.parametrize("name,factor", [("brightness", 1.7), ("contrast", 0.3),
                                         ("saturation", 2.5), ("hue", 0.2), ("hue", -0.45)])
def test_colour_adjustments_pil(TF, Image, name, factor):
    picture = Image.fromarray(IMAGE_U8.transpose(1, 2, 0))
    ours = getattr(F, f"adjust_{name}")(picture, factor)
    assert np.array_equal(np.asarray(ours),
                          np.asarray(getattr(TF, f"adjust_{name}")(picture, factor)))


@pytest.mark.parametrize("image", [IMAGE_U8, IMAGE_F32], ids=["uint8", "float32"])
@pytest.mark.parametrize("channels", [1, 3])
def test_grayscale(TF, torch, Image, image, channels):
    ours, theirs = both(image, torch)
    assert_close(T.Grayscale(channels)(ours), TF.rgb_to_grayscale(theirs, channels), image.dtype)
    picture = Image.fromarray(IMAGE_U8.transpose(1, 2, 0))
    assert np.array_equal(np.asarray(T.Grayscale(channels)(picture)),
                          np.asarray(TF.to_grayscale(picture, channels)))


@pytest.mark.parametrize("padding", [3, [2, 5], [1, 2, 3, 4], [-2, 1, 3, -1]])
@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad(TF, torch, Image, padding, mode):
    ours, theirs = both(IMAGE_U8, torch)
    assert_close(F.pad(ours, padding, 7, mode), TF.pad(theirs, padding, 7, mode), np.uint8)
    picture = Image.fromarray(IMAGE_U8.transpose(1, 2, 0))
    assert np.array_equal(np.asarray(F.pad(picture, padding, (1, 2, 3), mode)),
                          np.asarray(TF.pad(picture, padding, (1, 2, 3), mode)))


@pytest.mark.parametrize("size", [(10, 10), (21, 30), (30, 40), (5, 50), 8])
def test_center_crop_and_crop(TF, torch, Image, size):
    ours, theirs = both(IMAGE_F32, torch)
    assert_close(T.CenterCrop(size)(ours), TF.center_crop(theirs, size), np.float32)
    picture = Image.fromarray(IMAGE_U8.transpose(1, 2, 0))
    assert np.array_equal(np.asarray(T.CenterCrop(size)(picture)),
                          np.asarray(TF.center_crop(picture, size)))
    assert_close(F.crop(ours, -3, 20, 10, 15), TF.crop(theirs, -3, 20, 10, 15), np.float32)
    assert_close(F.resized_crop(ours, 2, 3, 12, 17, [8, 9]),
                 TF.resized_crop(theirs, 2, 3, 12, 17, [8, 9]), np.float32)


def test_flips_and_conversions(TF, torch, Image):
    ours, theirs = both(IMAGE_U8, torch)
    assert_close(F.hflip(ours), TF.hflip(theirs), np.uint8)
    assert_close(F.vflip(ours), TF.vflip(theirs), np.uint8)
    for mode, array in (("RGB", IMAGE_U8.transpose(1, 2, 0)), ("L", IMAGE_U8[0]),
                        ("F", IMAGE_F32[0])):
        picture = Image.fromarray(np.ascontiguousarray(array))
        assert picture.mode == mode
        assert_close(T.ToTensor()(picture), TF.to_tensor(picture), np.float32)
        assert_close(T.ToTensor()(array), TF.to_tensor(array), np.float32)
    picture = Image.fromarray(IMAGE_U8.transpose(1, 2, 0))
    assert_close(T.PILToTensor()(picture), TF.pil_to_tensor(picture), np.uint8)
    for source, target in ((np.uint8, needl.float32), (np.float32, needl.uint8),
                           (np.uint8, needl.int32), (np.float64, needl.int16)):
        image = IMAGE_U8.astype(source) if source == np.uint8 else IMAGE_F32.astype(source)
        expected = TF.convert_image_dtype(torch.from_numpy(image),
                                          getattr(torch, np.dtype(target).name))
        assert_close(T.ConvertImageDtype(target)(needl.tensor(image)), expected,
                     np.dtype(target))
    ours, theirs = both(IMAGE_F32, torch)
    mean, std = [0.4, 0.5, 0.6], [0.2, 0.25, 0.3]
    assert_close(T.Normalize(mean, std)(ours), TF.normalize(theirs, mean, std), np.float32)


def test_random_transforms_with_the_same_parameters(TF, torch):
    """The random classes draw their parameters, then apply the functional: fix the draw."""
    ours, theirs = both(IMAGE_F32, torch)
    needl.manual_seed(3)
    top, left, height, width = T.RandomResizedCrop.get_params(ours, (0.08, 1.0), (0.75, 4 / 3))
    needl.manual_seed(3)
    assert_close(T.RandomResizedCrop(16)(ours),
                 TF.resized_crop(theirs, top, left, height, width, [16, 16]), np.float32)
    needl.manual_seed(4)
    angle = T.RandomRotation.get_params([-20.0, 20.0])
    needl.manual_seed(4)
    assert_close(T.RandomRotation(20, T.InterpolationMode.BILINEAR)(ours),
                 TF.rotate(theirs, angle, TF.InterpolationMode.BILINEAR, fill=[0.0] * 3),
                 np.float32)
