"""The functional forms of torchvision's augmentation operations (erase, gaussian_blur, affine,
perspective, elastic_transform, invert, posterize, solarize, adjust_sharpness, autocontrast,
equalize, five_crop, ten_crop), re-exported by `functional`.

PIL images go through Pillow where torchvision's PIL path does (ImageOps, ImageEnhance,
Image.transform); arrays and Tensors through the vectorized `pixel_ops` and `resample` warps.
"""
import numbers
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from ...autograd.tensor import Tensor
from .. import pillow
from . import pil_ops, pixel_ops, resample
from .functional import (InterpolationMode, _apply, _mode, _size_pair, center_crop, crop,
                         get_dimensions, hflip, vflip)
from .geometry import inverse_affine_matrix, perspective_coefficients

Fill = Optional[Union[float, Sequence[float]]]


def _array(value: Any) -> np.ndarray:
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def _pil_via_array(pic, on_array):
    """A PIL image through an array operation (torchvision converts with pil_to_tensor)."""
    array = pil_ops.to_array(pic)
    chw = array[None] if array.ndim == 2 else np.moveaxis(array, -1, 0)
    result = on_array(chw)
    return pil_ops.from_array(result[0] if array.ndim == 2 else np.moveaxis(result, 0, -1), pic)


def _check_fill(fill: Fill, channels: int) -> None:
    if isinstance(fill, (list, tuple)) and len(fill) > 1 and len(fill) != channels:
        raise ValueError(f"The number of elements in 'fill' cannot broadcast to match the number "
                         f"of channels of the image ({len(fill)} != {channels})")


# ---- erasing ---------------------------------------------------------------------------------
def erase(img: Any, i: int, j: int, h: int, w: int, v: Any, inplace: bool = False) -> Any:
    """img[..., i:i+h, j:j+w] = v, on a Tensor (or an HWC array); `inplace` writes into it."""
    if pillow.is_pil_image(img):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    value = _array(v)
    if isinstance(img, Tensor) and inplace:
        pixel_ops.erase(img._data if img.ndim >= 3 else img._data[None], i, j, h, w, value, True)
        return img
    return _apply(img, lambda array: pixel_ops.erase(array, i, j, h, w, value, inplace), None,
                  "erase")


# ---- blur and sharpness ----------------------------------------------------------------------
def gaussian_blur(img: Any, kernel_size: Union[int, Sequence[int]],
                  sigma: Optional[Union[float, Sequence[float]]] = None) -> Any:
    """Gaussian blur with a (width, height) kernel; sigma defaults to 0.3 ((k - 1) / 2 - 1) + 0.8
    per axis, as torchvision's (written k * 0.15 + 0.35)."""
    if not isinstance(kernel_size, (int, list, tuple)):
        raise TypeError(f"kernel_size should be int or a sequence of integers. Got "
                        f"{type(kernel_size)}")
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    if len(kernel_size) != 2:
        raise ValueError(f"If kernel_size is a sequence its length should be 2. Got "
                         f"{len(kernel_size)}")
    for size in kernel_size:
        if size % 2 == 0 or size < 0:
            raise ValueError(f"kernel_size should have odd and positive integers. Got "
                             f"{kernel_size}")
    if sigma is None:
        sigma = [size * 0.15 + 0.35 for size in kernel_size]
    if not isinstance(sigma, (int, float, list, tuple)):
        raise TypeError(f"sigma should be either float or sequence of floats. Got {type(sigma)}")
    if isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    if isinstance(sigma, (list, tuple)) and len(sigma) == 1:
        sigma = [sigma[0], sigma[0]]
    if len(sigma) != 2:
        raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    for value in sigma:
        if value <= 0.0:
            raise ValueError(f"sigma should have positive values. Got {sigma}")
    kernel_size, sigma = list(kernel_size), [float(value) for value in sigma]

    def on_array(array):
        return pixel_ops.gaussian_blur(array, kernel_size, sigma)
    return _apply(img, on_array, lambda pic: _pil_via_array(pic, on_array), "gaussian_blur")


def adjust_sharpness(img: Any, sharpness_factor: float) -> Any:
    """Blend with a smoothed copy: 0 blurs, 1 is the original, 2 doubles the sharpness."""
    return _apply(img, lambda array: pixel_ops.adjust_sharpness(array, sharpness_factor),
                  lambda pic: pil_ops.adjust_sharpness(pic, sharpness_factor),
                  "adjust_sharpness")


# ---- tone ------------------------------------------------------------------------------------
def invert(img: Any) -> Any:
    """The negative: max - img."""
    return _apply(img, pixel_ops.invert, pil_ops.image_ops("invert"), "invert")


def posterize(img: Any, bits: int) -> Any:
    """Keep the `bits` highest bits of each channel (uint8 images)."""
    if not 0 <= bits <= 8:
        raise ValueError(f"The number if bits should be between 0 and 8. Got {bits}")
    return _apply(img, lambda array: pixel_ops.posterize(array, bits),
                  lambda pic: pil_ops.image_ops("posterize")(pic, bits), "posterize")


def solarize(img: Any, threshold: float) -> Any:
    """Invert the values at or above `threshold`."""
    return _apply(img, lambda array: pixel_ops.solarize(array, threshold),
                  lambda pic: pil_ops.image_ops("solarize")(pic, threshold), "solarize")


def autocontrast(img: Any) -> Any:
    """Stretch each channel to the full range (its darkest pixel black, its lightest white)."""
    return _apply(img, pixel_ops.autocontrast, pil_ops.image_ops("autocontrast"), "autocontrast")


def equalize(img: Any) -> Any:
    """Equalize each channel's histogram (uint8 images)."""
    return _apply(img, pixel_ops.equalize, pil_ops.image_ops("equalize"), "equalize")


# ---- warps -----------------------------------------------------------------------------------
def _affine_arguments(angle, translate, scale, shear) -> Tuple[List[float], List[float]]:
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if not isinstance(shear, (numbers.Number, list, tuple)):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    if isinstance(shear, numbers.Number):
        shear = [shear, 0.0]
    shear = list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    return [float(value) for value in translate], [float(value) for value in shear]


def affine(img: Any, angle: float, translate: Sequence[int], scale: float,
           shear: Union[float, Sequence[float]],
           interpolation: InterpolationMode = InterpolationMode.NEAREST, fill: Fill = None,
           center: Optional[Sequence[int]] = None) -> Any:
    """Rotate by `angle` degrees, translate by (x, y) pixels, scale and shear (degrees) about
    `center` (default the image centre), keeping the image size."""
    translate, shear = _affine_arguments(angle, translate, scale, shear)
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    mode = _mode(interpolation)
    channels, height, width = get_dimensions(img)
    if pillow.is_pil_image(img):
        # Pillow's pixel coordinates: the centre is (w / 2, h / 2) without a half-pixel shift
        pil_center = [width * 0.5, height * 0.5] if center is None else list(center)
        matrix = inverse_affine_matrix(pil_center, angle, translate, scale, shear)
        return pil_ops.transform(img, "AFFINE", matrix, mode, fill)
    _check_fill(fill, channels)
    relative = [0.0, 0.0] if center is None else \
        [center[0] - width * 0.5, center[1] - height * 0.5]
    matrix = inverse_affine_matrix(relative, angle, translate, scale, shear)
    return _apply(img, lambda array: resample.warp_affine(array, matrix, width, height, mode,
                                                          fill), None, "affine")


def perspective(img: Any, startpoints: Sequence[Sequence[int]],
                endpoints: Sequence[Sequence[int]],
                interpolation: InterpolationMode = InterpolationMode.BILINEAR,
                fill: Fill = None) -> Any:
    """Warp so that the four `startpoints` (corners [x, y]: top-left, top-right, bottom-right,
    bottom-left) move to `endpoints`."""
    coefficients = perspective_coefficients(startpoints, endpoints)
    mode = _mode(interpolation)
    if pillow.is_pil_image(img):
        return pil_ops.transform(img, "PERSPECTIVE", coefficients, mode, fill)
    _check_fill(fill, get_dimensions(img)[0])
    return _apply(img, lambda array: resample.warp_perspective(array, coefficients, mode, fill),
                  None, "perspective")


def elastic_transform(img: Any, displacement: Any,
                      interpolation: InterpolationMode = InterpolationMode.BILINEAR,
                      fill: Fill = None) -> Any:
    """Move each pixel by `displacement` (1, H, W, 2), in grid_sample's [-1, 1] units."""
    mode = _mode(interpolation)
    _, height, width = get_dimensions(img)
    shift = _array(displacement)
    if shift.shape != (1, height, width, 2):
        raise ValueError(f"Argument displacement shape should be (1, {height}, {width}, 2), but "
                         f"given {shift.shape}")

    def on_array(array):
        dtype = array.dtype if array.dtype.kind == "f" else np.dtype(np.float32)
        x_identity = np.linspace((1 - width) / width, (width - 1) / width, width, dtype=dtype)
        y_identity = np.linspace((1 - height) / height, (height - 1) / height, height, dtype=dtype)
        x_normal = x_identity[None, :] + shift[0, ..., 0].astype(dtype)
        y_normal = y_identity[:, None] + shift[0, ..., 1].astype(dtype)
        x, y = resample.normalized_to_pixels(x_normal, y_normal, width, height)
        return resample.warp(array, x, y, mode, fill)
    return _apply(img, on_array, lambda pic: _pil_via_array(pic, on_array), "elastic_transform")


# ---- multi-crops -----------------------------------------------------------------------------
def five_crop(img: Any, size: Union[int, Sequence[int]]) -> Tuple[Any, Any, Any, Any, Any]:
    """The four corner crops and the central crop: (top-left, top-right, bottom-left,
    bottom-right, center)."""
    crop_height, crop_width = _size_pair(size)
    _, image_height, image_width = get_dimensions(img)
    if crop_width > image_width or crop_height > image_height:
        raise ValueError(f"Requested crop size {size} is bigger than input size "
                         f"{(image_height, image_width)}")
    bottom, right = image_height - crop_height, image_width - crop_width
    return (crop(img, 0, 0, crop_height, crop_width), crop(img, 0, right, crop_height, crop_width),
            crop(img, bottom, 0, crop_height, crop_width),
            crop(img, bottom, right, crop_height, crop_width),
            center_crop(img, [crop_height, crop_width]))


def ten_crop(img: Any, size: Union[int, Sequence[int]], vertical_flip: bool = False) -> Tuple:
    """five_crop of the image and of its mirror image (left-right, or top-bottom)."""
    flipped = vflip(img) if vertical_flip else hflip(img)
    return five_crop(img, size) + five_crop(flipped, size)
