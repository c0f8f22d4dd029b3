"""needl's first datasets, kept for the programs written against them; new code uses
`needl.vision.datasets` (torchvision's names and items).

`needl.datasets.MNIST` and `FashionMNIST` give, without a transform, a float32 Tensor
(1, 28, 28) in [0, 1] per image (what torchvision gives with `ToTensor()`); a transform
receives the raw uint8 (28, 28) array. The DataLoader batches them without per-sample work.
"""
from ..vision.datasets.idx import IDXError, read_idx, write_idx
from .mnist import MNIST, FashionMNIST

__all__ = ["MNIST", "FashionMNIST", "read_idx", "write_idx", "IDXError"]
