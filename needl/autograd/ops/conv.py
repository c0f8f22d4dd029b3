"""Convolutions as single tape nodes: conv1d, conv2d, conv_transpose2d (PyTorch's functional API).

Each runs as im2col (one strided copy into a reused buffer) plus one GEMM per group, over
blocks of a few images whose columns stay in cache, in a channels-last layout so that the GEMM
output is already the (N, Ho, Wo, C_out) result; the input gradient is a col2im that loops
over the kernel's positions only (no np.add.at).
conv1d is conv2d on a height-1 image.
"""
from typing import Optional, Union

import numpy as np

from ..function import op
from ..tensor import Tensor
from .windows import channels_last_padded, col2im, im2col, image_chunks, output_size, pair, scratch, show


# ---- the shared kernels on 4-D arrays (N, C, H, W) -----------------------------------------

def _weight_matrix(weight, groups):
    """(C_out, C/groups, kh, kw) -> (groups, kh*kw*C/groups, C_out/groups), the GEMM's B."""
    out_channels, channels, kh, kw = weight.shape
    grouped = weight.reshape(groups, out_channels // groups, channels, kh, kw)
    return grouped.transpose(0, 3, 4, 2, 1).reshape(groups, kh * kw * channels, out_channels // groups)


def _conv_forward(input, weight, bias, stride, padding, dilation, groups):
    n, _, h, w = input.shape
    out_channels, channels, kh, kw = weight.shape
    ho = output_size(h, kh, stride[0], padding[0] + padding[1], dilation[0])
    wo = output_size(w, kw, stride[1], padding[2] + padding[3], dilation[1])
    pixels, depth = ho * wo, kh * kw * channels
    padded = channels_last_padded(input, padding)
    weight_matrix = _weight_matrix(weight, groups)
    out = np.empty((n, ho, wo, out_channels), np.result_type(input, weight))
    # each GEMM writes its groups' blocks straight into their channel slices of the output
    out_groups = out.reshape(n * pixels, groups, out_channels // groups).transpose(1, 0, 2)
    for start, stop in image_chunks(n, pixels * groups * depth * input.itemsize):
        columns = im2col(padded[start:stop], groups, (kh, kw), stride, dilation, (ho, wo),
                         out=scratch((groups, (stop - start) * pixels * depth), input.dtype))
        np.matmul(columns, weight_matrix, out=out_groups[:, start * pixels:stop * pixels])
        if bias is not None:
            out[start:stop] += bias
    return out.transpose(0, 3, 1, 2)


def _conv_backward(grad, input, weight, stride, padding, dilation, groups, needs):
    n, in_channels, h, w = input.shape
    out_channels, channels, kh, kw = weight.shape
    _, _, ho, wo = grad.shape
    pixels, depth = ho * wo, kh * kw * channels
    grad_rows = grad.transpose(0, 2, 3, 1).reshape(n * pixels, out_channels)  # a view when channels-last
    grad_groups = grad_rows.reshape(n * pixels, groups, out_channels // groups).transpose(1, 0, 2)
    grad_input = grad_weight = grad_bias = None
    if needs[2]:
        grad_bias = grad_rows.sum(0)
    if not (needs[0] or needs[1]):
        return grad_input, grad_weight, grad_bias
    top, bottom, left, right = padding
    if needs[1]:
        padded = channels_last_padded(input, padding)
        grad_matrix = np.zeros((groups, depth, out_channels // groups), grad.dtype)
    if needs[0]:
        weight_rows = _weight_matrix(weight, groups).transpose(0, 2, 1)
        target = np.zeros((n, h + top + bottom, w + left + right, in_channels), grad.dtype)
    for start, stop in image_chunks(n, pixels * groups * depth * grad.itemsize):
        buffer = scratch((groups, (stop - start) * pixels * depth), grad.dtype)
        grad_chunk = grad_groups[:, start * pixels:stop * pixels]
        if needs[1]:
            columns = im2col(padded[start:stop], groups, (kh, kw), stride, dilation, (ho, wo), out=buffer)
            grad_matrix += np.matmul(columns.transpose(0, 2, 1), grad_chunk)
        if needs[0]:
            grad_columns = np.matmul(grad_chunk, weight_rows,
                                     out=buffer.reshape(groups, (stop - start) * pixels, depth))
            col2im(grad_columns, target[start:stop], (kh, kw), stride, dilation, (ho, wo))
    if needs[1]:
        grad_weight = (grad_matrix.reshape(groups, kh, kw, channels, out_channels // groups)
                       .transpose(0, 4, 3, 1, 2).reshape(weight.shape))
    if needs[0]:
        grad_input = target[:, top:top + h, left:left + w].transpose(0, 3, 1, 2)
    return grad_input, grad_weight, grad_bias


def _transpose_geometry(h, kernel, stride, padding, output_padding, dilation):
    """(output length, length of the buffer col2im fills) of a transposed convolution."""
    full = (h - 1) * stride + dilation * (kernel - 1) + 1
    out = full - 2 * padding + output_padding
    return out, max(full, padding + out)


def _transpose_forward(input, weight, bias, stride, padding, output_padding, dilation, groups):
    n, in_channels, h, w = input.shape
    _, out_per_group, kh, kw = weight.shape
    ho, buffer_h = _transpose_geometry(h, kh, stride[0], padding[0], output_padding[0], dilation[0])
    wo, buffer_w = _transpose_geometry(w, kw, stride[1], padding[1], output_padding[1], dilation[1])
    pixels, depth = h * w, kh * kw * out_per_group
    input_groups = (input.transpose(0, 2, 3, 1).reshape(n * pixels, groups, in_channels // groups)
                    .transpose(1, 0, 2))
    weight_rows = _weight_matrix(weight, groups).transpose(0, 2, 1)
    dtype = np.result_type(input, weight)
    target = np.zeros((n, buffer_h, buffer_w, out_per_group * groups), dtype)
    for start, stop in image_chunks(n, pixels * groups * depth * dtype.itemsize):
        columns = np.matmul(input_groups[:, start * pixels:stop * pixels], weight_rows,
                            out=scratch((groups, (stop - start) * pixels, depth), dtype))
        col2im(columns, target[start:stop], (kh, kw), stride, dilation, (h, w))
    out = target[:, padding[0]:padding[0] + ho, padding[1]:padding[1] + wo]
    if bias is not None:
        out += bias
    return out.transpose(0, 3, 1, 2)


def _transpose_backward(grad, input, weight, stride, padding, output_padding, dilation, groups, needs):
    n, in_channels, h, w = input.shape
    _, out_per_group, kh, kw = weight.shape
    _, out_channels, ho, wo = grad.shape
    _, buffer_h = _transpose_geometry(h, kh, stride[0], padding[0], output_padding[0], dilation[0])
    _, buffer_w = _transpose_geometry(w, kw, stride[1], padding[1], output_padding[1], dilation[1])
    pixels, depth = h * w, kh * kw * out_per_group
    grad_input = grad_weight = grad_bias = None
    if needs[2]:
        grad_bias = grad.sum(axis=(0, 2, 3))
    if not (needs[0] or needs[1]):
        return grad_input, grad_weight, grad_bias
    padded = channels_last_padded(grad, (padding[0], buffer_h - padding[0] - ho,
                                         padding[1], buffer_w - padding[1] - wo))
    if needs[1]:
        input_groups = (input.transpose(0, 2, 3, 1).reshape(n * pixels, groups, in_channels // groups)
                        .transpose(1, 0, 2))
        grad_matrix = np.zeros((groups, in_channels // groups, depth), grad.dtype)
    if needs[0]:
        weight_matrix = _weight_matrix(weight, groups)
        grad_input = np.empty((n, h, w, in_channels), grad.dtype)
        grad_input_groups = grad_input.reshape(n * pixels, groups, in_channels // groups).transpose(1, 0, 2)
    for start, stop in image_chunks(n, pixels * groups * depth * grad.itemsize):
        columns = im2col(padded[start:stop], groups, (kh, kw), stride, dilation, (h, w),
                         out=scratch((groups, (stop - start) * pixels * depth), grad.dtype))
        if needs[1]:
            grad_matrix += np.matmul(input_groups[:, start * pixels:stop * pixels].transpose(0, 2, 1), columns)
        if needs[0]:
            np.matmul(columns, weight_matrix, out=grad_input_groups[:, start * pixels:stop * pixels])
    if needs[1]:
        grad_weight = (grad_matrix.reshape(groups, in_channels // groups, kh, kw, out_per_group)
                       .transpose(0, 1, 4, 2, 3).reshape(weight.shape))
    if needs[0]:
        grad_input = grad_input.transpose(0, 3, 1, 2)
    return grad_input, grad_weight, grad_bias


# ---- the ops (one tape node each) -------------------------------------------------------------

def _batched(input, weight):
    """Lift an unbatched input (C, *spatial) to a batch of one, as PyTorch accepts it."""
    return input if input.ndim == weight.ndim else input[None]


@op
def conv2d_op(input, weight, bias, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1):
    out = _conv_forward(_batched(input, weight), weight, bias, stride, padding, dilation, groups)
    return out if input.ndim == 4 else out[0]


@conv2d_op.vjp
def conv2d_vjp(grad, out, input, weight, bias, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1),
               groups=1, needs_input_grad=None):
    grads = _conv_backward(_batched(grad, weight), _batched(input, weight), weight, stride, padding,
                           dilation, groups, needs_input_grad)
    if input.ndim == 3 and grads[0] is not None:
        grads = (grads[0][0],) + grads[1:]
    return grads


@op
def conv1d_op(input, weight, bias, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1):
    out = _conv_forward(_batched(input, weight)[:, :, None], weight[:, :, None], bias, stride, padding,
                        dilation, groups)[:, :, 0]
    return out if input.ndim == 3 else out[0]


@conv1d_op.vjp
def conv1d_vjp(grad, out, input, weight, bias, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1),
               groups=1, needs_input_grad=None):
    grad_input, grad_weight, grad_bias = _conv_backward(
        _batched(grad, weight)[:, :, None], _batched(input, weight)[:, :, None], weight[:, :, None],
        stride, padding, dilation, groups, needs_input_grad)
    if grad_input is not None:
        grad_input = grad_input[:, :, 0] if input.ndim == 3 else grad_input[0, :, 0]
    if grad_weight is not None:
        grad_weight = grad_weight[:, :, 0]
    return grad_input, grad_weight, grad_bias


@op
def conv_transpose2d_op(input, weight, bias, stride=(1, 1), padding=(0, 0), output_padding=(0, 0),
                        dilation=(1, 1), groups=1):
    out = _transpose_forward(_batched(input, weight), weight, bias, stride, padding, output_padding,
                             dilation, groups)
    return out if input.ndim == 4 else out[0]


@conv_transpose2d_op.vjp
def conv_transpose2d_vjp(grad, out, input, weight, bias, stride=(1, 1), padding=(0, 0),
                         output_padding=(0, 0), dilation=(1, 1), groups=1, needs_input_grad=None):
    grads = _transpose_backward(_batched(grad, weight), _batched(input, weight), weight, stride, padding,
                                output_padding, dilation, groups, needs_input_grad)
    if input.ndim == 3 and grads[0] is not None:
        grads = (grads[0][0],) + grads[1:]
    return grads


# ---- argument checks and the public functions -------------------------------------------------

def _check_common(function, input, weight, bias, groups, in_channels_of_weight, out_channels, dims):
    """Ranks, dtypes, groups, channels and bias, checked before anything runs."""
    if input.ndim not in (dims + 1, dims + 2):
        raise ValueError(f"{function}: expected a {dims + 1}-D (unbatched) or {dims + 2}-D (batched) input, "
                         f"got input of shape {show(input.shape)}")
    if weight.ndim != dims + 2:
        raise ValueError(f"{function}: expected a {dims + 2}-D weight, got weight of shape {show(weight.shape)}")
    if input.dtype != weight.dtype:
        raise TypeError(f"{function}: input ({input.dtype}) and weight ({weight.dtype}) must have the same dtype")
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{function}: groups must be a positive int, got {groups}")
    channels = input.shape[-dims - 1]
    if weight.shape[0] % groups:
        raise ValueError(f"{function}: groups={groups} must divide the weight's first dimension "
                         f"(weight of shape {show(weight.shape)})")
    if in_channels_of_weight * groups != channels or channels % groups:
        raise ValueError(f"{function}: expected input{show(input.shape)} to have "
                         f"{in_channels_of_weight * groups} channels (weight of shape {show(weight.shape)}, "
                         f"groups={groups}), but got {channels} channels")
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise ValueError(f"{function}: expected bias of shape [{out_channels}] for weight of shape "
                         f"{show(weight.shape)}, got bias of shape {show(bias.shape)}")
    if bias is not None and bias.dtype != weight.dtype:
        raise TypeError(f"{function}: bias ({bias.dtype}) and weight ({weight.dtype}) must have the same dtype")


def _conv_padding(function, padding, kernel, stride, dilation, dims):
    """(top, bottom, left, right) from an int, a tuple, 'valid' or 'same' (extra pad at the end)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0) * dims if dims == 2 else (0, 0, 0, 0)
        if padding != "same":
            raise ValueError(f"{function}: padding must be 'valid', 'same', an int or a tuple, got '{padding}'")
        if any(s != 1 for s in stride):
            raise ValueError(f"{function}: padding='same' is not supported for strided convolutions "
                             f"(stride={stride})")
        sides = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            sides += [total // 2, total - total // 2]
        return tuple(sides) if dims == 2 else (0, 0) + tuple(sides)
    padding = pair(padding, "padding", function, dims)
    if any(p < 0 for p in padding):
        raise ValueError(f"{function}: padding must be non-negative, got {padding}")
    if dims == 1:
        return (0, 0, padding[0], padding[0])
    return (padding[0], padding[0], padding[1], padding[1])


def _check_positive(function, **values):
    for name, value in values.items():
        if any(v < 1 for v in value):
            raise ValueError(f"{function}: {name} must be positive, got {value}")


def _check_fits(function, input, weight, padding, dilation, dims):
    spatial = input.shape[-dims:]
    kernel = weight.shape[-dims:]
    padded = tuple(s + padding[2 * i] + padding[2 * i + 1]
                   for i, s in enumerate((1,) * (2 - dims) + tuple(spatial)))[2 - dims:]
    effective = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation[2 - dims:]))
    if any(e > p for e, p in zip(effective, padded)):
        raise ValueError(f"{function}: kernel of size {show(effective)} (weight of shape {show(weight.shape)}, "
                         f"dilation {dilation[2 - dims:]}) is larger than the padded input of size "
                         f"{show(padded)} (input of shape {show(input.shape)}, padding {padding})")


def conv2d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride=1,
           padding: Union[int, tuple, str] = 0, dilation=1, groups: int = 1) -> Tensor:
    """2-D cross-correlation of input (N, C, H, W) with weight (C_out, C/groups, kh, kw), as PyTorch."""
    stride = pair(stride, "stride", "conv2d")
    dilation = pair(dilation, "dilation", "conv2d")
    _check_positive("conv2d", stride=stride, dilation=dilation)
    _check_common("conv2d", input, weight, bias, groups, weight.shape[1] if weight.ndim == 4 else 0,
                  weight.shape[0], 2)
    padding = _conv_padding("conv2d", padding, weight.shape[2:], stride, dilation, 2)
    _check_fits("conv2d", input, weight, padding, dilation, 2)
    return conv2d_op(input, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=int(groups))


def conv1d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride=1,
           padding: Union[int, tuple, str] = 0, dilation=1, groups: int = 1) -> Tensor:
    """1-D cross-correlation of input (N, C, L) with weight (C_out, C/groups, k), as PyTorch."""
    stride = (1,) + pair(stride, "stride", "conv1d", 1)
    dilation = (1,) + pair(dilation, "dilation", "conv1d", 1)
    _check_positive("conv1d", stride=stride, dilation=dilation)
    _check_common("conv1d", input, weight, bias, groups, weight.shape[1] if weight.ndim == 3 else 0,
                  weight.shape[0], 1)
    padding = _conv_padding("conv1d", padding, weight.shape[2:], stride[1:], dilation[1:], 1)
    _check_fits("conv1d", input, weight, padding, dilation, 1)
    return conv1d_op(input, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=int(groups))


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """Transposed 2-D convolution (the gradient of conv2d w.r.t. its input), weight (C, C_out/groups, kh, kw)."""
    function = "conv_transpose2d"
    stride = pair(stride, "stride", function)
    dilation = pair(dilation, "dilation", function)
    padding = pair(padding, "padding", function)
    output_padding = pair(output_padding, "output_padding", function)
    _check_positive(function, stride=stride, dilation=dilation)
    if any(p < 0 for p in padding + output_padding):
        raise ValueError(f"{function}: padding {padding} and output_padding {output_padding} must be non-negative")
    if any(op_ >= max(s, d) for op_, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"{function}: output_padding {output_padding} must be smaller than either stride "
                         f"{stride} or dilation {dilation}")
    if weight.ndim == 4 and weight.shape[0] % max(int(groups), 1) == 0 and groups >= 1:
        in_per_group = weight.shape[0] // groups
    else:
        in_per_group = 0
    _check_common(function, input, weight, bias, groups, in_per_group,
                  weight.shape[1] * groups if weight.ndim == 4 else 0, 2)
    for size, k, s, p, o, d in zip(input.shape[-2:], weight.shape[2:], stride, padding, output_padding, dilation):
        if (size - 1) * s + d * (k - 1) + 1 - 2 * p + o < 1:
            raise ValueError(f"{function}: input of shape {show(input.shape)} with weight of shape "
                             f"{show(weight.shape)}, stride {stride}, padding {padding} gives an empty output")
    return conv_transpose2d_op(input, weight, bias, stride=stride, padding=padding,
                               output_padding=output_padding, dilation=dilation, groups=int(groups))
