"""Padding layers (ZeroPad, ConstantPad, ReflectionPad, ReplicationPad, CircularPad) over F.pad."""
from ...autograd.tensor import Tensor
from ..functional.conv import pad
from ..module import Module


def _widths(padding, dims: int) -> tuple:
    """An int pads every side; a tuple is (left, right, top, bottom, ...) as F.pad takes it."""
    if isinstance(padding, int):
        return (padding,) * (2 * dims)
    padding = tuple(int(p) for p in padding)
    if len(padding) != 2 * dims:
        raise ValueError(f"expected an int or a tuple of {2 * dims} ints as padding, got {padding}")
    return padding


class _PadNd(Module):
    mode = "constant"
    dims = 1

    def __init__(self, padding):
        super().__init__()
        self.padding = _widths(padding, self.dims)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (self.dims + 1, self.dims + 2):
            raise ValueError(f"{type(self).__name__}: expected a {self.dims + 1}-D or {self.dims + 2}-D input, "
                             f"got input of shape {tuple(input.shape)}")
        return pad(input, self.padding, mode=self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float):
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return pad(input, self.padding, mode="constant", value=self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with a constant."""
    dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with a constant."""
    dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with a constant."""
    dims = 3


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dims with zeros: padding (left, right, top, bottom) or an int."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dims with zeros: (left, right, top, bottom, front, back) or an int."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Pad the last dim by reflecting at the border (without repeating the edge)."""
    mode, dims = "reflect", 1


class ReflectionPad2d(_PadNd):
    """Pad the last two dims by reflection: padding (left, right, top, bottom) or an int."""
    mode, dims = "reflect", 2


class ReflectionPad3d(_PadNd):
    """Pad the last three dims by reflection."""
    mode, dims = "reflect", 3


class ReplicationPad1d(_PadNd):
    """Pad the last dim by repeating the edge value."""
    mode, dims = "replicate", 1


class ReplicationPad2d(_PadNd):
    """Pad the last two dims by repeating the edges."""
    mode, dims = "replicate", 2


class ReplicationPad3d(_PadNd):
    """Pad the last three dims by repeating the edges."""
    mode, dims = "replicate", 3


class CircularPad1d(_PadNd):
    """Pad the last dim by wrapping around."""
    mode, dims = "circular", 1


class CircularPad2d(_PadNd):
    """Pad the last two dims by wrapping around."""
    mode, dims = "circular", 2


class CircularPad3d(_PadNd):
    """Pad the last three dims by wrapping around."""
    mode, dims = "circular", 3
