"""Applying a dataset's transform to a whole batch at once, where that gives the same result.

An array-backed dataset (MNIST, CIFAR) stores its images as one uint8 array. When its
transform starts with ToTensor or PILToTensor and continues only with deterministic
transforms that act on each image of a (B, C, H, W) Tensor independently, the DataLoader's
batch is the transform applied once to the stacked images: no Python work per sample.
"""
from typing import Callable, Optional

import numpy as np

from ...autograd import dtypes
from ...autograd.tensor import Tensor
from . import transforms as T

# deterministic, per-image, and the same on a (B, C, H, W) Tensor as on each (C, H, W) one
_BATCHABLE = (T.Normalize, T.ConvertImageDtype, T.Resize, T.CenterCrop, T.Pad, T.Grayscale)


def _to_tensor_batch(images: np.ndarray, scale: bool) -> Tensor:
    """uint8 (B, H, W) or (B, H, W, C) -> (B, C, H, W), scaled to [0, 1] floats if `scale`."""
    batch = images[:, None] if images.ndim == 3 else images.transpose(0, 3, 1, 2)
    if not scale:
        return Tensor._make(np.ascontiguousarray(batch))
    dtype = dtypes.get_default_dtype()
    result = batch.astype(dtype)
    result *= dtype.type(1 / 255)
    return Tensor._make(result)


def batch_function(transform: Optional[Callable]) -> Optional[Callable[[np.ndarray], Tensor]]:
    """A function from the stacked uint8 images to the collated batch of `transform(image)`,
    or None when the transform must run image by image (random or unknown transforms)."""
    steps = transform.transforms if isinstance(transform, T.Compose) else [transform]
    if not steps or type(steps[0]) not in (T.ToTensor, T.PILToTensor):
        return None
    rest = steps[1:]
    if not all(type(step) in _BATCHABLE for step in rest):
        return None
    scale = type(steps[0]) is T.ToTensor

    def apply(images: np.ndarray) -> Tensor:
        batch = _to_tensor_batch(images, scale)
        for step in rest:
            batch = step(batch)
        return batch
    return apply
