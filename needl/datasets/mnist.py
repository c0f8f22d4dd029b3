"""MNIST and FashionMNIST from the standard IDX files (raw or .gz), optionally downloaded.

Where the files are looked for, in order, for root R (default: $NEEDL_DATA, then ~/.cache/needl):
R/mnist/, R/MNIST/raw/, R/MNIST/, R/ (FashionMNIST: R/fashion-mnist/, R/FashionMNIST/raw/,
R/FashionMNIST/, R/). Each file may be raw (`train-images-idx3-ubyte`) or gzip-compressed (`.gz`).

Samples: without a transform, `dataset[i]` is `(image, target)` with `image` a float32 Tensor of
shape (1, 28, 28) scaled to [0, 1] (what torchvision gives with `ToTensor()`) and `target` an
int. With `transform`, it receives the raw uint8 (28, 28) NumPy array instead of a PIL image.
The DataLoader batches an untransformed dataset without per-sample work (`get_batch`):
images (B, 1, 28, 28) float32 in [0, 1], targets (B,) int64.
"""
import hashlib
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, List, Optional, Tuple, Union

import numpy as np

from ..autograd.tensor import Tensor
from ..utils.data.dataloader import default_collate
from ..utils.data.dataset import Dataset
from .idx import IDXError, read_idx


def default_root() -> Path:
    """$NEEDL_DATA if set, else ~/.cache/needl."""
    return Path(os.environ.get("NEEDL_DATA") or Path.home() / ".cache" / "needl")


class MNIST(Dataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images of 28x28 pixels.

    Attributes: `data` (uint8 Tensor, N x 28 x 28), `targets` (int64 Tensor, N), `classes`.
    Example: `MNIST(train=False)[0]` -> `(float32 Tensor (1, 28, 28), 7)`.
    """

    folders = ("mnist", "MNIST/raw", "MNIST")
    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
               "https://storage.googleapis.com/cvdf-datasets/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
               "7 - seven", "8 - eight", "9 - nine"]
    timeout = 10.0  # seconds per connection attempt, so an offline machine fails fast

    def __init__(self, root: Optional[Union[str, os.PathLike]] = None, train: bool = True,
                 transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False):
        self.root = Path(root).expanduser() if root is not None else default_root()
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        prefix = "train" if train else "t10k"
        names = (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte")
        paths = [self._find(name) for name in names]
        if None in paths:
            if not download:
                raise FileNotFoundError(self._missing_message(names, paths))
            self.download()
            paths = [self._find(name) for name in names]
        images, labels = read_idx(paths[0]), read_idx(paths[1])
        self._check(images, labels, paths)
        self.data = Tensor._make(images)
        self.targets = Tensor._make(labels.astype(np.int64))

    # ---- files -----------------------------------------------------------------------------
    @property
    def class_to_idx(self) -> dict:
        return {name: index for index, name in enumerate(self.classes)}

    def _folders(self) -> List[Path]:
        return [self.root / folder for folder in self.folders] + [self.root]

    def _find(self, name: str) -> Optional[Path]:
        """The first existing `name` or `name.gz` in the folders searched, or None."""
        for folder in self._folders():
            for candidate in (folder / name, folder / f"{name}.gz"):
                if candidate.is_file():
                    return candidate
        return None

    def _missing_message(self, names, paths) -> str:
        missing = [name for name, path in zip(names, paths) if path is None]
        return (f"{type(self).__name__} files not found: {', '.join(missing)} (raw or .gz). "
                f"Put them in {self.root / self.folders[0]} (searched: "
                f"{', '.join(str(folder) for folder in self._folders())}), set NEEDL_DATA to the "
                f"folder above '{self.folders[0]}', or pass download=True.")

    def _check(self, images: np.ndarray, labels: np.ndarray, paths) -> None:
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
            raise IDXError(f"{paths[0]}: expected uint8 images of shape (N, 28, 28), got "
                           f"{images.dtype} {images.shape}")
        if labels.dtype != np.uint8 or labels.ndim != 1:
            raise IDXError(f"{paths[1]}: expected a 1-D uint8 array of labels, got "
                           f"{labels.dtype} {labels.shape}")
        if len(images) != len(labels):
            raise IDXError(f"{paths[0]} holds {len(images)} images but {paths[1]} holds "
                           f"{len(labels)} labels")
        if labels.size and labels.max() >= len(self.classes):
            raise IDXError(f"{paths[1]}: label {int(labels.max())} is out of range for "
                           f"{len(self.classes)} classes")

    def download(self) -> None:
        """Fetch the four standard .gz files over HTTPS into root/<folder>, checking their MD5."""
        target = self.root / self.folders[0]
        target.mkdir(parents=True, exist_ok=True)
        for filename, md5 in self.resources:
            if self._find(filename[:-3]) is not None:
                continue
            errors = []
            for mirror in self.mirrors:
                try:
                    content = self._fetch(mirror + filename)
                except (urllib.error.URLError, OSError, ValueError) as error:
                    errors.append(f"{mirror + filename}: {getattr(error, 'reason', error)}")
                    continue
                digest = hashlib.md5(content, usedforsecurity=False).hexdigest()
                if digest != md5:
                    errors.append(f"{mirror + filename}: checksum mismatch (md5 {digest}, "
                                  f"expected {md5})")
                    continue
                partial = target / f"{filename}.part"
                partial.write_bytes(content)
                os.replace(partial, target / filename)
                break
            else:
                names = ", ".join(name for name, _ in self.resources)
                raise RuntimeError(
                    f"could not download {filename} for {type(self).__name__} (offline?):\n  "
                    + "\n  ".join(errors) + f"\nDownload {names} by other means and put them "
                    f"(raw or .gz) in {target}, or set NEEDL_DATA to a folder holding "
                    f"'{self.folders[0]}/'.")

    def _fetch(self, url: str) -> bytes:
        if not url.startswith("https://"):
            raise ValueError(f"refusing to download over a non-HTTPS URL: {url}")
        with urllib.request.urlopen(url, timeout=self.timeout) as response:
            return response.read()

    # ---- samples ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.data.shape[0]

    def __getitem__(self, index: int) -> Tuple:
        image, target = self.data._data[index], int(self.targets._data[index])
        if self.transform is None:
            image = Tensor._make((image * np.float32(1 / 255))[None])
        else:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def get_batch(self, indices: np.ndarray) -> Tuple[Tensor, Tensor]:
        """The batch at `indices`: one fancy index, no per-sample work without transforms."""
        if self.transform is not None or self.target_transform is not None:
            return default_collate([self[int(i)] for i in indices])
        images = self.data._data[indices].astype(np.float32)
        images *= np.float32(1 / 255)
        return Tensor._make(images[:, None]), Tensor._make(self.targets._data[indices])

    def __repr__(self) -> str:
        return (f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n"
                f"    Root location: {self.root}\n    Split: {'Train' if self.train else 'Test'}")


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: the same format and sizes as MNIST, ten kinds of clothing."""

    folders = ("fashion-mnist", "FashionMNIST/raw", "FashionMNIST")
    mirrors = ["https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
