"""The transforms that only torchvision.transforms.v2 has: conversions (ToImage, ToDtype,
ToPureTensor), Identity, RGB, GaussianNoise, RandomChannelPermutation and
RandomPhotometricDistort."""
from typing import Any, Sequence, Tuple

from ....autograd import dtypes, random
from .. import functional as F
from ..transforms import ColorJitter, _uniform
from . import functional as F2
from ._transform import Transform, mark_image


class ToImage(Transform):
    """PIL image, HWC array or Tensor -> (..., C, H, W) Tensor, values and dtype unchanged."""
    _arrays = True

    def _transform_image(self, image):
        return mark_image(F2.to_image(image))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ToPureTensor(ToImage):
    """Tensor images as plain Tensors (sharing the data), no longer taken as images."""
    _arrays, _pil, _keeps_images = False, False, False

    def _transform_image(self, image):
        return image.detach()


class Identity(Transform):
    """Return the input unchanged."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __call__(self, *inputs: Any) -> Any:
        return inputs if len(inputs) > 1 else inputs[0]


class ToDtype(Transform):
    """Convert Tensor images to `dtype`; with scale=True rescale the values as
    ConvertImageDtype ([0, 1] floats <-> [0, max] integers)."""
    _pil = False

    def __init__(self, dtype, scale: bool = False):
        if isinstance(dtype, dict):
            raise TypeError("ToDtype with a dict of dtypes per tv_tensor type is not supported: "
                            "needl has no tv_tensors; pass one dtype for the images")
        self.dtype, self.scale = dtypes.as_dtype(dtype), scale

    def _transform_image(self, image):
        return F2.to_dtype(image, self.dtype, self.scale)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dtype={self.dtype}, scale={self.scale})"


class RGB(ToImage):
    """Grayscale images as 3 equal channels; RGB images unchanged."""
    _arrays = False

    def _transform_image(self, image):
        return F2.grayscale_to_rgb(image)


class GaussianNoise(Transform):
    """Add N(mean, sigma^2) noise to float Tensor images, clipped to [0, 1] when `clip`."""

    _pil = False

    def __init__(self, mean: float = 0.0, sigma: float = 0.1, clip: bool = True):
        self.mean, self.sigma, self.clip = mean, sigma, clip

    def _transform_image(self, image):
        return F2.gaussian_noise(image, self.mean, self.sigma, self.clip)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(mean={self.mean}, sigma={self.sigma}, "
                f"clip={self.clip})")


class RandomChannelPermutation(ToImage):
    """Reorder the channels at random."""
    _arrays, _pil = False, True

    def _transform_image(self, image):
        channels = F.get_image_num_channels(image)
        return F2.permute_channels(image, random.generator().permutation(channels).tolist())


class RandomPhotometricDistort(Transform):
    """SSD's colour distortion: each of brightness, contrast, saturation, hue and a channel
    permutation applied with probability p; contrast before or after saturation and hue."""

    def __init__(self, brightness: Tuple[float, float] = (0.875, 1.125),
                 contrast: Tuple[float, float] = (0.5, 1.5),
                 saturation: Tuple[float, float] = (0.5, 1.5),
                 hue: Tuple[float, float] = (-0.05, 0.05), p: float = 0.5):
        self.brightness = ColorJitter._range(brightness, "brightness")
        self.contrast = ColorJitter._range(contrast, "contrast")
        self.saturation = ColorJitter._range(saturation, "saturation")
        self.hue = ColorJitter._range(hue, "hue", center=0, bound=(-0.5, 0.5),
                                      clip_first_on_zero=False)
        self.p = p

    def _draw(self, bounds: Sequence[float]):
        if bounds is None or not random.generator().random() < self.p:
            return None
        return _uniform(bounds[0], bounds[1])

    def _transform_image(self, image):
        generator = random.generator()
        brightness, contrast, saturation, hue = (
            self._draw(bounds) for bounds in (self.brightness, self.contrast, self.saturation,
                                              self.hue))
        contrast_before = bool(generator.random() < 0.5)
        channels = F.get_image_num_channels(image)
        permutation = generator.permutation(channels).tolist() \
            if generator.random() < self.p else None
        if brightness is not None:
            image = F.adjust_brightness(image, brightness)
        if contrast is not None and contrast_before:
            image = F.adjust_contrast(image, contrast)
        if saturation is not None:
            image = F.adjust_saturation(image, saturation)
        if hue is not None:
            image = F.adjust_hue(image, hue)
        if contrast is not None and not contrast_before:
            image = F.adjust_contrast(image, contrast)
        return image if permutation is None else F2.permute_channels(image, permutation)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue}, p={self.p})")

