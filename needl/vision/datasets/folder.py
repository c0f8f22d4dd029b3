"""DatasetFolder and ImageFolder: samples stored as root/<class>/<...>/<file>, as torchvision.

Classes are the sorted sub-folder names of root; a file counts when its extension is allowed
(or `is_valid_file(path)` says so). ImageFolder decodes images with Pillow (RGB), an optional
dependency: without it, ImageFolder says how to install it.
"""
import os
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from .. import pillow
from .vision import VisionDataset

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def has_file_allowed_extension(filename: str, extensions: Union[str, Tuple[str, ...]]) -> bool:
    return filename.lower().endswith(extensions if isinstance(extensions, str)
                                     else tuple(extensions))


def is_image_file(filename: str) -> bool:
    return has_file_allowed_extension(filename, IMG_EXTENSIONS)


def find_classes(directory: Union[str, os.PathLike]) -> Tuple[List[str], Dict[str, int]]:
    """The sorted class folder names under `directory`, and their indices."""
    classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {name: index for index, name in enumerate(classes)}


def make_dataset(directory: Union[str, os.PathLike], class_to_idx: Optional[Dict[str, int]] = None,
                 extensions: Optional[Union[str, Tuple[str, ...]]] = None,
                 is_valid_file: Optional[Callable[[str], bool]] = None,
                 allow_empty: bool = False) -> List[Tuple[str, int]]:
    """(path, class index) of every valid file under directory/<class>/, in sorted order."""
    directory = os.path.expanduser(os.fspath(directory))
    if class_to_idx is None:
        _, class_to_idx = find_classes(directory)
    elif not class_to_idx:
        raise ValueError("'class_to_index' must have at least one entry to collect any samples.")
    if (extensions is None) == (is_valid_file is None):
        raise ValueError("Both extensions and is_valid_file cannot be None or not None at the "
                         "same time")
    if is_valid_file is None:
        is_valid_file = lambda path: has_file_allowed_extension(path, extensions)  # noqa: E731
    samples, found = [], set()
    for name in sorted(class_to_idx):
        folder = os.path.join(directory, name)
        if not os.path.isdir(folder):
            continue
        for parent, _, files in sorted(os.walk(folder, followlinks=True)):
            for file in sorted(files):
                path = os.path.join(parent, file)
                if is_valid_file(path):
                    samples.append((path, class_to_idx[name]))
                    found.add(name)
    empty = set(class_to_idx) - found
    if empty and not allow_empty:
        message = f"Found no valid file for the classes {', '.join(sorted(empty))}. "
        if extensions is not None:
            message += ("Supported extensions are: "
                        + (extensions if isinstance(extensions, str) else ', '.join(extensions)))
        raise FileNotFoundError(message)
    return samples


def pil_loader(path: Union[str, os.PathLike]) -> Any:
    """The image at `path` as an RGB PIL image (decoded now, the file closed)."""
    with open(path, "rb") as file:
        return pillow.image_module().open(file).convert("RGB")


def default_loader(path: Union[str, os.PathLike]) -> Any:
    return pil_loader(path)


class DatasetFolder(VisionDataset):
    """Samples `(loader(path), class index)` for the files under root/<class>/.

    Attributes as torchvision: `classes`, `class_to_idx`, `samples` (list of (path, index)),
    `targets` (list of indices).
    """

    def __init__(self, root: Union[str, os.PathLike], loader: Callable[[str], Any],
                 extensions: Optional[Tuple[str, ...]] = None,
                 transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None,
                 is_valid_file: Optional[Callable[[str], bool]] = None,
                 allow_empty: bool = False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.classes, self.class_to_idx = self.find_classes(self.root)
        self.samples = self.make_dataset(self.root, self.class_to_idx, extensions,
                                         is_valid_file, allow_empty)
        self.loader = loader
        self.extensions = extensions
        self.targets = [target for _, target in self.samples]

    @staticmethod
    def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None,
                     allow_empty=False) -> List[Tuple[str, int]]:
        return make_dataset(directory, class_to_idx, extensions, is_valid_file, allow_empty)

    def find_classes(self, directory) -> Tuple[List[str], Dict[str, int]]:
        return find_classes(directory)

    def __getitem__(self, index: int) -> Tuple[Any, Any]:
        path, target = self.samples[index]
        return self._transformed(self.loader(path), target)

    def __len__(self) -> int:
        return len(self.samples)


class ImageFolder(DatasetFolder):
    """Images under root/<class>/ (any of IMG_EXTENSIONS), loaded as RGB PIL images.

    Example: `ImageFolder("data/train", transform=transforms.ToTensor())`.
    """

    def __init__(self, root: Union[str, os.PathLike], transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None,
                 loader: Callable[[str], Any] = default_loader,
                 is_valid_file: Optional[Callable[[str], bool]] = None,
                 allow_empty: bool = False):
        if loader is default_loader and not pillow.available():
            raise ImportError(f"ImageFolder decodes images with Pillow, which is not installed; "
                              f"{pillow.INSTALL_HINT} (or pass loader=)")
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None,
                         transform=transform, target_transform=target_transform,
                         is_valid_file=is_valid_file, allow_empty=allow_empty)
        self.imgs = self.samples
