"""Convolutions as single tape nodes: conv1d, conv2d, conv_transpose2d (PyTorch's functional API).

Three ops make a closed family: conv2d_op, conv_transpose2d_op (the adjoint of conv2d in its
input) and conv2d_weight_grad (its adjoint in the weight). Each one's vjp is made of the other
two, so gradients of any order work; first-order replays just run their NumPy kernels
(conv_kernels.py: im2col + one GEMM per group, col2im over the kernel's positions only).
conv1d is conv2d on a height-1 image, still one node.
"""
from typing import Optional, Union

import numpy as np

from ..function import op
from ..tensor import Tensor
from . import conv_kernels
from .windows import pair, show


def _batched(array):
    """An unbatched (C, H, W) array as a batch of one, as PyTorch accepts it."""
    return array if array.ndim == 4 else array[None]


def _unbatched_like(out, like):
    return out if like.ndim == 4 else out[0]


def _channels_last(grad):
    """A first-order (array) gradient in channels-last memory, copied once for both kernels that
    read it (each would otherwise make its own transposed copy); Tensors (create_graph) as they are."""
    if isinstance(grad, np.ndarray) and grad.ndim == 4 and grad.strides[1] != grad.itemsize:
        return np.ascontiguousarray(grad.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    return grad


def _channel_sum(grad):
    """The bias gradient: sum over every axis but the channels; for a channels-last array, a BLAS
    product ones @ (pixels, C) (9x faster than NumPy's reduction over 64x32x28x28)."""
    if isinstance(grad, np.ndarray) and grad.ndim == 4:
        rows = grad.transpose(0, 2, 3, 1)
        if rows.flags.c_contiguous and grad.dtype.kind == "f":
            rows = rows.reshape(-1, grad.shape[1])
            return np.ones(rows.shape[0], grad.dtype) @ rows
    return grad.sum(axis=(0, 2, 3) if grad.ndim == 4 else (1, 2))


@op
def conv2d_op(input, weight, bias, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1,
              output_size=None):
    out = conv_kernels.forward(_batched(input), weight, bias, stride, padding, dilation, groups, output_size)
    return _unbatched_like(out, input)


@conv2d_op.vjp
def conv2d_vjp(grad, out, input, weight, bias, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1,
               output_size=None, needs_input_grad=None):
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    grad_input = grad_weight = grad_bias = None
    if needs_input_grad[0] and needs_input_grad[1]:
        grad = _channels_last(grad)
    if needs_input_grad[0]:
        grad_input = conv_transpose2d_op(grad, weight, None, output_size=tuple(input.shape[-2:]), **options)
    if needs_input_grad[1]:
        grad_weight = conv2d_weight_grad(grad, input, kernel_size=tuple(weight.shape[2:]), **options)
    if needs_input_grad[2]:
        grad_bias = _channel_sum(grad)
    return grad_input, grad_weight, grad_bias


@op
def conv_transpose2d_op(input, weight, bias, output_size=(1, 1), stride=(1, 1), padding=(0, 0, 0, 0),
                        dilation=(1, 1), groups=1):
    """The adjoint of conv2d in its input, of spatial size `output_size`, plus bias."""
    out = conv_kernels.input_grad(_batched(input), weight, output_size, stride, padding, dilation, groups, bias)
    return _unbatched_like(out, input)


@conv_transpose2d_op.vjp
def conv_transpose2d_vjp(grad, out, input, weight, bias, output_size=(1, 1), stride=(1, 1),
                         padding=(0, 0, 0, 0), dilation=(1, 1), groups=1, needs_input_grad=None):
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    grad_input = grad_weight = grad_bias = None
    if needs_input_grad[0] and needs_input_grad[1]:
        grad = _channels_last(grad)
    if needs_input_grad[0]:
        grad_input = conv2d_op(grad, weight, None, output_size=tuple(input.shape[-2:]), **options)
    if needs_input_grad[1]:
        grad_weight = conv2d_weight_grad(input, grad, kernel_size=tuple(weight.shape[2:]), **options)
    if needs_input_grad[2]:
        grad_bias = _channel_sum(grad)
    return grad_input, grad_weight, grad_bias


@op
def conv2d_weight_grad(grad, input, kernel_size=(1, 1), stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1),
                       groups=1):
    """The adjoint of conv2d in its weight: d<grad, conv2d(input, w)>/dw."""
    return conv_kernels.weight_grad(_batched(grad), _batched(input), kernel_size, stride, padding, dilation, groups)


@conv2d_weight_grad.vjp
def conv2d_weight_grad_vjp(grad_weight, out, grad, input, kernel_size=(1, 1), stride=(1, 1),
                           padding=(0, 0, 0, 0), dilation=(1, 1), groups=1, needs_input_grad=None):
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    first = second = None
    if needs_input_grad[0]:
        first = conv2d_op(input, grad_weight, None, output_size=tuple(grad.shape[-2:]), **options)
    if needs_input_grad[1]:
        second = conv_transpose2d_op(grad, grad_weight, None, output_size=tuple(input.shape[-2:]), **options)
    return first, second


def _expand(array):
    """(..., L) -> (..., 1, L): a 1-D signal as a height-1 image (recorded when given a Tensor)."""
    return array.unsqueeze(-2) if isinstance(array, Tensor) else array[..., None, :]


def _squeeze(array):
    return array.squeeze(-2) if isinstance(array, Tensor) else array[..., 0, :]


@op
def conv1d_op(input, weight, bias, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1):
    x = _expand(input)
    out = conv_kernels.forward(_batched(x), _expand(weight), bias, stride, padding, dilation, groups)
    return _squeeze(_unbatched_like(out, x))


@conv1d_op.vjp
def conv1d_vjp(grad, out, input, weight, bias, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1,
               needs_input_grad=None):
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    grad_input = grad_weight = grad_bias = None
    if needs_input_grad[0]:
        grad_input = _squeeze(conv_transpose2d_op(_expand(grad), _expand(weight), None,
                                                  output_size=(1, input.shape[-1]), **options))
    if needs_input_grad[1]:
        grad_weight = _squeeze(conv2d_weight_grad(_expand(grad), _expand(input),
                                                  kernel_size=(1, weight.shape[-1]), **options))
    if needs_input_grad[2]:
        grad_bias = grad.sum(axis=(0, 2) if grad.ndim == 3 else 1)
    return grad_input, grad_weight, grad_bias


# ---- argument checks and the public functions -------------------------------------------------

def _check_common(function, input, weight, bias, groups, dims, transposed=False):
    """Ranks, dtypes, groups, channels and bias, checked before anything runs.

    weight is (C_out, C/groups, *kernel), or (C, C_out/groups, *kernel) when `transposed`.
    """
    if input.ndim not in (dims + 1, dims + 2):
        raise ValueError(f"{function}: expected a {dims + 1}-D (unbatched) or {dims + 2}-D (batched) input, "
                         f"got input of shape {show(input.shape)}")
    if weight.ndim != dims + 2:
        raise ValueError(f"{function}: expected a {dims + 2}-D weight, got weight of shape {show(weight.shape)}")
    if input.dtype != weight.dtype:
        raise TypeError(f"{function}: input ({input.dtype}) and weight ({weight.dtype}) must have the same dtype")
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{function}: groups must be a positive int, got {groups}")
    if weight.shape[0] % groups:
        raise ValueError(f"{function}: groups={groups} must divide the weight's first dimension "
                         f"(weight of shape {show(weight.shape)})")
    expected = weight.shape[0] if transposed else weight.shape[1] * groups
    out_channels = weight.shape[1] * groups if transposed else weight.shape[0]
    channels = input.shape[-dims - 1]
    if channels != expected:
        raise ValueError(f"{function}: expected input{show(input.shape)} to have {expected} channels (weight "
                         f"of shape {show(weight.shape)}, groups={groups}), but got {channels} channels")
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise ValueError(f"{function}: expected bias of shape [{out_channels}] for weight of shape "
                         f"{show(weight.shape)}, got bias of shape {show(bias.shape)}")
    if bias is not None and bias.dtype != weight.dtype:
        raise TypeError(f"{function}: bias ({bias.dtype}) and weight ({weight.dtype}) must have the same dtype")


def _conv_padding(function, padding, kernel, stride, dilation, dims):
    """(before, after) for each spatial axis, flattened ((top, bottom, left, right) in 2-D), from an
    int, a tuple, 'valid' or 'same' (the odd pixel at the end); 1-D convolutions run as 2-D ones of
    height 1, so theirs starts with (0, 0)."""
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(f"{function}: padding must be 'valid', 'same', an int or a tuple, got '{padding}'")
        if padding == "same" and any(s != 1 for s in stride):
            raise ValueError(f"{function}: padding='same' is not supported for strided convolutions "
                             f"(stride={stride})")
        totals = [d * (k - 1) if padding == "same" else 0 for k, d in zip(kernel, dilation)]
        sides = tuple(side for total in totals for side in (total // 2, total - total // 2))
    else:
        padding = pair(padding, "padding", function, dims)
        if any(p < 0 for p in padding):
            raise ValueError(f"{function}: padding must be non-negative, got {padding}")
        sides = tuple(p for p in padding for _ in range(2))
    return (0, 0) + sides if dims == 1 else sides


def _check_positive(function, **values):
    for name, value in values.items():
        if any(v < 1 for v in value):
            raise ValueError(f"{function}: {name} must be positive, got {value}")


def _check_fits(function, input, weight, padding, dilation):
    """The dilated kernel must fit in the padded input; `padding` as _conv_padding gives it."""
    dims = weight.ndim - 2
    sides = padding[-2 * dims:]
    padded = [size + sides[2 * axis] + sides[2 * axis + 1] for axis, size in enumerate(input.shape[-dims:])]
    effective = [d * (k - 1) + 1 for k, d in zip(weight.shape[2:], dilation[-dims:])]
    if any(e > p for e, p in zip(effective, padded)):
        raise ValueError(f"{function}: kernel of size {show(effective)} (weight of shape {show(weight.shape)}, "
                         f"dilation {dilation[-dims:]}) is larger than the padded input of size "
                         f"{show(padded)} (input of shape {show(input.shape)}, padding {padding})")


def _transposed_arguments(function, input, weight, bias, stride, padding, output_padding, groups, dilation,
                          dims):
    """Checked (stride, padding as (before, after) pairs, dilation, output size) of a transposed
    convolution with `dims` spatial axes."""
    stride = pair(stride, "stride", function, dims)
    dilation = pair(dilation, "dilation", function, dims)
    padding = pair(padding, "padding", function, dims)
    output_padding = pair(output_padding, "output_padding", function, dims)
    _check_positive(function, stride=stride, dilation=dilation)
    if any(p < 0 for p in padding + output_padding):
        raise ValueError(f"{function}: padding {padding} and output_padding {output_padding} must be non-negative")
    if any(extra >= max(s, d) for extra, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"{function}: output_padding {output_padding} must be smaller than either stride "
                         f"{stride} or dilation {dilation}")
    _check_common(function, input, weight, bias, groups, dims, transposed=True)
    output_size = tuple((size - 1) * s + d * (k - 1) + 1 - 2 * p + extra for size, k, s, p, extra, d in
                        zip(input.shape[-dims:], weight.shape[2:], stride, padding, output_padding, dilation))
    if min(output_size) < 1:
        raise ValueError(f"{function}: input of shape {show(input.shape)} with weight of shape {show(weight.shape)}, "
                         f"stride {stride}, padding {padding} gives an empty output {show(output_size)}")
    return stride, tuple(p for p in padding for _ in range(2)), dilation, output_size


def conv2d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride=1,
           padding: Union[int, tuple, str] = 0, dilation=1, groups: int = 1) -> Tensor:
    """2-D cross-correlation of input (N, C, H, W) with weight (C_out, C/groups, kh, kw), as PyTorch."""
    stride = pair(stride, "stride", "conv2d")
    dilation = pair(dilation, "dilation", "conv2d")
    _check_positive("conv2d", stride=stride, dilation=dilation)
    _check_common("conv2d", input, weight, bias, groups, 2)
    padding = _conv_padding("conv2d", padding, weight.shape[2:], stride, dilation, 2)
    _check_fits("conv2d", input, weight, padding, dilation)
    return conv2d_op(input, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=int(groups))


def conv1d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride=1,
           padding: Union[int, tuple, str] = 0, dilation=1, groups: int = 1) -> Tensor:
    """1-D cross-correlation of input (N, C, L) with weight (C_out, C/groups, k), as PyTorch."""
    stride = (1,) + pair(stride, "stride", "conv1d", 1)
    dilation = (1,) + pair(dilation, "dilation", "conv1d", 1)
    _check_positive("conv1d", stride=stride, dilation=dilation)
    _check_common("conv1d", input, weight, bias, groups, 1)
    padding = _conv_padding("conv1d", padding, weight.shape[2:], stride[1:], dilation[1:], 1)
    _check_fits("conv1d", input, weight, padding, dilation)
    return conv1d_op(input, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=int(groups))


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """Transposed 2-D convolution (the gradient of conv2d w.r.t. its input), weight (C, C_out/groups, kh, kw)."""
    stride, padding, dilation, output_size = _transposed_arguments(
        "conv_transpose2d", input, weight, bias, stride, padding, output_padding, groups, dilation, 2)
    return conv_transpose2d_op(input, weight, bias, output_size=output_size, stride=stride, padding=padding,
                               dilation=dilation, groups=int(groups))
