"""torchvision.transforms' counterpart: the classes, and `functional` with one function per
operation. They take PIL images, HWC NumPy arrays and (..., C, H, W) Tensors."""
from . import functional
from .functional import InterpolationMode
from .transforms import (CenterCrop, ColorJitter, Compose, ConvertImageDtype, Grayscale, Lambda,
                         Normalize, Pad, PILToTensor, RandomApply, RandomChoice, RandomCrop,
                         RandomHorizontalFlip, RandomResizedCrop, RandomRotation,
                         RandomVerticalFlip, Resize, ToPILImage, ToTensor)

__all__ = ["functional", "InterpolationMode", "Compose", "ToTensor", "PILToTensor", "ToPILImage",
           "ConvertImageDtype", "Normalize", "Resize", "CenterCrop", "RandomCrop",
           "RandomResizedCrop", "RandomHorizontalFlip", "RandomVerticalFlip", "RandomRotation",
           "ColorJitter", "Grayscale", "Pad", "Lambda", "RandomApply", "RandomChoice"]
