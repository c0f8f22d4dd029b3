"""Conv1d, Conv2d and ConvTranspose2d layers over needl.autograd.ops.conv, with PyTorch's initialisation."""

from ...autograd import dtypes
from ...autograd.creation import empty
from ...autograd.tensor import Tensor
from .. import init
from ..functional.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d, pad
from ..factory import factory_dtype
from ..module import Module
from ..parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(value, size: int, name: str) -> tuple:
    if isinstance(value, (tuple, list)):
        if len(value) != size:
            raise ValueError(f"{name} must be an int or a tuple of {size} ints, got {value}")
        return tuple(int(v) for v in value)
    return (int(value),) * size


class _ConvNd(Module):
    """Shared constructor: checks, weight/bias shapes, kaiming_uniform(a=sqrt(5)) init, repr."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, transposed,
                 output_padding, groups, bias, padding_mode, dims, dtype):
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError(f"in_channels must be divisible by groups (in_channels={in_channels}, groups={groups})")
        if out_channels % groups != 0:
            raise ValueError(f"out_channels must be divisible by groups (out_channels={out_channels}, groups={groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {_PADDING_MODES}, but got padding_mode='{padding_mode}'")
        self.kernel_size = _tuple(kernel_size, dims, "kernel_size")
        self.stride = _tuple(stride, dims, "stride")
        self.dilation = _tuple(dilation, dims, "dilation")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = _tuple(padding, dims, "padding")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.transposed = transposed
        self.output_padding = _tuple(output_padding, dims, "output_padding")
        self.groups = groups
        self.padding_mode = padding_mode
        dtype = dtypes.get_default_dtype() if dtype is None else dtype
        if transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(empty(*shape, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init._layer_default_(self.weight, self.bias)

    def _padding_for_mode(self) -> tuple:
        """F.pad widths (last dim first) for a non-'zeros' padding_mode."""
        if isinstance(self.padding, str):
            widths = []
            for k, d in zip(reversed(self.kernel_size), reversed(self.dilation)):
                total = d * (k - 1)
                widths += [total // 2, total - total // 2]
            return tuple(widths)
        widths = []
        for p in reversed(self.padding):
            widths += [p, p]
        return tuple(widths)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * len(self.kernel_size):
            text += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text

    def _check_channels(self, input: Tensor, batched_ndim: int) -> None:
        if input.ndim not in (batched_ndim - 1, batched_ndim):
            raise ValueError(f"{type(self).__name__}: expected a {batched_ndim - 1}-D (unbatched) or "
                             f"{batched_ndim}-D (batched) input, got input of shape {tuple(input.shape)}")
        channels = input.shape[-batched_ndim + 1]
        if channels != self.in_channels:
            expected = ("N", self.in_channels) + ("*",) * (batched_ndim - 2)
            raise ValueError(f"{type(self).__name__}({self.in_channels}, {self.out_channels}): expected input of "
                             f"shape ({', '.join(str(s) for s in expected)}) with {self.in_channels} channels, "
                             f"got input of shape {tuple(input.shape)} ({channels} channels)")


class Conv1d(_ConvNd):
    """1-D convolution of (N, C_in, L) inputs; weight (C_out, C_in/groups, k)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False, 0, groups,
                         bias, padding_mode, 1, factory_dtype(device, dtype))

    def forward(self, input: Tensor) -> Tensor:
        self._check_channels(input, 3)
        if self.padding_mode != "zeros":
            padded = pad(input, self._padding_for_mode(), mode=self.padding_mode)
            return conv1d(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv2d(_ConvNd):
    """2-D convolution of (N, C_in, H, W) inputs; weight (C_out, C_in/groups, kh, kw)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False, 0, groups,
                         bias, padding_mode, 2, factory_dtype(device, dtype))

    def forward(self, input: Tensor) -> Tensor:
        self._check_channels(input, 4)
        if self.padding_mode != "zeros":
            padded = pad(input, self._padding_for_mode(), mode=self.padding_mode)
            return conv2d(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class _ConvTransposeNd(_ConvNd):
    """output_size -> output_padding, as PyTorch computes it."""

    def _output_padding(self, input: Tensor, output_size) -> tuple:
        if output_size is None:
            return self.output_padding
        dims = len(self.kernel_size)
        output_size = tuple(output_size)[-dims:]
        result = []
        for i, wanted in enumerate(output_size):
            smallest = ((input.shape[-dims + i] - 1) * self.stride[i] - 2 * self.padding[i]
                        + self.dilation[i] * (self.kernel_size[i] - 1) + 1)
            extra = wanted - smallest
            if not 0 <= extra < max(self.stride[i], self.dilation[i]):
                raise ValueError(f"{type(self).__name__}: requested an output size of {output_size}, but valid "
                                 f"sizes for input of shape {tuple(input.shape)} start at the smallest size "
                                 f"{smallest} in dimension {i} and allow less than stride more")
            result.append(extra)
        return tuple(result)


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1-D convolution; weight (C_in, C_out/groups, k)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None,
                 dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for ConvTranspose1d, got {padding_mode!r}')
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose1d: padding must be an int, got '{padding}'")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, True, output_padding,
                         groups, bias, padding_mode, 1, factory_dtype(device, dtype))

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        self._check_channels(input, 3)
        return conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding,
                                self._output_padding(input, output_size), self.groups, self.dilation)


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-D convolution; weight (C_in, C_out/groups, kh, kw)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None,
                 dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for ConvTranspose2d, got {padding_mode!r}')
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose2d: padding must be an int or a pair, got '{padding}'")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, True, output_padding,
                         groups, bias, padding_mode, 2, factory_dtype(device, dtype))

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        self._check_channels(input, 4)
        return conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                self._output_padding(input, output_size), self.groups, self.dilation)


# PyTorch's module path torch.nn.modules.conv holds the 3-D and lazy convolutions too
from .conv3d import Conv3d, ConvTranspose3d  # noqa: E402,F401
from .lazy import (LazyConv1d, LazyConv2d, LazyConv3d, LazyConvTranspose1d,  # noqa: E402,F401
                   LazyConvTranspose2d, LazyConvTranspose3d)
