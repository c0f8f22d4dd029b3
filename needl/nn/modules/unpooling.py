"""MaxUnpool1d/2d/3d and LPPool1d/2d/3d layers."""
from ...autograd.ops.windows import pair
from ...autograd.tensor import Tensor
from ..functional.lp_pool import lp_pool1d, lp_pool2d, lp_pool3d
from ..functional.unpool import max_unpool1d, max_unpool2d, max_unpool3d
from ..module import Module


class _MaxUnpoolNd(Module):
    dims = 1

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        name = type(self).__name__
        self.kernel_size = pair(kernel_size, "kernel_size", name, self.dims)
        self.stride = pair(stride if stride is not None else kernel_size, "stride", name, self.dims)
        self.padding = pair(padding, "padding", name, self.dims)

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return self._function(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """The inverse of MaxPool1d(return_indices=True): values back at their indices, zeros elsewhere."""
    _function = staticmethod(max_unpool1d)


class MaxUnpool2d(_MaxUnpoolNd):
    """The inverse of MaxPool2d(return_indices=True)."""
    _function, dims = staticmethod(max_unpool2d), 2


class MaxUnpool3d(_MaxUnpoolNd):
    """The inverse of MaxPool3d(return_indices=True)."""
    _function, dims = staticmethod(max_unpool3d), 3


class _LPPoolNd(Module):
    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False):
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        return self._function(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, " \
               f"ceil_mode={self.ceil_mode}"


class LPPool1d(_LPPoolNd):
    """(sum over each window of x^p)^(1/p) for (N, C, L) inputs."""
    _function = staticmethod(lp_pool1d)


class LPPool2d(_LPPoolNd):
    """(sum over each window of x^p)^(1/p) for (N, C, H, W) inputs."""
    _function = staticmethod(lp_pool2d)


class LPPool3d(_LPPoolNd):
    """(sum over each window of x^p)^(1/p) for (N, C, D, H, W) inputs."""
    _function = staticmethod(lp_pool3d)
