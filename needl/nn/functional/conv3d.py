"""conv3d and conv_transpose3d as single tape nodes (PyTorch's functional API).

As for 2-D (needl/autograd/ops/conv.py), three ops make a closed family: conv3d_op,
conv_transpose3d_op (its adjoint in the input) and conv3d_weight_grad (its adjoint in the
weight); each one's vjp is made of the other two, so gradients of any order work. The array
kernels are in conv3d_kernels.py.
"""
from typing import Optional, Union

from ...autograd.function import op
from ...autograd.ops.conv import (_check_common, _check_fits, _check_positive, _conv_padding,
                                  _transposed_arguments)
from ...autograd.ops.windows import pair
from ...autograd.tensor import Tensor
from . import conv3d_kernels as kernels


def _batched(array):
    """An unbatched (C, D, H, W) array as a batch of one, as PyTorch accepts it."""
    return array if array.ndim == 5 else array[None]


def _unbatched_like(out, like):
    return out if like.ndim == 5 else out[0]


def _channel_sum(grad):
    return grad.sum(axis=(0, 2, 3, 4) if grad.ndim == 5 else (1, 2, 3))


@op
def conv3d_op(input, weight, bias, stride=(1, 1, 1), padding=(0,) * 6, dilation=(1, 1, 1), groups=1,
              output_size=None):
    out = kernels.forward(_batched(input), weight, bias, stride, padding, dilation, groups, output_size)
    return _unbatched_like(out, input)


@conv3d_op.vjp
def conv3d_vjp(grad, out, input, weight, bias, stride=(1, 1, 1), padding=(0,) * 6, dilation=(1, 1, 1), groups=1,
               output_size=None, needs_input_grad=None):
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    grad_input = grad_weight = grad_bias = None
    if needs_input_grad[0]:
        grad_input = conv_transpose3d_op(grad, weight, None, output_size=tuple(input.shape[-3:]), **options)
    if needs_input_grad[1]:
        grad_weight = conv3d_weight_grad(grad, input, kernel_size=tuple(weight.shape[2:]), **options)
    if needs_input_grad[2]:
        grad_bias = _channel_sum(grad)
    return grad_input, grad_weight, grad_bias


@op
def conv_transpose3d_op(input, weight, bias, output_size=(1, 1, 1), stride=(1, 1, 1), padding=(0,) * 6,
                        dilation=(1, 1, 1), groups=1):
    """The adjoint of conv3d in its input, of spatial size `output_size`, plus bias."""
    out = kernels.input_grad(_batched(input), weight, output_size, stride, padding, dilation, groups, bias)
    return _unbatched_like(out, input)


@conv_transpose3d_op.vjp
def conv_transpose3d_vjp(grad, out, input, weight, bias, output_size=(1, 1, 1), stride=(1, 1, 1),
                         padding=(0,) * 6, dilation=(1, 1, 1), groups=1, needs_input_grad=None):
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    grad_input = grad_weight = grad_bias = None
    if needs_input_grad[0]:
        grad_input = conv3d_op(grad, weight, None, output_size=tuple(input.shape[-3:]), **options)
    if needs_input_grad[1]:
        grad_weight = conv3d_weight_grad(input, grad, kernel_size=tuple(weight.shape[2:]), **options)
    if needs_input_grad[2]:
        grad_bias = _channel_sum(grad)
    return grad_input, grad_weight, grad_bias


@op
def conv3d_weight_grad(grad, input, kernel_size=(1, 1, 1), stride=(1, 1, 1), padding=(0,) * 6,
                       dilation=(1, 1, 1), groups=1):
    """The adjoint of conv3d in its weight: d<grad, conv3d(input, w)>/dw."""
    return kernels.weight_grad(_batched(grad), _batched(input), kernel_size, stride, padding, dilation, groups)


@conv3d_weight_grad.vjp
def conv3d_weight_grad_vjp(grad_weight, out, grad, input, kernel_size=(1, 1, 1), stride=(1, 1, 1),
                           padding=(0,) * 6, dilation=(1, 1, 1), groups=1, needs_input_grad=None):
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    first = second = None
    if needs_input_grad[0]:
        first = conv3d_op(input, grad_weight, None, output_size=tuple(grad.shape[-3:]), **options)
    if needs_input_grad[1]:
        second = conv_transpose3d_op(grad, grad_weight, None, output_size=tuple(input.shape[-3:]), **options)
    return first, second


def conv3d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride=1,
           padding: Union[int, tuple, str] = 0, dilation=1, groups: int = 1) -> Tensor:
    """3-D cross-correlation of input (N, C, D, H, W) or (C, D, H, W) with weight
    (C_out, C/groups, kd, kh, kw), as PyTorch."""
    stride = pair(stride, "stride", "conv3d", 3)
    dilation = pair(dilation, "dilation", "conv3d", 3)
    _check_positive("conv3d", stride=stride, dilation=dilation)
    _check_common("conv3d", input, weight, bias, groups, 3)
    padding = _conv_padding("conv3d", padding, weight.shape[2:], stride, dilation, 3)
    _check_fits("conv3d", input, weight, padding, dilation)
    return conv3d_op(input, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=int(groups))


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """Transposed 3-D convolution (the gradient of conv3d w.r.t. its input), weight (C, C_out/groups, kd, kh, kw)."""
    stride, padding, dilation, output_size = _transposed_arguments(
        "conv_transpose3d", input, weight, bias, stride, padding, output_padding, groups, dilation, 3)
    return conv_transpose3d_op(input, weight, bias, output_size=output_size, stride=stride, padding=padding,
                               dilation=dilation, groups=int(groups))

