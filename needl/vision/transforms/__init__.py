"""torchvision.transforms' counterpart: the classes, and `functional` with one function per
operation. They take PIL images, HWC NumPy arrays and (..., C, H, W) Tensors; `v2` is
torchvision.transforms.v2's namespace."""
from . import functional
from .augmentations import (ElasticTransform, FiveCrop, GaussianBlur, LinearTransformation,
                            RandomAdjustSharpness, RandomAffine, RandomAutocontrast,
                            RandomEqualize, RandomErasing, RandomGrayscale, RandomInvert,
                            RandomOrder, RandomPerspective, RandomPosterize, RandomSolarize,
                            TenCrop)
from .autoaugment import AugMix, AutoAugment, AutoAugmentPolicy, RandAugment, TrivialAugmentWide
from .functional import InterpolationMode
from .transforms import (CenterCrop, ColorJitter, Compose, ConvertImageDtype, Grayscale, Lambda,
                         Normalize, Pad, PILToTensor, RandomApply, RandomChoice, RandomCrop,
                         RandomHorizontalFlip, RandomResizedCrop, RandomRotation,
                         RandomVerticalFlip, Resize, ToPILImage, ToTensor)

__all__ = ["functional", "InterpolationMode", "Compose", "ToTensor", "PILToTensor", "ToPILImage",
           "ConvertImageDtype", "Normalize", "Resize", "CenterCrop", "RandomCrop",
           "RandomResizedCrop", "RandomHorizontalFlip", "RandomVerticalFlip", "RandomRotation",
           "ColorJitter", "Grayscale", "Pad", "Lambda", "RandomApply", "RandomChoice",
           "RandomErasing", "RandomGrayscale", "GaussianBlur", "RandomAffine", "RandomOrder",
           "RandomInvert", "RandomPosterize", "RandomSolarize", "RandomAdjustSharpness",
           "RandomAutocontrast", "RandomEqualize", "RandomPerspective", "FiveCrop", "TenCrop",
           "LinearTransformation", "ElasticTransform", "AutoAugmentPolicy", "AutoAugment",
           "RandAugment", "TrivialAugmentWide", "AugMix"]
