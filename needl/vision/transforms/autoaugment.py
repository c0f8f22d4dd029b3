"""The automatic augmentation policies: AutoAugment (Cubuk et al., 2019, with the ImageNet,
CIFAR-10 and SVHN policies), RandAugment (Cubuk et al., 2020), TrivialAugmentWide (Muller and
Hutter, 2021) and AugMix (Hendrycks et al., 2020), as torchvision's: the same operations,
magnitude bins and draws, from needl's generator.
"""
import math
from enum import Enum
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ...autograd import random
from ...autograd.tensor import Tensor
from .. import pillow
from . import functional as F
from .functional import InterpolationMode
from .transforms import _randint

__all__ = ["AutoAugmentPolicy", "AutoAugment", "RandAugment", "TrivialAugmentWide", "AugMix"]

Space = Dict[str, Tuple[np.ndarray, bool]]  # operation -> (magnitude bins, signed)


class AutoAugmentPolicy(Enum):
    """The policies learned on ImageNet, CIFAR-10 and SVHN."""
    IMAGENET = "imagenet"
    CIFAR10 = "cifar10"
    SVHN = "svhn"


# each policy: pairs of (operation, probability, magnitude bin) sub-policies, from the paper
_POLICIES = {
    AutoAugmentPolicy.IMAGENET: [
        (('Posterize', 0.4, 8), ('Rotate', 0.6, 9)),
        (('Solarize', 0.6, 5), ('AutoContrast', 0.6, None)),
        (('Equalize', 0.8, None), ('Equalize', 0.6, None)),
        (('Posterize', 0.6, 7), ('Posterize', 0.6, 6)),
        (('Equalize', 0.4, None), ('Solarize', 0.2, 4)),
        (('Equalize', 0.4, None), ('Rotate', 0.8, 8)),
        (('Solarize', 0.6, 3), ('Equalize', 0.6, None)),
        (('Posterize', 0.8, 5), ('Equalize', 1.0, None)),
        (('Rotate', 0.2, 3), ('Solarize', 0.6, 8)),
        (('Equalize', 0.6, None), ('Posterize', 0.4, 6)),
        (('Rotate', 0.8, 8), ('Color', 0.4, 0)),
        (('Rotate', 0.4, 9), ('Equalize', 0.6, None)),
        (('Equalize', 0.0, None), ('Equalize', 0.8, None)),
        (('Invert', 0.6, None), ('Equalize', 1.0, None)),
        (('Color', 0.6, 4), ('Contrast', 1.0, 8)),
        (('Rotate', 0.8, 8), ('Color', 1.0, 2)),
        (('Color', 0.8, 8), ('Solarize', 0.8, 7)),
        (('Sharpness', 0.4, 7), ('Invert', 0.6, None)),
        (('ShearX', 0.6, 5), ('Equalize', 1.0, None)),
        (('Color', 0.4, 0), ('Equalize', 0.6, None)),
        (('Equalize', 0.4, None), ('Solarize', 0.2, 4)),
        (('Solarize', 0.6, 5), ('AutoContrast', 0.6, None)),
        (('Invert', 0.6, None), ('Equalize', 1.0, None)),
        (('Color', 0.6, 4), ('Contrast', 1.0, 8)),
        (('Equalize', 0.8, None), ('Equalize', 0.6, None)),
    ],
    AutoAugmentPolicy.CIFAR10: [
        (('Invert', 0.1, None), ('Contrast', 0.2, 6)),
        (('Rotate', 0.7, 2), ('TranslateX', 0.3, 9)),
        (('Sharpness', 0.8, 1), ('Sharpness', 0.9, 3)),
        (('ShearY', 0.5, 8), ('TranslateY', 0.7, 9)),
        (('AutoContrast', 0.5, None), ('Equalize', 0.9, None)),
        (('ShearY', 0.2, 7), ('Posterize', 0.3, 7)),
        (('Color', 0.4, 3), ('Brightness', 0.6, 7)),
        (('Sharpness', 0.3, 9), ('Brightness', 0.7, 9)),
        (('Equalize', 0.6, None), ('Equalize', 0.5, None)),
        (('Contrast', 0.6, 7), ('Sharpness', 0.6, 5)),
        (('Color', 0.7, 7), ('TranslateX', 0.5, 8)),
        (('Equalize', 0.3, None), ('AutoContrast', 0.4, None)),
        (('TranslateY', 0.4, 3), ('Sharpness', 0.2, 6)),
        (('Brightness', 0.9, 6), ('Color', 0.2, 8)),
        (('Solarize', 0.5, 2), ('Invert', 0.0, None)),
        (('Equalize', 0.2, None), ('AutoContrast', 0.6, None)),
        (('Equalize', 0.2, None), ('Equalize', 0.6, None)),
        (('Color', 0.9, 9), ('Equalize', 0.6, None)),
        (('AutoContrast', 0.8, None), ('Solarize', 0.2, 8)),
        (('Brightness', 0.1, 3), ('Color', 0.7, 0)),
        (('Solarize', 0.4, 5), ('AutoContrast', 0.9, None)),
        (('TranslateY', 0.9, 9), ('TranslateY', 0.7, 9)),
        (('AutoContrast', 0.9, None), ('Solarize', 0.8, 3)),
        (('Equalize', 0.8, None), ('Invert', 0.1, None)),
        (('TranslateY', 0.7, 9), ('AutoContrast', 0.9, None)),
    ],
    AutoAugmentPolicy.SVHN: [
        (('ShearX', 0.9, 4), ('Invert', 0.2, None)),
        (('ShearY', 0.9, 8), ('Invert', 0.7, None)),
        (('Equalize', 0.6, None), ('Solarize', 0.6, 6)),
        (('Invert', 0.9, None), ('Equalize', 0.6, None)),
        (('Equalize', 0.6, None), ('Rotate', 0.9, 3)),
        (('ShearX', 0.9, 4), ('AutoContrast', 0.8, None)),
        (('ShearY', 0.9, 8), ('Invert', 0.4, None)),
        (('ShearY', 0.9, 5), ('Solarize', 0.2, 6)),
        (('Invert', 0.9, None), ('AutoContrast', 0.8, None)),
        (('Equalize', 0.6, None), ('Rotate', 0.9, 3)),
        (('ShearX', 0.9, 4), ('Solarize', 0.3, 3)),
        (('ShearY', 0.8, 8), ('Invert', 0.7, None)),
        (('Equalize', 0.9, None), ('TranslateY', 0.6, 6)),
        (('Invert', 0.9, None), ('Equalize', 0.6, None)),
        (('Contrast', 0.3, 3), ('Rotate', 0.8, 4)),
        (('Invert', 0.8, None), ('TranslateY', 0.0, 2)),
        (('ShearY', 0.7, 6), ('Solarize', 0.4, 8)),
        (('Invert', 0.6, None), ('Rotate', 0.8, 4)),
        (('ShearY', 0.3, 7), ('TranslateX', 0.9, 3)),
        (('ShearX', 0.1, 6), ('Invert', 0.6, None)),
        (('Solarize', 0.7, 2), ('TranslateY', 0.6, 7)),
        (('ShearY', 0.8, 4), ('Invert', 0.8, None)),
        (('ShearX', 0.7, 9), ('TranslateY', 0.8, 3)),
        (('ShearY', 0.8, 5), ('AutoContrast', 0.7, None)),
        (('ShearX', 0.7, 2), ('Invert', 0.1, None)),
    ],
}


def _apply_op(img: Any, name: str, magnitude: float, interpolation: InterpolationMode,
              fill: Optional[List[float]]) -> Any:
    """One named operation at `magnitude` (torchvision's _apply_op)."""
    if name in ("ShearX", "ShearY"):
        # torchvision shears by atan(magnitude) degrees about the top-left corner
        angle = math.degrees(math.atan(magnitude))
        shear = [angle, 0.0] if name == "ShearX" else [0.0, angle]
        return F.affine(img, angle=0.0, translate=[0, 0], scale=1.0, shear=shear,
                        interpolation=interpolation, fill=fill, center=[0, 0])
    if name in ("TranslateX", "TranslateY"):
        translate = [int(magnitude), 0] if name == "TranslateX" else [0, int(magnitude)]
        return F.affine(img, angle=0.0, translate=translate, scale=1.0, shear=[0.0, 0.0],
                        interpolation=interpolation, fill=fill)
    if name == "Rotate":
        return F.rotate(img, magnitude, interpolation=interpolation, fill=fill)
    factor_ops = {"Brightness": F.adjust_brightness, "Color": F.adjust_saturation,
                  "Contrast": F.adjust_contrast, "Sharpness": F.adjust_sharpness}
    if name in factor_ops:
        return factor_ops[name](img, 1.0 + magnitude)
    if name == "Posterize":
        return F.posterize(img, int(magnitude))
    if name == "Solarize":
        return F.solarize(img, magnitude)
    plain_ops = {"AutoContrast": F.autocontrast, "Equalize": F.equalize, "Invert": F.invert,
                 "Identity": lambda image: image}
    if name in plain_ops:
        return plain_ops[name](img)
    raise ValueError(f"The provided operator {name} is not recognized.")


def _linspace(start: float, stop: float, bins: int) -> np.ndarray:
    return np.linspace(start, stop, bins, dtype=np.float32)


def _posterize_bins(bins: int, top: int, spread: int) -> np.ndarray:
    return (top - np.round(np.arange(bins) / ((bins - 1) / spread))).astype(np.int32)


_NO_MAGNITUDE = (np.array(0.0, dtype=np.float32), False)


def _space(bins: int, shear: float, translate: Tuple[float, float], rotate: float,
           factor: float, posterize: Tuple[int, int]) -> Space:
    """The operations the policies share, in torchvision's order, each with `bins` magnitudes
    from 0 to its largest: shear, translate (x, y in pixels), rotate (degrees), the enhance
    factors; posterize from `posterize[0]` bits down by `posterize[1]`."""
    space = {"ShearX": (_linspace(0.0, shear, bins), True),
             "ShearY": (_linspace(0.0, shear, bins), True),
             "TranslateX": (_linspace(0.0, translate[0], bins), True),
             "TranslateY": (_linspace(0.0, translate[1], bins), True),
             "Rotate": (_linspace(0.0, rotate, bins), True)}
    space.update({name: (_linspace(0.0, factor, bins), True)
                  for name in ("Brightness", "Color", "Contrast", "Sharpness")})
    space.update({"Posterize": (_posterize_bins(bins, *posterize), False),
                  "Solarize": (_linspace(255.0, 0.0, bins), False),
                  "AutoContrast": _NO_MAGNITUDE, "Equalize": _NO_MAGNITUDE})
    return space


def _tensor_fill(fill, img) -> Optional[List[float]]:
    if not isinstance(img, (Tensor, np.ndarray)) or fill is None:
        return fill
    if isinstance(fill, (int, float)):
        return [float(fill)] * F.get_image_num_channels(img)
    return [float(value) for value in fill]


def _signed(magnitude: float, signed: bool) -> float:
    """-magnitude with probability 1/2 for signed operations (torch.randint(2, (1,)))."""
    return -magnitude if signed and _randint(0, 2) else magnitude


class _Augment:
    def __init__(self, interpolation: InterpolationMode, fill: Optional[List[float]]):
        self.interpolation = InterpolationMode(F._mode(interpolation))
        self.fill = fill

    def _options(self) -> str:
        return ""

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self._options()}interpolation="
                f"{self.interpolation}, fill={self.fill})")


class AutoAugment(_Augment):
    """Apply one of the policy's sub-policies, chosen at random: each of its two operations
    with its probability, at its magnitude (signed at random)."""

    def __init__(self, policy: AutoAugmentPolicy = AutoAugmentPolicy.IMAGENET,
                 interpolation: InterpolationMode = InterpolationMode.NEAREST,
                 fill: Optional[List[float]] = None):
        if policy not in _POLICIES:
            raise ValueError(f"The provided policy {policy} is not recognized.")
        super().__init__(interpolation, fill)
        self.policy = policy
        self.policies = _POLICIES[policy]

    def _augmentation_space(self, num_bins: int, image_size: Tuple[int, int]) -> Space:
        height, width = image_size
        space = _space(num_bins, 0.3, (150.0 / 331.0 * width, 150.0 / 331.0 * height), 30.0, 0.9,
                       (8, 4))
        space["Invert"] = _NO_MAGNITUDE
        return space

    @staticmethod
    def get_params(transform_num: int) -> Tuple[int, np.ndarray, np.ndarray]:
        """(sub-policy index, two uniform draws against the probabilities, two signs)."""
        generator = random.generator()
        return (_randint(0, transform_num), generator.random(2, dtype=np.float32),
                generator.integers(0, 2, 2))

    def __call__(self, img):
        fill = _tensor_fill(self.fill, img)
        _, height, width = F.get_dimensions(img)
        policy_index, probabilities, signs = self.get_params(len(self.policies))
        space = self._augmentation_space(10, (height, width))
        for (name, probability, bin_index), draw, sign in zip(self.policies[policy_index],
                                                               probabilities, signs):
            if draw <= probability:
                magnitudes, signed = space[name]
                magnitude = 0.0 if bin_index is None else float(magnitudes[bin_index])
                if signed and sign == 0:
                    magnitude = -magnitude
                img = _apply_op(img, name, magnitude, self.interpolation, fill)
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(policy={self.policy}, fill={self.fill})"


class RandAugment(_Augment):
    """Apply `num_ops` operations chosen uniformly, each at the fixed `magnitude` bin of
    `num_magnitude_bins`."""

    def __init__(self, num_ops: int = 2, magnitude: int = 9, num_magnitude_bins: int = 31,
                 interpolation: InterpolationMode = InterpolationMode.NEAREST,
                 fill: Optional[List[float]] = None):
        super().__init__(interpolation, fill)
        self.num_ops, self.magnitude = num_ops, magnitude
        self.num_magnitude_bins = num_magnitude_bins

    def _augmentation_space(self, num_bins: int, image_size: Tuple[int, int]) -> Space:
        height, width = image_size
        return {"Identity": _NO_MAGNITUDE,
                **_space(num_bins, 0.3, (150.0 / 331.0 * width, 150.0 / 331.0 * height), 30.0,
                         0.9, (8, 4))}

    def __call__(self, img):
        fill = _tensor_fill(self.fill, img)
        _, height, width = F.get_dimensions(img)
        space = self._augmentation_space(self.num_magnitude_bins, (height, width))
        names = list(space)
        for _ in range(self.num_ops):
            name = names[_randint(0, len(names))]
            magnitudes, signed = space[name]
            magnitude = float(magnitudes[self.magnitude]) if magnitudes.ndim > 0 else 0.0
            img = _apply_op(img, name, _signed(magnitude, signed), self.interpolation, fill)
        return img

    def _options(self) -> str:
        return (f"num_ops={self.num_ops}, magnitude={self.magnitude}, "
                f"num_magnitude_bins={self.num_magnitude_bins}, ")


class TrivialAugmentWide(_Augment):
    """Apply one operation chosen uniformly, at a magnitude bin chosen uniformly."""

    def __init__(self, num_magnitude_bins: int = 31,
                 interpolation: InterpolationMode = InterpolationMode.NEAREST,
                 fill: Optional[List[float]] = None):
        super().__init__(interpolation, fill)
        self.num_magnitude_bins = num_magnitude_bins

    def _augmentation_space(self, num_bins: int) -> Space:
        return {"Identity": _NO_MAGNITUDE,
                **_space(num_bins, 0.99, (32.0, 32.0), 135.0, 0.99, (8, 6))}

    def __call__(self, img):
        fill = _tensor_fill(self.fill, img)
        space = self._augmentation_space(self.num_magnitude_bins)
        names = list(space)
        name = names[_randint(0, len(names))]
        magnitudes, signed = space[name]
        magnitude = float(magnitudes[_randint(0, len(magnitudes))]) if magnitudes.ndim > 0 \
            else 0.0
        return _apply_op(img, name, _signed(magnitude, signed), self.interpolation, fill)

    def _options(self) -> str:
        return f"num_magnitude_bins={self.num_magnitude_bins}, "


class AugMix(_Augment):
    """Mix the image with `mixture_width` chains of 1-3 (or `chain_depth`) random operations
    of strength up to `severity`, with Dirichlet(alpha) weights, and blend with the original
    by a Beta(alpha, alpha) weight (a Dirichlet of two), per image of a batch."""

    _PARAMETER_MAX = 10

    def __init__(self, severity: int = 3, mixture_width: int = 3, chain_depth: int = -1,
                 alpha: float = 1.0, all_ops: bool = True,
                 interpolation: InterpolationMode = InterpolationMode.BILINEAR,
                 fill: Optional[List[float]] = None):
        if not 1 <= severity <= self._PARAMETER_MAX:
            raise ValueError(f"The severity must be between [1, {self._PARAMETER_MAX}]. Got "
                             f"{severity} instead.")
        super().__init__(interpolation, fill)
        self.severity, self.mixture_width, self.chain_depth = severity, mixture_width, chain_depth
        self.alpha, self.all_ops = alpha, all_ops

    def _augmentation_space(self, num_bins: int, image_size: Tuple[int, int]) -> Space:
        height, width = image_size
        space = _space(num_bins, 0.3, (width / 3.0, height / 3.0), 30.0, 0.9, (4, 4))
        factors = {name: space.pop(name) for name in ("Brightness", "Color", "Contrast",
                                                      "Sharpness")}
        return {**space, **factors} if self.all_ops else space  # torchvision's order

    def __call__(self, orig_img):
        if pillow.is_pil_image(orig_img):
            img = F.pil_to_tensor(orig_img)
        elif isinstance(orig_img, np.ndarray):
            img = F.pil_to_tensor(orig_img)
        elif isinstance(orig_img, Tensor):
            img = orig_img
        else:
            raise F._kind_error(orig_img)
        fill = _tensor_fill(self.fill, img)
        _, height, width = F.get_dimensions(img)
        space = self._augmentation_space(self._PARAMETER_MAX, (height, width))
        names = list(space)
        shape = tuple(img.shape)
        batch = img.reshape((1,) * max(4 - img.ndim, 0) + shape)
        count = batch.shape[0]
        weight_shape = (count,) + (1,) * (batch.ndim - 1)
        generator = random.generator()
        original_weight = generator.dirichlet([self.alpha] * 2, count).astype(np.float32)
        chain_weights = generator.dirichlet([self.alpha] * self.mixture_width, count)
        chain_weights = chain_weights.astype(np.float32) * original_weight[:, 1:]
        mix = original_weight[:, 0].reshape(weight_shape) * batch._data
        for chain in range(self.mixture_width):
            augmented = batch
            depth = self.chain_depth if self.chain_depth > 0 else _randint(1, 4)
            for _ in range(depth):
                name = names[_randint(0, len(names))]
                magnitudes, signed = space[name]
                magnitude = float(magnitudes[_randint(0, self.severity)]) \
                    if magnitudes.ndim > 0 else 0.0
                augmented = _apply_op(augmented, name, _signed(magnitude, signed),
                                      self.interpolation, fill)
            mix += chain_weights[:, chain].reshape(weight_shape) * augmented._data
        result = Tensor._make(mix.reshape(shape).astype(img.dtype))
        if pillow.is_pil_image(orig_img):
            return F.to_pil_image(result)
        if isinstance(orig_img, np.ndarray):
            return np.moveaxis(result._data, 0, -1).reshape(orig_img.shape).copy()
        return result

    def _options(self) -> str:
        return (f"severity={self.severity}, mixture_width={self.mixture_width}, "
                f"chain_depth={self.chain_depth}, alpha={self.alpha}, all_ops={self.all_ops}, ")
