"""torchvision.transforms.functional's counterpart: one function per operation, on PIL images,
HWC NumPy arrays and (..., C, H, W) Tensors.

PIL images go through Pillow (as torchvision's PIL path); arrays and Tensors through the
vectorized array operations of `array_ops` (torchvision's tensor path). A Tensor comes back as
a Tensor, an HWC array as an HWC array, a PIL image as a PIL image. Transforms are data
preparation: a Tensor's result is not recorded for autograd.
"""
import numbers
from enum import Enum
from typing import Any, Callable, List, Optional, Sequence, Union

import numpy as np

from ...autograd import dtypes
from ...autograd.tensor import Tensor
from .. import pillow
from . import array_ops, pil_ops


class InterpolationMode(Enum):
    """How pixels are interpolated: the values are the names torchvision uses."""
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_PIL_CODES = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR,
              3: InterpolationMode.BICUBIC, 4: InterpolationMode.BOX,
              5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}


def _mode(interpolation: Union[InterpolationMode, str, int]) -> str:
    if isinstance(interpolation, InterpolationMode):
        return interpolation.value
    if isinstance(interpolation, str):
        return InterpolationMode(interpolation).value
    if isinstance(interpolation, int) and interpolation in _PIL_CODES:  # Pillow's constants
        return _PIL_CODES[interpolation].value
    raise TypeError(f"interpolation should be an InterpolationMode, got {interpolation!r}")


def _kind_error(image: Any) -> TypeError:
    return TypeError(f"img should be a PIL Image, a NumPy array (H, W) or (H, W, C), or a Tensor "
                     f"(..., C, H, W). Got {type(image).__name__}")


def _apply(image: Any, on_array: Callable[[np.ndarray], np.ndarray],
           on_pil: Optional[Callable[[Any], Any]] = None, name: str = "this operation") -> Any:
    """Run `on_pil` on a PIL image, `on_array` on the (..., C, H, W) array of a Tensor or on a
    (C, H, W) view of an HWC array, and give back the input's kind."""
    if isinstance(image, Tensor):
        if image.ndim < 2:
            raise ValueError(f"{name}: a tensor image has shape (..., C, H, W) or (H, W), got "
                             f"{tuple(image.shape)}")
        array = image._data if image.ndim >= 3 else image._data[None]
        result = on_array(array)
        return Tensor._make(result if image.ndim >= 3 or result.shape[0] != 1 else result[0])
    if isinstance(image, np.ndarray):
        if image.ndim < 2:
            raise ValueError(f"{name}: an array image has shape (H, W) or (..., H, W, C), got "
                             f"{image.shape}")
        chw = np.moveaxis(image[..., None] if image.ndim == 2 else image, -1, -3)
        result = np.moveaxis(on_array(chw), -3, -1)
        if image.ndim == 2 and result.shape[-1] == 1:
            result = result[..., 0]
        return np.ascontiguousarray(result)
    if pillow.is_pil_image(image):
        if on_pil is None:
            raise TypeError(f"{name} takes a Tensor (or an array), not a PIL image; convert it "
                            f"with ToTensor() first")
        return on_pil(image)
    raise _kind_error(image)


# ---- sizes -----------------------------------------------------------------------------------
def get_dimensions(img: Any) -> List[int]:
    """[channels, height, width]."""
    if pillow.is_pil_image(img):
        return [pil_ops.num_channels(img), img.height, img.width]
    if isinstance(img, Tensor):
        shape = tuple(img.shape)
        return [1, *shape] if len(shape) == 2 else list(shape[-3:])
    if isinstance(img, np.ndarray) and img.ndim >= 2:
        return [1, *img.shape] if img.ndim == 2 else [img.shape[-1], *img.shape[-3:-1]]
    raise _kind_error(img)


def get_image_size(img: Any) -> List[int]:
    """[width, height]."""
    _, height, width = get_dimensions(img)
    return [width, height]


def get_image_num_channels(img: Any) -> int:
    return get_dimensions(img)[0]


# ---- conversions -----------------------------------------------------------------------------
def _pil_array(pic) -> np.ndarray:
    """A PIL image's pixels as HWC in its natural dtype (mode '1' as 0/255 uint8)."""
    mode_dtypes = {"I": np.int32, "I;16": np.int16, "F": np.float32}
    array = np.array(pic, dtype=mode_dtypes.get(pic.mode, np.uint8), copy=True)
    if pic.mode == "1":
        array *= 255
    return array.reshape(pic.height, pic.width, pil_ops.num_channels(pic))


def to_tensor(pic: Any) -> Tensor:
    """A PIL image or HWC array as a CHW Tensor; uint8 becomes float in [0, 1] (default dtype),
    other dtypes are kept."""
    if pillow.is_pil_image(pic):
        array = _pil_array(pic)
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        array = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    chw = np.ascontiguousarray(array.transpose(2, 0, 1))
    if chw.dtype == np.uint8:
        dtype = dtypes.get_default_dtype()
        chw = chw.astype(dtype)
        chw *= dtype.type(1 / 255)
    return Tensor._make(chw)


def pil_to_tensor(pic: Any) -> Tensor:
    """A PIL image (or HWC array) as a CHW Tensor of the same dtype, values unchanged."""
    if pillow.is_pil_image(pic):
        array = np.array(pic, copy=True)
        array = array.reshape(pic.height, pic.width, pil_ops.num_channels(pic))
    elif isinstance(pic, np.ndarray) and pic.ndim in (2, 3):
        array = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    return Tensor._make(np.ascontiguousarray(array.transpose(2, 0, 1)))


def to_pil_image(pic: Any, mode: Optional[str] = None):
    """A CHW Tensor or HWC array as a PIL image; floats are scaled by 255 (as torchvision)."""
    Image = pillow.image_module()
    if isinstance(pic, Tensor):
        array = pic._data
        if array.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {array.ndim} dimensions.")
        array = array[None] if array.ndim == 2 else array
        if array.dtype.kind == "f" and mode != "F":
            array = (array * 255).astype(np.uint8)
        array = array.transpose(1, 2, 0)
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        array = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    array = array[:, :, 0] if array.shape[2] == 1 else array
    return Image.fromarray(np.ascontiguousarray(array)) if mode is None \
        else Image.fromarray(np.ascontiguousarray(array)).convert(mode)


def convert_image_dtype(image: Tensor, dtype=dtypes.float32) -> Tensor:
    """Convert a Tensor image's dtype, rescaling: [0, 1] floats <-> [0, max] integers."""
    if not isinstance(image, Tensor):
        raise TypeError(f"Input img should be Tensor Image, got {type(image).__name__}")
    return Tensor._make(array_ops.convert_image_dtype(image._data, dtypes.as_dtype(dtype)))


def normalize(tensor: Tensor, mean: Sequence[float], std: Sequence[float],
              inplace: bool = False) -> Tensor:
    """(tensor - mean[c]) / std[c] for each channel c of a float (..., C, H, W) Tensor.

    Recorded on the tape when the tensor requires grad (as torchvision's is differentiable);
    `inplace=True` writes into the tensor through its in-place ops."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor).__name__}; convert it "
                        f"with ToTensor() first")
    if inplace or tensor.requires_grad:
        mean, std = array_ops.normalize_parameters(tensor._data, mean, std)
        mean, std = Tensor._make(mean), Tensor._make(std)
        return tensor.sub_(mean).div_(std) if inplace else (tensor - mean) / std
    return Tensor._make(array_ops.normalize(tensor._data, mean, std))


# ---- geometry --------------------------------------------------------------------------------
def _output_size(height: int, width: int, size: Union[int, Sequence[int]],
                 max_size: Optional[int]) -> List[int]:
    """torchvision's rule: an int (or 1 value) sets the smaller edge, keeping the aspect."""
    if isinstance(size, numbers.Integral):
        size = [int(size)]
    size = list(size)
    if len(size) not in (1, 2):
        raise ValueError(f"size must be an int or a sequence of 1 or 2 ints, got {size}")
    if len(size) == 2:
        if max_size is not None:
            raise ValueError("max_size should only be passed if size specifies the length of "
                             "the smaller edge, i.e. size should be an int or a sequence of "
                             f"length 1 in torchscript mode. Got {size}")
        return size
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = size[0], int(size[0] * long / short)
    if max_size is not None:
        if max_size <= size[0]:
            raise ValueError(f"max_size = {max_size} must be strictly greater than the "
                             f"requested size for the smaller edge size = {size}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    new_width, new_height = (new_short, new_long) if width <= height else (new_long, new_short)
    return [new_height, new_width]


def resize(img: Any, size: Union[int, Sequence[int]],
           interpolation: InterpolationMode = InterpolationMode.BILINEAR,
           max_size: Optional[int] = None, antialias: Optional[bool] = True) -> Any:
    """Resize to `size` (h, w), or the smaller edge to `size` keeping the aspect ratio.

    Arrays and Tensors: bilinear/bicubic with antialias=True match torchvision's tensor path
    (`interpolate(..., antialias=True)`); PIL images use Pillow's resize (always antialiased).
    """
    mode = _mode(interpolation)
    _, height, width = get_dimensions(img)
    output = _output_size(height, width, size, max_size)
    return _apply(img, lambda array: array_ops.resize(array, output, mode, bool(antialias)),
                  lambda pic: pil_ops.resize(pic, output, mode), "resize")


def _size_pair(size: Union[int, Sequence[int]], name: str = "size") -> List[int]:
    if isinstance(size, numbers.Number):
        return [int(size), int(size)]
    size = list(size)
    if len(size) == 1:
        return [int(size[0])] * 2
    if len(size) != 2:
        raise ValueError(f"Please provide only two dimensions (h, w) for {name}.")
    return [int(size[0]), int(size[1])]


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    """The region (top, left, height, width); outside the image, zeros (arrays and Tensors)."""
    return _apply(img, lambda array: array_ops.crop(array, top, left, height, width),
                  lambda pic: pil_ops.crop(pic, top, left, height, width), "crop")


def center_crop(img: Any, output_size: Union[int, Sequence[int]]) -> Any:
    height, width = _size_pair(output_size, "output_size")
    if pillow.is_pil_image(img):
        padding = array_ops.center_padding(img.height, img.width, height, width)
        if any(padding):
            img = pad(img, padding, fill=0)
        top = int(round((img.height - height) / 2.0))
        left = int(round((img.width - width) / 2.0))
        return pil_ops.crop(img, top, left, height, width)
    return _apply(img, lambda array: array_ops.center_crop(array, height, width), None,
                  "center_crop")


def resized_crop(img: Any, top: int, left: int, height: int, width: int,
                 size: Union[int, Sequence[int]],
                 interpolation: InterpolationMode = InterpolationMode.BILINEAR,
                 antialias: Optional[bool] = True) -> Any:
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def _padding(padding: Union[int, Sequence[int]]) -> List[int]:
    """(left, top, right, bottom) from an int, (all,), (left/right, top/bottom) or 4 values."""
    if isinstance(padding, numbers.Number):
        return [int(padding)] * 4
    if not isinstance(padding, (list, tuple)):
        raise TypeError("Got inappropriate padding arg")
    if len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding)} element tuple")
    padding = [int(value) for value in padding]
    if len(padding) == 1:
        return padding * 4
    if len(padding) == 2:
        return [padding[0], padding[1], padding[0], padding[1]]
    return padding


def pad(img: Any, padding: Union[int, Sequence[int]], fill: Union[float, Sequence[float]] = 0,
        padding_mode: str = "constant") -> Any:
    """Pad the borders: padding as an int, (left/right, top/bottom) or (left, top, right,
    bottom); padding_mode constant (with `fill`), edge, reflect or symmetric."""
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    amounts = _padding(padding)
    return _apply(img, lambda array: array_ops.pad(array, amounts, 0 if fill is None else fill,
                                                   padding_mode),
                  lambda pic: pil_ops.pad(pic, amounts, fill, padding_mode), "pad")


def hflip(img: Any) -> Any:
    return _apply(img, array_ops.hflip, pil_ops.hflip, "hflip")


def vflip(img: Any) -> Any:
    return _apply(img, array_ops.vflip, pil_ops.vflip, "vflip")


def rotate(img: Any, angle: float, interpolation: InterpolationMode = InterpolationMode.NEAREST,
           expand: bool = False, center: Optional[Sequence[int]] = None,
           fill: Optional[Union[float, Sequence[float]]] = None) -> Any:
    """Rotate counter-clockwise by `angle` degrees about `center` (default: the centre)."""
    if not isinstance(angle, numbers.Number):
        raise TypeError("Argument angle should be int or float")
    if center is not None and len(center) != 2:
        raise ValueError("Argument center should be a sequence of length 2")
    mode = _mode(interpolation)
    return _apply(img, lambda array: array_ops.rotate(array, float(angle), mode, expand, center,
                                                      fill),
                  lambda pic: pil_ops.rotate(pic, angle, mode, expand, center, fill), "rotate")


# ---- colour ----------------------------------------------------------------------------------
def rgb_to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    return _apply(img, lambda array: array_ops.rgb_to_grayscale(array, num_output_channels),
                  lambda pic: pil_ops.to_grayscale(pic, num_output_channels), "rgb_to_grayscale")


to_grayscale = rgb_to_grayscale


def adjust_brightness(img: Any, brightness_factor: float) -> Any:
    return _apply(img, lambda array: array_ops.adjust_brightness(array, brightness_factor),
                  lambda pic: pil_ops.adjust_brightness(pic, brightness_factor))


def adjust_contrast(img: Any, contrast_factor: float) -> Any:
    return _apply(img, lambda array: array_ops.adjust_contrast(array, contrast_factor),
                  lambda pic: pil_ops.adjust_contrast(pic, contrast_factor))


def adjust_saturation(img: Any, saturation_factor: float) -> Any:
    return _apply(img, lambda array: array_ops.adjust_saturation(array, saturation_factor),
                  lambda pic: pil_ops.adjust_saturation(pic, saturation_factor))


def adjust_hue(img: Any, hue_factor: float) -> Any:
    return _apply(img, lambda array: array_ops.adjust_hue(array, hue_factor),
                  lambda pic: pil_ops.adjust_hue(pic, hue_factor))


# the augmentation operations live beside, in functional_augment (which builds on the above)
from .functional_augment import (adjust_sharpness, affine, autocontrast,  # noqa: E402,F401
                                 elastic_transform, equalize, erase, five_crop, gaussian_blur,
                                 invert, perspective, posterize, solarize, ten_crop)
