"""Convolution, pooling and padding in function form: the ops of needl.autograd.ops, plus 1-D forms."""
from ...autograd.ops.conv import conv1d, conv2d, conv_transpose2d
from ...autograd.ops.pad import pad
from ...autograd.ops.pool import adaptive_avg_pool2d, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from ...autograd.tensor import Tensor


def _single(value, name: str) -> int:
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{name} must be an int or a 1-tuple for 1-D pooling, got {value}")
        return value[0]
    return value


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Average pooling of (N, C, L) or (C, L) to output_size positions."""
    if input.ndim not in (2, 3):
        raise ValueError(f"adaptive_avg_pool1d: expected a 2-D or 3-D input, got shape {tuple(input.shape)}")
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, _single(output_size, "output_size"))).squeeze(-2)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """Transposed 1-D convolution of (N, C, L) or (C, L), weight (C, C_out/groups, k): conv_transpose2d on a
    height-1 image."""
    if input.ndim not in (2, 3) or weight.ndim != 3:
        raise ValueError(f"conv_transpose1d: expected a 2-D or 3-D input and a 3-D weight, got input of shape "
                         f"{tuple(input.shape)} and weight of shape {tuple(weight.shape)}")
    output = conv_transpose2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, _single(stride, "stride")),
                              (0, _single(padding, "padding")), (0, _single(output_padding, "output_padding")),
                              groups, (1, _single(dilation, "dilation")))
    return output.squeeze(-2)
