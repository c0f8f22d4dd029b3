"""needl.vision.transforms.v2 without torchvision: samples of several inputs, the images'
shared draws, the conversions and v2's own transforms."""
import numpy as np
import pytest

import needl
import needl.vision.transforms.v2 as T
from needl.vision import transforms as T1
from needl.vision.transforms.v2 import functional as F2

RNG = np.random.default_rng(11)
HWC = RNG.integers(0, 256, (12, 16, 3), dtype=np.uint8)


def test_a_training_pipeline_on_image_and_label(Image):
    pipeline = T.Compose([T.RandomResizedCrop(8), T.RandomHorizontalFlip(), T.TrivialAugmentWide(),
                          T.ToImage(), T.ToDtype(needl.float32, scale=True),
                          T.Normalize([0.5] * 3, [0.25] * 3), T.RandomErasing(1.0)])
    needl.manual_seed(0)
    image, label = pipeline(Image.fromarray(HWC), 4)
    assert isinstance(image, needl.Tensor) and image.shape == (3, 8, 8) and label == 4
    assert image.dtype == np.float32
    needl.manual_seed(0)
    again = pipeline(Image.fromarray(HWC))
    np.testing.assert_array_equal(again.numpy(), image.numpy())  # the label draws nothing


def test_images_of_one_sample_share_the_draws(Image):
    picture, mask = Image.fromarray(HWC), Image.fromarray(HWC[..., 0])
    for transform in (T.RandomRotation(40), T.RandomResizedCrop(6), T.RandomAffine(20, (0.2, 0.2)),
                      T.RandomHorizontalFlip()):
        for seed in range(4):
            needl.manual_seed(seed)
            out = transform({"image": picture, "mask": mask, "id": 3})
            assert out["id"] == 3
            np.testing.assert_array_equal(np.asarray(out["image"])[..., 0], np.asarray(out["mask"]))


def test_tensors_made_from_images_stay_images(Image):
    """After ToImage, an image and its mask are both images (torchvision's tv_tensors.Image),
    so later transforms still move both; ToPureTensor makes them plain again."""
    pipeline = T.Compose([T.ToImage(), T.RandomRotation(50), T.RandomResizedCrop(7),
                          T.ToDtype(needl.float32, scale=True)])
    for seed in range(3):
        needl.manual_seed(seed)
        image, mask, label = pipeline(Image.fromarray(HWC), Image.fromarray(HWC[..., 0]),
                                      needl.tensor(np.array(5)))
        np.testing.assert_array_equal(image.numpy()[0], mask.numpy()[0])
        assert label.tolist() == 5
    plain_image, plain_mask = T.ToPureTensor()(image, mask)
    flipped, kept = T.RandomHorizontalFlip(1.0)(plain_image, plain_mask)
    np.testing.assert_array_equal(kept.numpy(), mask.numpy())  # only the first pure tensor
    np.testing.assert_array_equal(flipped.numpy(), image.numpy()[..., ::-1])
    picture = Image.fromarray(HWC)
    assert T.RandomErasing(1.0)(picture) is picture  # passed through, as torchvision's v2


def test_pure_tensor_heuristic():
    image, target = needl.tensor(HWC.transpose(2, 0, 1).copy()), needl.tensor(np.arange(4))
    flipped, same = T.RandomHorizontalFlip(1.0)(image, target)
    np.testing.assert_array_equal(flipped.numpy(), image.numpy()[..., ::-1])
    assert same is target
    assert T.RandomHorizontalFlip(1.0)(HWC) is HWC  # v2 passes NumPy arrays through
    nested = T.RandomVerticalFlip(1.0)([(image, {"boxes": target})])
    assert nested[0][1]["boxes"] is target
    np.testing.assert_array_equal(nested[0][0].numpy(), image.numpy()[:, ::-1])


def test_conversions():
    image = T.ToImage()(HWC)
    assert image.shape == (3, 12, 16) and image.dtype == np.uint8
    np.testing.assert_array_equal(image.numpy(), HWC.transpose(2, 0, 1))
    assert T.ToImage()(HWC[..., 0]).shape == (1, 12, 16)
    assert T.ToDtype(needl.float32)(image).numpy().max() > 1  # no scaling by default
    scaled = T.ToDtype(needl.float32, scale=True)(image)
    np.testing.assert_allclose(scaled.numpy(), HWC.transpose(2, 0, 1) / 255, rtol=1e-6)
    assert T.ToDtype(needl.uint8, scale=True)(scaled).tolist() == image.tolist()
    plain = T.ToPureTensor()(image)
    assert plain is not image and np.shares_memory(plain.numpy(), image.numpy())
    assert T.Identity()(image, 1) == (image, 1)
    assert T.ToTensor()(HWC).dtype == np.float32 and T.PILToTensor()(HWC) is HWC
    with pytest.raises(TypeError, match="no tv_tensors"):
        T.ToDtype({"image": needl.float32})
    assert F2.to_dtype(image, needl.float64).dtype == np.float64


def test_v2_only_transforms():
    image = needl.tensor(HWC.transpose(2, 0, 1).copy())
    gray = F2.rgb_to_grayscale(image)
    assert T.RGB()(gray).shape == (3, 12, 16) and T.RGB()(image) is not None
    needl.manual_seed(1)
    permuted = T.RandomChannelPermutation()(image).numpy()
    assert sorted(permuted.sum(axis=(1, 2)).tolist()) == sorted(image.numpy().sum(axis=(1, 2))
                                                                .tolist())
    np.testing.assert_array_equal(F2.permute_channels(image, [2, 0, 1]).numpy(),
                                  image.numpy()[[2, 0, 1]])
    floats = needl.full((3, 40, 40), 0.5)
    noisy = T.GaussianNoise(sigma=0.1)(floats).numpy()
    assert abs(noisy.std() - 0.1) < 0.01 and 0 <= noisy.min() and noisy.max() <= 1
    with pytest.raises(ValueError, match="float dtype"):
        F2.gaussian_noise(image)
    distorted = T.RandomPhotometricDistort(p=1.0)(image)
    assert distorted.shape == image.shape and distorted.dtype == np.uint8
    assert T.RandomPhotometricDistort(p=0.0)(image).tolist() == image.tolist()


@pytest.mark.parametrize("mix", [T.MixUp(num_classes=5), T.CutMix(num_classes=5, alpha=0.5)])
def test_mixup_and_cutmix(mix):
    needl.manual_seed(2)
    images = needl.rand(4, 3, 10, 10)
    labels = needl.tensor(np.array([0, 1, 2, 4]))
    mixed, soft = mix(images, labels)
    assert mixed.shape == images.shape and soft.shape == (4, 5)
    np.testing.assert_allclose(soft.numpy().sum(axis=1), 1, rtol=1e-6)
    weight = soft.numpy()[1, 1]  # image 1 mixed with image 0 (the batch rolled by one)
    assert soft.numpy()[1, 0] == pytest.approx(1 - weight, abs=1e-6)
    if isinstance(mix, T.MixUp):
        np.testing.assert_allclose(mixed.numpy()[1], weight * images.numpy()[1]
                                   + (1 - weight) * images.numpy()[0], rtol=1e-5)
    else:
        pasted = (mixed.numpy()[1] != images.numpy()[1]).any(axis=0).mean()
        assert pasted == pytest.approx(1 - weight, abs=1e-6)
    with pytest.raises(ValueError, match="num_classes must be passed"):
        type(mix)()(images, labels)
    with pytest.raises(ValueError, match="batched input"):
        mix(images[0], labels)


def test_containers_pass_all_inputs():
    add = T.Lambda(lambda value: value + 1, int)
    assert T.Compose([add, add])(1, "a") == (3, "a")
    assert T.RandomApply([add], p=0.0)(1, "a") == (1, "a")
    assert T.RandomChoice([add], p=[1.0])(1) == 2
    assert T.RandomOrder([add, add])(1, 2.5) == (3, 2.5)
    with pytest.raises(ValueError, match="at least one"):
        T.Compose([])
    with pytest.raises(ValueError, match="interval"):
        T.RandomApply([add], p=2)


def test_custom_transform_with_make_params():
    class Shift(T.Transform):
        def make_params(self, flat_inputs):
            return {"amount": 2}

        def transform(self, inpt, params):
            return inpt + params["amount"]

    class OldShift(T.Transform):  # torchvision < 0.21 spelling
        def _get_params(self, flat_inputs):
            return {"amount": 3}

        def _transform(self, inpt, params):
            return inpt + params["amount"]

    image = needl.zeros(1, 2, 2)
    out, label = Shift()(image, 7)
    assert out.tolist() == [[[2.0, 2.0], [2.0, 2.0]]] and label == 7
    assert OldShift()(image).tolist() == [[[3.0, 3.0], [3.0, 3.0]]]


def test_same_names_as_v1():
    for name in T1.__all__:
        if name != "functional":
            assert hasattr(T, name), name
    assert isinstance(T.Resize(4), T1.Resize) and T.Resize.__module__ == T.__name__
    for name in ("affine", "perspective", "equalize", "to_image", "to_dtype", "horizontal_flip"):
        assert callable(getattr(F2, name))
