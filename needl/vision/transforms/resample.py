"""Resampling of (..., C, H, W) arrays: resizing by separable weight matrices and sampling at
arbitrary points (rotation), matching torchvision's tensor path.

Resizing: each axis gets a dense (out, in) matrix of interpolation weights, so a resize is two
matrix products (BLAS), `rows @ image @ columns.T`. The weights are PyTorch's:
`interpolate(mode='nearest' | 'nearest-exact' | 'bilinear' | 'bicubic', align_corners=False)`,
and with `antialias=True` (torchvision's default for tensors) bilinear and bicubic use the
antialiasing filter of `interpolate(..., antialias=True)`, which is PIL's: when shrinking, the
filter widens by the scale factor, so each output pixel averages all input pixels it covers.
"""
import math

import numpy as np

MODES = ("nearest", "nearest-exact", "bilinear", "bicubic")


def _triangle(x: np.ndarray) -> np.ndarray:
    return np.maximum(1.0 - np.abs(x), 0.0)


def _cubic(x: np.ndarray, a: float) -> np.ndarray:
    """Keys' cubic convolution kernel: a = -0.75 (PyTorch's bicubic), -0.5 (PIL's, antialias)."""
    x = np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = (((x - 5) * x + 8) * x - 4) * a
    return np.where(x < 1, near, np.where(x < 2, far, 0.0))


def _antialias_weights(size_in: int, size_out: int, mode: str) -> np.ndarray:
    """PIL's separable filter: support widened by the scale when downsampling, normalised."""
    scale = size_in / size_out
    half_width = 1.0 if mode == "bilinear" else 2.0
    stretch = max(scale, 1.0)
    centers = scale * (np.arange(size_out) + 0.5)
    first = np.maximum((centers - half_width * stretch + 0.5).astype(np.int64), 0)
    last = np.minimum((centers + half_width * stretch + 0.5).astype(np.int64), size_in)
    inputs = np.arange(size_in)
    # filter argument of input pixel j for output pixel i: (j - center + 0.5) / stretch
    offsets = (inputs[None, :] - centers[:, None] + 0.5) / stretch
    weights = _triangle(offsets) if mode == "bilinear" else _cubic(offsets, -0.5)
    weights *= (inputs[None, :] >= first[:, None]) & (inputs[None, :] < last[:, None])
    totals = weights.sum(axis=1, keepdims=True)
    return weights / np.where(totals == 0, 1.0, totals)


def _tap_weights(size_in: int, size_out: int, mode: str) -> np.ndarray:
    """PyTorch's interpolate without antialias: 1, 2 or 4 taps per output pixel, clamped at the
    border."""
    outputs = np.arange(size_out)
    weights = np.zeros((size_out, size_in))
    if mode in ("nearest", "nearest-exact"):
        # computed in float32, as PyTorch does, so that ties fall the same way
        scale = np.float32(size_in) / np.float32(size_out)
        shift = np.float32(0.5 if mode == "nearest-exact" else 0.0)
        source = np.floor((outputs.astype(np.float32) + shift) * scale).astype(np.int64)
        weights[outputs, np.minimum(source, size_in - 1)] = 1.0
        return weights
    # float32 as PyTorch computes for float32 images, so that ties round the same way
    scale = np.float32(size_in) / np.float32(size_out)
    source = (outputs.astype(np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    if mode == "bilinear":
        source = np.maximum(source, np.float32(0.0))
        left = np.floor(source).astype(np.int64)
        fraction = source - left
        taps = [(left, np.float32(1.0) - fraction), (np.minimum(left + 1, size_in - 1), fraction)]
    else:
        left = np.floor(source).astype(np.int64)
        fraction = source - left
        taps = [(np.clip(left + k, 0, size_in - 1), _cubic(fraction - k, -0.75))
                for k in (-1, 0, 1, 2)]
    for index, weight in taps:
        np.add.at(weights, (outputs, index), weight)
    return weights


def resize_weights(size_in: int, size_out: int, mode: str, antialias: bool) -> np.ndarray:
    """The (size_out, size_in) float64 matrix that resamples one axis."""
    if mode not in MODES:
        raise ValueError(f"interpolation {mode!r} is not supported for arrays and tensors; use "
                         f"one of {', '.join(MODES)} (or a PIL image for the others)")
    if antialias and mode in ("bilinear", "bicubic"):
        return _antialias_weights(size_in, size_out, mode)
    return _tap_weights(size_in, size_out, mode)


def resize(image: np.ndarray, height: int, width: int, mode: str = "bilinear",
           antialias: bool = True) -> np.ndarray:
    """`image` (..., C, H, W) resized to (..., C, height, width); integer images are computed in
    float32 and rounded back (bicubic clamped to the dtype's range), as torchvision does."""
    if height <= 0 or width <= 0:
        raise ValueError(f"resize needs a positive output size, got {height}x{width}")
    *_, size_h, size_w = image.shape
    if (size_h, size_w) == (height, width):
        resize_weights(1, 1, mode, antialias)  # still check the mode
        return image.copy()
    work = image if image.dtype in (np.float32, np.float64) else image.astype(np.float32)
    rows = resize_weights(size_h, height, mode, antialias).astype(work.dtype)
    columns = resize_weights(size_w, width, mode, antialias).astype(work.dtype)
    work = np.matmul(rows, np.matmul(work, columns.T))  # along each row first, as PyTorch
    if work.dtype == image.dtype:
        return work
    info = np.iinfo(image.dtype)
    return np.clip(np.round(work), info.min, info.max).astype(image.dtype)


def sample(image: np.ndarray, x: np.ndarray, y: np.ndarray, mode: str):
    """Sample `image` (..., C, H, W) at pixel coordinates (x, y) of shape (h, w), zero outside,
    as `grid_sample(padding_mode='zeros', align_corners=False)`. Returns the samples
    (..., C, h, w) and the coverage (h, w): the weight of the points that fell inside.

    Each tap is one `np.take` along the flattened pixels (faster than 2-d fancy indexing)."""
    *_, height, width = image.shape
    pixels = image.reshape(image.shape[:-2] + (height * width,))

    def tap(column: np.ndarray, row: np.ndarray):
        inside = (column >= 0) & (column < width) & (row >= 0) & (row < height)
        index = np.clip(row, 0, height - 1) * width + np.clip(column, 0, width - 1)
        return np.take(pixels, index, axis=-1), inside

    if mode == "nearest":
        values, inside = tap(np.rint(x).astype(np.intp), np.rint(y).astype(np.intp))
        inside = inside.astype(image.dtype)
        return values * inside, inside
    if mode != "bilinear":
        raise ValueError(f"interpolation {mode!r} is not supported here; use nearest or bilinear")
    left, top = np.floor(x), np.floor(y)
    right_weight, bottom_weight = x - left, y - top
    left, top = left.astype(np.intp), top.astype(np.intp)
    values = np.zeros(image.shape[:-2] + x.shape, dtype=image.dtype)
    coverage = np.zeros(x.shape, dtype=image.dtype)
    for column, weight_x in ((left, 1 - right_weight), (left + 1, right_weight)):
        for row, weight_y in ((top, 1 - bottom_weight), (top + 1, bottom_weight)):
            taken, inside = tap(column, row)
            weight = weight_x * weight_y * inside
            values += taken * weight
            coverage += weight
    return values, coverage


def rotation_matrix(angle: float, center=(0.0, 0.0)):
    """The inverse of a rotation by `angle` degrees (counter-clockwise on screen) about
    `center` (relative to the image centre): output point -> input point, as a 2x3 list."""
    radians = math.radians(angle)
    cos, sin = math.cos(radians), math.sin(radians)
    cx, cy = center
    return [cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy]


def rotated_size(matrix, width: int, height: int):
    """(width, height) of the canvas holding the whole rotated image (PIL's `expand=True`)."""
    corners = np.array([[-0.5 * width, -0.5 * height], [-0.5 * width, 0.5 * height],
                        [0.5 * width, 0.5 * height], [0.5 * width, -0.5 * height]])
    forward = np.array(matrix, dtype=np.float64).reshape(2, 3)
    points = corners @ forward[:, :2].T + forward[:, 2]
    tolerance = 1e-4  # so that 1e-15 of rounding noise does not add a pixel
    low = np.floor(np.trunc((points.min(axis=0) + (0.5 * width, 0.5 * height)) / tolerance)
                   * tolerance)
    high = np.ceil(np.trunc((points.max(axis=0) + (0.5 * width, 0.5 * height)) / tolerance)
                   * tolerance)
    size = high - low
    return int(size[0]), int(size[1])


def warp(image: np.ndarray, x: np.ndarray, y: np.ndarray, mode: str, fill=None) -> np.ndarray:
    """`image` (..., C, H, W) sampled at input pixel coordinates (x, y) of shape (h, w), in one
    gather, as torchvision's _apply_grid_transform: computed in float32 for integer images and
    rounded back; outside the image zeros, or `fill` (one value or one per channel), which
    nearest sampling puts where coverage < 0.5 and bilinear blends by the coverage."""
    work = image if image.dtype.kind == "f" else image.astype(np.float32)
    values, coverage = sample(work, x.astype(work.dtype), y.astype(work.dtype), mode)
    if fill is not None:
        fill = np.asarray(fill, dtype=work.dtype).reshape(-1, 1, 1)
        if mode == "nearest":
            values = np.where(coverage < 0.5, fill, values)
        else:
            values = values * coverage + (1 - coverage) * fill
    if values.dtype == image.dtype:
        return values
    return np.round(values).astype(image.dtype)


def normalized_to_pixels(x_normal: np.ndarray, y_normal: np.ndarray, width: int, height: int):
    """grid_sample's align_corners=False: [-1, 1] coordinates -> pixel coordinates."""
    dtype = x_normal.dtype.type
    return (((x_normal + 1) * dtype(width) - 1) / 2, ((y_normal + 1) * dtype(height) - 1) / 2)


def warp_affine(image: np.ndarray, matrix, out_width: int, out_height: int, mode: str,
                fill=None) -> np.ndarray:
    """Warp by the inverse affine `matrix` (output point -> input point, 6 values, coordinates
    relative to the image centre), as torchvision's _gen_affine_grid + grid_sample."""
    *_, height, width = image.shape
    dtype = image.dtype if image.dtype.kind == "f" else np.dtype(np.float32)
    # output pixel centres relative to the output centre, mapped to input pixel coordinates
    xs = np.linspace(-out_width * 0.5 + 0.5, out_width * 0.5 - 0.5, out_width, dtype=dtype)
    ys = np.linspace(-out_height * 0.5 + 0.5, out_height * 0.5 - 0.5, out_height, dtype=dtype)
    theta = np.array(matrix, dtype=dtype).reshape(2, 3) / np.array([[0.5 * width], [0.5 * height]],
                                                                    dtype=dtype)
    x_normal = xs[None, :] * theta[0, 0] + ys[:, None] * theta[0, 1] + theta[0, 2]
    y_normal = xs[None, :] * theta[1, 0] + ys[:, None] * theta[1, 1] + theta[1, 2]
    x, y = normalized_to_pixels(x_normal, y_normal, width, height)
    return warp(image, x, y, mode, fill)


def warp_perspective(image: np.ndarray, coefficients, mode: str, fill=None) -> np.ndarray:
    """Warp by the 8 perspective coefficients (output pixel -> input pixel, PIL's convention),
    as torchvision's _perspective_grid + grid_sample."""
    *_, height, width = image.shape
    dtype = image.dtype if image.dtype.kind == "f" else np.dtype(np.float32)
    a, b, c, d, e, f, g, h = (dtype.type(value) for value in coefficients)
    xs = np.linspace(0.5, width - 0.5, width, dtype=dtype)[None, :]
    ys = np.linspace(0.5, height - 0.5, height, dtype=dtype)[:, None]
    denominator = g * xs + h * ys + dtype.type(1)
    x_normal = (a * xs + b * ys + c) / dtype.type(0.5 * width) / denominator - 1
    y_normal = (d * xs + e * ys + f) / dtype.type(0.5 * height) / denominator - 1
    x, y = normalized_to_pixels(x_normal, y_normal, width, height)
    return warp(image, x, y, mode, fill)
