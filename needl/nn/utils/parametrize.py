"""Parametrizations (torch.nn.utils.parametrize): a module's tensor computed by small modules from
an unconstrained original, e.g. an orthogonal or a spectrally normalised weight.

register_parametrization(module, "weight", p) moves module.weight to
module.parametrizations.weight.original (state_dict key `parametrizations.weight.original`) and
makes module.weight a property that returns p(original), recomputed at each access (once per
`with cached():` block). Assigning module.weight = value calls p.right_inverse(value). As in
PyTorch, the module's class is swapped for a subclass named Parametrized<Class> that holds the
properties.
"""
import copy
from contextlib import contextmanager
from typing import Optional

from ...autograd.mode import no_grad
from ...autograd.tensor import Tensor
from ..containers import ModuleDict, ModuleList
from ..module import Module
from ..parameter import Parameter

_cache_enabled = 0
_cache: dict = {}


@contextmanager
def cached():
    """Within the block, each parametrized tensor is computed once (on first access) and reused."""
    global _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache.clear()


def _set_original(target: Tensor, value: Tensor) -> None:
    """Give `target` the values (and shape) of `value`, keeping the object (optimizers hold it)."""
    array = value._data if isinstance(value, Tensor) else value
    target._data = array.astype(target._data.dtype, copy=True)


def _register_tensor(module: Module, name: str, tensor: Tensor) -> None:
    if isinstance(tensor, Parameter):
        module.register_parameter(name, tensor)
    else:
        module.register_buffer(name, tensor)


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order to `original` (or original0, original1 ...
    when the first one's right_inverse returns several tensors)."""

    def __init__(self, modules, original: Tensor, unsafe: bool = False):
        if not modules:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        original_shape, original_dtype = original._data.shape, original.dtype
        with no_grad():
            new = original
            for module in reversed(self):
                if hasattr(module, "right_inverse"):
                    new = module.right_inverse(new)
        if isinstance(new, Tensor):
            self.is_tensor = True
            self.ntensors = 1
            if not unsafe and (new.dtype != original_dtype):
                raise ValueError(f"When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                                 f"original.dtype: {original_dtype}\nright_inverse(original).dtype: {new.dtype}")
            with no_grad():
                _set_original(original, new)
            _register_tensor(self, "original", original)
        else:
            if not isinstance(new, (tuple, list)):
                raise ValueError(f"'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                                 f"Got {type(new).__name__}")
            self.is_tensor = False
            self.ntensors = len(new)
            for index, part in enumerate(new):
                if not isinstance(part, Tensor):
                    raise ValueError(f"'right_inverse' must return a sequence of tensors. Got {type(part).__name__}.")
                if isinstance(original, Parameter):
                    part = Parameter(part._data.copy(), original.requires_grad)
                else:
                    part = Tensor._make(part._data.copy())
                _register_tensor(self, f"original{index}", part)
        if not unsafe:
            value = self()
            if not isinstance(value, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(value).__name__}.")
            if value.dtype != original_dtype or tuple(value._data.shape) != original_shape:
                raise ValueError(f"Registering a parametrization may not change the shape or the dtype of the "
                                 f"tensor, unless `unsafe` is True.\nunparametrized shape: {original_shape}, "
                                 f"dtype: {original_dtype}\nparametrized shape: {tuple(value._data.shape)}, "
                                 f"dtype: {value.dtype}")

    def right_inverse(self, value: Tensor) -> None:
        """Set the original(s) so that the parametrized tensor becomes `value` (as far as the inverses go)."""
        with no_grad():
            for module in reversed(self):
                if hasattr(module, "right_inverse"):
                    value = module.right_inverse(value)
                else:
                    raise RuntimeError(f"parametrization {type(module).__name__} does not implement right_inverse.")
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got {type(value).__name__}")
                _set_original(self.original, value)
            else:
                if not isinstance(value, (tuple, list)) or len(value) != self.ntensors:
                    raise ValueError(f"'right_inverse' must return a sequence of {self.ntensors} tensors")
                for index, part in enumerate(value):
                    _set_original(getattr(self, f"original{index}"), part)

    def forward(self) -> Tensor:
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{index}") for index in range(self.ntensors)))
        for module in list(self)[1:]:
            x = module(x)
        return x


def _parametrized_property(name: str) -> property:
    def get(self):
        parametrization = self.parametrizations[name]
        if not _cache_enabled:
            return parametrization()
        key = (id(self), name)
        if key not in _cache:
            _cache[key] = parametrization()
        return _cache[key]

    def set(self, value):
        self.parametrizations[name].right_inverse(value)

    return property(get, set, doc=f"The parametrized tensor {name!r}, computed from parametrizations.{name}")


def _inject_class(module: Module) -> None:
    """Swap the module's class for a fresh subclass that can hold the properties (once per module)."""
    cls = module.__class__

    def __getstate__(self):
        raise RuntimeError("Serialization of parametrized modules is only supported through state_dict().")

    def __deepcopy__(self, memo):  # copy.deepcopy still works: a new instance of the same class
        replica = memo.get(id(self))
        if replica is None:
            replica = self.__new__(self.__class__)
            memo[id(self)] = replica
            replica.__dict__ = copy.deepcopy(self.__dict__, memo)
        return replica

    parametrized = type(f"Parametrized{cls.__name__}", (cls,), {"__getstate__": __getstate__,
                                                                "__deepcopy__": __deepcopy__})
    module.__class__ = parametrized


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Make module.<tensor_name> = parametrization(original); a second registration composes on top."""
    if not isinstance(parametrization, Module):
        raise TypeError(f"register_parametrization: parametrization must be an nn.Module, got "
                        f"{type(parametrization).__name__}")
    if is_parametrized(module, tensor_name):
        if not unsafe:
            value = parametrization(getattr(module, tensor_name))
            current = getattr(module, tensor_name)
            if not isinstance(value, Tensor) or value.dtype != current.dtype or value.shape != current.shape:
                raise ValueError("Registering a parametrization may not change the shape or the dtype of the "
                                 "tensor, unless `unsafe` is True.")
        module.parametrizations[tensor_name].append(parametrization)
        return module
    if tensor_name in module._buffers:
        original = module._buffers[tensor_name]
    elif tensor_name in module._parameters:
        original = module._parameters[tensor_name]
    else:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a parametrized element "
                         f"with name '{tensor_name}'")
    if original is None:
        raise ValueError(f"register_parametrization: module.{tensor_name} is None")
    parametrizations = ParametrizationList([parametrization], original, unsafe=unsafe)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        _inject_class(module)
        module.parametrizations = ModuleDict()
    module.parametrizations[tensor_name] = parametrizations
    setattr(module.__class__, tensor_name, _parametrized_property(tensor_name))
    return module


def is_parametrized(module: Module, tensor_name: Optional[str] = None) -> bool:
    """Whether the module has a parametrization (on `tensor_name`, if given)."""
    parametrizations = module._modules.get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else tensor_name in parametrizations


def type_before_parametrizations(module: Module) -> type:
    """The module's class before register_parametrization swapped it."""
    return module.__class__.__bases__[0] if is_parametrized(module) else type(module)


def remove_parametrizations(module: Module, tensor_name: str, leave_parametrized: bool = True) -> Module:
    """Undo register_parametrization on tensor_name: a plain parameter again, holding the current
    parametrized value (leave_parametrized) or the original."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    parametrizations = module.parametrizations[tensor_name]
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with no_grad():
                _set_original(original, getattr(module, tensor_name))
    else:
        if not leave_parametrized:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is "
                             "parametrized in terms of a sequence of tensors.")
        with no_grad():
            value = getattr(module, tensor_name)
        first = parametrizations.original0
        original = Parameter(value._data.copy(), first.requires_grad) if isinstance(first, Parameter) \
            else Tensor._make(value._data.copy())
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    _register_tensor(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = module.__class__.__bases__[0]
    return module


def transfer_parametrizations_and_params(from_module: Module, to_module: Module,
                                         tensor_name: Optional[str] = None) -> Module:
    """Register from_module's parametrizations (of tensor_name, or all) on to_module, sharing the originals."""
    if not is_parametrized(from_module):
        return to_module
    names = [tensor_name] if tensor_name is not None else list(from_module.parametrizations.keys())
    for name in names:
        source = from_module.parametrizations[name]
        if not hasattr(to_module, name):
            setattr(to_module, name, Parameter(getattr(from_module, name)._data.copy()))
        for parametrization in source:
            register_parametrization(to_module, name, parametrization, unsafe=True)
        target = to_module.parametrizations[name]
        if source.is_tensor:
            target.original = source.original
        else:
            for index in range(source.ntensors):
                setattr(target, f"original{index}", getattr(source, f"original{index}"))
    return to_module

