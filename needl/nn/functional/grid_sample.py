"""affine_grid and grid_sample: sample an image (or volume) at arbitrary normalised coordinates,
as spatial transformer networks do.

grid_sample is composed from recorded ops: the corner (or tap) positions are constants read off
the grid's values, the interpolation weights are computed from the grid with needl ops, and the
input's values are gathered rows of its channels-last view. So the gradients with respect to the
input and to the grid, and gradients of any order, come from the ops' own vjps.
Coordinates follow PyTorch: x indexes the width, y the height (z the depth); -1 and 1 are the
centres of the corner pixels with align_corners=True, their outer edges with False.
"""
import itertools
import warnings
from typing import Optional

import numpy as np

from ...autograd.ops import elementwise
from ...autograd.tensor import Tensor

_CUBIC_A = -0.75


def _default_align_corners(align_corners: Optional[bool]) -> bool:
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to align_corners=False since "
                      "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
                      "documentation of grid_sample for details.", stacklevel=3)
        return False
    return bool(align_corners)


def _base_coordinates(size: int, align_corners: bool, dtype) -> np.ndarray:
    """The normalised coordinate of each of `size` pixel centres."""
    if size <= 1:
        return np.zeros(size, dtype)
    positions = np.linspace(-1, 1, size, dtype=np.float64)
    if not align_corners:
        positions = positions * (size - 1) / size
    return positions.astype(dtype)


def affine_grid(theta: Tensor, size, align_corners: Optional[bool] = None) -> Tensor:
    """The sampling grid of an affine map: theta (N, 2, 3) and size (N, C, H, W) give (N, H, W, 2);
    theta (N, 3, 4) and size (N, C, D, H, W) give (N, D, H, W, 3)."""
    align_corners = _default_align_corners(align_corners)
    if theta.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    dims = len(size) - 2
    if dims not in (2, 3) or tuple(theta.shape) != (size[0], dims, dims + 1):
        raise ValueError(f"affine_grid: expected theta of shape (N, 2, 3) for a 4-D size or (N, 3, 4) for a 5-D "
                         f"size, got theta of shape {tuple(theta.shape)} and size {list(size)}")
    if min(size[2:]) <= 1 and align_corners:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an issue for standard usage.", stacklevel=2)
    spatial = size[2:]
    axes = [_base_coordinates(s, align_corners, theta.dtype) for s in reversed(spatial)]  # x, y(, z)
    mesh = np.meshgrid(*reversed(axes), indexing="ij")  # (z,) y, x over the spatial shape
    base = np.stack(list(reversed(mesh)) + [np.ones(spatial, theta.dtype)], axis=-1)  # (..., x, y(, z), 1)
    points = base.reshape(1, -1, dims + 1)
    grid = points @ theta.transpose(1, 2)
    return grid.reshape((size[0],) + spatial + (dims,))


def _unnormalize(coordinate: Tensor, size: int, align_corners: bool) -> Tensor:
    if align_corners:
        return (coordinate + 1) * ((size - 1) / 2)
    return ((coordinate + 1) * size - 1) / 2


def _reflect(coordinate: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """Reflect a coordinate into [twice_low / 2, twice_high / 2] (the fold is constant per element)."""
    if twice_low == twice_high:
        return coordinate * 0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    distance = elementwise.abs(coordinate - low)
    flips = np.floor(distance._data / span)
    extra = distance - (flips * span).astype(distance.dtype)
    return elementwise.where(flips % 2 == 0, extra + low, (span + low) - extra)


def _source(coordinate: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    """The unnormalised source position along one axis, after the padding mode."""
    position = _unnormalize(coordinate, size, align_corners)
    if padding_mode == "zeros":
        return position
    if padding_mode == "reflection":
        position = _reflect(position, 0, 2 * (size - 1)) if align_corners else _reflect(position, -1, 2 * size - 1)
    return elementwise.clamp(position, min=0, max=size - 1)


def _tap_positions(index: np.ndarray, size: int, padding_mode: str, align_corners: bool):
    """Integer tap positions after the padding mode (bicubic): (clipped positions, in-bounds mask)."""
    if padding_mode == "border":
        index = np.clip(index, 0, size - 1)
    elif padding_mode == "reflection":
        twice_low, twice_high = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
        if twice_low == twice_high:
            index = np.zeros_like(index)
        else:
            low, span = twice_low / 2, (twice_high - twice_low) / 2
            distance = np.abs(index - low)
            flips = np.floor(distance / span)
            extra = distance - flips * span
            index = np.where(flips % 2 == 0, extra + low, span - extra + low)
            index = np.clip(np.floor(index + 0.5), 0, size - 1).astype(np.int64)  # exact integers
    valid = (index >= 0) & (index < size)
    return np.clip(index, 0, size - 1), valid


def _gather(rows: Tensor, positions, spatial, batch_shape) -> Tensor:
    """rows (N * prod(spatial), C) at the per-axis integer positions (each (N, *out))."""
    flat = np.arange(batch_shape[0]).reshape((-1,) + (1,) * (len(batch_shape) - 1))
    for position, size in zip(positions, spatial):
        flat = flat * size + position
    return rows[flat]


def _cubic_weights(t: Tensor) -> list:
    a = _CUBIC_A

    def near(x):
        return ((x * (a + 2) - (a + 3)) * x) * x + 1

    def far(x):
        return ((x * a - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: Optional[bool] = None) -> Tensor:
    """input (N, C, H, W) sampled at grid (N, H_out, W_out, 2) -> (N, C, H_out, W_out); or a volume
    (N, C, D, H, W) at (N, D_out, H_out, W_out, 3). mode 'bilinear' (trilinear for volumes),
    'nearest' or 'bicubic' (images); padding_mode 'zeros', 'border' or 'reflection'."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    align_corners = _default_align_corners(align_corners)
    dims = input.ndim - 2
    if dims not in (2, 3) or grid.ndim != input.ndim or grid.shape[0] != input.shape[0] or grid.shape[-1] != dims:
        raise ValueError(f"grid_sample: expected input (N, C, H, W) with grid (N, H_out, W_out, 2), or input "
                         f"(N, C, D, H, W) with grid (N, D_out, H_out, W_out, 3); got input of shape "
                         f"{tuple(input.shape)} and grid of shape {tuple(grid.shape)}")
    if mode == "bicubic" and dims != 2:
        raise ValueError("grid_sample: bicubic interpolation only supports 4D input")
    if input.dtype != grid.dtype:
        raise TypeError(f"grid_sample: input ({input.dtype}) and grid ({grid.dtype}) must have the same dtype")
    batch, channels = input.shape[:2]
    spatial = tuple(input.shape[2:])
    out_shape = tuple(grid.shape[:-1])
    rows = input.permute(0, *range(2, input.ndim), 1).reshape(-1, channels)
    coordinates = [grid[..., dims - 1 - axis] for axis in range(dims)]  # per input axis: (z,) y, x
    terms = []
    if mode == "bicubic":
        sources = [_unnormalize(c, s, align_corners) for c, s in zip(coordinates, spatial)]
        floors = [np.floor(s._data).astype(np.int64) for s in sources]
        weights = [_cubic_weights(s - f.astype(s.dtype)) for s, f in zip(sources, floors)]
        for taps in itertools.product(range(4), repeat=dims):
            positions, valid, weight = [], np.ones(out_shape, bool), None
            for axis, tap in enumerate(taps):
                position, inside = _tap_positions(floors[axis] + tap - 1, spatial[axis], padding_mode, align_corners)
                positions.append(position)
                valid &= inside
                weight = weights[axis][tap] if weight is None else weight * weights[axis][tap]
            terms.append(_gather(rows, positions, spatial, out_shape) * (weight * valid.astype(input.dtype)).unsqueeze(-1))
    else:
        sources = [_source(c, s, padding_mode, align_corners) for c, s in zip(coordinates, spatial)]
        if mode == "nearest":
            positions = [np.rint(s._data).astype(np.int64) for s in sources]
            valid = np.ones(out_shape, bool)
            for axis, position in enumerate(positions):
                valid &= (position >= 0) & (position < spatial[axis])
                positions[axis] = np.clip(position, 0, spatial[axis] - 1)
            values = _gather(rows, positions, spatial, out_shape) * valid[..., None].astype(input.dtype)
            return values.permute(0, dims + 1, *range(1, dims + 1))
        floors = [np.floor(s._data).astype(np.int64) for s in sources]
        fractions = [s - f.astype(s.dtype) for s, f in zip(sources, floors)]
        for corner in itertools.product((0, 1), repeat=dims):
            positions, valid, weight = [], np.ones(out_shape, bool), None
            for axis, offset in enumerate(corner):
                position = floors[axis] + offset
                valid &= (position >= 0) & (position < spatial[axis])
                positions.append(np.clip(position, 0, spatial[axis] - 1))
                share = fractions[axis] if offset else 1 - fractions[axis]
                weight = share if weight is None else weight * share
            terms.append(_gather(rows, positions, spatial, out_shape) * (weight * valid.astype(input.dtype)).unsqueeze(-1))
    output = terms[0]
    for term in terms[1:]:
        output = output + term
    return output.permute(0, dims + 1, *range(1, dims + 1))
