"""MixUp (Zhang et al., 2018) and CutMix (Yun et al., 2019) on a batch: each image is mixed
with the next one of the batch (the batch rolled by one), its labels likewise.

They are called on (images, labels) after collation, as torchvision's: images (B, C, H, W),
labels (B,) class indices (with num_classes) or (B, num_classes) probabilities.
"""
import math
from typing import Any, Optional

import numpy as np

from ....autograd import random
from ....autograd.tensor import Tensor
from ... import pillow
from ._transform import flatten


def _find_labels(sample: Any) -> Any:
    """torchvision's default labels_getter: the second item of a tuple/list, or the 'labels'
    (or 'label') entry of a dict."""
    if isinstance(sample, (tuple, list)) and len(sample) >= 2:
        return sample[1]
    if isinstance(sample, dict):
        for key, value in sample.items():
            if isinstance(key, str) and key.lower() in ("labels", "label"):
                return value
    raise ValueError("Could not infer where the labels are in the sample. Pass (images, labels) "
                     "or a dict with a 'labels' key.")


class _BatchMix:
    def __init__(self, *, alpha: float = 1.0, num_classes: Optional[int] = None,
                 labels_getter="default"):
        self.alpha, self.num_classes = float(alpha), num_classes
        self._labels_getter = _find_labels if labels_getter == "default" else labels_getter

    def _mix_images(self, images: np.ndarray, lam: float, box) -> np.ndarray:
        raise NotImplementedError

    def _parameters(self, height: int, width: int):
        """(lam for the labels, what _mix_images needs)."""
        raise NotImplementedError

    def _labels(self, labels: Tensor) -> np.ndarray:
        values = labels._data
        if values.ndim not in (1, 2):
            raise ValueError(f"labels should be index based with shape (batch_size,) or "
                             f"probability based with shape (batch_size, num_classes), but got "
                             f"a tensor of shape {tuple(values.shape)} instead.")
        if values.ndim == 2 and self.num_classes is not None and \
                values.shape[-1] != self.num_classes:
            raise ValueError(f"When passing 2D labels, the number of elements in last dimension "
                             f"must match num_classes: {values.shape[-1]} != {self.num_classes}. "
                             f"You can Leave num_classes to None.")
        if values.ndim == 1:
            if self.num_classes is None:
                raise ValueError("num_classes must be passed if the labels are index-based (1D)")
            values = np.eye(self.num_classes, dtype=np.float32)[values]
        return values if values.dtype.kind == "f" else values.astype(np.float32)

    def __call__(self, *inputs: Any) -> Any:
        sample = inputs if len(inputs) > 1 else inputs[0]
        leaves, rebuild = flatten(sample)
        if any(pillow.is_pil_image(leaf) for leaf in leaves):
            raise ValueError(f"{type(self).__name__}() does not support PIL images, bounding "
                             f"boxes, keypoints and masks.")
        labels = self._labels_getter(sample)
        if not isinstance(labels, Tensor):
            raise ValueError(f"The labels must be a tensor, but got {type(labels)} instead.")
        label_index = next(index for index, leaf in enumerate(leaves) if leaf is labels)
        image_index = next((index for index, leaf in enumerate(leaves)
                            if isinstance(leaf, Tensor) and index != label_index), None)
        if image_index is None:
            raise ValueError(f"{type(self).__name__}() found no image Tensor in the sample")
        images = leaves[image_index]
        if images.ndim != 4:
            raise ValueError(f"Expected a batched input with 4 dims, but got {images.ndim} "
                             f"dimensions instead.")
        if images.shape[0] != labels.shape[0]:
            raise ValueError(f"The batch size of the image or video does not match the batch "
                             f"size of the labels: {images.shape[0]} != {labels.shape[0]}.")
        lam, box = self._parameters(images.shape[-2], images.shape[-1])
        one_hot = self._labels(labels)
        outputs = list(leaves)
        outputs[image_index] = Tensor._make(self._mix_images(images._data, lam, box))
        mixed = np.roll(one_hot, 1, axis=0) * one_hot.dtype.type(1.0 - lam) + \
            one_hot * one_hot.dtype.type(lam)
        outputs[label_index] = Tensor._make(mixed)
        return rebuild(outputs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alpha={self.alpha}, num_classes={self.num_classes})"


class MixUp(_BatchMix):
    """images * lam + rolled images * (1 - lam), lam ~ Beta(alpha, alpha)."""

    def _parameters(self, height: int, width: int):
        return float(random.generator().beta(self.alpha, self.alpha)), None

    def _mix_images(self, images: np.ndarray, lam: float, box) -> np.ndarray:
        compute = images.dtype.type if images.dtype.kind == "f" else np.float32
        mixed = np.roll(images, 1, axis=0) * compute(1.0 - lam) + images * compute(lam)
        return mixed.astype(images.dtype, copy=False)


class CutMix(_BatchMix):
    """Paste a box of the rolled images, of area fraction about 1 - lam (lam ~ Beta(alpha,
    alpha)) centred at a uniform point; the labels mix by the box's actual area."""

    def _parameters(self, height: int, width: int):
        generator = random.generator()
        lam = float(generator.beta(self.alpha, self.alpha))
        center_x, center_y = int(generator.integers(0, width)), int(generator.integers(0, height))
        half = 0.5 * math.sqrt(1.0 - lam)
        half_width, half_height = int(half * width), int(half * height)
        box = (max(center_x - half_width, 0), max(center_y - half_height, 0),
               min(center_x + half_width, width), min(center_y + half_height, height))
        left, top, right, bottom = box
        return float(1.0 - (right - left) * (bottom - top) / (width * height)), box

    def _mix_images(self, images: np.ndarray, lam: float, box) -> np.ndarray:
        left, top, right, bottom = box
        mixed = images.copy()
        mixed[..., top:bottom, left:right] = np.roll(images, 1, axis=0)[..., top:bottom,
                                                                       left:right]
        return mixed
