"""Image operations on PIL images, through Pillow's own functions as torchvision's PIL path."""
from typing import Optional, Sequence, Union

import numpy as np

from .. import pillow
from . import array_ops

# torchvision's InterpolationMode values -> Pillow's resampling filters
_FILTERS = {"nearest": 0, "lanczos": 1, "bilinear": 2, "bicubic": 3, "box": 4, "hamming": 5}


def resampling(interpolation: str) -> int:
    if interpolation not in _FILTERS:
        raise ValueError(f"interpolation {interpolation!r} is not supported for PIL images; use "
                         f"one of {', '.join(_FILTERS)}")
    return _FILTERS[interpolation]


def num_channels(image) -> int:
    return len(image.getbands())


def fill_color(fill, image) -> Union[int, float, tuple]:
    """`fill` as Pillow wants it for `image`: one value or one per band (ints unless mode F)."""
    channels = num_channels(image)
    fill = 0 if fill is None else fill
    if isinstance(fill, (list, tuple)):
        fill = list(fill)
        if len(fill) == 1:
            fill = fill * channels
        elif len(fill) != channels:
            raise ValueError(f"The number of elements in 'fill' does not match the number of "
                             f"channels of the image ({len(fill)} != {channels})")
    elif channels > 1:
        fill = [fill] * channels
    convert = float if image.mode == "F" else int
    return tuple(convert(value) for value in fill) if isinstance(fill, list) else convert(fill)


def to_array(image) -> np.ndarray:
    """An HWC (or HW) array holding the pixels, in the dtype of the mode (uint8 for L, RGB...)."""
    return np.asarray(image)


def from_array(array: np.ndarray, like):
    result = pillow.image_module().fromarray(np.ascontiguousarray(array))
    if like.mode == "P":
        result.putpalette(like.getpalette())
    return result


def resize(image, size: Sequence[int], interpolation: str = "bilinear"):
    return image.resize((size[1], size[0]), resampling(interpolation))


def crop(image, top: int, left: int, height: int, width: int):
    return image.crop((left, top, left + width, top + height))


def pad(image, padding: Sequence[int], fill=0, padding_mode: str = "constant"):
    """Pad by (left, top, right, bottom) in the modes of np.pad (constant fills `fill`)."""
    if padding_mode == "constant" and min(padding) >= 0 and image.mode != "P":
        from PIL import ImageOps
        return ImageOps.expand(image, border=tuple(padding), fill=fill_color(fill, image))
    array = to_array(image)
    chw = array[None] if array.ndim == 2 else np.moveaxis(array, -1, 0)
    fill = fill_color(fill, image) if padding_mode == "constant" else 0
    padded = array_ops.pad(chw, padding, fill, padding_mode)
    return from_array(padded[0] if array.ndim == 2 else np.moveaxis(padded, 0, -1), image)


def rotate(image, angle: float, interpolation: str = "nearest", expand: bool = False,
           center: Optional[Sequence[float]] = None, fill=None):
    return image.rotate(angle, resampling(interpolation), expand, center,
                        fillcolor=fill_color(fill, image))


def hflip(image):
    return image.transpose(pillow.image_module().Transpose.FLIP_LEFT_RIGHT)


def vflip(image):
    return image.transpose(pillow.image_module().Transpose.FLIP_TOP_BOTTOM)


def to_grayscale(image, num_output_channels: int = 1):
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    gray = image.convert("L")
    if num_output_channels == 3:
        return pillow.image_module().merge("RGB", [gray, gray, gray])
    return gray


def _enhance(image, name: str, factor: float, what: str):
    if factor < 0:
        raise ValueError(f"{what} ({factor}) is not non-negative.")
    from PIL import ImageEnhance
    return getattr(ImageEnhance, name)(image).enhance(factor)


def adjust_brightness(image, brightness_factor: float):
    return _enhance(image, "Brightness", brightness_factor, "brightness_factor")


def adjust_contrast(image, contrast_factor: float):
    return _enhance(image, "Contrast", contrast_factor, "contrast_factor")


def adjust_saturation(image, saturation_factor: float):
    return _enhance(image, "Color", saturation_factor, "saturation_factor")


def adjust_hue(image, hue_factor: float):
    """Shift the H band of Pillow's HSV by hue_factor * 255, wrapping around."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if image.mode in {"L", "1", "I", "F"}:
        return image
    hue, saturation, value = image.convert("HSV").split()
    shifted = np.asarray(hue, dtype=np.uint8) + np.array(int(hue_factor * 255)).astype(np.uint8)
    Image = pillow.image_module()
    hue = Image.fromarray(shifted.astype(np.uint8))
    return Image.merge("HSV", (hue, saturation, value)).convert(image.mode)


def adjust_sharpness(image, sharpness_factor: float):
    return _enhance(image, "Sharpness", sharpness_factor, "sharpness_factor")


def image_ops(name: str):
    """Pillow's ImageOps.<name> (invert, posterize, solarize, autocontrast, equalize)."""
    from PIL import ImageOps
    return getattr(ImageOps, name)


def transform(image, method: str, data, interpolation: str = "nearest", fill=None):
    """Image.transform keeping the size: method AFFINE (6 values, output -> input) or
    PERSPECTIVE (8 coefficients), with `fill` outside."""
    Image = pillow.image_module()
    return image.transform(image.size, getattr(Image.Transform, method), data,
                           resampling(interpolation), fillcolor=fill_color(fill, image))
