"""torchvision.transforms.v2's counterpart (`import needl.vision.transforms.v2 as T`): the
transforms of `needl.vision.transforms` with v2's calling convention (a sample of several
inputs: the images are transformed with the same draws, the rest passed through), and v2's
own ToImage, ToDtype, ToPureTensor, Identity, RGB, GaussianNoise, RandomChannelPermutation,
RandomPhotometricDistort, MixUp and CutMix."""
from .. import augmentations as _augmentations
from .. import autoaugment as _autoaugment
from .. import transforms as _v1
from ..autoaugment import AutoAugmentPolicy
from ..functional import InterpolationMode
from . import functional
from ._containers import Compose, Lambda, RandomApply, RandomChoice, RandomOrder
from ._mixing import CutMix, MixUp
from ._transform import Transform, v2_class
from ._v2_only import (RGB, GaussianNoise, Identity, RandomChannelPermutation,
                       RandomPhotometricDistort, ToDtype, ToImage, ToPureTensor)

_PER_IMAGE = [
    _v1.Normalize, _v1.Resize, _v1.CenterCrop, _v1.Pad, _v1.Grayscale, _v1.RandomCrop,
    _v1.RandomResizedCrop, _v1.RandomHorizontalFlip, _v1.RandomVerticalFlip,
    _v1.RandomRotation, _v1.ColorJitter, _v1.ConvertImageDtype,
    _augmentations.RandomGrayscale, _augmentations.GaussianBlur,
    _augmentations.RandomAffine, _augmentations.RandomInvert, _augmentations.RandomPosterize,
    _augmentations.RandomSolarize, _augmentations.RandomAdjustSharpness,
    _augmentations.RandomAutocontrast, _augmentations.RandomEqualize,
    _augmentations.RandomPerspective, _augmentations.ElasticTransform, _augmentations.FiveCrop,
    _augmentations.TenCrop, _augmentations.LinearTransformation, _autoaugment.AutoAugment,
    _autoaugment.RandAugment, _autoaugment.TrivialAugmentWide, _autoaugment.AugMix]
globals().update({cls.__name__: v2_class(cls, __name__) for cls in _PER_IMAGE})
# erasing passes PIL images through (as torchvision's v2), the conversions also take NumPy
# arrays, PILToTensor takes only PIL images
RandomErasing = v2_class(_augmentations.RandomErasing, __name__, pil=False)
ToTensor = v2_class(_v1.ToTensor, __name__, arrays=True)
ToPILImage = v2_class(_v1.ToPILImage, __name__, arrays=True)
PILToTensor = v2_class(_v1.PILToTensor, __name__)

__all__ = ["functional", "Transform", "InterpolationMode", "AutoAugmentPolicy", "Compose",
           "Lambda", "RandomApply", "RandomChoice", "RandomOrder", "ToImage", "ToDtype",
           "ToPureTensor", "ToTensor", "ToPILImage", "PILToTensor", "Identity", "RGB",
           "GaussianNoise", "RandomChannelPermutation", "RandomPhotometricDistort", "MixUp",
           "CutMix", "RandomErasing"] + [cls.__name__ for cls in _PER_IMAGE]
