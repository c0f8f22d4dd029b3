"""VisionDataset, the base of needl.vision's datasets, and the array-backed image dataset.

Items are what torchvision gives: `(image, target)` with the image a PIL image when Pillow is
installed (an HW or HWC uint8 NumPy array otherwise), so `transforms.ToTensor()` is needed
exactly where torchvision needs it. Array-backed datasets also batch without per-sample work
when their transform is deterministic (ToTensor, Normalize...; see transforms/batching.py).
"""
import os
from pathlib import Path
from typing import Any, Callable, Optional, Tuple, Union

import numpy as np

from ...autograd.tensor import Tensor
from ...utils.data.dataloader import default_collate
from ...utils.data.dataset import Dataset
from .. import pillow
from .utils import default_root


class VisionDataset(Dataset):
    """A dataset under `root` (default: $NEEDL_DATA, then ~/.cache/needl) whose samples go
    through `transform` (the image) and `target_transform` (the target), or through
    `transforms` (both at once), as torchvision's VisionDataset."""

    def __init__(self, root: Optional[Union[str, os.PathLike]] = None,
                 transforms: Optional[Callable] = None, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None):
        if transforms is not None and (transform is not None or target_transform is not None):
            raise ValueError("Only transforms or transform/target_transform can be passed as "
                             "argument")
        self.root = Path(root).expanduser() if root is not None else default_root()
        self.transform = transform
        self.target_transform = target_transform
        self.transforms = transforms

    def _transformed(self, image: Any, target: Any) -> Tuple[Any, Any]:
        if self.transforms is not None:
            return self.transforms(image, target)
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"Number of datapoints: {len(self)}", f"Root location: {self.root}"]
        lines += [line for line in self.extra_repr().splitlines() if line]
        for name in ("transforms", "transform", "target_transform"):
            value = getattr(self, name)
            if value is not None:
                lines.append(f"{name.capitalize() if name == 'transforms' else name}: "
                             + repr(value).replace("\n", "\n    "))
        return f"Dataset {type(self).__name__}\n" + "\n".join("    " + line for line in lines)


class ArrayImageDataset(VisionDataset):
    """Images held in one uint8 array (N, H, W) or (N, H, W, C) and integer labels (N,).

    Subclasses define `_arrays()` returning both; items are `(PIL image or array, int)`.
    `get_batch` serves the DataLoader: with a deterministic transform (or a `Compose` of
    ToTensor/PILToTensor followed by Normalize, ConvertImageDtype...), the whole batch is
    converted with a few array operations; otherwise samples are fetched one by one.
    """

    def _arrays(self) -> Tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self._arrays()[0])

    def __getitem__(self, index: int) -> Tuple[Any, Any]:
        images, labels = self._arrays()
        return self._transformed(pillow.to_item(images[index]), int(labels[index]))

    def get_batch(self, indices: np.ndarray):
        """The collated batch at `indices`, equal to collating `self[i]` for each i."""
        from ..transforms.batching import batch_function
        convert = None
        if self.transforms is None and self.target_transform is None:
            convert = batch_function(self.transform)
        if convert is None:
            return default_collate([self[int(i)] for i in indices])
        images, labels = self._arrays()
        return convert(images[indices]), Tensor._make(labels[indices].astype(np.int64))
