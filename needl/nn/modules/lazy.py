"""Lazy layers: LazyLinear, LazyConv*, LazyConvTranspose*, LazyBatchNorm*, LazyInstanceNorm*.

They take every constructor argument but the input size (in_features, in_channels,
num_features), which the first forward reads off its input. Until then their parameters are
UninitializedParameters (listed by .parameters(), without a shape); the first call gives them
their shape, initialises them as the regular layer would, and turns the module into that layer
(`LazyLinear` becomes `Linear`, PyTorch's `cls_to_become`). An optimizer built before the first
call works (the Parameter objects stay the same, and needl's optimizers make their state on the
first step), but PyTorch recommends a dry run first, and so does needl: e.g. parameter counts or
`clip_grad_norm_` before the first call see uninitialised parameters.
A state_dict loaded into a lazy module gives its parameters the state_dict's shapes.
"""
import numpy as np

from ...autograd.mode import no_grad
from ...autograd.tensor import Tensor
from ..factory import factory_dtype
from ..parameter import UninitializedBuffer, UninitializedParameter, _Uninitialized
from .conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from .conv3d import Conv3d, ConvTranspose3d
from .linear import Linear
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d


class LazyModuleMixin:
    """Infers the missing sizes from the first input: subclasses define initialize_parameters(*inputs)."""
    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lazy_load_handle = self.register_load_state_dict_pre_hook(_lazy_load_hook)
        self._initialize_handle = self.register_forward_pre_hook(_infer_parameters, with_kwargs=True)

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer still waits for its shape."""
        stores = (self._parameters.values(), self._buffers.values())
        return any(isinstance(value, _Uninitialized) for store in stores for value in store)

    def initialize_parameters(self, *args, **kwargs) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define initialize_parameters(input)")


def _infer_parameters(module, args, kwargs):
    """The forward pre-hook: materialise from the first input, then become the regular layer."""
    module.initialize_parameters(*args, **kwargs)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {type(module).__name__} has not been fully initialized")
    module._initialize_handle.remove()
    module._lazy_load_handle.remove()
    del module._initialize_handle, module._lazy_load_handle
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become


def _lazy_load_hook(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
    """Loading a state_dict gives each uninitialised tensor the shape of its entry."""
    for store in (module._parameters, module._buffers):
        for name, value in store.items():
            key = prefix + name
            if isinstance(value, _Uninitialized) and key in state_dict:
                entry = state_dict[key]
                value.materialize(entry.shape if hasattr(entry, "shape") else ())
    _sizes_from_materialized(module)


def _sizes_from_materialized(module) -> None:
    """After a load: the size attribute the regular layer keeps, read off its weight."""
    weight = module._parameters.get("weight")
    if weight is None or isinstance(weight, _Uninitialized):
        return
    if isinstance(module, Linear):
        module.in_features = weight.shape[1]
    elif hasattr(module, "transposed"):
        module.in_channels = weight.shape[0] if module.transposed else weight.shape[1] * module.groups
    elif hasattr(module, "num_features"):
        module.num_features = weight.shape[0]


def _input_tensor(name, input):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: the first call must get a Tensor to infer the input size from, got "
                        f"{type(input).__name__}")
    return input


class LazyLinear(LazyModuleMixin, Linear):
    """A Linear layer whose in_features is the last size of its first input."""
    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None):
        dtype = factory_dtype(device, dtype)
        super().__init__(0, 0, False, dtype=dtype)
        self.out_features = out_features
        self.weight = UninitializedParameter(dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs) -> None:
        if not self.has_uninitialized_params():
            return
        input = _input_tensor(type(self).__name__, input)
        with no_grad():
            self.in_features = input.shape[-1]
            self.weight.materialize((self.out_features, self.in_features))
            if self.bias is not None:
                self.bias.materialize((self.out_features,))
            self.reset_parameters()


class _LazyConvMixin(LazyModuleMixin):
    """in_channels from dim 1 of a batched input (dim 0 of an unbatched one); the regular
    constructor runs with in_channels=0, as in PyTorch."""
    groups: int
    transposed: bool

    def _lazy_setup(self, bias: bool, dtype) -> None:
        self.weight = UninitializedParameter(dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs) -> None:
        if not self.has_uninitialized_params():
            return
        input = _input_tensor(type(self).__name__, input)
        spatial = len(self.kernel_size)
        if input.ndim not in (spatial + 1, spatial + 2):
            raise ValueError(f"{type(self).__name__}: expected a {spatial + 1}-D (unbatched) or {spatial + 2}-D "
                             f"(batched) input, got input of shape {tuple(input.shape)}")
        channels = input.shape[0] if input.ndim == spatial + 1 else input.shape[1]
        if channels % self.groups:
            raise ValueError(f"{type(self).__name__}: in_channels ({channels}, from the input of shape "
                             f"{tuple(input.shape)}) must be divisible by groups ({self.groups})")
        with no_grad():
            self.in_channels = channels
            if self.transposed:
                shape = (channels, self.out_channels // self.groups) + self.kernel_size
            else:
                shape = (self.out_channels, channels // self.groups) + self.kernel_size
            self.weight.materialize(shape)
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()


class _LazyConvNd(_LazyConvMixin):
    """The constructor of LazyConv1d/2d/3d: Conv*d's without in_channels."""

    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1, groups: int = 1,
                 bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
        dtype = factory_dtype(device, dtype)
        super().__init__(0, out_channels, kernel_size, stride, padding, dilation, groups, False, padding_mode,
                         dtype=dtype)
        self._lazy_setup(bias, dtype)


class _LazyConvTransposeNd(_LazyConvMixin):
    """The constructor of LazyConvTranspose1d/2d/3d: ConvTranspose*d's without in_channels."""

    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0, groups: int = 1,
                 bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None, dtype=None):
        dtype = factory_dtype(device, dtype)
        super().__init__(0, out_channels, kernel_size, stride, padding, output_padding, groups, False, dilation,
                         padding_mode, dtype=dtype)
        self._lazy_setup(bias, dtype)


class LazyConv1d(_LazyConvNd, Conv1d):
    """A Conv1d whose in_channels is read off its first input."""
    cls_to_become = Conv1d


class LazyConv2d(_LazyConvNd, Conv2d):
    """A Conv2d whose in_channels is read off its first input."""
    cls_to_become = Conv2d


class LazyConv3d(_LazyConvNd, Conv3d):
    """A Conv3d whose in_channels is read off its first input."""
    cls_to_become = Conv3d


class LazyConvTranspose1d(_LazyConvTransposeNd, ConvTranspose1d):
    """A ConvTranspose1d whose in_channels is read off its first input."""
    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTransposeNd, ConvTranspose2d):
    """A ConvTranspose2d whose in_channels is read off its first input."""
    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTransposeNd, ConvTranspose3d):
    """A ConvTranspose3d whose in_channels is read off its first input."""
    cls_to_become = ConvTranspose3d


class _LazyNormMixin(LazyModuleMixin):
    """num_features from dim 1 of the input (dim 0 of an unbatched instance-norm input); the regular
    constructor runs with num_features=0 and no parameters, then they are made uninitialised."""

    def _lazy_setup(self, affine: bool, track_running_stats: bool, dtype) -> None:
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = UninitializedParameter(dtype=dtype)
            self.bias = UninitializedParameter(dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(dtype=dtype)
            self.running_var = UninitializedBuffer(dtype=dtype)
            self.num_batches_tracked = Tensor(np.array(0, dtype=np.int64))

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs) -> None:
        if not self.has_uninitialized_params():
            return
        input = _input_tensor(type(self).__name__, input)
        unbatched = getattr(self, "_batched_ndim", None) == input.ndim + 1
        if input.ndim < 2:
            raise ValueError(f"{type(self).__name__}: expected an input of shape (N, C, *), got {tuple(input.shape)}")
        with no_grad():
            self.num_features = input.shape[0] if unbatched else input.shape[1]
            for store in (self._parameters, self._buffers):
                for value in store.values():
                    if isinstance(value, _Uninitialized):
                        value.materialize((self.num_features,))
            self.reset_parameters()


class _LazyBatchNorm(_LazyNormMixin):
    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None):
        dtype = factory_dtype(device, dtype)
        super().__init__(0, eps, momentum, False, False, dtype=dtype)
        self._lazy_setup(affine, track_running_stats, dtype)


class _LazyInstanceNorm(_LazyBatchNorm):
    """The instance norms' defaults: no affine parameters, no running statistics."""

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device=None, dtype=None):
        super().__init__(eps, momentum, affine, track_running_stats, device, dtype)


class LazyBatchNorm1d(_LazyBatchNorm, BatchNorm1d):
    """A BatchNorm1d whose num_features is read off its first input."""
    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyBatchNorm, BatchNorm2d):
    """A BatchNorm2d whose num_features is read off its first input."""
    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyBatchNorm, BatchNorm3d):
    """A BatchNorm3d whose num_features is read off its first input."""
    cls_to_become = BatchNorm3d


class LazyInstanceNorm1d(_LazyInstanceNorm, InstanceNorm1d):
    """An InstanceNorm1d whose num_features is read off its first input."""
    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyInstanceNorm, InstanceNorm2d):
    """An InstanceNorm2d whose num_features is read off its first input."""
    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyInstanceNorm, InstanceNorm3d):
    """An InstanceNorm3d whose num_features is read off its first input."""
    cls_to_become = InstanceNorm3d
