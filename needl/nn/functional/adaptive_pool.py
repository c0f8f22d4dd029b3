"""adaptive_max_pool1d/2d: the max over PyTorch's adaptive windows, with the flat indices of the maxima.

Window i along a size-`size` axis pooled to `out` cells is [floor(i*size/out), ceil((i+1)*size/out)).
When the windows tile the input evenly, one reshape and one max do it; otherwise one vectorised max
per output cell (a loop over the output positions, not the batch).
"""
import numpy as np

from ...autograd import op
from ...autograd.ops.shape import scatter_add
from ...autograd.tensor import Tensor


def _raw(value):
    return value.data if isinstance(value, Tensor) else value


def _bounds(size: int, out: int):
    cells = np.arange(out)
    return (cells * size) // out, -((-(cells + 1) * size) // out)


def _window_argmax(input, output_size):
    """(values, flat indices into H*W) of shape (..., out_h, out_w)."""
    *lead, height, width = input.shape
    out_h, out_w = output_size
    if height % out_h == 0 and width % out_w == 0:
        kh, kw = height // out_h, width // out_w
        blocks = input.reshape(*lead, out_h, kh, out_w, kw)
        blocks = np.moveaxis(blocks, -3, -2).reshape(*lead, out_h, out_w, kh * kw)
        local = blocks.argmax(axis=-1)
        values = np.take_along_axis(blocks, local[..., None], axis=-1)[..., 0]
        rows = np.arange(out_h)[:, None] * kh + local // kw
        columns = np.arange(out_w)[None, :] * kw + local % kw
        return values, rows * width + columns
    values = np.empty((*lead, out_h, out_w), dtype=input.dtype)
    indices = np.empty((*lead, out_h, out_w), dtype=np.int64)
    starts_h, ends_h = _bounds(height, out_h)
    starts_w, ends_w = _bounds(width, out_w)
    for i in range(out_h):
        for j in range(out_w):
            window = input[..., starts_h[i]:ends_h[i], starts_w[j]:ends_w[j]]
            window_width = ends_w[j] - starts_w[j]
            flat = window.reshape(*lead, -1)
            local = flat.argmax(axis=-1)
            values[..., i, j] = np.take_along_axis(flat, local[..., None], axis=-1)[..., 0]
            indices[..., i, j] = (starts_h[i] + local // window_width) * width + starts_w[j] + local % window_width
    return values, indices


@op
def _adaptive_max_pool2d(input, output_size=(1, 1)):
    return _window_argmax(input, output_size)


@_adaptive_max_pool2d.vjp
def _adaptive_max_pool2d_vjp(grads, outputs, input, output_size=(1, 1)):
    g = grads[0]
    indices = outputs[1]
    *lead, height, width = input.shape
    planes = int(np.prod(lead, dtype=np.int64))
    if isinstance(g, Tensor):  # create_graph: a recorded scatter
        index = _raw(indices).reshape(planes, -1)
        return scatter_add(g.reshape(planes, -1), index, dim=1, shape=(planes, height * width)).reshape(input.shape)
    # windows may overlap, so the maxima are summed into place with one bincount
    linear = (np.arange(planes).reshape(-1, 1) * (height * width) + indices.reshape(planes, -1)).ravel()
    grad = np.bincount(linear, weights=np.asarray(g, dtype=np.float64).ravel(), minlength=planes * height * width)
    return grad.astype(input.dtype).reshape(input.shape)


def _pair(output_size, shape):
    if output_size is None or isinstance(output_size, (int, np.integer)):
        output_size = (output_size, output_size)
    return tuple(shape[-2 + i] if s is None else int(s) for i, s in enumerate(output_size))


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling of (N, C, H, W) or (C, H, W) to output_size; with return_indices also the flat
    indices of the maxima into H * W."""
    if input.ndim not in (3, 4):
        raise ValueError(f"adaptive_max_pool2d: expected a 3-D or 4-D input, got input of shape {tuple(input.shape)}")
    output_size = _pair(output_size, input.shape)
    if min(output_size) < 1 or min(input.shape[-2:]) < 1:
        raise ValueError(f"adaptive_max_pool2d: output_size {output_size} and the input's spatial size (input of "
                         f"shape {tuple(input.shape)}) must be positive")
    values, indices = _adaptive_max_pool2d(input, output_size=output_size)
    if return_indices:
        return values, Tensor._make(indices.data if isinstance(indices, Tensor) else indices)
    return values


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling of (N, C, L) or (C, L) to output_size positions."""
    if input.ndim not in (2, 3):
        raise ValueError(f"adaptive_max_pool1d: expected a 2-D or 3-D input, got input of shape {tuple(input.shape)}")
    size = output_size[0] if isinstance(output_size, (tuple, list)) else output_size
    result = adaptive_max_pool2d(input.unsqueeze(-2), (1, size), return_indices)
    if return_indices:
        return result[0].squeeze(-2), Tensor._make(result[1].data[..., 0, :])
    return result.squeeze(-2)
