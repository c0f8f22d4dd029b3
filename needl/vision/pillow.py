"""Pillow, an optional dependency: found lazily, with one clear error when it is missing.

Datasets give PIL images where torchvision does when Pillow is installed, and HWC uint8 NumPy
arrays otherwise; transforms accept both.
"""
import importlib.util
import sys
from functools import lru_cache

INSTALL_HINT = 'install Pillow: pip install pillow (or pip install "needl-numpy[vision]")'


@lru_cache(maxsize=None)
def available() -> bool:
    """Whether Pillow can be imported (checked once, without importing it)."""
    try:
        return importlib.util.find_spec("PIL") is not None
    except (ImportError, ValueError):  # a broken or blocked installation
        return False


def image_module():
    """`PIL.Image`, or an ImportError saying how to install Pillow."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(f"this needs Pillow, which is not installed; {INSTALL_HINT}") from None
    return Image


def is_pil_image(value) -> bool:
    """True for a PIL image; never imports Pillow (an image exists only if Pillow was imported)."""
    module = sys.modules.get("PIL.Image")
    return module is not None and isinstance(value, module.Image)


def to_item(array):
    """An HW or HWC uint8 array as torchvision's dataset items: a PIL image with Pillow, else the
    array itself."""
    if not available():
        return array
    return image_module().fromarray(array)
