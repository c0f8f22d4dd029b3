"""torchvision.transforms' counterpart: the classes, and `functional` with one function per
operation. They take PIL images, HWC NumPy arrays and (..., C, H, W) Tensors."""
from . import functional
from .functional import InterpolationMode
from .transforms import *  # noqa: F401,F403
from .transforms import __all__
