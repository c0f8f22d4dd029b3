"""Pooling as single tape nodes: max_pool1d, max_pool2d, avg_pool1d, avg_pool2d,
adaptive_avg_pool2d, adaptive_max_pool2d.

Each pooling op is paired with its adjoint op (max: scatter to the first maximum / gather from
it; average: spread / pool; adaptive: the transposed averaging matrices), and each one's vjp
is the other, so gradients of any order work. The array kernels are in pool_kernels.py.
Max pooling follows PyTorch's tie rule: the gradient goes to the first maximum of a window.
A first-order gradient is made straight from the input and the pooled values (no index array,
kernels.max_backward); the positions are found only for the indices, a NaN maximum or a
gradient that is itself recorded (create_graph).
"""
from typing import Optional

import numpy as np

from ..function import op
from ..tensor import Tensor
from . import pool_kernels as kernels
from .windows import pair, show


def _batched(array):
    return array if array.ndim == 4 else array[None]


def _unbatched_like(out, like):
    return out if like.ndim == 4 else out[0]


def _batched_shape(shape):
    return tuple(shape) if len(shape) == 4 else (1,) + tuple(shape)


def _expand(array):
    """(..., L) -> (..., 1, L): a 1-D signal as a height-1 image (recorded when given a Tensor)."""
    return array.unsqueeze(-2) if isinstance(array, Tensor) else array[..., None, :]


def _squeeze(array):
    return array.squeeze(-2) if isinstance(array, Tensor) else array[..., 0, :]


# ---- max pooling ----------------------------------------------------------------------------------

@op
def max_pool2d_op(input, kernel_size=(1, 1), stride=(1, 1), padding=(0, 0), dilation=(1, 1), ceil_mode=False):
    return _unbatched_like(kernels.max_pool(_batched(input), kernel_size, stride, padding, dilation, ceil_mode),
                           input)


@max_pool2d_op.vjp
def max_pool2d_vjp(grad, out, input, **options):
    if isinstance(grad, np.ndarray):
        grad_input = kernels.max_backward(_batched(grad), _batched(input), _batched(out), options["kernel_size"],
                                          options["stride"], options["padding"], options["dilation"],
                                          options["ceil_mode"])
        if grad_input is not None:  # (None: a NaN maximum, which the exact path below handles)
            return _unbatched_like(grad_input, input)
    where = _where(input, out, options)
    return max_pool2d_scatter(grad, where, input_shape=tuple(input.shape), **options)


def _where(input, values, options):
    """Each window's first-maximum position, from the input and the pooled values (arrays or Tensors)."""
    input = input._data if isinstance(input, Tensor) else input
    values = values._data if isinstance(values, Tensor) else values
    where = kernels.first_max(_batched(input), _batched(values), options["kernel_size"], options["stride"],
                              options["padding"], options["dilation"], options["ceil_mode"])
    return _unbatched_like(where, input)


@op
def max_pool2d_scatter(grad, where, input_shape=(), kernel_size=(1, 1), stride=(1, 1), padding=(0, 0),
                       dilation=(1, 1), ceil_mode=False):
    """The gradient of max pooling: each window's gradient at its maximum, zeros elsewhere."""
    out = kernels.max_scatter(_batched(grad), _batched(where), _batched_shape(input_shape), kernel_size, stride,
                              padding, dilation, ceil_mode)
    return _unbatched_like(out, grad)


@max_pool2d_scatter.vjp
def max_pool2d_scatter_vjp(grad_input, out, grad, where, input_shape=(), **options):
    return max_pool2d_gather(grad_input, where, **options), None


@op
def max_pool2d_gather(input, where, kernel_size=(1, 1), stride=(1, 1), padding=(0, 0), dilation=(1, 1),
                      ceil_mode=False):
    """Each window's value at the position `where` (the adjoint of max_pool2d_scatter)."""
    out = kernels.max_gather(_batched(input), _batched(where), kernel_size, stride, padding, dilation, ceil_mode)
    return _unbatched_like(out, input)


@max_pool2d_gather.vjp
def max_pool2d_gather_vjp(grad, out, input, where, **options):
    return max_pool2d_scatter(grad, where, input_shape=tuple(input.shape), **options), None


def _flat_indices(where, input_hw, kernel, stride, padding, dilation):
    """PyTorch's indices (row * W + column in the unpadded input) from window positions."""
    ho, wo = where.shape[-2:]
    row = (np.arange(ho) * stride[0] - padding[0])[:, None] + (where // kernel[1]).astype(np.int64) * dilation[0]
    column = (np.arange(wo) * stride[1] - padding[1])[None, :] + (where % kernel[1]).astype(np.int64) * dilation[1]
    return row * input_hw[1] + column


def _pool_arguments(function, kernel_size, stride, padding, dilation, size=2):
    kernel = pair(kernel_size, "kernel_size", function, size)
    no_stride = stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0)
    stride = kernel if no_stride else pair(stride, "stride", function, size)
    return kernel, stride, pair(padding, "padding", function, size), pair(dilation, "dilation", function, size)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """2-D max pooling of (N, C, H, W) (or (C, H, W)); with return_indices also PyTorch's flat indices."""
    kernel, stride, padding, dilation = _pool_arguments("max_pool2d", kernel_size, stride, padding, dilation)
    kernels.geometry("max_pool2d", input.shape, kernel, stride, padding, dilation, ceil_mode)
    options = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation, ceil_mode=bool(ceil_mode))
    values = max_pool2d_op(input, **options)
    if not return_indices:
        return values
    indices = _flat_indices(_where(input, values, options), input.shape[-2:], kernel, stride, padding, dilation)
    return values, Tensor._make(indices)


@op
def max_pool1d_op(input, kernel_size=(1, 1), stride=(1, 1), padding=(0, 0), dilation=(1, 1), ceil_mode=False):
    return _squeeze(max_pool2d_op.forward(_expand(input), kernel_size=kernel_size, stride=stride, padding=padding,
                                          dilation=dilation, ceil_mode=ceil_mode))


@max_pool1d_op.vjp
def max_pool1d_vjp(grad, out, input, **options):
    return _squeeze(max_pool2d_vjp(_expand(grad), _expand(out), _expand(input), **options))


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
        kernels.geometry("max_pool1d", shape, options["kernel_size"], options["stride"], options["padding"],
                         options["dilation"], ceil_mode)
    except ValueError as error:  # name the 1-D shape, not the height-1 image
        raise ValueError(str(error).replace(show(shape), show(input.shape))) from None
    options["ceil_mode"] = bool(ceil_mode)
    values = max_pool1d_op(input, **options)
    if not return_indices:
        return values
    where = _where(_expand(input._data if isinstance(input, Tensor) else input), _expand(values._data), options)
    indices = _flat_indices(where, (1, input.shape[-1]), options["kernel_size"], options["stride"],
                            options["padding"], options["dilation"])[..., 0, :]
    return values, Tensor._make(indices)


# ---- average pooling ------------------------------------------------------------------------------

@op
def avg_pool2d_op(input, kernel_size=(1, 1), stride=(1, 1), padding=(0, 0), ceil_mode=False,
                  count_include_pad=True, divisor_override=None):
    out = kernels.avg_pool(_batched(input), kernel_size, stride, padding, ceil_mode, count_include_pad,
                           divisor_override)
    return _unbatched_like(out, input)


@avg_pool2d_op.vjp
def avg_pool2d_vjp(grad, out, input, **options):
    if isinstance(grad, np.ndarray):  # spread in the input's memory order, not the gradient's
        grad = _unbatched_like(kernels.same_layout(_batched(grad), _batched(input)), grad)
    return avg_pool2d_scatter(grad, input_shape=tuple(input.shape), **options)


@op
def avg_pool2d_scatter(grad, input_shape=(), kernel_size=(1, 1), stride=(1, 1), padding=(0, 0), ceil_mode=False,
                       count_include_pad=True, divisor_override=None):
    """The gradient of average pooling: each window's share spread over its positions."""
    out = kernels.avg_scatter(_batched(grad), _batched_shape(input_shape), kernel_size, stride, padding,
                              ceil_mode, count_include_pad, divisor_override)
    return _unbatched_like(out, grad)


@avg_pool2d_scatter.vjp
def avg_pool2d_scatter_vjp(grad_input, out, grad, input_shape=(), **options):
    return avg_pool2d_op(grad_input, **options)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: Optional[int] = None) -> Tensor:
    """2-D average pooling of (N, C, H, W) (or (C, H, W)), with PyTorch's divisor rules."""
    kernel, stride, padding, _ = _pool_arguments("avg_pool2d", kernel_size, stride, padding, 1)
    kernels.geometry("avg_pool2d", input.shape, kernel, stride, padding, (1, 1), ceil_mode)
    if divisor_override is not None and (not isinstance(divisor_override, (int, np.integer)) or divisor_override == 0):
        raise ValueError(f"avg_pool2d: divisor_override must be a non-zero int, got {divisor_override}")
    return avg_pool2d_op(input, kernel_size=kernel, stride=stride, padding=padding, ceil_mode=bool(ceil_mode),
                         count_include_pad=bool(count_include_pad), divisor_override=divisor_override)


@op
def avg_pool1d_op(input, kernel_size=(1, 1), stride=(1, 1), padding=(0, 0), ceil_mode=False,
                  count_include_pad=True, divisor_override=None):
    return _squeeze(avg_pool2d_op.forward(_expand(input), kernel_size=kernel_size, stride=stride, padding=padding,
                                          ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                                          divisor_override=divisor_override))


@avg_pool1d_op.vjp
def avg_pool1d_vjp(grad, out, input, **options):
    shape = tuple(input.shape[:-1]) + (1, input.shape[-1])
    return _squeeze(avg_pool2d_scatter(_expand(grad), input_shape=shape, **options))


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-D average pooling of (N, C, L) (or (C, L)), as avg_pool2d on a height-1 image, one node."""
    kernel, stride, padding, _ = _pool_arguments("avg_pool1d", kernel_size, stride, padding, 1, 1)
    if input.ndim not in (2, 3):
        raise ValueError(f"avg_pool1d: expected a 2-D (unbatched) or 3-D (batched) input, "
                         f"got input of shape {show(input.shape)}")
    shape = tuple(input.shape[:-1]) + (1, input.shape[-1])
    try:
        kernels.geometry("avg_pool1d", shape, (1,) + kernel, (1,) + stride, (0,) + padding, (1, 1), ceil_mode)
    except ValueError as error:  # name the 1-D shape, not the height-1 image
        raise ValueError(str(error).replace(show(shape), show(input.shape))) from None
    return avg_pool1d_op(input, kernel_size=(1,) + kernel, stride=(1,) + stride, padding=(0,) + padding,
                         ceil_mode=bool(ceil_mode), count_include_pad=bool(count_include_pad))


# ---- adaptive average pooling ---------------------------------------------------------------------

@op
def adaptive_avg_pool2d_op(input, output_size=(1, 1)):
    """A reshaped mean when the windows tile the input; else rows @ input @ columns.T with the
    (out, size) averaging matrices."""
    h, w = input.shape[-2:]
    (oh, ow) = output_size
    if h % oh == 0 and w % ow == 0:  # equal windows that tile the input: a reshape (a view) and a mean
        return input.reshape(input.shape[:-2] + (oh, h // oh, ow, w // ow)).mean(axis=(-3, -1))
    rows = kernels.averaging_matrix(h, oh, input.dtype)
    columns = kernels.averaging_matrix(w, ow, input.dtype)
    return np.matmul(rows, np.matmul(input, columns.T))


@adaptive_avg_pool2d_op.vjp
def adaptive_avg_pool2d_vjp(grad, out, input, output_size=(1, 1)):
    return adaptive_avg_pool2d_scatter(grad, input_size=tuple(input.shape[-2:]))


@op
def adaptive_avg_pool2d_scatter(grad, input_size=(1, 1)):
    """The gradient of adaptive average pooling: rows.T @ grad @ columns."""
    (h, w), (oh, ow) = input_size, grad.shape[-2:]
    if h % oh == 0 and w % ow == 0:
        share = grad / ((h // oh) * (w // ow))
        spread = np.broadcast_to(share[..., :, None, :, None], grad.shape[:-2] + (oh, h // oh, ow, w // ow))
        return spread.reshape(grad.shape[:-2] + (h, w))
    rows = kernels.averaging_matrix(h, oh, grad.dtype)
    columns = kernels.averaging_matrix(w, ow, grad.dtype)
    return np.matmul(rows.T, np.matmul(grad, columns))


@adaptive_avg_pool2d_scatter.vjp
def adaptive_avg_pool2d_scatter_vjp(grad_input, out, grad, input_size=(1, 1)):
    return adaptive_avg_pool2d_op(grad_input, output_size=tuple(grad.shape[-2:]))


def _adaptive_output_size(name: str, input: Tensor, output_size) -> tuple:
    """Check a (N, C, H, W) or (C, H, W) input; output_size as a positive pair (None keeps a size)."""
    if input.ndim not in (3, 4):
        raise ValueError(f"{name}: expected a 3-D or 4-D input, got input of shape {show(input.shape)}")
    if output_size is None or isinstance(output_size, (int, np.integer)):
        output_size = (output_size, output_size)
    output_size = tuple(input.shape[-2 + i] if s is None else s for i, s in enumerate(output_size))
    output_size = pair(output_size, "output_size", name)
    if min(output_size) < 1 or min(input.shape[-2:]) < 1:
        raise ValueError(f"{name}: output_size {output_size} and the input's spatial size "
                         f"(input of shape {show(input.shape)}) must be positive")
    return output_size


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average pooling of (N, C, H, W) (or (C, H, W)) to output_size (an int, a pair, None keeps a size)."""
    output_size = _adaptive_output_size("adaptive_avg_pool2d", input, output_size)
    return adaptive_avg_pool2d_op(input, output_size=output_size)


# ---- adaptive max pooling -------------------------------------------------------------------------

@op
def adaptive_max_pool2d_op(input, output_size=(1, 1)):
    """(values, PyTorch's flat indices row * W + column of each window's first maximum)."""
    return kernels.adaptive_max(input, output_size)


@adaptive_max_pool2d_op.vjp
def adaptive_max_pool2d_vjp(grad, out, input, output_size=(1, 1)):
    return flat_scatter(grad[0], out[1], input_shape=tuple(input.shape))


@op
def flat_scatter(grad, indices, input_shape=()):
    """Each gradient summed into the input position its flat index names (per batch item and channel)."""
    return kernels.flat_scatter(grad, indices, input_shape)


@flat_scatter.vjp
def flat_scatter_vjp(grad_input, out, grad, indices, input_shape=()):
    return flat_gather(grad_input, indices), None


@op
def flat_gather(input, indices):
    """The input at the flat positions `indices` (the adjoint of flat_scatter)."""
    return kernels.flat_gather(input, indices)


@flat_gather.vjp
def flat_gather_vjp(grad, out, input, indices):
    return flat_scatter(grad, indices, input_shape=tuple(input.shape)), None


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling of (N, C, H, W) (or (C, H, W)) to output_size (an int, a pair, None keeps a size)."""
    output_size = _adaptive_output_size("adaptive_max_pool2d", input, output_size)
    values, indices = adaptive_max_pool2d_op(input, output_size=output_size)
    return (values, indices) if return_indices else values
