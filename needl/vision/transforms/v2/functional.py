"""torchvision.transforms.v2.functional's counterpart: the functions of
`transforms.functional`, plus v2's to_image, to_dtype, gaussian_noise, grayscale_to_rgb and
permute_channels."""
from typing import Any, Sequence

import numpy as np

from ....autograd import dtypes, random
from ....autograd.tensor import Tensor
from ... import pillow
from .. import array_ops
from ..functional import (  # noqa: F401 (re-exported)
    InterpolationMode, _apply, adjust_brightness, adjust_contrast, adjust_hue, adjust_saturation,
    adjust_sharpness, affine, autocontrast, center_crop, convert_image_dtype, crop,
    elastic_transform, equalize, erase, five_crop, gaussian_blur, get_dimensions,
    get_image_num_channels, get_image_size, hflip, invert, normalize, pad, perspective,
    pil_to_tensor, posterize, resize, resized_crop, rgb_to_grayscale, rotate, solarize, ten_crop,
    to_grayscale, to_pil_image, to_tensor, vflip)

horizontal_flip, vertical_flip = hflip, vflip  # v2's long names


def to_image(inpt: Any) -> Tensor:
    """A PIL image, an HWC array or a Tensor as a (..., C, H, W) Tensor, values unchanged."""
    if isinstance(inpt, np.ndarray):
        array = inpt[..., None] if inpt.ndim == 2 else inpt
        return Tensor._make(np.ascontiguousarray(np.moveaxis(array, -1, -3)))
    if pillow.is_pil_image(inpt):
        return pil_to_tensor(inpt)
    if isinstance(inpt, Tensor):
        return inpt if inpt.ndim >= 3 else Tensor._make(inpt._data[None])
    raise TypeError(f"Input can either be a pure Tensor, a numpy array, or a PIL image, but got "
                    f"{type(inpt)} instead.")


def to_dtype(inpt: Tensor, dtype=dtypes.float32, scale: bool = False) -> Tensor:
    """`inpt` in `dtype`; with scale=True the values are rescaled as convert_image_dtype does
    ([0, 1] floats <-> [0, max] integers)."""
    if not isinstance(inpt, Tensor):
        raise TypeError(f"to_dtype takes a Tensor, got {type(inpt).__name__}")
    dtype = dtypes.as_dtype(dtype)
    if scale:
        return convert_image_dtype(inpt, dtype)
    return Tensor._make(inpt._data.astype(dtype, copy=False))


def gaussian_noise(inpt: Tensor, mean: float = 0.0, sigma: float = 0.1,
                   clip: bool = True) -> Tensor:
    """inpt + N(mean, sigma^2) noise, clipped to [0, 1] when `clip` (float images)."""
    if not isinstance(inpt, Tensor):
        raise TypeError(f"gaussian_noise takes a Tensor, got {type(inpt).__name__}")
    image = inpt._data
    if image.dtype.kind != "f":
        raise ValueError(f"Input tensor is expected to be in float dtype, got dtype={inpt.dtype}")
    if sigma < 0:
        raise ValueError(f"sigma shouldn't be negative. Got {sigma}")
    noise = random.generator().standard_normal(image.shape, dtype=image.dtype)
    result = image + (noise * image.dtype.type(sigma) + image.dtype.type(mean))
    return Tensor._make(np.clip(result, 0, 1) if clip else result)


def grayscale_to_rgb(inpt: Any) -> Any:
    """A 1-channel image as 3 equal channels; RGB images are returned as they are."""
    def on_array(array):
        if array.shape[-3] >= 3:
            return array
        return np.repeat(array, 3, axis=-3)
    return _apply(inpt, on_array, lambda pic: pic.convert("RGB"), "grayscale_to_rgb")


def permute_channels(inpt: Any, permutation: Sequence[int]) -> Any:
    """The channels reordered: output channel i is input channel permutation[i]."""
    order = list(permutation)

    def on_array(array):
        array_ops.check_channels(array, [len(order)])
        return array[..., order, :, :]

    def on_pil(pic):
        bands = pic.split()
        return pillow.image_module().merge(pic.mode, [bands[index] for index in order])
    return _apply(inpt, on_array, on_pil, "permute_channels")
