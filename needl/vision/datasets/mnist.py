"""MNIST, FashionMNIST, KMNIST and EMNIST from the standard IDX files (raw or .gz).

Where the files are looked for, for root R (default: $NEEDL_DATA, then ~/.cache/needl), e.g.
for MNIST: R/mnist/, R/MNIST/raw/ (torchvision's layout), R/MNIST/, R/. Each file may be raw
(`train-images-idx3-ubyte`) or gzip-compressed (`.gz`). `download=True` fetches the standard
files over HTTPS with their MD5 checksums; offline it says which files to put where.

Items are torchvision's: `(PIL image of mode 'L', int)`, or `(uint8 array (28, 28), int)`
without Pillow; `data` is the uint8 Tensor (N, 28, 28), `targets` the int64 Tensor (N,).
"""
import os
import string
from pathlib import Path
from typing import Callable, List, Optional, Tuple, Union

import numpy as np

from ...autograd.tensor import Tensor
from . import utils
from .idx import IDXError, read_idx
from .vision import ArrayImageDataset


class MNIST(ArrayImageDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images of 28x28 pixels.

    Example: `MNIST("data", train=False, transform=transforms.ToTensor())[0]`
    -> `(float32 Tensor (1, 28, 28), 7)`.
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
    timeout = utils.DEFAULT_TIMEOUT

    def __init__(self, root: Optional[Union[str, os.PathLike]] = None, train: bool = True,
                 transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        names = self._file_names()
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

    def _file_names(self) -> Tuple[str, str]:
        prefix = "train" if self.train else "t10k"
        return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"

    def _arrays(self) -> Tuple[np.ndarray, np.ndarray]:
        return self.data._data, self.targets._data

    # ---- files -----------------------------------------------------------------------------
    @property
    def raw_folder(self) -> Path:
        return self.root / type(self).__name__ / "raw"

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
        """Fetch the standard files over HTTPS into root/<folder>, checking their MD5."""
        target = self.root / self.folders[0]
        target.mkdir(parents=True, exist_ok=True)
        for filename, md5 in self.resources:
            if self._find(filename.removesuffix(".gz")) is not None:
                continue
            errors = utils.download_first([mirror + filename for mirror in self.mirrors],
                                          target / filename, md5, fetch=self._fetch)
            if errors:
                names = ", ".join(name for name, _ in self.resources)
                raise RuntimeError(
                    f"could not download {filename} for {type(self).__name__} (offline?):\n  "
                    + "\n  ".join(errors) + f"\nDownload {names} by other means and put them "
                    f"(raw or .gz) in {target}, or set NEEDL_DATA to a folder holding "
                    f"'{self.folders[0]}/'.")
            self._downloaded(target / filename)

    def _downloaded(self, path: Path) -> None:
        """What to do with a file just downloaded (EMNIST unpacks its archive)."""

    def _fetch(self, url: str) -> bytes:
        return utils.fetch(url, self.timeout)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"


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


class KMNIST(MNIST):
    """Kuzushiji-MNIST: ten cursive Japanese hiragana, in MNIST's format and sizes."""

    folders = ("kmnist", "KMNIST/raw", "KMNIST")
    mirrors = ["https://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
                 ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
                 ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
                 ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134")]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


class EMNIST(MNIST):
    """Extended MNIST: handwritten digits and letters in six splits (`byclass`, `bymerge`,
    `balanced`, `letters`, `digits`, `mnist`). As in torchvision, images are kept as stored
    (transposed with respect to MNIST's). The download is NIST's 0.5 GB `gzip.zip`."""

    folders = ("emnist", "EMNIST/raw", "EMNIST")
    mirrors = ["https://biometrics.nist.gov/cs_links/EMNIST/"]
    resources = [("gzip.zip", "58c8d27c78d21e728a6bc7b3cc06412e")]
    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    _merged_classes = set("cijklmopsuvwxyz")
    _all_classes = set(string.digits + string.ascii_letters)
    classes_split_dict = {
        "byclass": sorted(_all_classes),
        "bymerge": sorted(_all_classes - _merged_classes),
        "balanced": sorted(_all_classes - _merged_classes),
        "letters": ["N/A"] + list(string.ascii_lowercase),
        "digits": list(string.digits),
        "mnist": list(string.digits),
    }

    def __init__(self, root: Optional[Union[str, os.PathLike]] = None, split: str = "mnist",
                 **kwargs):
        if split not in self.splits:
            raise ValueError(f"Unknown value '{split}' for argument split. Valid values are "
                             f"{{{', '.join(repr(name) for name in self.splits)}}}.")
        self.split = split
        self.classes = self.classes_split_dict[split]
        super().__init__(root, **kwargs)

    def _file_names(self) -> Tuple[str, str]:
        prefix = f"emnist-{self.split}-{'train' if self.train else 'test'}"
        return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"

    def download(self) -> None:
        if self._find(self._file_names()[0]) is None or self._find(self._file_names()[1]) is None:
            super().download()

    def _find(self, name: str) -> Optional[Path]:
        if name == "gzip.zip":  # the archive counts as present once its contents are
            return None
        return super()._find(name)

    def _downloaded(self, path: Path) -> None:
        """Unpack the .gz files of gzip.zip (kept compressed: they are read as they are)."""
        import shutil
        unpacked = path.parent / "unpacked"
        for member in utils.extract_archive(path, unpacked):
            if member.name.endswith(".gz"):
                os.replace(member, path.parent / member.name)
        shutil.rmtree(unpacked)
        path.unlink()

    def extra_repr(self) -> str:
        return f"Split: {self.split} ({'Train' if self.train else 'Test'})"
