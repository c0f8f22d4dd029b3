"""The three array kernels of a 2-D convolution: the forward, its adjoint in the input (the
transposed convolution) and its adjoint in the weight.

All take (N, C, H, W) arrays in any memory layout and work channels-last inside: the padded
input is (N, Hp, Wp, C), its columns (groups, rows, kh*kw*C/groups), and a GEMM writes
(N, Ho, Wo, C_out) directly, returned as an (N, C_out, Ho, Wo) view (no transposed copy).
Each runs over blocks of images whose columns stay in cache (see windows.image_chunks).
`padding` is (top, bottom, left, right).
"""
import numpy as np

from . import conv_winograd
from .windows import channels_last_empty, channels_last_padded, col2im, im2col, image_chunks, output_size, scratch


def weight_matrix(weight, groups):
    """(C_out, C/groups, kh, kw) -> (groups, kh*kw*C/groups, C_out/groups), the GEMM's right side."""
    out_channels, channels, kh, kw = weight.shape
    grouped = weight.reshape(groups, out_channels // groups, channels, kh, kw)
    return grouped.transpose(0, 3, 4, 2, 1).reshape(groups, kh * kw * channels, out_channels // groups)


def _grad_groups(grad, groups):
    """(N, C_out, Ho, Wo) -> (groups, N*Ho*Wo, C_out/groups); a view when grad is channels-last."""
    n, out_channels, ho, wo = grad.shape
    rows = grad.transpose(0, 2, 3, 1).reshape(n * ho * wo, out_channels)
    return rows.reshape(n * ho * wo, groups, out_channels // groups).transpose(1, 0, 2)


def forward(input, weight, bias, stride, padding, dilation, groups, out_hw=None):
    """conv(input, weight) + bias; `out_hw` may ask for fewer output positions than fit."""
    n, _, h, w = input.shape
    out_channels, channels, kh, kw = weight.shape
    if out_hw is None:
        out_hw = (output_size(h, kh, stride[0], padding[0] + padding[1], dilation[0]),
                  output_size(w, kw, stride[1], padding[2] + padding[3], dilation[1]))
    if conv_winograd.applicable(weight.shape, stride, dilation, groups, input.dtype):
        return conv_winograd.forward(input, weight, bias, padding, out_hw)
    pixels, depth = out_hw[0] * out_hw[1], kh * kw * channels
    padded = channels_last_padded(input, padding, temporary=True)
    matrix = weight_matrix(weight, groups)
    result = channels_last_empty((n, out_channels) + tuple(out_hw), np.result_type(input, weight))
    out = result.transpose(0, 2, 3, 1)  # (N, Ho, Wo, C_out), C-contiguous
    # each GEMM writes its groups' blocks straight into their channel slices of the output
    out_groups = out.reshape(n * pixels, groups, out_channels // groups).transpose(1, 0, 2)
    for start, stop in image_chunks(n, pixels * groups * depth * input.itemsize):
        columns = im2col(padded[start:stop], groups, (kh, kw), stride, dilation, out_hw,
                         out=scratch((groups, (stop - start) * pixels * depth), input.dtype))
        np.matmul(columns, matrix, out=out_groups[:, start * pixels:stop * pixels])
        if bias is not None:
            out[start:stop] += bias
    return result


def flipped_transposed(weight, groups):
    """(C_out, C/groups, kh, kw) -> (C, C_out/groups, kh, kw) rotated by 180 degrees: the weight of
    the correlation that computes a stride-1 convolution's input gradient."""
    out_channels, channels, kh, kw = weight.shape
    grouped = weight.reshape(groups, out_channels // groups, channels, kh, kw)[:, :, :, ::-1, ::-1]
    return grouped.transpose(0, 2, 1, 3, 4).reshape(groups * channels, out_channels // groups, kh, kw)


def gather_padding(grad_hw, weight_hw, input_hw, padding, dilation):
    """(top, bottom, left, right) padding of the gradient that turns a stride-1 convolution's input
    gradient into a correlation, or None when that would need cropping or multiply many zeros."""
    (ho, wo), (kh, kw), (h, w) = grad_hw, weight_hw, input_hw
    top, left = dilation[0] * (kh - 1) - padding[0], dilation[1] * (kw - 1) - padding[2]
    bottom = h + dilation[0] * (kh - 1) - ho - top
    right = w + dilation[1] * (kw - 1) - wo - left
    if min(top, bottom, left, right) < 0 or h * w > 1.25 * ho * wo:  # the padded zeros would cost GEMM work
        return None
    return top, bottom, left, right


def input_grad(grad, weight, input_hw, stride, padding, dilation, groups, bias=None):
    """The adjoint of `forward` in its input (+ bias, for conv_transpose2d).

    With stride 1 it is a correlation of the padded gradient with the flipped weight: im2col and
    one GEMM per block, no scatter. Otherwise a GEMM to columns, then col2im (strided adds).
    """
    n, _, ho, wo = grad.shape
    _, channels, kh, kw = weight.shape
    h, w = input_hw
    if stride == (1, 1):
        pads = gather_padding((ho, wo), (kh, kw), (h, w), padding, dilation)
        if pads is not None:
            return forward(grad, flipped_transposed(weight, groups), bias, (1, 1), pads, dilation, groups, (h, w))
    top, _, left, _ = padding
    pixels, depth = ho * wo, kh * kw * channels
    rows = weight_matrix(weight, groups).transpose(0, 2, 1)  # (groups, C_out/groups, K)
    # the unpadded input only: col2im skips what lands on the padding, so the result is compact
    # channels-last (a cropped view would make the next layer copy it to another layout)
    target = np.zeros((n, h, w, channels * groups), np.result_type(grad, weight))
    grad_groups = _grad_groups(grad, groups)
    for start, stop in image_chunks(n, pixels * groups * depth * target.itemsize):
        columns = np.matmul(grad_groups[:, start * pixels:stop * pixels], rows,
                            out=scratch((groups, (stop - start) * pixels, depth), target.dtype))
        col2im(columns, target[start:stop], (kh, kw), stride, dilation, (ho, wo), origin=(top, left))
    if bias is not None:
        target += bias
    return target.transpose(0, 3, 1, 2)


def weight_grad(grad, input, kernel_hw, stride, padding, dilation, groups):
    """The adjoint of `forward` in its weight: columns of the input times the gradient, one GEMM per block."""
    n, out_channels, ho, wo = grad.shape
    channels = input.shape[1] // groups
    kh, kw = kernel_hw
    pixels, depth = ho * wo, kh * kw * channels
    padded = channels_last_padded(input, padding, temporary=True)
    grad_groups = _grad_groups(grad, groups)
    total = np.zeros((groups, depth, out_channels // groups), np.result_type(grad, input))
    for start, stop in image_chunks(n, pixels * groups * depth * total.itemsize):
        columns = im2col(padded[start:stop], groups, (kh, kw), stride, dilation, (ho, wo),
                         out=scratch((groups, (stop - start) * pixels * depth), total.dtype))
        total += np.matmul(columns.transpose(0, 2, 1), grad_groups[:, start * pixels:stop * pixels])
    return (total.reshape(groups, kh, kw, channels, out_channels // groups)
            .transpose(0, 4, 3, 1, 2).reshape(out_channels, channels, kh, kw))
