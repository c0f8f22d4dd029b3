"""Conv3d and ConvTranspose3d layers, on the shared constructor of the 1-D and 2-D layers."""
from ...autograd.tensor import Tensor
from ..factory import factory_dtype
from ..functional.conv import pad
from ..functional.conv3d import conv3d, conv_transpose3d
from .conv import _ConvNd, _ConvTransposeNd


class Conv3d(_ConvNd):
    """3-D convolution of (N, C_in, D, H, W) inputs; weight (C_out, C_in/groups, kd, kh, kw)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False, 0, groups,
                         bias, padding_mode, 3, factory_dtype(device, dtype))

    def forward(self, input: Tensor) -> Tensor:
        self._check_channels(input, 5)
        if self.padding_mode != "zeros":
            padded = pad(input, self._padding_for_mode(), mode=self.padding_mode)
            return conv3d(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return conv3d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose3d(_ConvTransposeNd):
    """Transposed 3-D convolution; weight (C_in, C_out/groups, kd, kh, kw)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None,
                 dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for ConvTranspose3d, got {padding_mode!r}')
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose3d: padding must be an int or a triple, got '{padding}'")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, True, output_padding,
                         groups, bias, padding_mode, 3, factory_dtype(device, dtype))

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        self._check_channels(input, 5)
        return conv_transpose3d(input, self.weight, self.bias, self.stride, self.padding,
                                self._output_padding(input, output_size), self.groups, self.dilation)
