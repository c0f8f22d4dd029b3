"""Pooling as single tape nodes: max_pool1d, max_pool2d, avg_pool2d, adaptive_avg_pool2d.

Windows are as_strided views of the (padded) input; the loops run over the kernel's positions
only, each step one vectorized comparison or add over all windows, so no window array is ever
copied. Max pooling remembers the position of the first maximum in each window (PyTorch's tie
rule) and its backward sends each gradient there only. Outputs keep the input's memory layout
(a channels-last input gives a channels-last output).
"""
from typing import Optional

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..function import op
from ..tensor import Tensor
from .windows import output_size, pair, show


# ---- geometry and window views ------------------------------------------------------------------

def _geometry(function, shape, kernel, stride, padding, dilation, ceil_mode):
    """Output sizes and the extra right/bottom padding that ceil_mode windows reach into."""
    if len(shape) not in (3, 4):
        raise ValueError(f"{function}: expected a 3-D (unbatched) or 4-D (batched) input, "
                         f"got input of shape {show(shape)}")
    if any(k < 1 for k in kernel) or any(s < 1 for s in stride) or any(d < 1 for d in dilation):
        raise ValueError(f"{function}: kernel_size {kernel}, stride {stride} and dilation {dilation} "
                         f"must be positive")
    if any(p < 0 or p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(f"{function}: padding {padding} should be at most half of kernel_size {kernel}")
    sizes, extras = [], []
    for size, k, s, p, d in zip(shape[-2:], kernel, stride, padding, dilation):
        out = output_size(size, k, s, 2 * p, d, ceil_mode, p)
        sizes.append(out)
        extras.append(max(0, (out - 1) * s + d * (k - 1) + 1 - (size + 2 * p)))
    if min(sizes) < 1:
        raise ValueError(f"{function}: input of shape {show(shape)} is too small for kernel_size "
                         f"{kernel} (stride {stride}, padding {padding}, dilation {dilation}): "
                         f"calculated output size {show(sizes)}")
    return tuple(sizes), tuple(extras)


def _empty_like_layout(input, shape, dtype=None):
    """An uninitialised (N, C, H, W) array in the memory order of `input` (channels-last stays so)."""
    dtype = input.dtype if dtype is None else dtype
    n, c, h, w = shape
    if c > 1 and input.strides[1] < input.strides[3]:
        return np.empty((n, h, w, c), dtype).transpose(0, 3, 1, 2)
    return np.empty(shape, dtype)


def _channels_last(array):
    return array.shape[1] > 1 and array.strides[1] < array.strides[3]


def _same_layout(array, like):
    """A copy of `array` in the memory order of `like` (so that their elementwise ops stream)."""
    out = _empty_like_layout(like, array.shape, array.dtype)
    out[...] = array
    return out


def _padded(input, padding, extra, value):
    """The input with `value` around it (padding plus ceil_mode's extra), or the input itself."""
    (top, left), (bottom, right) = padding, extra
    bottom += top
    right += left
    if not (top or left or bottom or right):
        return input
    n, c, h, w = input.shape
    padded = _empty_like_layout(input, (n, c, h + top + bottom, w + left + right))
    padded.fill(value)
    padded[:, :, top:top + h, left:left + w] = input
    return padded


def _windows(padded, out_hw, kernel, stride, dilation, writeable=False):
    """(N, C, Ho, Wo, kh, kw) view of every window; no copy."""
    sn, sc, sh, sw = padded.strides
    shape = padded.shape[:2] + tuple(out_hw) + tuple(kernel)
    strides = (sn, sc, stride[0] * sh, stride[1] * sw, dilation[0] * sh, dilation[1] * sw)
    return as_strided(padded, shape, strides, writeable=writeable)


def _overlapping(kernel, stride, dilation):
    return any(s < d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))


def _positions(kernel):
    return [(i, j) for i in range(kernel[0]) for j in range(kernel[1])]


def _scatter(grad_windows, kernel, stride, dilation, values, where=None):
    """Send per-window values back to the window positions (summed where windows overlap).

    With `where` (the position of each window's maximum) only that position gets the value;
    the selection is a multiplication by a mask, not a masked copy (branch-free, ~10x faster).
    """
    overlapping = _overlapping(kernel, stride, dilation)
    for position, (i, j) in enumerate(_positions(kernel)):
        target = grad_windows[..., i, j]
        if where is None:
            part = values
        else:
            part = np.multiply(values, where == position, out=None if overlapping else target)
        if overlapping:
            target += part
        elif part is not target:
            target[...] = part


def _covers(shape, padded_shape, out_hw, kernel, stride, dilation):
    """True when the windows tile the padded input exactly (every element in one window)."""
    return (not _overlapping(kernel, stride, dilation) and all(d == 1 for d in dilation)
            and all(o * k == size for o, k, size in zip(out_hw, kernel, padded_shape[-2:]))
            and all(k == s for k, s in zip(kernel, stride)))


def _batched(input):
    return input if input.ndim == 4 else input[None]


# ---- max pooling ----------------------------------------------------------------------------------

@op
def max_pool2d_op(input, kernel_size=(1, 1), stride=(1, 1), padding=(0, 0), dilation=(1, 1), ceil_mode=False):
    """(values, position of the first maximum inside each window, in the kernel's row-major order)."""
    x = _batched(input)
    out_hw, extra = _geometry("max_pool2d", x.shape, kernel_size, stride, padding, dilation, ceil_mode)
    lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    windows = _windows(_padded(x, padding, extra, lowest), out_hw, kernel_size, stride, dilation)
    positions = _positions(kernel_size)
    best = np.array(windows[..., 0, 0], order="K")
    if len(positions) > 1:
        np.maximum(best, windows[..., positions[1][0], positions[1][1]], out=best)
    for i, j in positions[2:]:
        np.maximum(best, windows[..., i, j], out=best)  # NaN propagates, as in PyTorch
    # the first maximum is at the number of leading positions that are not the maximum
    where = np.zeros_like(best, dtype=np.uint8 if len(positions) <= 256 else np.int32)
    before = np.ones_like(best, dtype=bool)
    differs = np.empty_like(before)
    nan = bool(np.isnan(best).any()) if x.dtype.kind == "f" else False
    for i, j in positions[:-1]:
        candidate = windows[..., i, j]
        np.not_equal(candidate, best, out=differs)
        if nan:  # PyTorch keeps the last NaN of a window
            differs |= np.isnan(best) & ~np.isnan(candidate)
        before &= differs
        where += before
    if nan:
        _last_nan(windows, positions, where)
    if input.ndim == 3:
        return best[0], where[0]
    return best, where


def _last_nan(windows, positions, where):
    """Windows that hold a NaN point at their last NaN (PyTorch's rule), a rare slow path."""
    for position, (i, j) in enumerate(positions):
        np.copyto(where, position, where=np.isnan(windows[..., i, j]))


@max_pool2d_op.vjp
def max_pool2d_vjp(grad, out, input, kernel_size=(1, 1), stride=(1, 1), padding=(0, 0), dilation=(1, 1),
                   ceil_mode=False):
    grad_values = _batched(grad[0])
    where = _batched(out[1])
    x = _batched(input)
    out_hw, extra = _geometry("max_pool2d", x.shape, kernel_size, stride, padding, dilation, ceil_mode)
    n, c, h, w = x.shape
    shape = (n, c, h + 2 * padding[0] + extra[0], w + 2 * padding[1] + extra[1])
    padded = _empty_like_layout(x, shape, grad_values.dtype)  # the input's layout: the ops before use it
    if _channels_last(grad_values) != _channels_last(where):
        grad_values = _same_layout(grad_values, where)
    if not _covers(x.shape, shape, out_hw, kernel_size, stride, dilation):
        padded.fill(0)
    _scatter(_windows(padded, out_hw, kernel_size, stride, dilation, writeable=True), kernel_size, stride,
             dilation, grad_values, where)
    grad_input = padded[:, :, padding[0]:padding[0] + h, padding[1]:padding[1] + w]
    return grad_input if input.ndim == 4 else grad_input[0]


def _flat_indices(where, input_hw, kernel, stride, padding, dilation):
    """PyTorch's indices (row * W + column in the unpadded input) from window positions."""
    ho, wo = where.shape[-2:]
    row = (np.arange(ho) * stride[0] - padding[0])[:, None] + (where // kernel[1]).astype(np.int64) * dilation[0]
    column = (np.arange(wo) * stride[1] - padding[1])[None, :] + (where % kernel[1]).astype(np.int64) * dilation[1]
    return row * input_hw[1] + column


def _pool_arguments(function, kernel_size, stride, padding, dilation, size=2):
    kernel = pair(kernel_size, "kernel_size", function, size)
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        pair(stride, "stride", function, size)
    return kernel, stride, pair(padding, "padding", function, size), pair(dilation, "dilation", function, size)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """2-D max pooling of (N, C, H, W) (or (C, H, W)); with return_indices also PyTorch's flat indices."""
    kernel, stride, padding, dilation = _pool_arguments("max_pool2d", kernel_size, stride, padding, dilation)
    _geometry("max_pool2d", input.shape, kernel, stride, padding, dilation, ceil_mode)
    values, where = max_pool2d_op(input, kernel_size=kernel, stride=stride, padding=padding,
                                  dilation=dilation, ceil_mode=bool(ceil_mode))
    if not return_indices:
        return values
    indices = _flat_indices(where.data, input.shape[-2:], kernel, stride, padding, dilation)
    return values, Tensor._make(indices)


@op
def max_pool1d_op(input, kernel_size=(1, 1), stride=(1, 1), padding=(0, 0), dilation=(1, 1), ceil_mode=False):
    values, where = max_pool2d_op.forward(input[..., None, :], kernel_size=kernel_size, stride=stride,
                                          padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    return values[..., 0, :], where[..., 0, :]


@max_pool1d_op.vjp
def max_pool1d_vjp(grad, out, input, kernel_size=(1, 1), stride=(1, 1), padding=(0, 0), dilation=(1, 1),
                   ceil_mode=False):
    grad_values = grad[0][..., None, :]
    where = out[1][..., None, :]
    grad_input = max_pool2d_vjp((grad_values, None), (None, where), input[..., None, :], kernel_size=kernel_size,
                                stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    return grad_input[..., 0, :]


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """1-D max pooling of (N, C, L) (or (C, L)); with return_indices also the positions along L."""
    kernel, stride, padding, dilation = _pool_arguments("max_pool1d", kernel_size, stride, padding, dilation, 1)
    if input.ndim not in (2, 3):
        raise ValueError(f"max_pool1d: expected a 2-D (unbatched) or 3-D (batched) input, "
                         f"got input of shape {show(input.shape)}")
    options = dict(kernel_size=(1,) + kernel, stride=(1,) + stride, padding=(0,) + padding,
                   dilation=(1,) + dilation)
    shape = tuple(input.shape[:-1]) + (1, input.shape[-1])
    try:
        _geometry("max_pool1d", shape, options["kernel_size"], options["stride"], options["padding"],
                  options["dilation"], ceil_mode)
    except ValueError as error:  # name the 1-D shape, not the height-1 image
        raise ValueError(str(error).replace(show(shape), show(input.shape))) from None
    values, where = max_pool1d_op(input, ceil_mode=bool(ceil_mode), **options)
    if not return_indices:
        return values
    indices = _flat_indices(where.data[..., None, :], (1, input.shape[-1]), options["kernel_size"],
                            options["stride"], options["padding"], options["dilation"])[..., 0, :]
    return values, Tensor._make(indices)


# ---- average pooling ------------------------------------------------------------------------------

def _divisor(input_hw, out_hw, kernel, stride, padding, count_include_pad, divisor_override, dtype):
    """What each window's sum is divided by: a number, or an (Ho, Wo) map (PyTorch's rule)."""
    if divisor_override:
        return float(divisor_override)
    counts = []
    for size, out, k, s, p in zip(input_hw, out_hw, kernel, stride, padding):
        start = np.arange(out) * s - p
        end = np.minimum(start + k, size + p)
        if not count_include_pad:
            end = np.minimum(end, size)
            start = np.maximum(start, 0)
        counts.append(end - start)
    divisor = np.multiply.outer(counts[0], counts[1])
    if np.all(divisor == kernel[0] * kernel[1]):
        return float(kernel[0] * kernel[1])
    return divisor.astype(dtype)


@op
def avg_pool2d_op(input, kernel_size=(1, 1), stride=(1, 1), padding=(0, 0), ceil_mode=False,
                  count_include_pad=True, divisor_override=None):
    x = _batched(input)
    out_hw, extra = _geometry("avg_pool2d", x.shape, kernel_size, stride, padding, (1, 1), ceil_mode)
    windows = _windows(_padded(x, padding, extra, 0), out_hw, kernel_size, stride, (1, 1))
    total = np.array(windows[..., 0, 0], order="K")
    for i, j in _positions(kernel_size)[1:]:
        total += windows[..., i, j]
    total /= _divisor(x.shape[-2:], out_hw, kernel_size, stride, padding, count_include_pad,
                      divisor_override, x.dtype)
    return total if input.ndim == 4 else total[0]


@avg_pool2d_op.vjp
def avg_pool2d_vjp(grad, out, input, kernel_size=(1, 1), stride=(1, 1), padding=(0, 0), ceil_mode=False,
                   count_include_pad=True, divisor_override=None):
    x = _batched(input)
    grad = _batched(grad)
    out_hw, extra = _geometry("avg_pool2d", x.shape, kernel_size, stride, padding, (1, 1), ceil_mode)
    n, c, h, w = x.shape
    share = grad / _divisor((h, w), out_hw, kernel_size, stride, padding, count_include_pad,
                            divisor_override, grad.dtype)
    padded = _empty_like_layout(x, (n, c, h + 2 * padding[0] + extra[0], w + 2 * padding[1] + extra[1]),
                                grad.dtype)
    padded.fill(0)
    _scatter(_windows(padded, out_hw, kernel_size, stride, (1, 1), writeable=True), kernel_size, stride,
             (1, 1), share)
    grad_input = padded[:, :, padding[0]:padding[0] + h, padding[1]:padding[1] + w]
    return grad_input if input.ndim == 4 else grad_input[0]


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: Optional[int] = None) -> Tensor:
    """2-D average pooling of (N, C, H, W) (or (C, H, W)), with PyTorch's divisor rules."""
    kernel, stride, padding, _ = _pool_arguments("avg_pool2d", kernel_size, stride, padding, 1)
    _geometry("avg_pool2d", input.shape, kernel, stride, padding, (1, 1), ceil_mode)
    if divisor_override is not None and (not isinstance(divisor_override, (int, np.integer)) or divisor_override == 0):
        raise ValueError(f"avg_pool2d: divisor_override must be a non-zero int, got {divisor_override}")
    return avg_pool2d_op(input, kernel_size=kernel, stride=stride, padding=padding, ceil_mode=bool(ceil_mode),
                         count_include_pad=bool(count_include_pad), divisor_override=divisor_override)


# ---- adaptive average pooling ---------------------------------------------------------------------

def _averaging_matrix(size, out, dtype):
    """(out, size) matrix whose row i averages PyTorch's adaptive window i: [floor(i*size/out), ceil((i+1)*size/out))."""
    rows = np.arange(out)
    start = (rows * size) // out
    end = -((-(rows + 1) * size) // out)
    columns = np.arange(size)
    inside = (columns[None, :] >= start[:, None]) & (columns[None, :] < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


@op
def adaptive_avg_pool2d_op(input, output_size=(1, 1)):
    h, w = input.shape[-2:]
    rows = _averaging_matrix(h, output_size[0], input.dtype)
    columns = _averaging_matrix(w, output_size[1], input.dtype)
    return np.matmul(rows, np.matmul(input, columns.T))


@adaptive_avg_pool2d_op.vjp
def adaptive_avg_pool2d_vjp(grad, out, input, output_size=(1, 1)):
    h, w = input.shape[-2:]
    rows = _averaging_matrix(h, output_size[0], grad.dtype)
    columns = _averaging_matrix(w, output_size[1], grad.dtype)
    return np.matmul(rows.T, np.matmul(grad, columns))


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average pooling of (N, C, H, W) (or (C, H, W)) to output_size (an int, a pair, None keeps a size)."""
    if input.ndim not in (3, 4):
        raise ValueError(f"adaptive_avg_pool2d: expected a 3-D or 4-D input, got input of shape {show(input.shape)}")
    if output_size is None or isinstance(output_size, (int, np.integer)):
        output_size = (output_size, output_size)
    output_size = tuple(input.shape[-2 + i] if s is None else s for i, s in enumerate(output_size))
    output_size = pair(output_size, "output_size", "adaptive_avg_pool2d")
    if min(output_size) < 1 or min(input.shape[-2:]) < 1:
        raise ValueError(f"adaptive_avg_pool2d: output_size {output_size} and the input's spatial size "
                         f"(input of shape {show(input.shape)}) must be positive")
    return adaptive_avg_pool2d_op(input, output_size=output_size)
