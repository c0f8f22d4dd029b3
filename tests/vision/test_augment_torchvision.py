"""The augmentation functionals against torchvision's on the same inputs (skipped without it)."""
import numpy as np
import pytest

import needl
from needl.vision.transforms import functional as F

RNG = np.random.default_rng(3)
IMAGE_U8 = RNG.integers(0, 256, (3, 17, 23), dtype=np.uint8)
IMAGE_F32 = RNG.random((3, 17, 23), dtype=np.float32)
CORNERS = [[0, 0], [22, 0], [22, 16], [0, 16]]
MOVED = [[2, 1], [20, 3], [22, 14], [1, 15]]


def both(image, torch):
    return needl.tensor(image), torch.from_numpy(image.copy())


def assert_close(ours, theirs, dtype, share=0.01):
    """Exact shapes and dtypes; floats to 1e-5 (float32 arithmetic in another order); integers
    within 1 on a small share of pixels (a float32 value near .5 may round the other way)."""
    ours = ours.numpy() if isinstance(ours, needl.Tensor) else np.asarray(ours)
    theirs = theirs.numpy() if hasattr(theirs, "numpy") else np.asarray(theirs)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    if np.dtype(dtype).kind == "u":
        difference = np.abs(ours.astype(int) - theirs.astype(int))
        assert difference.max() <= 1 and (difference > 0).mean() <= share
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


TONE = [("invert", ()), ("autocontrast", ()), ("solarize", (0.6,)), ("adjust_sharpness", (0.3,)),
        ("adjust_sharpness", (2.5,))]


@pytest.mark.parametrize("image", [IMAGE_U8, IMAGE_F32], ids=["uint8", "float32"])
@pytest.mark.parametrize("name,arguments", TONE)
def test_tone_tensor(TF, torch, image, name, arguments):
    if name == "solarize" and image.dtype == np.uint8:
        arguments = (150,)
    ours, theirs = both(image, torch)
    assert_close(getattr(F, name)(ours, *arguments), getattr(TF, name)(theirs, *arguments),
                 image.dtype)


@pytest.mark.parametrize("bits", [0, 3, 8])
def test_posterize_and_equalize_uint8(TF, torch, bits):
    batch = RNG.integers(0, 256, (2, 3, 9, 8), dtype=np.uint8)
    batch[1, 2] = 7  # a constant channel: equalize leaves it
    batch[0, 1, :4] = 200
    ours, theirs = both(batch, torch)
    assert_close(F.posterize(ours, bits), TF.posterize(theirs, bits), np.uint8, share=0)
    assert_close(F.equalize(ours), TF.equalize(theirs), np.uint8, share=0)


@pytest.mark.parametrize("name,arguments", TONE + [("posterize", (3,)), ("equalize", ())])
def test_tone_pil(TF, Image, name, arguments):
    if name == "solarize":
        arguments = (150,)
    picture = Image.fromarray(IMAGE_U8.transpose(1, 2, 0))
    assert np.array_equal(np.asarray(getattr(F, name)(picture, *arguments)),
                          np.asarray(getattr(TF, name)(picture, *arguments)))


@pytest.mark.parametrize("image", [IMAGE_U8, IMAGE_F32], ids=["uint8", "float32"])
@pytest.mark.parametrize("kernel_size,sigma", [(3, None), ((5, 3), (1.5, 0.7)), (7, 2.0)])
def test_gaussian_blur(TF, torch, Image, image, kernel_size, sigma):
    ours, theirs = both(image, torch)
    assert_close(F.gaussian_blur(ours, kernel_size, sigma),
                 TF.gaussian_blur(theirs, kernel_size, sigma), image.dtype)
    picture = Image.fromarray(IMAGE_U8.transpose(1, 2, 0))
    assert_close(F.gaussian_blur(picture, kernel_size, sigma),
                 TF.gaussian_blur(picture, kernel_size, sigma), np.uint8)


AFFINES = [(30.0, [0, 0], 1.0, [0.0, 0.0], None), (-12.5, [3, -2], 0.8, [10.0, 0.0], None),
           (45.0, [1, 2], 1.3, [5.0, -7.0], [4, 6]), (0.0, [0, 0], 1.0, [16.7, 0.0], [0, 0])]


@pytest.mark.parametrize("angle,translate,scale,shear,center", AFFINES)
@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("fill", [None, [0.2, 0.4, 0.6]])
def test_affine_tensor(TF, torch, angle, translate, scale, shear, center, mode, fill):
    ours, theirs = both(IMAGE_F32, torch)
    got = F.affine(ours, angle, translate, scale, shear, F.InterpolationMode(mode), fill, center)
    expected = TF.affine(theirs, angle, translate, scale, shear, TF.InterpolationMode(mode),
                         fill, center)
    if mode == "nearest":  # a float32 coordinate at a tie may round the other way
        assert got.shape == tuple(expected.shape)
        assert (np.abs(got.numpy() - expected.numpy()) > 1e-6).mean() < 0.01
    else:
        assert_close(got, expected, np.float32)


@pytest.mark.parametrize("angle,translate,scale,shear,center", AFFINES)
def test_affine_uint8_and_pil(TF, torch, Image, angle, translate, scale, shear, center):
    ours, theirs = both(IMAGE_U8, torch)
    assert_close(F.affine(ours, angle, translate, scale, shear, center=center),
                 TF.affine(theirs, angle, translate, scale, shear, center=center), np.uint8,
                 share=0.02)
    picture = Image.fromarray(IMAGE_U8.transpose(1, 2, 0))
    assert np.array_equal(
        np.asarray(F.affine(picture, angle, translate, scale, shear, center=center, fill=5)),
        np.asarray(TF.affine(picture, angle, translate, scale, shear, center=center, fill=5)))


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("fill", [None, [0.5, 0.5, 0.5]])
def test_perspective(TF, torch, Image, mode, fill):
    ours, theirs = both(IMAGE_F32, torch)
    got = F.perspective(ours, CORNERS, MOVED, F.InterpolationMode(mode), fill)
    expected = TF.perspective(theirs, CORNERS, MOVED, TF.InterpolationMode(mode), fill)
    if mode == "nearest":
        assert (np.abs(got.numpy() - expected.numpy()) > 1e-6).mean() < 0.01
    else:
        np.testing.assert_allclose(got.numpy(), expected.numpy(), atol=1e-4)
    picture = Image.fromarray(IMAGE_U8.transpose(1, 2, 0))
    assert np.array_equal(
        np.asarray(F.perspective(picture, CORNERS, MOVED, F.InterpolationMode(mode))),
        np.asarray(TF.perspective(picture, CORNERS, MOVED, TF.InterpolationMode(mode))))


def test_elastic_transform(TF, torch):
    displacement = (RNG.random((1, 17, 23, 2), dtype=np.float32) - 0.5) * 0.2
    ours, theirs = both(IMAGE_F32, torch)
    assert_close(F.elastic_transform(ours, needl.tensor(displacement)),
                 TF.elastic_transform(theirs, torch.from_numpy(displacement)), np.float32)


def test_erase_and_crops(TF, torch):
    ours, theirs = both(IMAGE_F32, torch)
    value = RNG.random((3, 4, 5), dtype=np.float32)
    assert_close(F.erase(ours, 2, 3, 4, 5, needl.tensor(value)),
                 TF.erase(theirs, 2, 3, 4, 5, torch.from_numpy(value)), np.float32)
    for got, expected in zip(F.ten_crop(ours, (9, 6), vertical_flip=True),
                             TF.ten_crop(theirs, [9, 6], vertical_flip=True)):
        assert_close(got, expected, np.float32)


OPS = [("ShearX", 0.25), ("ShearY", -0.2), ("TranslateX", 4.0), ("TranslateY", -3.0),
       ("Rotate", 20.0), ("Brightness", 0.5), ("Color", -0.4), ("Contrast", 0.6),
       ("Sharpness", 0.7), ("Posterize", 5.0), ("Solarize", 120.0), ("AutoContrast", 0.0),
       ("Equalize", 0.0), ("Invert", 0.0), ("Identity", 0.0)]


@pytest.mark.parametrize("name,magnitude", OPS)
def test_autoaugment_operations(torchvision, torch, Image, name, magnitude):
    from torchvision.transforms import autoaugment as theirs
    from needl.vision.transforms import autoaugment as ours
    mode = "nearest"
    image, expected_image = both(IMAGE_U8, torch)
    got = ours._apply_op(image, name, magnitude, F.InterpolationMode(mode), [0.0, 0.0, 0.0])
    expected = theirs._apply_op(expected_image, name, magnitude,
                                theirs.InterpolationMode(mode), [0.0, 0.0, 0.0])
    if name in ("ShearX", "ShearY", "Rotate"):  # nearest ties may round the other way
        assert (got.numpy() != expected.numpy()).mean() < 0.01
    else:
        assert_close(got, expected, np.uint8)
    picture = Image.fromarray(IMAGE_U8.transpose(1, 2, 0))
    assert np.array_equal(
        np.asarray(ours._apply_op(picture, name, magnitude, F.InterpolationMode(mode), None)),
        np.asarray(theirs._apply_op(picture, name, magnitude, theirs.InterpolationMode(mode),
                                    None)))


def test_policies_and_augmentation_spaces(torchvision):
    import torchvision.transforms as TT
    from needl.vision import transforms as T
    for policy in ("IMAGENET", "CIFAR10", "SVHN"):
        assert T.AutoAugment(T.AutoAugmentPolicy[policy]).policies == \
            TT.AutoAugment(TT.AutoAugmentPolicy[policy]).policies
    pairs = [(T.AutoAugment(), TT.AutoAugment(), (10, (20, 30))),
             (T.RandAugment(), TT.RandAugment(), (31, (20, 30))),
             (T.TrivialAugmentWide(), TT.TrivialAugmentWide(), (31,)),
             (T.AugMix(all_ops=False), TT.AugMix(all_ops=False), (10, (20, 30))),
             (T.AugMix(), TT.AugMix(), (10, (20, 30)))]
    for ours, theirs, arguments in pairs:
        ours, theirs = ours._augmentation_space(*arguments), theirs._augmentation_space(*arguments)
        assert list(ours) == list(theirs)
        for name in ours:
            np.testing.assert_allclose(ours[name][0], theirs[name][0].numpy(), rtol=1e-6)
            assert ours[name][1] == theirs[name][1]


def _error_of(make):
    try:
        make()
    except Exception as error:  # noqa: BLE001 - the error is what is compared
        return type(error), str(error)
    return None


@pytest.mark.parametrize("name,arguments", [
    ("GaussianBlur", (4,)), ("GaussianBlur", (3, -1.0)), ("GaussianBlur", (3, (2.0, 1.0))),
    ("GaussianBlur", (3, (1.0, 2.0, 3.0))), ("RandomAffine", (-3,)), ("RandomAffine", ([1],)),
    ("RandomAffine", (3, (0.1, 1.5))), ("RandomAffine", (3, None, (0.0, 1.0))),
    ("RandomAffine", (3, None, None, (1, 2, 3))), ("RandomErasing", (0.5, (0.1, 1.5))),
    ("RandomErasing", (1.5,)), ("RandomErasing", (0.5, (0.1, 0.2), (1, 2), "noise")),
    ("AugMix", (11,)), ("FiveCrop", ((1, 2, 3),))])
def test_constructor_errors_match(torchvision, name, arguments):
    import torchvision.transforms as TT
    from needl.vision import transforms as T
    ours, theirs = _error_of(lambda: getattr(T, name)(*arguments)), \
        _error_of(lambda: getattr(TT, name)(*arguments))
    assert theirs is not None and ours is not None
    assert ours[0] is theirs[0] and ours[1] == theirs[1]


def test_v2_conversions(torchvision, torch):
    from torchvision.transforms.v2 import functional as TF2
    from needl.vision.transforms.v2 import functional as F2
    hwc = IMAGE_U8.transpose(1, 2, 0).copy()
    np.testing.assert_array_equal(F2.to_image(hwc).numpy(), TF2.to_image(hwc).numpy())
    ours, theirs = both(IMAGE_U8, torch)
    for dtype, scale in ((np.float32, True), (np.float32, False)):
        assert_close(F2.to_dtype(ours, needl.float32, scale),
                     TF2.to_dtype(theirs, torch.float32, scale), np.float32)
    floats, float_theirs = both(IMAGE_F32, torch)
    assert_close(F2.to_dtype(floats, needl.uint8, True), TF2.to_dtype(float_theirs, torch.uint8,
                                                                      True), np.uint8)
    assert_close(F2.permute_channels(ours, [2, 0, 1]), TF2.permute_channels(theirs, [2, 0, 1]),
                 np.uint8)
    gray = ours[:1]
    assert_close(F2.grayscale_to_rgb(gray), TF2.grayscale_to_rgb(theirs[:1]), np.uint8)


def test_elastic_displacement_statistics(torchvision, torch):
    """get_params draws differ (NumPy vs torch streams); the smoothed fields' spread along
    each axis (width-relative x, height-relative y) must match torchvision's."""
    import torchvision.transforms as TT
    from needl.vision import transforms as T
    needl.manual_seed(0)
    torch.manual_seed(0)
    ours = np.stack([T.ElasticTransform.get_params([30.0, 10.0], [2.0, 3.0], [24, 40]).numpy()
                     for _ in range(40)])
    theirs = np.stack([TT.ElasticTransform.get_params([30.0, 10.0], [2.0, 3.0], [24, 40]).numpy()
                       for _ in range(40)])
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours.std(axis=(0, 1, 2, 3)), theirs.std(axis=(0, 1, 2, 3)),
                               rtol=0.1)
