"""torchvision.transforms' classes: callables on PIL images, HWC arrays and CHW Tensors.

Random transforms draw from needl's global generator (`needl.autograd.random.generator()`),
so `needl.manual_seed(s)` makes a pipeline repeat itself; the draws are the same kind as
torchvision's (the same distributions in the same order), the numbers are NumPy's.
"""
import math
import numbers
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

import numpy as np

from ...autograd import dtypes, random
from .. import pillow
from . import functional as F
from .functional import InterpolationMode

__all__ = ["Compose", "ToTensor", "PILToTensor", "ToPILImage", "ConvertImageDtype", "Normalize",
           "Resize", "CenterCrop", "RandomCrop", "RandomResizedCrop", "RandomHorizontalFlip",
           "RandomVerticalFlip", "RandomRotation", "ColorJitter", "Grayscale", "Pad", "Lambda",
           "RandomApply", "RandomChoice", "InterpolationMode"]


def _uniform(low: float, high: float) -> float:
    return float(random.generator().uniform(low, high))


def _randint(low: int, high: int) -> int:
    """An int in [low, high), as torch.randint(low, high, (1,))."""
    return int(random.generator().integers(low, high))


def _size_pair(size: Union[int, Sequence[int]], message: str) -> Tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if not isinstance(size, Sequence) or len(size) != 2:
        raise ValueError(message)
    return int(size[0]), int(size[1])


class Compose:
    """Apply `transforms` one after the other. Example:
    `Compose([ToTensor(), Normalize((0.1307,), (0.3081,))])`."""

    def __init__(self, transforms: Sequence[Callable]):
        self.transforms = list(transforms)

    def __call__(self, img: Any) -> Any:
        for transform in self.transforms:
            img = transform(img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {transform}" for transform in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class _Simple:
    """A transform without options: its repr is its name."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ToTensor(_Simple):
    """PIL image or HWC array -> CHW Tensor; uint8 is scaled to float in [0, 1]."""

    def __call__(self, pic: Any):
        return F.to_tensor(pic)


class PILToTensor(_Simple):
    """PIL image -> CHW Tensor of the same dtype (no scaling)."""

    def __call__(self, pic: Any):
        return F.pil_to_tensor(pic)


class ToPILImage:
    """CHW Tensor or HWC array -> PIL image (floats scaled by 255)."""

    def __init__(self, mode: Optional[str] = None):
        self.mode = mode

    def __call__(self, pic: Any):
        return F.to_pil_image(pic, self.mode)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({'' if self.mode is None else f'mode={self.mode}'})"


class ConvertImageDtype:
    """Convert a Tensor image to `dtype`, rescaling ([0, 1] floats <-> [0, max] integers)."""

    def __init__(self, dtype) -> None:
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, image):
        return F.convert_image_dtype(image, self.dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dtype={self.dtype})"


class Normalize:
    """(tensor - mean) / std per channel, on a float Tensor image (..., C, H, W)."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Resize:
    """Resize to `size` (h, w), or the smaller edge to `size` keeping the aspect ratio."""

    def __init__(self, size: Union[int, Sequence[int]],
                 interpolation: InterpolationMode = InterpolationMode.BILINEAR,
                 max_size: Optional[int] = None, antialias: Optional[bool] = True):
        if not isinstance(size, (int, Sequence)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        self.size, self.max_size, self.antialias = size, max_size, antialias
        self.interpolation = InterpolationMode(F._mode(interpolation))

    def __call__(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(size={self.size}, interpolation="
                f"{self.interpolation.value}, max_size={self.max_size}, "
                f"antialias={self.antialias})")


class CenterCrop:
    """The central (h, w) crop; zero-padded when the image is smaller."""

    def __init__(self, size: Union[int, Sequence[int]]):
        self.size = _size_pair(size, "Please provide only two dimensions (h, w) for size.")

    def __call__(self, img):
        return F.center_crop(img, self.size)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


class Pad:
    """Pad the borders (see functional.pad)."""

    def __init__(self, padding: Union[int, Sequence[int]], fill: Union[float, Sequence] = 0,
                 padding_mode: str = "constant"):
        if isinstance(padding, Sequence) and len(padding) not in (1, 2, 4):
            raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a "
                             f"{len(padding)} element tuple")
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(padding={self.padding}, fill={self.fill}, "
                f"padding_mode={self.padding_mode})")


class Lambda:
    """Apply a user function as a transform."""

    def __init__(self, lambd: Callable):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Grayscale:
    """RGB -> grayscale (ITU-R 601-2 luma), with 1 or 3 identical output channels."""

    def __init__(self, num_output_channels: int = 1):
        self.num_output_channels = num_output_channels

    def __call__(self, img):
        return F.rgb_to_grayscale(img, self.num_output_channels)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(num_output_channels={self.num_output_channels})"


class RandomCrop:
    """A random (h, w) crop, after optional padding (or padding up to the size when
    `pad_if_needed`)."""

    def __init__(self, size: Union[int, Sequence[int]], padding=None, pad_if_needed: bool = False,
                 fill=0, padding_mode: str = "constant"):
        self.size = _size_pair(size, "Please provide only two dimensions (h, w) for size.")
        self.padding, self.pad_if_needed = padding, pad_if_needed
        self.fill, self.padding_mode = fill, padding_mode

    @staticmethod
    def get_params(img, output_size: Tuple[int, int]) -> Tuple[int, int, int, int]:
        """(top, left, height, width) of a random crop of `output_size`."""
        _, height, width = F.get_dimensions(img)
        crop_height, crop_width = output_size
        if height < crop_height or width < crop_width:
            raise ValueError(f"Required crop size {(crop_height, crop_width)} is larger than "
                             f"input image size {(height, width)}")
        if (height, width) == (crop_height, crop_width):
            return 0, 0, height, width
        return (_randint(0, height - crop_height + 1), _randint(0, width - crop_width + 1),
                crop_height, crop_width)

    def __call__(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = F.get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = F.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = F.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        return F.crop(img, *self.get_params(img, self.size))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


class RandomResizedCrop:
    """A crop of random area (fraction in `scale`) and aspect ratio (in `ratio`, drawn
    log-uniformly), resized to `size`: the usual ImageNet training augmentation."""

    def __init__(self, size: Union[int, Sequence[int]], scale: Tuple[float, float] = (0.08, 1.0),
                 ratio: Tuple[float, float] = (3.0 / 4.0, 4.0 / 3.0),
                 interpolation: InterpolationMode = InterpolationMode.BILINEAR,
                 antialias: Optional[bool] = True):
        self.size = _size_pair(size, "Please provide only two dimensions (h, w) for size.")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError("Scale and ratio should be of kind (min, max)")
        self.scale, self.ratio = scale, ratio
        self.interpolation = InterpolationMode(F._mode(interpolation))
        self.antialias = antialias

    @staticmethod
    def get_params(img, scale: Sequence[float], ratio: Sequence[float]
                   ) -> Tuple[int, int, int, int]:
        _, height, width = F.get_dimensions(img)
        area = height * width
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            target_area = area * _uniform(scale[0], scale[1])
            aspect = math.exp(_uniform(log_ratio[0], log_ratio[1]))
            crop_width = int(round(math.sqrt(target_area * aspect)))
            crop_height = int(round(math.sqrt(target_area / aspect)))
            if 0 < crop_width <= width and 0 < crop_height <= height:
                return (_randint(0, height - crop_height + 1),
                        _randint(0, width - crop_width + 1), crop_height, crop_width)
        # fallback: the central crop of the nearest allowed ratio
        in_ratio = width / height
        if in_ratio < min(ratio):
            crop_width, crop_height = width, int(round(width / min(ratio)))
        elif in_ratio > max(ratio):
            crop_height, crop_width = height, int(round(height * max(ratio)))
        else:
            crop_width, crop_height = width, height
        return ((height - crop_height) // 2, (width - crop_width) // 2, crop_height, crop_width)

    def __call__(self, img):
        top, left, height, width = self.get_params(img, self.scale, self.ratio)
        return F.resized_crop(img, top, left, height, width, self.size, self.interpolation,
                              antialias=self.antialias)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(size={self.size}, scale={tuple(self.scale)}, "
                f"ratio={tuple(self.ratio)}, interpolation={self.interpolation.value}, "
                f"antialias={self.antialias})")


class RandomHorizontalFlip:
    """Mirror left-right with probability p."""

    def __init__(self, p: float = 0.5):
        self.p = p

    def _flip(self, img):
        return F.hflip(img)

    def __call__(self, img):
        return self._flip(img) if random.generator().random() < self.p else img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror top-bottom with probability p."""

    def _flip(self, img):
        return F.vflip(img)


class RandomRotation:
    """Rotate by an angle drawn uniformly from `degrees` ((-d, d) for a number d)."""

    def __init__(self, degrees: Union[float, Sequence[float]],
                 interpolation: InterpolationMode = InterpolationMode.NEAREST,
                 expand: bool = False, center: Optional[Sequence[int]] = None, fill=0):
        if isinstance(degrees, numbers.Number):
            if degrees < 0:
                raise ValueError("If degrees is a single number, it must be positive.")
            degrees = (-degrees, degrees)
        elif len(degrees) != 2:
            raise ValueError("If degrees is a sequence, it must be of len 2.")
        self.degrees = [float(value) for value in degrees]
        self.interpolation = InterpolationMode(F._mode(interpolation))
        self.expand, self.center, self.fill = expand, center, fill

    @staticmethod
    def get_params(degrees: Sequence[float]) -> float:
        return _uniform(degrees[0], degrees[1])

    def __call__(self, img):
        fill = self.fill
        if not pillow.is_pil_image(img) and isinstance(fill, (int, float)):
            fill = [float(fill)] * F.get_image_num_channels(img)
        return F.rotate(img, self.get_params(self.degrees), self.interpolation, self.expand,
                        self.center, fill)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(degrees={self.degrees}, interpolation="
                f"{self.interpolation.value}, expand={self.expand}, fill={self.fill})")


class ColorJitter:
    """Random brightness, contrast and saturation factors in [max(0, 1 - x), 1 + x] (or a given
    (min, max)) and a hue shift in [-h, h], applied in a random order."""

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        self.brightness = self._range(brightness, "brightness")
        self.contrast = self._range(contrast, "contrast")
        self.saturation = self._range(saturation, "saturation")
        self.hue = self._range(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    @staticmethod
    def _range(value, name: str, center: float = 1, bound=(0, float("inf")),
               clip_first_on_zero: bool = True) -> Optional[List[float]]:
        if isinstance(value, numbers.Number):
            if value < 0:
                raise ValueError(f"If {name} is a single number, it must be non negative.")
            value = [center - float(value), center + float(value)]
            if clip_first_on_zero:
                value[0] = max(value[0], 0.0)
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            value = [float(value[0]), float(value[1])]
        else:
            raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
        if not bound[0] <= value[0] <= value[1] <= bound[1]:
            raise ValueError(f"{name} values should be between {bound}, but got {value}.")
        return None if value[0] == value[1] == center else value

    @staticmethod
    def get_params(brightness, contrast, saturation, hue):
        """The order of the four adjustments and their factors (None: not applied)."""
        order = random.generator().permutation(4)
        factors = [None if bounds is None else _uniform(bounds[0], bounds[1])
                   for bounds in (brightness, contrast, saturation, hue)]
        return (order, *factors)

    def __call__(self, img):
        order, *factors = self.get_params(self.brightness, self.contrast, self.saturation,
                                          self.hue)
        adjust = (F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue)
        for index in order:
            if factors[index] is not None:
                img = adjust[index](img, factors[index])
        return img

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")


class RandomApply:
    """Apply all of `transforms` with probability p, else none."""

    def __init__(self, transforms: Sequence[Callable], p: float = 0.5):
        self.transforms, self.p = transforms, p

    def __call__(self, img):
        if self.p < random.generator().random():
            return img
        for transform in self.transforms:
            img = transform(img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {transform}" for transform in self.transforms)
        return f"{type(self).__name__}(\n    p={self.p}{body}\n)"


class RandomChoice:
    """Apply one of `transforms`, chosen with probabilities `p` (default: equal)."""

    def __init__(self, transforms: Sequence[Callable], p: Optional[Sequence[float]] = None):
        if p is not None and len(p) != len(transforms):
            raise ValueError(f"Length of p doesn't match the number of transforms: {len(p)} != "
                             f"{len(transforms)}")
        self.transforms, self.p = transforms, p

    def __call__(self, *args):
        weights = None
        if self.p is not None:
            weights = np.asarray(self.p, dtype=np.float64)
            weights = weights / weights.sum()
        index = int(random.generator().choice(len(self.transforms), p=weights))
        return self.transforms[index](*args)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(transforms={self.transforms}, p={self.p})"
