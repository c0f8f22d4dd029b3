"""Image operations on (..., C, H, W) NumPy arrays: torchvision's tensor path, vectorized.

Integer images follow torchvision's arithmetic: colour operations compute in float32 and cast
back (truncating), resizing rounds. Leading dimensions are batch dimensions.
"""
from typing import List, Optional, Sequence, Union

import numpy as np

from . import resample

Number = Union[int, float]


def max_value(dtype: np.dtype) -> float:
    """The value of 'white': 1 for floats, the largest value for integers."""
    dtype = np.dtype(dtype)
    return float(np.iinfo(dtype).max) if dtype.kind in "iu" else 1.0


def check_channels(image: np.ndarray, permitted: Sequence[int]) -> None:
    if image.ndim < 3 or image.shape[-3] not in permitted:
        channels = image.shape[-3] if image.ndim >= 3 else "no channel dimension"
        raise TypeError(f"Input image tensor permitted channel values are {list(permitted)}, "
                        f"but found {channels} (shape {image.shape})")


def convert_image_dtype(image: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Convert, rescaling values: [0, 1] floats <-> [0, max] integers (torchvision's rule)."""
    dtype = np.dtype(dtype)
    if image.dtype == dtype:
        return image
    floating_in, floating_out = image.dtype.kind == "f", dtype.kind == "f"
    if floating_in and floating_out:
        return image.astype(dtype)
    if floating_in:
        if (image.dtype == np.float32 and dtype in (np.int32, np.int64)) or \
                (image.dtype == np.float64 and dtype == np.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed "
                               f"safely.")
        # max + 1 - eps: [0, 1] maps onto the integers evenly and only 1.0 becomes max
        return (image * image.dtype.type(max_value(dtype) + 1.0 - 1e-3)).astype(dtype)
    if floating_out:
        return image.astype(dtype) / dtype.type(max_value(image.dtype))
    input_max, output_max = max_value(image.dtype), max_value(dtype)
    if input_max > output_max:
        return (image // int((input_max + 1) // (output_max + 1))).astype(dtype)
    return image.astype(dtype) * int((output_max + 1) // (input_max + 1))


def normalize_parameters(image: np.ndarray, mean: Sequence[float], std: Sequence[float]):
    """`mean` and `std` as (C, 1, 1) arrays of the image's dtype, checked against the image."""
    if image.dtype.kind != "f":
        raise TypeError(f"Input tensor should be a float tensor. Got {image.dtype}.")
    if image.ndim < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got "
                         f"tensor.size() = {image.shape}")
    mean = np.asarray(mean, dtype=image.dtype).reshape(-1, 1, 1)
    std = np.asarray(std, dtype=image.dtype).reshape(-1, 1, 1)
    if (std == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {image.dtype}, leading to "
                         f"division by zero.")
    if mean.shape[0] not in (1, image.shape[-3]) or std.shape[0] not in (1, image.shape[-3]):
        raise ValueError(f"mean ({mean.shape[0]} values) and std ({std.shape[0]} values) must "
                         f"have one value or one per channel ({image.shape[-3]})")
    return mean, std


def normalize(image: np.ndarray, mean: Sequence[float], std: Sequence[float]) -> np.ndarray:
    """(image - mean) / std per channel, on a float image."""
    mean, std = normalize_parameters(image, mean, std)
    return (image - mean) / std


def crop(image: np.ndarray, top: int, left: int, height: int, width: int) -> np.ndarray:
    """image[..., top:top+height, left:left+width], zero-padded where it leaves the image."""
    *_, image_height, image_width = image.shape
    bottom, right = top + height, left + width
    if top < 0 or left < 0 or bottom > image_height or right > image_width:
        padding = [max(-left, 0), max(-top, 0), max(right - image_width, 0),
                   max(bottom - image_height, 0)]
        inner = image[..., max(top, 0):min(bottom, image_height), max(left, 0):min(right, image_width)]
        return pad(inner, padding, fill=0)
    return image[..., top:bottom, left:right].copy()


def center_padding(image_height: int, image_width: int, height: int, width: int) -> List[int]:
    """(left, top, right, bottom) zero padding that makes an image at least (height, width)
    before a centre crop, split as torchvision splits it."""
    extra_height, extra_width = max(height - image_height, 0), max(width - image_width, 0)
    return [extra_width // 2, extra_height // 2, (extra_width + 1) // 2, (extra_height + 1) // 2]


def center_crop(image: np.ndarray, height: int, width: int) -> np.ndarray:
    padding = center_padding(*image.shape[-2:], height, width)
    if any(padding):
        image = pad(image, padding, fill=0)
    *_, image_height, image_width = image.shape
    top = int(round((image_height - height) / 2.0))
    left = int(round((image_width - width) / 2.0))
    return crop(image, top, left, height, width)


def pad(image: np.ndarray, padding: Sequence[int], fill: Union[Number, Sequence[Number]] = 0,
        padding_mode: str = "constant") -> np.ndarray:
    """Pad the last two axes by (left, top, right, bottom); negative amounts crop."""
    left, top, right, bottom = padding
    *_, height, width = image.shape
    image = image[..., max(-top, 0):height - max(-bottom, 0), max(-left, 0):width - max(-right, 0)]
    widths = [(0, 0)] * (image.ndim - 2) + [(max(top, 0), max(bottom, 0)),
                                            (max(left, 0), max(right, 0))]
    if padding_mode == "constant":
        fill = np.asarray(fill, dtype=np.float64).reshape(-1)
        if fill.size == 1:
            return np.pad(image, widths, mode="constant", constant_values=fill[0].astype(image.dtype))
        check_channels(image, [fill.size])
        padded = np.pad(image, widths, mode="constant")
        canvas = np.ones(padded.shape[-2:], dtype=bool)
        canvas[widths[-2][0]:padded.shape[-2] - widths[-2][1],
               widths[-1][0]:padded.shape[-1] - widths[-1][1]] = False
        padded[..., canvas] = fill.astype(image.dtype)[:, None]
        return padded
    modes = {"edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}
    if padding_mode not in modes:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    return np.pad(image, widths, mode=modes[padding_mode])


def hflip(image: np.ndarray) -> np.ndarray:
    return image[..., ::-1].copy()


def vflip(image: np.ndarray) -> np.ndarray:
    return image[..., ::-1, :].copy()


def resize(image: np.ndarray, size: Sequence[int], interpolation: str = "bilinear",
           antialias: bool = True) -> np.ndarray:
    return resample.resize(image, size[0], size[1], interpolation, antialias)


def rotate(image: np.ndarray, angle: float, interpolation: str = "nearest",
           expand: bool = False, center: Optional[Sequence[float]] = None,
           fill: Optional[Union[Number, Sequence[Number]]] = None) -> np.ndarray:
    """Rotate counter-clockwise by `angle` degrees about `center` (x, y in pixels; default the
    image centre), as torchvision's tensor rotate (grid sampling in float32, zeros outside or
    `fill`, whose edges blend with bilinear interpolation exactly as torchvision's do)."""
    *_, height, width = image.shape
    offset = (0.0, 0.0) if center is None else (center[0] - 0.5 * width, center[1] - 0.5 * height)
    matrix = resample.rotation_matrix(angle, offset)
    out_width, out_height = resample.rotated_size(matrix, width, height) if expand \
        else (width, height)
    return resample.warp_affine(image, matrix, out_width, out_height, interpolation, fill)


def rgb_to_grayscale(image: np.ndarray, num_output_channels: int = 1) -> np.ndarray:
    """ITU-R 601-2 luma (0.2989 R + 0.587 G + 0.114 B), in the image's dtype."""
    check_channels(image, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if image.shape[-3] == 3:
        red, green, blue = (image[..., channel, :, :] for channel in range(3))
        weight = np.float32 if image.dtype.kind != "f" else image.dtype.type
        gray = (weight(0.2989) * red + weight(0.587) * green + weight(0.114) * blue)
        gray = gray.astype(image.dtype)[..., None, :, :]
    else:
        gray = image.copy()
    if num_output_channels == 3:
        return np.broadcast_to(gray, gray.shape[:-3] + (3,) + gray.shape[-2:]).copy()
    return gray


def _blend(first: np.ndarray, second: np.ndarray, ratio: float) -> np.ndarray:
    compute = first.dtype.type if first.dtype.kind == "f" else np.float32
    blended = compute(ratio) * first + compute(1.0 - ratio) * second
    return np.clip(blended, 0, max_value(first.dtype)).astype(first.dtype)


def adjust_brightness(image: np.ndarray, brightness_factor: float) -> np.ndarray:
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    check_channels(image, [1, 3])
    return _blend(image, np.zeros((), image.dtype), brightness_factor)


def adjust_contrast(image: np.ndarray, contrast_factor: float) -> np.ndarray:
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    check_channels(image, [1, 3])
    dtype = image.dtype if image.dtype.kind == "f" else np.dtype(np.float32)
    gray = rgb_to_grayscale(image) if image.shape[-3] == 3 else image
    mean = gray.astype(dtype).mean(axis=(-3, -2, -1), keepdims=True, dtype=dtype)
    return _blend(image, mean, contrast_factor)


def adjust_saturation(image: np.ndarray, saturation_factor: float) -> np.ndarray:
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    check_channels(image, [1, 3])
    if image.shape[-3] == 1:  # as PIL: a grayscale image has no saturation
        return image
    return _blend(image, rgb_to_grayscale(image), saturation_factor)


def adjust_hue(image: np.ndarray, hue_factor: float) -> np.ndarray:
    """Shift the hue by `hue_factor` turns (in [-0.5, 0.5]) through HSV."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    check_channels(image, [1, 3])
    if image.shape[-3] == 1:
        return image
    work = convert_image_dtype(image, np.float32) if image.dtype.kind != "f" else image
    hue, saturation, value = _rgb_to_hsv(work)
    hue = np.mod(hue + work.dtype.type(hue_factor), work.dtype.type(1.0))
    return convert_image_dtype(_hsv_to_rgb(hue, saturation, value), image.dtype)


def _rgb_to_hsv(image: np.ndarray):
    red, green, blue = (image[..., channel, :, :] for channel in range(3))
    high, low = image.max(axis=-3), image.min(axis=-3)
    chroma = high - low
    flat = chroma == 0
    one = image.dtype.type(1)
    saturation = chroma / np.where(flat, one, high)
    divisor = np.where(flat, one, chroma)
    red_c, green_c, blue_c = ((high - channel) / divisor for channel in (red, green, blue))
    hue = np.where(high == red, blue_c - green_c,
                   np.where(high == green, 2 + red_c - blue_c, 4 + green_c - red_c))
    hue = np.where(flat, 0, hue)  # grey: any hue; 0 as PIL
    return np.mod(hue / 6 + 1, one), saturation, high


def _hsv_to_rgb(hue: np.ndarray, saturation: np.ndarray, value: np.ndarray) -> np.ndarray:
    sector = np.floor(hue * 6)
    fraction = hue * 6 - sector
    sector = sector.astype(np.int32) % 6
    p = np.clip(value * (1 - saturation), 0, 1)
    q = np.clip(value * (1 - saturation * fraction), 0, 1)
    t = np.clip(value * (1 - saturation * (1 - fraction)), 0, 1)
    choices = {0: (value, t, p), 1: (q, value, p), 2: (p, value, t),
               3: (p, q, value), 4: (t, p, value), 5: (value, p, q)}
    channels = [np.choose(sector, [choices[k][channel] for k in range(6)]) for channel in range(3)]
    return np.stack(channels, axis=-3)
