"""The augmentation transforms without torchvision: known values, draws and their ranges,
p = 0 / 1, seeding, dtypes and shapes, the three input kinds, errors."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import needl
from needl.vision import transforms as T
from needl.vision.transforms import functional as F

RNG = np.random.default_rng(7)
HWC = RNG.integers(0, 256, (14, 18, 3), dtype=np.uint8)


def chw(array):
    return needl.tensor(np.ascontiguousarray(array.transpose(2, 0, 1)))


ARRAY_AND_TENSOR = [
    T.RandomGrayscale(1.0), T.GaussianBlur(5, (0.5, 1.5)),
    T.RandomAffine(25, (0.1, 0.2), (0.8, 1.2), (-8, 8, -4, 4), fill=7),
    T.RandomAffine(10, interpolation=T.InterpolationMode.BILINEAR),
    T.RandomOrder([T.RandomInvert(1.0), T.RandomPosterize(3, 1.0), T.RandomSolarize(120, 1.0)]),
    T.RandomAdjustSharpness(2.0, 1.0), T.RandomAutocontrast(1.0), T.RandomEqualize(1.0),
    T.RandomPerspective(0.6, 1.0), T.ElasticTransform(20.0, 1.0), T.AutoAugment(),
    T.AutoAugment(T.AutoAugmentPolicy.CIFAR10), T.AutoAugment(T.AutoAugmentPolicy.SVHN, fill=3),
    T.RandAugment(), T.TrivialAugmentWide(), T.AugMix(), T.RandomErasing(1.0, value=9),
    T.RandomErasing(1.0, value="random")]


@pytest.mark.parametrize("transform", ARRAY_AND_TENSOR, ids=lambda t: type(t).__name__)
def test_hwc_arrays_and_chw_tensors_give_the_same_pixels(transform):
    for seed in range(3):
        needl.manual_seed(seed)
        from_array = transform(HWC)
        needl.manual_seed(seed)
        from_tensor = transform(chw(HWC))
        needl.manual_seed(seed)
        again = transform(chw(HWC))
        assert isinstance(from_array, np.ndarray) and isinstance(from_tensor, needl.Tensor)
        assert from_array.dtype == np.uint8 and from_tensor.dtype == np.uint8
        assert from_array.shape == HWC.shape
        np.testing.assert_array_equal(from_array.transpose(2, 0, 1), from_tensor.numpy())
        np.testing.assert_array_equal(from_tensor.numpy(), again.numpy())  # seeded


@pytest.mark.parametrize("transform", [t for t in ARRAY_AND_TENSOR
                                       if not isinstance(t, T.RandomErasing)],
                         ids=lambda t: type(t).__name__)
def test_pil_images_stay_pil_images(Image, transform):
    needl.manual_seed(0)
    out = transform(Image.fromarray(HWC))
    assert isinstance(out, Image.Image) and out.size == (18, 14) and out.mode == "RGB"


def test_float_tensors_keep_their_dtype_and_batches_work():
    batch = needl.tensor(RNG.random((2, 3, 14, 18)).astype(np.float64))
    for transform in (T.GaussianBlur(3), T.RandomAffine(20, shear=5), T.RandomInvert(1.0),
                      T.RandomSolarize(0.5, 1.0), T.RandomAutocontrast(1.0),
                      T.RandomAdjustSharpness(0.5, 1.0), T.RandomPerspective(p=1.0),
                      T.ElasticTransform(5.0, 1.0), T.RandomErasing(1.0)):
        out = transform(batch)
        assert out.shape == batch.shape and out.dtype == np.float64, transform


@pytest.mark.parametrize("transform", [
    T.RandomGrayscale(0.0), T.RandomInvert(0.0), T.RandomPosterize(2, 0.0),
    T.RandomSolarize(0, 0.0), T.RandomAdjustSharpness(0.0, 0.0), T.RandomAutocontrast(0.0),
    T.RandomEqualize(0.0), T.RandomPerspective(p=0.0), T.RandomErasing(0.0),
    T.RandomAffine(0), T.GaussianBlur(1), T.ElasticTransform(0.0, 0.0), T.RandAugment(0),
    T.AutoAugment(T.AutoAugmentPolicy.SVHN).__class__(fill=None)], ids=lambda t: repr(t)[:30])
def test_identity_cases(transform):
    if isinstance(transform, T.AutoAugment):
        transform.policies = [(("Invert", 0.0, None), ("Equalize", 0.0, None))]
    np.testing.assert_array_equal(transform(chw(HWC)).numpy(), HWC.transpose(2, 0, 1))


def test_tone_operations_known_values():
    image = np.array([[[0, 64, 128, 200, 255]]], dtype=np.uint8)
    tensor = needl.tensor(image)
    assert F.invert(tensor).tolist() == [[[255, 191, 127, 55, 0]]]
    assert F.posterize(tensor, 2).tolist() == [[[0, 64, 128, 192, 192]]]
    assert F.solarize(tensor, 128).tolist() == [[[0, 64, 127, 55, 0]]]
    assert F.autocontrast(needl.tensor(np.array([[[50, 100, 150]]], np.uint8))).tolist() == \
        [[[0, 127, 255]]]
    floats = needl.tensor(np.array([[[0.25, 0.5, 0.75]]], np.float32))
    np.testing.assert_allclose(F.invert(floats).numpy(), [[[0.75, 0.5, 0.25]]])
    np.testing.assert_allclose(F.autocontrast(floats).numpy(), [[[0.0, 0.5, 1.0]]])
    constant = needl.tensor(np.full((3, 4, 4), 9, np.uint8))
    assert (F.autocontrast(constant).numpy() == 9).all()
    assert (F.equalize(constant).numpy() == 9).all()
    ramp = needl.tensor(np.arange(256, dtype=np.uint8).reshape(1, 16, 16))
    np.testing.assert_array_equal(F.equalize(ramp).numpy(), ramp.numpy())  # already flat


def test_sharpness_and_blur_known_values():
    image = np.zeros((1, 5, 5), np.float32)
    image[0, 2, 2] = 1.0
    smooth = F.adjust_sharpness(needl.tensor(image), 0.0).numpy()[0]
    assert smooth[2, 2] == pytest.approx(5 / 13) and smooth[1, 1] == pytest.approx(1 / 13)
    assert smooth[0].sum() == 0  # the border keeps its values
    blurred = F.gaussian_blur(needl.tensor(image), 3, 1.0).numpy()[0]
    kernel = np.exp(-0.5 * np.array([1.0, 0.0, 1.0]))
    kernel /= kernel.sum()
    np.testing.assert_allclose(blurred[1:4, 1:4], np.outer(kernel, kernel), rtol=1e-6)
    assert blurred.sum() == pytest.approx(1.0, rel=1e-6)


def test_affine_and_perspective_known_values():
    image = chw(HWC)
    np.testing.assert_array_equal(F.affine(image, 0.0, [0, 0], 1.0, 0.0).numpy(), image.numpy())
    shifted = F.affine(image, 0.0, [3, 2], 1.0, [0.0, 0.0]).numpy()
    np.testing.assert_array_equal(shifted[:, 2:, 3:], image.numpy()[:, :-2, :-3])
    assert (shifted[:, :2] == 0).all() and (shifted[:, :, :3] == 0).all()
    rotated = F.affine(image, 90.0, [0, 0], 1.0, 0.0).numpy()  # clockwise, as torchvision's
    np.testing.assert_array_equal(rotated[:, :, 2:16], np.rot90(image.numpy(), -1, (1, 2))[:, 2:16])
    corners = [[0, 0], [17, 0], [17, 13], [0, 13]]
    np.testing.assert_allclose(F.perspective(image, corners, corners).numpy(), image.numpy())
    moved = [[x + 2, y + 1] for x, y in corners]
    np.testing.assert_array_equal(F.perspective(image, corners, moved).numpy()[:, 1:, 2:],
                                  image.numpy()[:, :-1, :-2])


def test_erase_five_and_ten_crop():
    image = chw(HWC)
    erased = F.erase(image, 1, 2, 3, 4, needl.tensor(np.array(5, np.uint8)))
    assert (erased.numpy()[:, 1:4, 2:6] == 5).all() and erased is not image
    assert (image.numpy()[:, 1:4, 2:6] == HWC.transpose(2, 0, 1)[:, 1:4, 2:6]).all()
    same = F.erase(image, 0, 0, 1, 1, 0, inplace=True)
    assert same is image and (image.numpy()[:, 0, 0] == 0).all()
    crops = T.TenCrop((5, 6))(HWC)
    assert len(crops) == 10 and all(crop.shape == (5, 6, 3) for crop in crops)
    np.testing.assert_array_equal(crops[0], HWC[:5, :6])
    np.testing.assert_array_equal(crops[3], HWC[-5:, -6:])
    np.testing.assert_array_equal(crops[5], HWC[:5, ::-1][:, :6])
    np.testing.assert_array_equal(T.TenCrop(4, vertical_flip=True)(HWC)[5], HWC[::-1][:4, :4])
    with pytest.raises(ValueError, match="bigger than input size"):
        F.five_crop(HWC, 15)


def test_linear_transformation_whitens():
    data = RNG.random((200, 2 * 2 * 1)).astype(np.float32)
    mean = data.mean(axis=0)
    covariance = np.cov(data - mean, rowvar=False)
    values, vectors = np.linalg.eigh(covariance)
    zca = (vectors @ np.diag(1 / np.sqrt(values)) @ vectors.T).astype(np.float32)
    transform = T.LinearTransformation(needl.tensor(zca), needl.tensor(mean))
    white = transform(needl.tensor(data.reshape(200, 1, 2, 2))).numpy().reshape(200, 4)
    np.testing.assert_allclose(np.cov(white, rowvar=False), np.eye(4), atol=1e-3)
    with pytest.raises(ValueError, match="incompatible shape"):
        transform(needl.zeros(1, 3, 3))
    with pytest.raises(ValueError, match="square"):
        T.LinearTransformation(needl.zeros(2, 3), needl.zeros(2))


@settings(max_examples=25, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2 ** 16), height=st.integers(4, 40), width=st.integers(4, 40))
def test_random_parameters_stay_in_their_ranges(seed, height, width):
    needl.manual_seed(seed)
    image = np.zeros((height, width, 1), np.uint8)
    top, left, h, w, value = T.RandomErasing.get_params(image, (0.02, 0.33), (0.3, 3.3), [0.0])
    if value is not image:
        assert 0 <= top <= height - h and 0 <= left <= width - w and h < height and w < width
        assert 0.3 / 1.5 <= h / w <= 3.3 * 1.5 or min(h, w) < 3
    angle, (tx, ty), scale, (sx, sy) = T.RandomAffine.get_params(
        [-10, 20], [0.1, 0.3], [0.5, 2.0], [-5, 5, 1, 2], [width, height])
    assert -10 <= angle <= 20 and abs(tx) <= round(0.1 * width) and abs(ty) <= round(0.3 * height)
    assert 0.5 <= scale <= 2 and -5 <= sx <= 5 and 1 <= sy <= 2
    start, end = T.RandomPerspective.get_params(width, height, 0.5)
    assert start == [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]]
    reach_x, reach_y = int(0.5 * (width // 2)), int(0.5 * (height // 2))
    for (x, y), (x0, y0) in zip(end, start):
        assert abs(x - x0) <= reach_x and abs(y - y0) <= reach_y
        assert 0 <= x < width and 0 <= y < height
    assert 0.1 <= T.GaussianBlur.get_params(0.1, 2.0) <= 2.0
    policy, draws, signs = T.AutoAugment.get_params(25)
    assert 0 <= policy < 25 and ((draws >= 0) & (draws < 1)).all() and set(signs) <= {0, 1}


def test_augmentation_spaces_match_torchvision_bins():
    space = T.RandAugment()._augmentation_space(31, (32, 64))
    assert list(space) == ["Identity", "ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate",
                           "Brightness", "Color", "Contrast", "Sharpness", "Posterize",
                           "Solarize", "AutoContrast", "Equalize"]
    assert space["TranslateX"][0][-1] == pytest.approx(150 / 331 * 64)
    assert space["Posterize"][0][[0, 15, 30]].tolist() == [8, 6, 4]
    wide = T.TrivialAugmentWide()._augmentation_space(31)
    assert wide["Rotate"][0][-1] == 135 and wide["Posterize"][0][[0, 30]].tolist() == [8, 2]
    assert len(T.AutoAugment(T.AutoAugmentPolicy.IMAGENET).policies) == 25
    assert len(T.AutoAugment(T.AutoAugmentPolicy.CIFAR10).policies) == 25
    assert len(T.AutoAugment(T.AutoAugmentPolicy.SVHN).policies) == 25


def test_random_order_and_erasing_draws():
    log = []
    transform = T.RandomOrder([lambda x: log.append(1) or x, lambda x: log.append(2) or x])
    orders = set()
    for seed in range(20):
        needl.manual_seed(seed)
        log.clear()
        transform(0)
        orders.add(tuple(log))
    assert orders == {(1, 2), (2, 1)}
    needl.manual_seed(3)
    hits = sum(bool((T.RandomErasing(0.3, value=1)(needl.zeros(1, 20, 20)).numpy() == 1).any())
               for _ in range(300))
    assert 60 < hits < 120  # p = 0.3 of 300


def test_aug_mix_mixes_between_original_and_chains():
    image = chw(HWC)
    needl.manual_seed(0)
    out = T.AugMix(severity=1, mixture_width=2, chain_depth=1, all_ops=False)(image)
    assert out.shape == image.shape and out.dtype == np.uint8
    with pytest.raises(ValueError, match="severity must be between"):
        T.AugMix(severity=11)


@pytest.mark.parametrize("make,error,message", [
    (lambda: T.GaussianBlur(4), ValueError, "odd and positive"),
    (lambda: T.GaussianBlur(3, -1.0), ValueError, "must be positive"),
    (lambda: T.GaussianBlur(3, (2.0, 1.0)), ValueError, "form \\(min, max\\)"),
    (lambda: T.RandomAffine(-3), ValueError, "must be positive"),
    (lambda: T.RandomAffine(3, translate=(0.1, 1.5)), ValueError, "between 0 and 1"),
    (lambda: T.RandomAffine(3, scale=(0.0, 1.0)), ValueError, "positive"),
    (lambda: T.RandomAffine(3, shear=(1, 2, 3)), ValueError, "length 2 or 4"),
    (lambda: T.RandomAffine(3, fill="x"), TypeError, "Fill should be"),
    (lambda: T.RandomErasing(value="noise"), ValueError, "should be 'random'"),
    (lambda: T.RandomErasing(scale=(0.1, 1.5)), ValueError, "between 0 and 1"),
    (lambda: T.RandomErasing(p=1.5), ValueError, "between 0 and 1"),
    (lambda: T.RandomErasing(1.0, value=[1, 2])(chw(HWC)), ValueError, "single value or 3"),
    (lambda: F.erase(__import__("PIL.Image").Image.fromarray(HWC), 0, 0, 1, 1, 0), TypeError,
     "Tensor Image"),
    (lambda: F.gaussian_blur(HWC, 3, 0.0), ValueError, "positive values"),
    (lambda: F.gaussian_blur(HWC, (3, 3, 3)), ValueError, "length should be 2"),
    (lambda: F.posterize(chw(HWC), 9), ValueError, "between 0 and 8"),
    (lambda: F.posterize(needl.zeros(3, 2, 2), 4), TypeError, "Only torch.uint8"),
    (lambda: F.equalize(needl.zeros(3, 2, 2)), TypeError, "Only torch.uint8"),
    (lambda: F.solarize(needl.zeros(3, 2, 2), 2.0), TypeError, "less than bound"),
    (lambda: F.adjust_sharpness(HWC, -1), ValueError, "not non-negative"),
    (lambda: F.invert(needl.zeros(2, 4, 4)), TypeError, "permitted channel values"),
    (lambda: F.affine(HWC, "1", [0, 0], 1.0, 0.0), TypeError, "angle should be int or float"),
    (lambda: F.affine(HWC, 1.0, [0], 1.0, 0.0), ValueError, "length 2"),
    (lambda: F.affine(HWC, 1.0, [0, 0], 0.0, 0.0), ValueError, "scale should be positive"),
    (lambda: F.affine(HWC, 1.0, [0, 0], 1.0, [1, 2, 3]), ValueError, "two values"),
    (lambda: F.affine(HWC, 1.0, [0, 0], 1.0, 0.0, fill=[1, 2]), ValueError, "cannot broadcast"),
    (lambda: F.perspective(HWC, [[0, 0]] * 3, [[0, 0]] * 4), ValueError, "exactly four"),
    (lambda: T.AutoAugment("imagenet"), ValueError, "not recognized"),
])
def test_bad_arguments_raise_torchvisions_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_erasing_warns_on_reversed_ranges_as_torchvision():
    with pytest.warns(UserWarning, match="\\(min, max\\)"):
        T.RandomErasing(scale=(0.3, 0.1))


@settings(max_examples=30, deadline=None, derandomize=True)
@given(batch=st.lists(st.integers(1, 3), max_size=2), channels=st.sampled_from([1, 3]),
       height=st.integers(3, 12), width=st.integers(3, 12), floating=st.booleans(),
       seed=st.integers(0, 1000))
def test_batches_are_each_image_transformed(batch, channels, height, width, floating, seed):
    """On random shapes with leading batch dimensions: the dtype and shape are kept and a
    batch gives each image's own result (the deterministic operations work per image)."""
    rng = np.random.default_rng(seed)
    shape = (*batch, channels, height, width)
    images = rng.random(shape, dtype=np.float32) if floating else \
        rng.integers(0, 256, shape, dtype=np.uint8)
    operations = [F.invert, F.autocontrast, lambda x: F.solarize(x, 0.5 if floating else 99),
                  lambda x: F.adjust_sharpness(x, 1.7), lambda x: F.gaussian_blur(x, 3, 0.8),
                  lambda x: F.affine(x, 17.0, [1, -1], 0.9, [4.0, 2.0]),
                  lambda x: F.perspective(x, [[0, 0], [2, 0], [2, 2], [0, 2]],
                                          [[0, 1], [2, 0], [2, 2], [1, 2]])]
    if not floating:
        operations += [F.equalize, lambda x: F.posterize(x, 3)]
    flat = images.reshape(-1, channels, height, width)
    for operation in operations:
        result = operation(needl.tensor(images))
        assert result.shape == shape and result.dtype == images.dtype
        each = np.stack([operation(needl.tensor(image)).numpy() for image in flat])
        np.testing.assert_array_equal(result.numpy().reshape(each.shape), each)


def test_empty_batches_and_images():
    empty = needl.tensor(np.zeros((0, 3, 5, 5), np.uint8))
    for operation in (F.invert, F.equalize, lambda x: F.posterize(x, 2), F.autocontrast,
                      lambda x: F.affine(x, 10.0, [0, 0], 1.0, 0.0),
                      lambda x: F.gaussian_blur(x, 3)):
        assert operation(empty).shape == (0, 3, 5, 5)
    assert F.equalize(needl.tensor(np.zeros((3, 0, 4), np.uint8))).shape == (3, 0, 4)
