"""3-D pooling: max_pool3d, avg_pool3d, adaptive_avg_pool3d, adaptive_max_pool3d.

Max and average over a (kd, kh, kw) box are separable: pool each depth slice over (H, W) with
the 2-D op, then pool the result along D (a 2-D op with a (kd, 1) window over (D, Ho*Wo)).
Both passes are needl's single-node 2-D ops, whose adjoints make gradients of any order work.
The separable max picks the first maximum in (d, h, w) order, PyTorch's tie rule, and the
average's divisors are products of per-axis counts, as PyTorch computes them.
"""
from typing import Optional

import numpy as np

from ...autograd.ops.pool import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d
from ...autograd.ops.windows import pair, show
from ...autograd.tensor import Tensor


def _batched(function: str, input: Tensor) -> tuple:
    """(N, C, D, H, W) input and whether it was unbatched (C, D, H, W)."""
    if input.ndim not in (4, 5):
        raise ValueError(f"{function}: expected a 4-D (unbatched) or 5-D (batched) input, "
                         f"got input of shape {show(input.shape)}")
    return (input, False) if input.ndim == 5 else (input.unsqueeze(0), True)


def _triples(function, kernel_size, stride, padding, dilation=1):
    kernel = pair(kernel_size, "kernel_size", function, 3)
    no_stride = stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0)
    stride = kernel if no_stride else pair(stride, "stride", function, 3)
    return kernel, stride, pair(padding, "padding", function, 3), pair(dilation, "dilation", function, 3)


def _planes(input: Tensor) -> Tensor:
    """(N, C, D, H, W) -> (N, C*D, H, W): every depth slice an image."""
    n, c, d, h, w = input.shape
    return input.reshape(n, c * d, h, w)


def _depth_rows(planes: Tensor, channels: int) -> Tensor:
    """(N, C*D, Ho, Wo) -> (N, C, D, Ho*Wo): depth as the height of an image."""
    n, _, ho, wo = planes.shape
    return planes.reshape(n, channels, -1, ho * wo)


def _volume(rows: Tensor, hw: tuple, unbatched: bool) -> Tensor:
    n, c, d, _ = rows.shape
    out = rows.reshape(n, c, d, hw[0], hw[1])
    return out.squeeze(0) if unbatched else out


def _flat_indices(plane_indices, depth_indices, input_shape, out_hw):
    """PyTorch's indices d * H * W + h * W + w from the two passes' indices."""
    n, c, d, h, w = input_shape
    depth = depth_indices // (out_hw[0] * out_hw[1])  # the depth pass's flat index is d * (Ho*Wo) + position
    planes = plane_indices.reshape(n, c, d, -1)
    within = np.take_along_axis(planes, depth, axis=2)
    return (depth * (h * w) + within).reshape(depth.shape[:3] + tuple(out_hw))


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """3-D max pooling of (N, C, D, H, W) (or (C, D, H, W)); with return_indices also PyTorch's flat
    indices into each D*H*W volume."""
    kernel, stride, padding, dilation = _triples("max_pool3d", kernel_size, stride, padding, dilation)
    volume, unbatched = _batched("max_pool3d", input)
    channels = volume.shape[1]
    planes = max_pool2d(_planes(volume), kernel[1:], stride[1:], padding[1:], dilation[1:], ceil_mode,
                        return_indices)
    if return_indices:
        planes, plane_indices = planes
    out_hw = tuple(planes.shape[-2:])
    rows = max_pool2d(_depth_rows(planes, channels), (kernel[0], 1), (stride[0], 1), (padding[0], 0),
                      (dilation[0], 1), ceil_mode, return_indices)
    if not return_indices:
        return _volume(rows, out_hw, unbatched)
    rows, depth_indices = rows
    indices = _flat_indices(plane_indices._data, depth_indices._data, volume.shape, out_hw)
    return _volume(rows, out_hw, unbatched), Tensor._make(indices[0] if unbatched else indices)


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: Optional[int] = None) -> Tensor:
    """3-D average pooling of (N, C, D, H, W) (or (C, D, H, W)), with PyTorch's divisor rules."""
    kernel, stride, padding, _ = _triples("avg_pool3d", kernel_size, stride, padding)
    if divisor_override is not None and (not isinstance(divisor_override, (int, np.integer)) or divisor_override == 0):
        raise ValueError(f"avg_pool3d: divisor_override must be a non-zero int, got {divisor_override}")
    volume, unbatched = _batched("avg_pool3d", input)
    # with divisor_override the first pass sums (divisor 1) and the second divides once
    planes = avg_pool2d(_planes(volume), kernel[1:], stride[1:], padding[1:], ceil_mode, count_include_pad,
                        None if divisor_override is None else 1)
    rows = avg_pool2d(_depth_rows(planes, volume.shape[1]), (kernel[0], 1), (stride[0], 1), (padding[0], 0),
                      ceil_mode, count_include_pad, divisor_override)
    return _volume(rows, tuple(planes.shape[-2:]), unbatched)


def _adaptive_size(function, input, output_size) -> tuple:
    if output_size is None or isinstance(output_size, (int, np.integer)):
        output_size = (output_size,) * 3
    output_size = tuple(output_size)
    if len(output_size) != 3:
        raise ValueError(f"{function}: output_size must be an int or 3 values, got {output_size}")
    return tuple(input.shape[-3 + i] if s is None else int(s) for i, s in enumerate(output_size))


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """Average pooling of (N, C, D, H, W) (or (C, D, H, W)) to output_size (an int, a triple, None keeps a size)."""
    volume, unbatched = _batched("adaptive_avg_pool3d", input)
    size = _adaptive_size("adaptive_avg_pool3d", volume, output_size)
    planes = adaptive_avg_pool2d(_planes(volume), size[1:])
    rows = _depth_rows(planes, volume.shape[1])
    rows = adaptive_avg_pool2d(rows, (size[0], rows.shape[-1]))
    return _volume(rows, size[1:], unbatched)


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling of (N, C, D, H, W) (or (C, D, H, W)) to output_size; with return_indices also
    PyTorch's flat indices into each D*H*W volume."""
    volume, unbatched = _batched("adaptive_max_pool3d", input)
    size = _adaptive_size("adaptive_max_pool3d", volume, output_size)
    planes, plane_indices = adaptive_max_pool2d(_planes(volume), size[1:], return_indices=True)
    rows = _depth_rows(planes, volume.shape[1])
    rows, depth_indices = adaptive_max_pool2d(rows, (size[0], rows.shape[-1]), return_indices=True)
    output = _volume(rows, size[1:], unbatched)
    if not return_indices:
        return output
    indices = _flat_indices(plane_indices._data, depth_indices._data, volume.shape, size[1:])
    return output, Tensor._make(indices[0] if unbatched else indices)
