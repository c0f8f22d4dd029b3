"""CIFAR-10 and CIFAR-100 from the standard archives' contents, python or binary version.

For root R: R/cifar-10-batches-py/ (what torchvision downloads: pickled batches, read here by
a restricted reader that never runs the pickle) or R/cifar-10-batches-bin/ (the binary
version: one label byte, or coarse and fine label bytes for CIFAR-100, then 3072 pixel bytes
per image, R, G, B planes of 32x32). Items: `(PIL RGB image or uint8 array (32, 32, 3), int)`;
`data` is a uint8 array (N, 32, 32, 3), `targets` a list of ints, as in torchvision.
"""
import os
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple, Union

import numpy as np

from . import utils
from .vision import ArrayImageDataset

IMAGE_BYTES = 3 * 32 * 32


class CIFAR10(ArrayImageDataset):
    """The CIFAR-10 tiny images: 50,000 training and 10,000 test RGB images of 32x32, 10 classes.

    Example: `CIFAR10("data", train=False, transform=transforms.ToTensor())[0]`
    -> `(float32 Tensor (3, 32, 32), 3)`.
    """

    base_folder = "cifar-10-batches-py"
    binary_folder = "cifar-10-batches-bin"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [["data_batch_1", "c99cafc152244af753f735de768cd75f"],
                  ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
                  ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
                  ["data_batch_4", "634d18415352ddfa80567beed471001a"],
                  ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"]]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names",
            "md5": "5ff9c542aee3614f3951f8cda6e48888"}
    labels_key = "labels"
    binary_meta = "batches.meta.txt"
    label_bytes = 1  # in the binary version, the fine label is the last of them
    timeout = utils.DEFAULT_TIMEOUT

    def __init__(self, root: Optional[Union[str, os.PathLike]] = None, train: bool = True,
                 transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        self._labels = (None, None)  # (targets, their int64 array), made when first needed
        if self._present() is None:
            if not download:
                raise FileNotFoundError(self._missing_message())
            self.download()
        if self._present() == "python":
            self.data, self.targets, self.classes = self._read_python()
        else:
            self.data, self.targets, self.classes = self._read_binary()

    # ---- files -----------------------------------------------------------------------------
    def _batch_names(self) -> List[str]:
        return [name for name, _ in (self.train_list if self.train else self.test_list)]

    def _binary_names(self) -> List[str]:
        return [f"{name}.bin" for name in self._batch_names()]

    def _present(self) -> Optional[str]:
        """'python' or 'binary': which version of the files is under root, else None."""
        folder = self.root / self.base_folder
        if all((folder / name).is_file() for name in self._batch_names() + [self.meta["filename"]]):
            return "python"
        folder = self.root / self.binary_folder
        if all((folder / name).is_file() for name in self._binary_names()):
            return "binary"
        return None

    def _missing_message(self) -> str:
        return (f"{type(self).__name__} files not found under {self.root}: expected "
                f"{self.root / self.base_folder}/ with {', '.join(self._batch_names())} and "
                f"{self.meta['filename']} (the contents of {self.filename}), or "
                f"{self.root / self.binary_folder}/ with {', '.join(self._binary_names())}. "
                f"Unpack {self.url} into {self.root}, set NEEDL_DATA to the folder holding "
                f"'{self.base_folder}/', or pass download=True.")

    def download(self) -> None:
        """Fetch the python-version archive over HTTPS, check its MD5 and unpack it in root."""
        if self._present() is not None:
            return
        archive = self.root / self.filename
        if not utils.check_integrity(archive, self.tgz_md5):
            errors = utils.download_first([self.url], archive, self.tgz_md5,
                                          fetch=lambda url: utils.fetch(url, self.timeout))
            if errors:
                raise RuntimeError(f"could not download {self.filename} for "
                                   f"{type(self).__name__} (offline?):\n  " + "\n  ".join(errors)
                                   + f"\nDownload {self.url} by other means and put it in "
                                   f"{self.root} (it is unpacked there), or unpack it yourself "
                                   f"so that {self.root / self.base_folder}/ exists.")
        utils.extract_archive(archive, self.root)

    def _read_python(self) -> Tuple[np.ndarray, List[int], List[str]]:
        folder = self.root / self.base_folder
        images, labels = [], []
        for name in self._batch_names():
            entry = _pickled_dict(folder / name)
            data, batch_labels = _field(entry, "data", folder / name), \
                _field(entry, self.labels_key, folder / name)
            if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 \
                    or data.shape[1] != IMAGE_BYTES or len(batch_labels) != len(data):
                raise ValueError(f"{folder / name}: expected 'data' as a uint8 array (N, "
                                 f"{IMAGE_BYTES}) and N '{self.labels_key}', got "
                                 f"{getattr(data, 'dtype', type(data).__name__)} "
                                 f"{getattr(data, 'shape', '')} and {len(batch_labels)} labels")
            images.append(data)
            labels.extend(int(label) for label in batch_labels)
        meta = folder / self.meta["filename"]
        classes = [_text(name) for name in _field(_pickled_dict(meta), self.meta["key"], meta)]
        return self._finish(images, labels, classes, folder)

    def _read_binary(self) -> Tuple[np.ndarray, List[int], List[str]]:
        folder = self.root / self.binary_folder
        record = self.label_bytes + IMAGE_BYTES
        images, labels = [], []
        for name in self._binary_names():
            content = np.fromfile(folder / name, dtype=np.uint8)
            if content.size % record:
                raise ValueError(f"{folder / name}: {content.size} bytes is not a whole number "
                                 f"of {record}-byte records ({self.label_bytes} label byte(s) "
                                 f"and {IMAGE_BYTES} pixel bytes each)")
            content = content.reshape(-1, record)
            labels.extend(content[:, self.label_bytes - 1].tolist())
            images.append(content[:, self.label_bytes:])
        meta = folder / self.binary_meta
        classes = [line.strip() for line in meta.read_text().splitlines() if line.strip()] \
            if meta.is_file() else [str(index) for index in range(max(labels, default=-1) + 1)]
        return self._finish(images, labels, classes, folder)

    def _finish(self, images, labels, classes, folder: Path):
        if labels and not 0 <= min(labels) <= max(labels) < len(classes):
            raise ValueError(f"{folder}: labels range from {min(labels)} to {max(labels)}, but "
                             f"there are {len(classes)} classes")
        data = np.concatenate(images) if images else np.zeros((0, IMAGE_BYTES), np.uint8)
        # planes R, G, B of 32x32 -> HWC images, contiguous for fast batches and PIL
        data = np.ascontiguousarray(data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        return data, labels, classes

    # ---- samples ---------------------------------------------------------------------------
    @property
    def class_to_idx(self) -> dict:
        return {name: index for index, name in enumerate(self.classes)}

    def _arrays(self) -> Tuple[np.ndarray, np.ndarray]:
        if self._labels[0] is not self.targets:  # re-made when the user assigns new targets
            self._labels = (self.targets, np.asarray(self.targets, dtype=np.int64))
        return self.data, self._labels[1]

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100: the same images' format, 100 fine classes (targets) in 20 coarse ones."""

    base_folder = "cifar-100-python"
    binary_folder = "cifar-100-binary"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names",
            "md5": "7973b15100ade9c7d40fb424638fde48"}
    labels_key = "fine_labels"
    binary_meta = "fine_label_names.txt"
    label_bytes = 2


def _pickled_dict(path: Path) -> dict:
    from .restricted_pickle import loads  # the pickle interpreter loads only when needed
    entry = loads(path.read_bytes(), str(path))
    if not isinstance(entry, dict):
        raise ValueError(f"{path}: expected a pickled dict, found {type(entry).__name__}")
    return entry


def _field(entry: dict, key: str, path: Path) -> Any:
    """entry[key], whether the file stored its keys as str or (Python 2) as bytes."""
    for candidate in (key, key.encode()):
        if candidate in entry:
            return entry[candidate]
    raise ValueError(f"{path}: no '{key}' entry (found {', '.join(map(_text, entry))})")


def _text(value: Any) -> str:
    return value.decode("latin1") if isinstance(value, bytes) else str(value)
