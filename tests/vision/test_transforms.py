"""needl.vision.transforms without torchvision: known values, kinds, seeding, errors."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import needl
from needl.vision import transforms as T
from needl.vision.transforms import functional as F
from needl.vision.transforms.resample import resize_weights

RNG = np.random.default_rng(1)
HWC = RNG.integers(0, 256, (12, 16, 3), dtype=np.uint8)


def chw(array):
    return needl.tensor(np.ascontiguousarray(array.transpose(2, 0, 1)))


@pytest.mark.parametrize("transform", [
    T.Resize((7, 9)), T.Resize(6, interpolation=T.InterpolationMode.NEAREST), T.CenterCrop(10),
    T.Pad([1, 2, 3, 4], fill=5), T.Pad(2, padding_mode="reflect"), T.Grayscale(3),
    T.ColorJitter(0.5, 0.5, 0.5, 0.2), T.RandomRotation(40), T.RandomCrop(8, padding=2),
    T.RandomResizedCrop(8), T.RandomHorizontalFlip(1.0), T.RandomVerticalFlip(1.0)])
def test_hwc_arrays_and_chw_tensors_give_the_same_pixels(transform):
    needl.manual_seed(5)
    from_array = transform(HWC)
    needl.manual_seed(5)
    from_tensor = transform(chw(HWC))
    assert isinstance(from_array, np.ndarray) and isinstance(from_tensor, needl.Tensor)
    assert from_array.dtype == np.uint8 and from_tensor.dtype == np.uint8
    np.testing.assert_array_equal(from_array.transpose(2, 0, 1), from_tensor.numpy())


def test_pil_images_stay_pil_images():
    Image = pytest.importorskip("PIL.Image")
    picture = Image.fromarray(HWC)
    pipeline = T.Compose([T.RandomResizedCrop(8), T.RandomHorizontalFlip(), T.ColorJitter(0.3),
                          T.RandomRotation(10), T.Pad(1), T.Grayscale()])
    out = pipeline(picture)
    assert isinstance(out, Image.Image) and out.size == (10, 10) and out.mode == "L"
    tensor = T.ToTensor()(out)
    assert tensor.shape == (1, 10, 10) and tensor.dtype == np.float32
    np.testing.assert_allclose(tensor.numpy()[0], np.asarray(out) / 255, rtol=1e-6)


def test_to_tensor_normalize_and_dtypes():
    tensor = T.ToTensor()(HWC)
    assert tensor.shape == (3, 12, 16) and tensor.dtype == np.float32
    np.testing.assert_allclose(tensor.numpy(), HWC.transpose(2, 0, 1) / 255, rtol=1e-6)
    assert T.ToTensor()(HWC[..., 0]).shape == (1, 12, 16)
    assert T.ToTensor()(HWC.astype(np.int32)).dtype == np.int32  # only uint8 is scaled
    assert T.PILToTensor()(HWC).dtype == np.uint8
    normalized = T.Normalize([0.5, 0.5, 0.5], [0.25, 0.25, 0.25])(tensor)
    np.testing.assert_allclose(normalized.numpy(), (tensor.numpy() - 0.5) * 4, rtol=1e-5)
    assert normalized.dtype == np.float32
    assert T.ConvertImageDtype(needl.uint8)(needl.tensor([[[0.0, 0.5, 1.0]]])).tolist() == \
        [[[0, 127, 255]]]
    assert T.ConvertImageDtype(needl.float32)(needl.tensor(np.array([[[0, 255]]], np.uint8))) \
        .tolist() == [[[0.0, 1.0]]]


def test_normalize_in_place_and_under_autograd():
    image = needl.rand(3, 4, 4)
    expected = (image.numpy() - 0.5) / 0.25
    assert T.Normalize([0.5] * 3, [0.25] * 3, inplace=True)(image) is image
    np.testing.assert_allclose(image.numpy(), expected, rtol=1e-6)
    leaf = needl.rand(3, 2, 2, requires_grad=True)
    T.Normalize([0.1, 0.2, 0.3], [0.5, 0.25, 2.0])(leaf).sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy()[:, 0, 0], [2.0, 4.0, 0.5], rtol=1e-6)


def test_rotations_by_right_angles_are_exact():
    square = needl.tensor(RNG.random((2, 3, 8, 8), dtype=np.float32))
    for angle, turns in ((90, 1), (180, 2), (-90, 3)):
        rotated = F.rotate(square, angle)
        np.testing.assert_array_equal(rotated.numpy(), np.rot90(square.numpy(), turns, (-2, -1)))
    wide = needl.tensor(RNG.random((1, 4, 6), dtype=np.float32))
    assert F.rotate(wide, 90, expand=True).shape == (1, 6, 4)


def test_colour_adjustments_known_values():
    image = needl.tensor(RNG.random((3, 5, 5), dtype=np.float32))
    np.testing.assert_array_equal(F.adjust_brightness(image, 0).numpy(), 0)
    gray = F.rgb_to_grayscale(image).numpy()
    np.testing.assert_allclose(F.adjust_saturation(image, 0).numpy(), np.repeat(gray, 3, 0),
                               rtol=1e-6)
    np.testing.assert_allclose(F.adjust_hue(image, 0.0).numpy(), image.numpy(), atol=1e-6)
    contrast = F.adjust_contrast(image, 0).numpy()
    np.testing.assert_allclose(contrast, gray.mean(), rtol=1e-5)
    assert F.adjust_brightness(needl.tensor(HWC.transpose(2, 0, 1).copy()), 3.0).numpy().max() \
        == 255  # clamped to the dtype's range
    assert T.ColorJitter()(image) is image


@settings(max_examples=25, deadline=None, derandomize=True)
@given(size_in=st.integers(1, 40), size_out=st.integers(1, 40),
       mode=st.sampled_from(["nearest", "nearest-exact", "bilinear", "bicubic"]),
       antialias=st.booleans())
def test_resize_weights_are_partitions_of_unity(size_in, size_out, mode, antialias):
    weights = resize_weights(size_in, size_out, mode, antialias)
    assert weights.shape == (size_out, size_in)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-6)
    if mode.startswith("nearest"):
        assert set(np.unique(weights)) <= {0.0, 1.0}


@settings(max_examples=25, deadline=None, derandomize=True)
@given(height=st.integers(1, 12), width=st.integers(1, 12), channels=st.sampled_from([1, 3]),
       out_height=st.integers(1, 12), out_width=st.integers(1, 12),
       padding=st.lists(st.integers(0, 3), min_size=4, max_size=4),
       mode=st.sampled_from(["constant", "edge", "reflect", "symmetric"]))
def test_shapes_constants_and_padding_on_random_sizes(height, width, channels, out_height,
                                                      out_width, padding, mode):
    constant = needl.full((channels, height, width), 0.25)
    resized = F.resize(constant, (out_height, out_width))
    assert resized.shape == (channels, out_height, out_width) and resized.dtype == np.float32
    np.testing.assert_allclose(resized.numpy(), 0.25, rtol=1e-5)
    if mode == "reflect" and (max(padding[0], padding[2]) >= width
                              or max(padding[1], padding[3]) >= height):
        return  # reflect needs the padding smaller than the image, as in PyTorch
    image = RNG.integers(0, 256, (channels, height, width), dtype=np.uint8)
    left, top, right, bottom = padding
    expected = np.pad(image, [(0, 0), (top, bottom), (left, right)],
                      mode=mode if mode != "constant" else "constant")
    np.testing.assert_array_equal(F.pad(needl.tensor(image), padding, 0, mode).numpy(), expected)


def test_size_zero_batch_and_batched_tensors():
    empty = needl.tensor(np.zeros((0, 3, 6, 6), np.float32))
    assert F.resize(empty, (3, 3)).shape == (0, 3, 3, 3)
    batch = needl.tensor(RNG.random((4, 3, 6, 6), dtype=np.float32))
    per_image = np.stack([F.resize(needl.tensor(image), (4, 5)).numpy() for image in batch.numpy()])
    np.testing.assert_allclose(F.resize(batch, (4, 5)).numpy(), per_image, rtol=1e-6)


def test_seeding_makes_random_pipelines_repeat():
    pipeline = T.Compose([T.RandomResizedCrop(6), T.RandomHorizontalFlip(), T.ColorJitter(0.4, 0.4,
                          0.4, 0.1), T.RandomApply([T.RandomRotation(30)], p=0.5),
                          T.RandomChoice([T.Grayscale(3), T.Lambda(lambda x: x)])])
    runs = []
    for _ in range(2):
        needl.manual_seed(11)
        runs.append([pipeline(chw(HWC)).numpy() for _ in range(5)])
    for first, second in zip(*runs):
        np.testing.assert_array_equal(first, second)
    assert any(not np.array_equal(runs[0][0], other) for other in runs[0][1:])


def test_random_apply_and_choice_probabilities():
    image = chw(HWC)
    flipped = T.RandomApply([T.RandomHorizontalFlip(1.0)], p=1.0)(image)
    np.testing.assert_array_equal(flipped.numpy(), image.numpy()[..., ::-1])
    assert T.RandomApply([T.RandomHorizontalFlip(1.0)], p=0.0)(image) is image
    assert T.RandomChoice([T.Lambda(lambda x: 1), T.Lambda(lambda x: 2)], p=[0, 1])(image) == 2
    assert T.RandomHorizontalFlip(0.0)(image) is image


def test_errors_name_what_is_wrong():
    with pytest.raises(TypeError, match="convert it with ToTensor"):
        T.Normalize([0.5], [0.5])(HWC)
    with pytest.raises(TypeError, match="Input tensor should be a float tensor"):
        T.Normalize([0.5], [0.5])(chw(HWC))
    with pytest.raises(TypeError, match="img should be a PIL Image, a NumPy array"):
        F.hflip([1, 2, 3])
    with pytest.raises(ValueError, match="'box' is not supported for arrays"):
        T.Resize(4, interpolation=T.InterpolationMode.BOX)(HWC)
    with pytest.raises(ValueError, match=r"Required crop size \(20, 20\) is larger"):
        T.RandomCrop(20)(HWC)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize([0.5], [0.0])(T.ToTensor()(HWC))
    with pytest.raises(ValueError, match="hue_factor"):
        F.adjust_hue(HWC, 0.7)
    with pytest.raises(TypeError, match="should be callable"):
        T.Lambda(3)


def test_reprs_follow_torchvision():
    assert repr(T.Normalize((0.1307,), (0.3081,))) == "Normalize(mean=(0.1307,), std=(0.3081,))"
    assert repr(T.Compose([T.ToTensor(), T.RandomHorizontalFlip()])) == \
        "Compose(\n    ToTensor()\n    RandomHorizontalFlip(p=0.5)\n)"
    assert repr(T.Resize(32)) == \
        "Resize(size=32, interpolation=bilinear, max_size=None, antialias=True)"
