"""FakeData: random images and labels, for trying a pipeline without any files."""
from typing import Any, Callable, Optional, Sequence, Tuple

import numpy as np

from .. import pillow
from .vision import VisionDataset


class FakeData(VisionDataset):
    """`size` random images of `image_size` (C, H, W) with labels in [0, num_classes).

    Item `index` is the same on every access: it is drawn from a generator seeded with
    `index + random_offset` (uniform uint8 pixels, as a PIL image or an HWC uint8 array; the
    values differ from torchvision's, whose generator is torch's).
    """

    def __init__(self, size: int = 1000, image_size: Sequence[int] = (3, 224, 224),
                 num_classes: int = 10, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, random_offset: int = 0):
        super().__init__(None, transform=transform, target_transform=target_transform)
        if len(image_size) != 3 or image_size[0] not in (1, 3, 4):
            raise ValueError(f"image_size must be (C, H, W) with C in 1, 3 or 4, got "
                             f"{tuple(image_size)}")
        self.size = size
        self.num_classes = num_classes
        self.image_size = tuple(image_size)
        self.random_offset = random_offset

    def __getitem__(self, index: int) -> Tuple[Any, Any]:
        if not -self.size <= index < self.size:
            raise IndexError(f"{type(self).__name__} index out of range: {index} for size "
                             f"{self.size}")
        generator = np.random.default_rng(index % self.size + self.random_offset)
        channels, height, width = self.image_size
        target = int(generator.integers(0, self.num_classes))
        image = generator.integers(0, 256, (height, width, channels), dtype=np.uint8)
        return self._transformed(pillow.to_item(image[..., 0] if channels == 1 else image), target)

    def __len__(self) -> int:
        return self.size
