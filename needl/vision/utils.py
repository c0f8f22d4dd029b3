"""torchvision.utils' counterpart: `make_grid` tiles a batch of images, `save_image` writes it
as a PNG (or any format Pillow knows)."""
import math
import os
from typing import BinaryIO, List, Optional, Tuple, Union

import numpy as np

from ..autograd.tensor import Tensor
from . import pillow

__all__ = ["make_grid", "save_image"]


def _as_batch(tensor: Union[Tensor, List[Tensor], np.ndarray]) -> np.ndarray:
    """(B, C, H, W) float array from a Tensor/array (B, C, H, W), (C, H, W) or (H, W), or a list
    of (C, H, W); single channels are repeated to RGB, as torchvision does."""
    if isinstance(tensor, (list, tuple)):
        array = np.stack([item._data if isinstance(item, Tensor) else np.asarray(item)
                          for item in tensor])
    else:
        array = tensor._data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4:
        raise ValueError(f"make_grid takes images of shape (B, C, H, W), (C, H, W) or (H, W), "
                         f"got {array.shape}")
    if array.shape[1] == 1:
        array = np.repeat(array, 3, axis=1)
    return array


def _rescale(images: np.ndarray, value_range: Optional[Tuple[float, float]],
             scale_each: bool) -> np.ndarray:
    """Map [low, high] (given, or each image's / the batch's min and max) onto [0, 1]."""
    axes = (1, 2, 3) if scale_each else (0, 1, 2, 3)
    if value_range is not None:
        low, high = value_range
        images = np.clip(images, low, high)
    else:
        low = images.min(axis=axes, keepdims=True)
        high = images.max(axis=axes, keepdims=True)
    return (images - low) / np.maximum(high - low, 1e-5).astype(images.dtype)


def make_grid(tensor: Union[Tensor, List[Tensor]], nrow: int = 8, padding: int = 2,
              normalize: bool = False, value_range: Optional[Tuple[float, float]] = None,
              scale_each: bool = False, pad_value: float = 0.0) -> Tensor:
    """The images of a batch (B, C, H, W) tiled `nrow` per row with `padding` pixels of
    `pad_value` around each: a (C, rows * (H + padding) + padding, ...) Tensor.

    `normalize` maps `value_range` (default: the min and max, of each image with `scale_each`)
    onto [0, 1]. Example: `save_image(make_grid(fake_images, nrow=8), "samples.png")`.
    """
    images = _as_batch(tensor)
    if value_range is not None and not isinstance(value_range, tuple):
        raise TypeError("value_range has to be a tuple (min, max) if specified. min and max "
                        "are numbers")
    if normalize:
        images = _rescale(images.astype(np.result_type(images.dtype, np.float32)), value_range,
                          scale_each)
    count, channels, height, width = images.shape
    if count == 1:
        return Tensor._make(images[0].copy())
    columns = min(nrow, count)
    rows = math.ceil(count / columns)
    cell_height, cell_width = height + padding, width + padding
    cells = np.full((rows * columns, channels, cell_height, cell_width), pad_value,
                    dtype=images.dtype)
    cells[:count, :, padding:, padding:] = images
    grid = cells.reshape(rows, columns, channels, cell_height, cell_width)
    grid = grid.transpose(2, 0, 3, 1, 4).reshape(channels, rows * cell_height,
                                                 columns * cell_width)
    grid = np.pad(grid, [(0, 0), (0, padding), (0, padding)], constant_values=pad_value)
    return Tensor._make(grid)


def save_image(tensor: Union[Tensor, List[Tensor]], fp: Union[str, os.PathLike, BinaryIO],
               format: Optional[str] = None, **kwargs) -> None:
    """Write a batch (as `make_grid(tensor, **kwargs)`) or one image, values in [0, 1], to `fp`
    through Pillow (the format from the file name, or `format`)."""
    Image = pillow.image_module()
    grid = make_grid(tensor, **kwargs)._data
    pixels = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    image = Image.fromarray(np.ascontiguousarray(pixels[..., 0] if pixels.shape[2] == 1
                                                 else pixels))
    image.save(fp, format=format)
