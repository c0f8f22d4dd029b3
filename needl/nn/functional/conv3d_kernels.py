"""The three array kernels of a 3-D convolution: the forward, its adjoint in the input (the
transposed convolution) and its adjoint in the weight.

The same plan as the 2-D kernels (needl/autograd/ops/conv_kernels.py), one axis more: the
padded input is channels-last (N, Dp, Hp, Wp, C); its columns (groups, rows, kd*kh*kw*C/groups)
come from one strided copy of an as_strided window view; one GEMM per block of images writes
(N, Do, Ho, Wo, C_out), returned as an (N, C_out, Do, Ho, Wo) view. col2im loops over the
kernel's positions only. `padding` is (front, back, top, bottom, left, right).
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from ...autograd.ops.windows import image_chunks, output_size, scratch


def sizes(spatial, kernel, stride, padding, dilation) -> tuple:
    """The output's (Do, Ho, Wo) for an input of spatial size (D, H, W)."""
    return tuple(output_size(size, k, s, padding[2 * axis] + padding[2 * axis + 1], d)
                 for axis, (size, k, s, d) in enumerate(zip(spatial, kernel, stride, dilation)))


def channels_last_padded(input, padding, extent=None):
    """(N, C, D, H, W) -> zero-padded (N, Dp, Hp, Wp, C), one copy; `extent` may ask for a larger array."""
    n, c, d, h, w = input.shape
    front, back, top, bottom, left, right = padding
    shape = (d + front + back, h + top + bottom, w + left + right)
    if extent is not None:
        shape = tuple(max(a, b) for a, b in zip(shape, extent))
    padded = np.zeros((n,) + shape + (c,), input.dtype)
    padded[:, front:front + d, top:top + h, left:left + w] = input.transpose(0, 2, 3, 4, 1)
    return padded


def im2col(padded, groups, kernel, stride, dilation, out_dhw, out):
    """Columns (groups, N*Do*Ho*Wo, kd*kh*kw*C/groups) of a channels-last padded array, into `out`."""
    n, _, _, _, c = padded.shape
    sn, sd, sh, sw, sc = padded.strides
    channels = c // groups
    view = as_strided(padded, (groups, n) + tuple(out_dhw) + tuple(kernel) + (channels,),
                      (channels * sc, sn, stride[0] * sd, stride[1] * sh, stride[2] * sw,
                       dilation[0] * sd, dilation[1] * sh, dilation[2] * sw, sc), writeable=False)
    out = out.reshape(view.shape)
    np.copyto(out, view)
    return out.reshape(groups, n * out_dhw[0] * out_dhw[1] * out_dhw[2], -1)


def col2im(columns, target, kernel, stride, dilation, in_dhw):
    """Add columns (groups, N*Di*Hi*Wi, kd*kh*kw*C/groups) into a zeroed (N, Dt, Ht, Wt, C) array."""
    n, c = target.shape[0], target.shape[-1]
    groups = columns.shape[0]
    channels = c // groups
    columns = columns.reshape((groups, n) + tuple(in_dhw) + tuple(kernel) + (channels,))
    grouped = target.reshape(target.shape[:4] + (groups, channels))
    for position in np.ndindex(*kernel):
        where = tuple(slice(k * d, k * d + s * (size - 1) + 1, s)
                      for k, d, s, size in zip(position, dilation, stride, in_dhw))
        part = columns[(slice(None),) * 5 + position]  # (groups, N, Di, Hi, Wi, C/groups)
        grouped[(slice(None),) + where] += part.transpose(1, 2, 3, 4, 0, 5)
    return target


def weight_matrix(weight, groups):
    """(C_out, C/groups, kd, kh, kw) -> (groups, kd*kh*kw*C/groups, C_out/groups), the GEMM's right side."""
    out_channels, channels = weight.shape[:2]
    grouped = weight.reshape((groups, out_channels // groups, channels) + weight.shape[2:])
    return grouped.transpose(0, 3, 4, 5, 2, 1).reshape(groups, -1, out_channels // groups)


def _grad_groups(grad, groups):
    """(N, C_out, Do, Ho, Wo) -> (groups, N*Do*Ho*Wo, C_out/groups)."""
    out_channels = grad.shape[1]
    rows = grad.transpose(0, 2, 3, 4, 1).reshape(-1, out_channels)
    return rows.reshape(rows.shape[0], groups, out_channels // groups).transpose(1, 0, 2)


def forward(input, weight, bias, stride, padding, dilation, groups, out_dhw=None):
    """conv3d(input, weight) + bias; `out_dhw` may ask for fewer output positions than fit."""
    n = input.shape[0]
    out_channels = weight.shape[0]
    kernel = weight.shape[2:]
    if out_dhw is None:
        out_dhw = sizes(input.shape[2:], kernel, stride, padding, dilation)
    pixels = out_dhw[0] * out_dhw[1] * out_dhw[2]
    depth = weight[0].size
    padded = channels_last_padded(input, padding)
    matrix = weight_matrix(weight, groups)
    out = np.empty((n,) + tuple(out_dhw) + (out_channels,), np.result_type(input, weight))
    out_groups = out.reshape(n * pixels, groups, out_channels // groups).transpose(1, 0, 2)
    for start, stop in image_chunks(n, pixels * groups * depth * input.itemsize):
        columns = im2col(padded[start:stop], groups, kernel, stride, dilation, out_dhw,
                         scratch((groups, (stop - start) * pixels * depth), input.dtype))
        np.matmul(columns, matrix, out=out_groups[:, start * pixels:stop * pixels])
    if bias is not None:
        out += bias
    return out.transpose(0, 4, 1, 2, 3)


def input_grad(grad, weight, input_dhw, stride, padding, dilation, groups, bias=None):
    """The adjoint of `forward` in its input (+ bias, for conv_transpose3d)."""
    n = grad.shape[0]
    out_dhw = grad.shape[2:]
    kernel = weight.shape[2:]
    pixels, depth = out_dhw[0] * out_dhw[1] * out_dhw[2], weight[0].size
    channels = weight.shape[1] * groups
    extent = tuple(max(size + padding[2 * axis] + padding[2 * axis + 1], (o - 1) * s + d * (k - 1) + 1)
                   for axis, (size, o, s, d, k) in enumerate(zip(input_dhw, out_dhw, stride, dilation, kernel)))
    target = np.zeros((n,) + extent + (channels,), np.result_type(grad, weight))
    rows = weight_matrix(weight, groups).transpose(0, 2, 1)  # (groups, C_out/groups, K)
    grad_groups = _grad_groups(grad, groups)
    for start, stop in image_chunks(n, pixels * groups * depth * target.itemsize):
        columns = np.matmul(grad_groups[:, start * pixels:stop * pixels], rows,
                            out=scratch((groups, (stop - start) * pixels, depth), target.dtype))
        col2im(columns, target[start:stop], kernel, stride, dilation, out_dhw)
    front, _, top, _, left, _ = padding
    d, h, w = input_dhw
    out = target[:, front:front + d, top:top + h, left:left + w]
    if bias is not None:
        out += bias
    return out.transpose(0, 4, 1, 2, 3)


def weight_grad(grad, input, kernel, stride, padding, dilation, groups):
    """The adjoint of `forward` in its weight: columns of the input times the gradient."""
    n, out_channels = grad.shape[:2]
    out_dhw = grad.shape[2:]
    channels = input.shape[1] // groups
    pixels = out_dhw[0] * out_dhw[1] * out_dhw[2]
    depth = kernel[0] * kernel[1] * kernel[2] * channels
    padded = channels_last_padded(input, padding)
    grad_groups = _grad_groups(grad, groups)
    total = np.zeros((groups, depth, out_channels // groups), np.result_type(grad, input))
    for start, stop in image_chunks(n, pixels * groups * depth * total.itemsize):
        columns = im2col(padded[start:stop], groups, kernel, stride, dilation, out_dhw,
                         scratch((groups, (stop - start) * pixels * depth), total.dtype))
        total += np.matmul(columns.transpose(0, 2, 1), grad_groups[:, start * pixels:stop * pixels])
    return (total.reshape((groups,) + tuple(kernel) + (channels, out_channels // groups))
            .transpose(0, 5, 4, 1, 2, 3).reshape((out_channels, channels) + tuple(kernel)))
