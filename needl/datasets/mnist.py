"""MNIST and FashionMNIST with needl's original items (see the package docstring)."""
from typing import Tuple

import numpy as np

from ..autograd.tensor import Tensor
from ..utils.data.dataloader import default_collate
from ..vision.datasets import mnist


class _TensorItems:
    """Items as float32 Tensors (1, 28, 28) in [0, 1] without a transform; a transform gets
    the raw uint8 array."""

    def __getitem__(self, index: int) -> Tuple:
        image, target = self.data._data[index], int(self.targets._data[index])
        if self.transform is None:
            image = Tensor._make((image * np.float32(1 / 255))[None])
        return self._transformed(image, target)

    def get_batch(self, indices: np.ndarray) -> Tuple[Tensor, Tensor]:
        """The batch at `indices`: one fancy index, no per-sample work without transforms."""
        if self.transform is not None or self.target_transform is not None:
            return default_collate([self[int(i)] for i in indices])
        images = self.data._data[indices].astype(np.float32)
        images *= np.float32(1 / 255)
        return Tensor._make(images[:, None]), Tensor._make(self.targets._data[indices])


class MNIST(_TensorItems, mnist.MNIST):
    __doc__ = mnist.MNIST.__doc__


class FashionMNIST(_TensorItems, mnist.FashionMNIST):
    __doc__ = mnist.FashionMNIST.__doc__
