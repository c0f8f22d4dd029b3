"""torchvision's augmentation classes beyond the basic ones: random erasing, grayscale, blur,
affine and perspective warps, elastic distortion, tone operations, multi-crops, whitening.

Random draws come from needl's global generator in torchvision's order and distributions, so
`needl.manual_seed` repeats them (the numbers are NumPy's, not torch's).
"""
import math
import numbers
import warnings
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

import numpy as np

from ...autograd import random
from ...autograd.tensor import Tensor
from .. import pillow
from . import functional as F
from .functional import InterpolationMode
from .transforms import _randint, _size_pair, _uniform

__all__ = ["RandomErasing", "RandomGrayscale", "GaussianBlur", "RandomAffine", "RandomOrder",
           "RandomInvert", "RandomPosterize", "RandomSolarize", "RandomAdjustSharpness",
           "RandomAutocontrast", "RandomEqualize", "RandomPerspective", "FiveCrop", "TenCrop",
           "LinearTransformation", "ElasticTransform"]


def _coin(p: float) -> bool:
    """torch.rand(1) < p."""
    return random.generator().random() < p


def _tensor_fill(fill, img) -> Any:
    """A number `fill` as one value per channel for arrays and Tensors, as torchvision does."""
    if not pillow.is_pil_image(img) and isinstance(fill, (int, float)):
        return [float(fill)] * F.get_image_num_channels(img)
    if not pillow.is_pil_image(img) and fill is not None:
        return [float(value) for value in fill]
    return fill


def _check_fill_type(fill) -> None:
    if fill is None or isinstance(fill, (numbers.Number, tuple, list)):
        return
    raise TypeError("Fill should be either a sequence or a number.")


def _angle_range(value, name: str, sizes: Tuple[int, ...] = (2,)) -> List[float]:
    """A number d as [-d, d], or a sequence of one of `sizes` lengths, as floats."""
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"If {name} is a single number, it must be positive.")
        return [-float(value), float(value)]
    _check_sequence(value, name, sizes)
    return [float(item) for item in value]


def _check_sequence(value, name: str, sizes: Tuple[int, ...]) -> None:
    if not isinstance(value, Sequence):
        raise TypeError(f"{name} should be a sequence of length {' or '.join(map(str, sizes))}.")
    if len(value) not in sizes:
        raise ValueError(f"{name} should be a sequence of length {' or '.join(map(str, sizes))}.")


class _RandomOp:
    """Apply `operation(img, *arguments)` with probability p."""

    def __init__(self, p: float = 0.5):
        self.p = p

    def _operate(self, img):
        raise NotImplementedError

    def __call__(self, img):
        return self._operate(img) if _coin(self.p) else img

    def _options(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._options()}p={self.p})"


class RandomInvert(_RandomOp):
    """Invert the colours with probability p."""

    def _operate(self, img):
        return F.invert(img)


class RandomPosterize(_RandomOp):
    """Keep `bits` bits per channel with probability p (uint8 images)."""

    def __init__(self, bits: int, p: float = 0.5):
        super().__init__(p)
        self.bits = bits

    def _operate(self, img):
        return F.posterize(img, self.bits)

    def _options(self) -> str:
        return f"bits={self.bits},"


class RandomSolarize(_RandomOp):
    """Invert the values at or above `threshold` with probability p."""

    def __init__(self, threshold: float, p: float = 0.5):
        super().__init__(p)
        self.threshold = threshold

    def _operate(self, img):
        return F.solarize(img, self.threshold)

    def _options(self) -> str:
        return f"threshold={self.threshold},"


class RandomAdjustSharpness(_RandomOp):
    """Adjust the sharpness by `sharpness_factor` with probability p."""

    def __init__(self, sharpness_factor: float, p: float = 0.5):
        super().__init__(p)
        self.sharpness_factor = sharpness_factor

    def _operate(self, img):
        return F.adjust_sharpness(img, self.sharpness_factor)

    def _options(self) -> str:
        return f"sharpness_factor={self.sharpness_factor},"


class RandomAutocontrast(_RandomOp):
    """Stretch each channel to the full range with probability p."""

    def _operate(self, img):
        return F.autocontrast(img)


class RandomEqualize(_RandomOp):
    """Equalize the histogram with probability p (uint8 images)."""

    def _operate(self, img):
        return F.equalize(img)


class RandomGrayscale(_RandomOp):
    """Grayscale with probability p (default 0.1), keeping the number of channels."""

    def __init__(self, p: float = 0.1):
        super().__init__(p)

    def _operate(self, img):
        return F.rgb_to_grayscale(img, F.get_image_num_channels(img))


class RandomOrder:
    """Apply `transforms` in a random order."""

    def __init__(self, transforms: Sequence[Callable]):
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence")
        self.transforms = transforms

    def __call__(self, img):
        for index in random.generator().permutation(len(self.transforms)):
            img = self.transforms[int(index)](img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {transform}" for transform in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class RandomErasing:
    """With probability p, erase a random rectangle (area fraction in `scale`, aspect ratio
    log-uniform in `ratio`) of a Tensor image with `value`: a number, one per channel, or
    'random' (standard normal noise). Zhong et al., Random Erasing Data Augmentation."""

    def __init__(self, p: float = 0.5, scale: Tuple[float, float] = (0.02, 0.33),
                 ratio: Tuple[float, float] = (0.3, 3.3), value: Union[float, str, Sequence] = 0,
                 inplace: bool = False):
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError("Argument value should be either a number or str or a sequence")
        if isinstance(value, str) and value != "random":
            raise ValueError("If value is str, it should be 'random'")
        if not isinstance(scale, Sequence):
            raise TypeError("Scale should be a sequence")
        if not isinstance(ratio, Sequence):
            raise TypeError("Ratio should be a sequence")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            warnings.warn("Scale and ratio should be of kind (min, max)")
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError("Scale should be between 0 and 1")
        if p < 0 or p > 1:
            raise ValueError("Random erasing probability should be between 0 and 1")
        self.p, self.scale, self.ratio, self.value, self.inplace = p, scale, ratio, value, inplace

    @staticmethod
    def get_params(img, scale: Tuple[float, float], ratio: Tuple[float, float],
                   value: Optional[List[float]] = None) -> Tuple[int, int, int, int, Any]:
        """(i, j, h, w, v) of the rectangle and its values; the whole image itself (no change)
        when 10 attempts find no rectangle that fits."""
        channels, height, width = F.get_dimensions(img)
        area = height * width
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            erase_area = area * _uniform(scale[0], scale[1])
            aspect = math.exp(_uniform(log_ratio[0], log_ratio[1]))
            erase_height = int(round(math.sqrt(erase_area * aspect)))
            erase_width = int(round(math.sqrt(erase_area / aspect)))
            if not (erase_height < height and erase_width < width):
                continue
            dtype = np.float32 if not isinstance(img, (Tensor, np.ndarray)) or \
                img.dtype.kind != "f" else img.dtype
            if value is None:
                patch = random.generator().standard_normal(
                    (channels, erase_height, erase_width)).astype(dtype)
            else:
                patch = np.asarray(value, dtype=np.float64)[:, None, None]
            top = _randint(0, height - erase_height + 1)
            left = _randint(0, width - erase_width + 1)
            return top, left, erase_height, erase_width, patch
        return 0, 0, height, width, img

    def __call__(self, img):
        if not _coin(self.p):
            return img
        value = self.value
        if isinstance(value, (int, float)):
            value = [float(value)]
        elif isinstance(value, str):
            value = None
        else:
            value = [float(item) for item in value]
        channels = F.get_image_num_channels(img)
        if value is not None and len(value) not in (1, channels):
            raise ValueError(f"If value is a sequence, it should have either a single value or "
                             f"{channels} (number of input channels)")
        top, left, height, width, patch = self.get_params(img, self.scale, self.ratio, value)
        if patch is img:
            return img
        return F.erase(img, top, left, height, width, patch, self.inplace)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(p={self.p}, scale={self.scale}, ratio={self.ratio}, "
                f"value={self.value}, inplace={self.inplace})")


class GaussianBlur:
    """Blur with a Gaussian of `kernel_size` and a sigma drawn uniformly from `sigma`."""

    def __init__(self, kernel_size: Union[int, Sequence[int]],
                 sigma: Union[float, Tuple[float, float]] = (0.1, 2.0)):
        self.kernel_size = _size_pair(kernel_size, "Kernel size should be a tuple/list of two "
                                                   "integers")
        for size in self.kernel_size:
            if size <= 0 or size % 2 == 0:
                raise ValueError("Kernel size value should be an odd and positive number.")
        if isinstance(sigma, numbers.Number):
            if sigma <= 0:
                raise ValueError("If sigma is a single number, it must be positive.")
            sigma = (float(sigma), float(sigma))
        elif isinstance(sigma, Sequence) and len(sigma) == 2:
            if not 0.0 < sigma[0] <= sigma[1]:
                raise ValueError("sigma values should be positive and of the form (min, max).")
        else:
            raise ValueError("sigma should be a single number or a list/tuple with length 2.")
        self.sigma = sigma

    @staticmethod
    def get_params(sigma_min: float, sigma_max: float) -> float:
        return _uniform(sigma_min, sigma_max)

    def __call__(self, img):
        sigma = self.get_params(self.sigma[0], self.sigma[1])
        return F.gaussian_blur(img, self.kernel_size, [sigma, sigma])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kernel_size={self.kernel_size}, sigma={self.sigma})"


class RandomAffine:
    """A random affine warp keeping the centre: angle uniform in `degrees`, translation up to
    `translate` fractions of the size (rounded pixels), scale uniform in `scale`, shear uniform
    in `shear` (x only, or x and y)."""

    def __init__(self, degrees, translate: Optional[Tuple[float, float]] = None,
                 scale: Optional[Tuple[float, float]] = None, shear=None,
                 interpolation: InterpolationMode = InterpolationMode.NEAREST, fill=0,
                 center: Optional[List[int]] = None):
        self.degrees = _angle_range(degrees, "degrees")
        if translate is not None:
            _check_sequence(translate, "translate", (2,))
            if not all(0.0 <= value <= 1.0 for value in translate):
                raise ValueError("translation values should be between 0 and 1")
        if scale is not None:
            _check_sequence(scale, "scale", (2,))
            if not all(value > 0 for value in scale):
                raise ValueError("scale values should be positive")
        self.translate, self.scale = translate, scale
        self.shear = None if shear is None else _angle_range(shear, "shear", (2, 4))
        _check_fill_type(fill)
        if center is not None:
            _check_sequence(center, "center", (2,))
        self.interpolation = InterpolationMode(F._mode(interpolation))
        self.fill, self.center = fill, center

    @staticmethod
    def get_params(degrees: List[float], translate: Optional[List[float]],
                   scale_ranges: Optional[List[float]], shears: Optional[List[float]],
                   img_size: List[int]) -> Tuple[float, Tuple[int, int], float,
                                                 Tuple[float, float]]:
        """(angle, (tx, ty), scale, (shear_x, shear_y)) for an image of [width, height]."""
        angle = _uniform(degrees[0], degrees[1])
        translations = (0, 0)
        if translate is not None:
            max_dx = float(translate[0] * img_size[0])
            max_dy = float(translate[1] * img_size[1])
            translations = (int(round(_uniform(-max_dx, max_dx))),
                            int(round(_uniform(-max_dy, max_dy))))
        scale = 1.0 if scale_ranges is None else _uniform(scale_ranges[0], scale_ranges[1])
        shear_x = shear_y = 0.0
        if shears is not None:
            shear_x = _uniform(shears[0], shears[1])
            if len(shears) == 4:
                shear_y = _uniform(shears[2], shears[3])
        return angle, translations, scale, (shear_x, shear_y)

    def __call__(self, img):
        fill = _tensor_fill(self.fill, img)
        angle, translations, scale, shear = self.get_params(
            self.degrees, self.translate, self.scale, self.shear, F.get_image_size(img))
        return F.affine(img, angle, list(translations), scale, list(shear), self.interpolation,
                        fill, self.center)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(degrees={self.degrees}, translate={self.translate}, "
                f"scale={self.scale}, shear={self.shear}, "
                f"interpolation={self.interpolation.value}, fill={self.fill})")


class RandomPerspective:
    """With probability p, a perspective warp moving each corner inwards by up to
    `distortion_scale` of half the size."""

    def __init__(self, distortion_scale: float = 0.5, p: float = 0.5,
                 interpolation: InterpolationMode = InterpolationMode.BILINEAR, fill=0):
        _check_fill_type(fill)
        self.distortion_scale, self.p, self.fill = distortion_scale, p, fill
        self.interpolation = InterpolationMode(F._mode(interpolation))

    @staticmethod
    def get_params(width: int, height: int, distortion_scale: float
                   ) -> Tuple[List[List[int]], List[List[int]]]:
        """(startpoints, endpoints): the corners, and where each goes (top-left, top-right,
        bottom-right, bottom-left)."""
        reach_x = int(distortion_scale * (width // 2))
        reach_y = int(distortion_scale * (height // 2))
        top_left = [_randint(0, reach_x + 1), _randint(0, reach_y + 1)]
        top_right = [_randint(width - reach_x - 1, width), _randint(0, reach_y + 1)]
        bottom_right = [_randint(width - reach_x - 1, width),
                        _randint(height - reach_y - 1, height)]
        bottom_left = [_randint(0, reach_x + 1), _randint(height - reach_y - 1, height)]
        startpoints = [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]]
        return startpoints, [top_left, top_right, bottom_right, bottom_left]

    def __call__(self, img):
        fill = _tensor_fill(self.fill, img)
        if not _coin(self.p):
            return img
        width, height = F.get_image_size(img)
        startpoints, endpoints = self.get_params(width, height, self.distortion_scale)
        return F.perspective(img, startpoints, endpoints, self.interpolation, fill)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class ElasticTransform:
    """Displace each pixel by Gaussian-smoothed uniform noise: `alpha` sets the strength,
    `sigma` the smoothness (Simard et al., 2003)."""

    def __init__(self, alpha: Union[float, Sequence[float]] = 50.0,
                 sigma: Union[float, Sequence[float]] = 5.0,
                 interpolation: InterpolationMode = InterpolationMode.BILINEAR, fill=0):
        self.alpha = self._pair(alpha, "alpha")
        self.sigma = self._pair(sigma, "sigma")
        _check_fill_type(fill)
        self.interpolation = InterpolationMode(F._mode(interpolation))
        self.fill = fill

    @staticmethod
    def _pair(value, name: str) -> List[float]:
        if not isinstance(value, (numbers.Number, Sequence)):
            raise TypeError(f"{name} should be float or a sequence of floats. Got {type(value)}")
        if isinstance(value, numbers.Number):
            return [float(value), float(value)]
        if len(value) == 1:
            return [float(value[0])] * 2
        if len(value) != 2:
            raise ValueError(f"If {name} is a sequence its length should be 1 or 2. "
                             f"Got {len(value)}")
        return [float(item) for item in value]

    @staticmethod
    def get_params(alpha: List[float], sigma: List[float], size: List[int]) -> Tensor:
        """The (1, H, W, 2) displacement, in grid_sample's [-1, 1] units."""
        shifts = []
        # the horizontal shift is relative to the width, the vertical one to the height
        for strength, smoothness, extent in zip(alpha, sigma, (size[1], size[0])):
            shift = random.generator().random((1, 1, *size), dtype=np.float32) * 2 - 1
            if smoothness > 0.0:
                kernel = int(8 * smoothness + 1)
                kernel += 1 - kernel % 2
                shift = F.gaussian_blur(Tensor._make(shift), [kernel, kernel], list(sigma))._data
            shifts.append(shift * np.float32(strength / extent))
        return Tensor._make(np.concatenate(shifts, axis=1).transpose(0, 2, 3, 1).copy())

    def __call__(self, img):
        fill = _tensor_fill(self.fill, img)
        _, height, width = F.get_dimensions(img)
        displacement = self.get_params(self.alpha, self.sigma, [height, width])
        return F.elastic_transform(img, displacement, self.interpolation, fill)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(alpha={self.alpha}, sigma={self.sigma}, "
                f"interpolation={self.interpolation.value}, fill={self.fill})")


class FiveCrop:
    """The four corner crops and the central crop of `size`, as a tuple."""

    def __init__(self, size: Union[int, Sequence[int]]):
        self.size = _size_pair(size, "Please provide only two dimensions (h, w) for size.")

    def __call__(self, img):
        return F.five_crop(img, self.size)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


class TenCrop(FiveCrop):
    """FiveCrop of the image and of its mirror image (left-right, or top-bottom)."""

    def __init__(self, size: Union[int, Sequence[int]], vertical_flip: bool = False):
        super().__init__(size)
        self.vertical_flip = vertical_flip

    def __call__(self, img):
        return F.ten_crop(img, self.size, self.vertical_flip)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, vertical_flip={self.vertical_flip})"


class LinearTransformation:
    """Flatten a Tensor image, subtract `mean_vector` and multiply by `transformation_matrix`
    (D x D, D = C * H * W): ZCA whitening, for instance."""

    def __init__(self, transformation_matrix: Tensor, mean_vector: Tensor):
        matrix, mean = np.asarray(_data(transformation_matrix)), np.asarray(_data(mean_vector))
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"transformation_matrix should be square. Got {tuple(matrix.shape)} "
                             f"rectangular matrix.")
        if mean.shape[0] != matrix.shape[0]:
            raise ValueError(f"mean_vector should have the same length {mean.shape[0]} as any one "
                             f"of the dimensions of the transformation_matrix "
                             f"[{tuple(matrix.shape)}]")
        self.transformation_matrix, self.mean_vector = transformation_matrix, mean_vector
        self._matrix, self._mean = matrix, mean

    def __call__(self, tensor: Tensor) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"tensor should be a Tensor, got {type(tensor).__name__}")
        shape = tuple(tensor.shape)
        size = int(np.prod(shape[-3:]))
        if size != self._matrix.shape[0]:
            raise ValueError(f"Input tensor and transformation matrix have incompatible shape."
                             f"[{shape[-3]} x {shape[-2]} x {shape[-1]}] != "
                             f"{self._matrix.shape[0]}")
        if tensor.dtype != self._matrix.dtype:
            raise ValueError(f"Input tensor should have the same dtype as transformation matrix "
                             f"and mean vector, but got {tensor.dtype} and {self._matrix.dtype}")
        flat = tensor._data.reshape(-1, size) - self._mean
        return Tensor._make((flat @ self._matrix).reshape(shape))

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(transformation_matrix={self._matrix.tolist()}, "
                f"mean_vector={self._mean.tolist()})")


def _data(value) -> np.ndarray:
    return value._data if isinstance(value, Tensor) else np.asarray(value)
