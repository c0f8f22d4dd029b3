"""Pixel-value operations on (..., C, H, W) NumPy arrays: torchvision's tensor path for invert,
posterize, solarize, autocontrast, equalize, sharpness, Gaussian blur and erasing, vectorized
over the leading (batch) dimensions.

Integer images compute in float32 and come back in their dtype, rounding after a convolution
and truncating after a blend, as torchvision does.
"""
from typing import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .array_ops import _blend, check_channels, max_value


def _compute_dtype(image: np.ndarray) -> np.dtype:
    return image.dtype if image.dtype.kind == "f" else np.dtype(np.float32)


def _cast_back(result: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """A float result in `dtype`: integers are rounded first (torchvision's _cast_squeeze_out)."""
    if result.dtype == dtype:
        return result
    if np.dtype(dtype).kind in "iu":
        result = np.round(result)
    return result.astype(dtype)


def _check_uint8(image: np.ndarray) -> None:
    if image.dtype != np.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {image.dtype}")


def invert(image: np.ndarray) -> np.ndarray:
    """max - image (1 - image for floats)."""
    check_channels(image, [1, 3])
    return (image.dtype.type(max_value(image.dtype)) - image).astype(image.dtype)


def posterize(image: np.ndarray, bits: int) -> np.ndarray:
    """Keep the `bits` highest bits of each uint8 value."""
    check_channels(image, [1, 3])
    _check_uint8(image)
    return image & np.uint8((0xFF << (8 - bits)) & 0xFF)


def solarize(image: np.ndarray, threshold: float) -> np.ndarray:
    """Invert the values at or above `threshold`."""
    check_channels(image, [1, 3])
    if threshold > max_value(image.dtype):
        raise TypeError("Threshold should be less than bound of img.")
    return np.where(image >= threshold, invert(image), image)


def autocontrast(image: np.ndarray) -> np.ndarray:
    """Stretch each channel so that its minimum becomes 0 and its maximum white."""
    check_channels(image, [1, 3])
    bound = max_value(image.dtype)
    dtype = _compute_dtype(image)
    low = image.min(axis=(-2, -1), keepdims=True).astype(dtype)
    high = image.max(axis=(-2, -1), keepdims=True).astype(dtype)
    flat = high == low  # a constant channel stays as it is
    scale = np.where(flat, dtype.type(1), dtype.type(bound) / np.where(flat, 1, high - low))
    low = np.where(flat, dtype.type(0), low)
    return np.clip((image - low) * scale, 0, bound).astype(image.dtype)


def equalize(image: np.ndarray) -> np.ndarray:
    """Histogram equalization of each channel of a uint8 image (PIL's ImageOps.equalize rule:
    the lookup table spreads the cumulative histogram, leaving out the top value's count)."""
    check_channels(image, [1, 3])
    _check_uint8(image)
    if image.size == 0:
        return image.copy()
    channels = image.reshape(-1, image.shape[-2] * image.shape[-1])
    count = channels.shape[0]
    offsets = (np.arange(count) * 256)[:, None]
    histogram = np.bincount((channels + offsets).ravel(), minlength=256 * count)
    histogram = histogram.reshape(count, 256)
    top = channels.max(axis=1)
    step = (channels.shape[1] - histogram[np.arange(count), top]) // 255
    safe_step = np.maximum(step, 1)[:, None]
    cumulative = np.cumsum(histogram, axis=1)
    table = (cumulative + safe_step // 2) // safe_step
    table = np.clip(np.concatenate([np.zeros((count, 1), table.dtype), table[:, :-1]], axis=1),
                    0, 255)
    table = np.where((step == 0)[:, None], np.arange(256), table).astype(np.uint8)
    return np.take_along_axis(table, channels.astype(np.intp), axis=1).reshape(image.shape)


def _correlate(image: np.ndarray, kernel: np.ndarray, axis: int) -> np.ndarray:
    """`image` correlated with the 1-d `kernel` along `axis` (-1 or -2), without padding."""
    windows = sliding_window_view(image, kernel.size, axis=axis)
    return windows @ kernel


def adjust_sharpness(image: np.ndarray, sharpness_factor: float) -> np.ndarray:
    """Blend with a smoothed copy (3x3 kernel, centre weight 5 of 13): factor 0 smooths, 1
    keeps, above 1 sharpens. The border pixels keep their values, as torchvision's."""
    if sharpness_factor < 0:
        raise ValueError(f"sharpness_factor ({sharpness_factor}) is not non-negative.")
    check_channels(image, [1, 3])
    if image.shape[-1] <= 2 or image.shape[-2] <= 2:
        return image.copy()
    dtype = _compute_dtype(image)
    work = image.astype(dtype)
    # the kernel is ones(3, 3) with 5 in the middle, over 13: box sum plus 4 x centre
    box = np.ones(3, dtype=dtype)
    total = _correlate(_correlate(work, box, -1), box, -2)
    smooth = (total + dtype.type(4) * work[..., 1:-1, 1:-1]) / dtype.type(13)
    degenerate = image.copy()
    degenerate[..., 1:-1, 1:-1] = _cast_back(smooth, image.dtype)
    return _blend(image, degenerate, sharpness_factor)


def gaussian_kernel(size: int, sigma: float, dtype: np.dtype) -> np.ndarray:
    """The normalised 1-d Gaussian of `size` taps (torchvision's _get_gaussian_kernel1d)."""
    half = (size - 1) * 0.5
    x = np.linspace(-half, half, size).astype(dtype)
    pdf = np.exp(dtype.type(-0.5) * (x / dtype.type(sigma)) ** 2)
    return pdf / pdf.sum()


def gaussian_blur(image: np.ndarray, kernel_size: Sequence[int],
                  sigma: Sequence[float]) -> np.ndarray:
    """Separable Gaussian blur with reflect padding, kernel (width, height) = kernel_size."""
    dtype = _compute_dtype(image)
    kernel_x = gaussian_kernel(kernel_size[0], sigma[0], dtype)
    kernel_y = gaussian_kernel(kernel_size[1], sigma[1], dtype)
    pad_x, pad_y = kernel_size[0] // 2, kernel_size[1] // 2
    widths = [(0, 0)] * (image.ndim - 2) + [(pad_y, pad_y), (pad_x, pad_x)]
    if pad_x >= image.shape[-1] or pad_y >= image.shape[-2]:
        raise RuntimeError(f"Padding size should be less than the corresponding input dimension, "
                           f"but got: padding ({pad_x}, {pad_y}) at dimension of input "
                           f"{image.shape}")
    padded = np.pad(image.astype(dtype), widths, mode="reflect")
    blurred = _correlate(_correlate(padded, kernel_x, -1), kernel_y, -2)
    return _cast_back(blurred, image.dtype)


def erase(image: np.ndarray, top: int, left: int, height: int, width: int,
          value: np.ndarray, inplace: bool = False) -> np.ndarray:
    """image[..., top:top+height, left:left+width] = value (broadcast, cast to the dtype)."""
    result = image if inplace else image.copy()
    result[..., top:top + height, left:left + width] = value
    return result
