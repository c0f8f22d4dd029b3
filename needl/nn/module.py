"""Module: the base class of every layer; registers parameters, buffers and submodules by assignment."""
from collections import OrderedDict, namedtuple
from typing import Callable, Iterator

import numpy as np

from ..device import check_device
from ..device import device as Device
from ..autograd import dtypes
from ..autograd.hooks import RemovableHandle
from ..autograd.mode import no_grad
from ..autograd.tensor import Tensor
from .parameter import Buffer, Parameter


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict returns: the keys it did not find and the keys it did not use."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


# hooks run for every module (register_module_forward_pre_hook / register_module_forward_hook)
_global_forward_pre_hooks: dict = {}
_global_forward_hooks: dict = {}


def register_module_forward_pre_hook(hook: Callable) -> RemovableHandle:
    """A hook(module, args) called before every module's forward."""
    handle = RemovableHandle(_global_forward_pre_hooks)
    _global_forward_pre_hooks[handle.id] = hook
    return handle


def register_module_forward_hook(hook: Callable) -> RemovableHandle:
    """A hook(module, args, output) called after every module's forward."""
    handle = RemovableHandle(_global_forward_hooks)
    _global_forward_hooks[handle.id] = hook
    return handle


_EXTRA_STATE = "_extra_state"
_HOOK_STORES = ("_forward_pre_hooks", "_forward_hooks", "_backward_hooks", "_backward_pre_hooks",
                "_state_dict_hooks", "_state_dict_pre_hooks", "_load_state_dict_pre_hooks",
                "_load_state_dict_post_hooks")


def _add_key_errors(errors: list, missing: list, unexpected: list) -> None:
    if unexpected:
        errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{key}"' for key in unexpected) + ". ")
    if missing:
        errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{key}"' for key in missing) + ". ")


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


def _shape_text(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


class Module:
    """Base class for layers and models, as torch.nn.Module.

    Subclasses call `super().__init__()` first, then assign Parameters, Modules and (with
    register_buffer) Tensors as attributes, and define `forward`.
    """
    training: bool
    dump_patches: bool = False
    call_super_init: bool = False
    T_destination = OrderedDict

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments {args} {kwargs}")
        set_ = object.__setattr__
        set_(self, "training", True)
        set_(self, "_parameters", {})
        set_(self, "_buffers", {})
        set_(self, "_non_persistent_buffers_set", set())
        set_(self, "_modules", {})
        set_(self, "_forward_pre_hooks", {})
        set_(self, "_forward_hooks", {})
        set_(self, "_backward_hooks", {})
        set_(self, "_backward_pre_hooks", {})
        set_(self, "_forward_hooks_with_kwargs", set())
        set_(self, "_forward_pre_hooks_with_kwargs", set())
        set_(self, "_state_dict_hooks", {})
        set_(self, "_state_dict_pre_hooks", {})
        set_(self, "_load_state_dict_pre_hooks", {})
        set_(self, "_load_state_dict_post_hooks", {})

    def __setstate__(self, state):
        """Unpickling a module saved by an older needl: hook stores it did not have start empty."""
        self.__dict__.update(state)
        for store in _HOOK_STORES:
            self.__dict__.setdefault(store, {})
        self.__dict__.setdefault("_forward_hooks_with_kwargs", set())
        self.__dict__.setdefault("_forward_pre_hooks_with_kwargs", set())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # ---- calling and hooks -------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks
                or self._backward_pre_hooks or _global_forward_pre_hooks or _global_forward_hooks):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args, kwargs):
        backward_state = None
        if self._backward_hooks or self._backward_pre_hooks:
            from .backward_hooks import start_backward_hooks
            backward_state = start_backward_hooks(self)
        for key, hook in (*_global_forward_pre_hooks.items(), *self._forward_pre_hooks.items()):
            if key in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        if backward_state is not None:
            args = backward_state.wrap_inputs(args)
        output = self.forward(*args, **kwargs)
        for key, hook in (*_global_forward_hooks.items(), *self._forward_hooks.items()):
            if key in self._forward_hooks_with_kwargs:
                result = hook(self, args, kwargs, output)
            else:
                result = hook(self, args, output)
            if result is not None:
                output = result
        if backward_state is not None:
            output = backward_state.wrap_outputs(output)
        return output

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """hook(module, args) -> None or new args, run before forward (with_kwargs: (args, kwargs))."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        if prepend:
            self._move_to_front(self._forward_pre_hooks, handle.id)
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs.add(handle.id)
        return handle

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False) -> RemovableHandle:
        """hook(module, args, output) -> None or a new output, run after forward."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        if prepend:
            self._move_to_front(self._forward_hooks, handle.id)
        if with_kwargs:
            self._forward_hooks_with_kwargs.add(handle.id)
        return handle

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """hook(module, grad_input, grad_output) -> None or new grad_input, run when the gradients
        with respect to the module's inputs are computed (grad_input is (None,) if no input needs one)."""
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        if prepend:
            self._move_to_front(self._backward_hooks, handle.id)
        return handle

    def register_backward_hook(self, hook: Callable) -> RemovableHandle:
        """PyTorch's deprecated form; needl gives it the well-defined register_full_backward_hook semantics."""
        return self.register_full_backward_hook(hook)

    def register_full_backward_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """hook(module, grad_output) -> None or new grad_output, run when grad_output is known."""
        handle = RemovableHandle(self._backward_pre_hooks)
        self._backward_pre_hooks[handle.id] = hook
        if prepend:
            self._move_to_front(self._backward_pre_hooks, handle.id)
        return handle

    @staticmethod
    def _move_to_front(hooks: dict, key) -> None:
        items = list(hooks.items())
        hooks.clear()
        hooks[key] = items[-1][1]
        hooks.update(items[:-1])

    # ---- registration ------------------------------------------------------------------------
    def _check_name(self, name, kind):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(f'{kind} name can\'t be empty or contain ".", got: "{name}"')

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or None, a declared but absent parameter such as a missing bias)."""
        self._check_name(name, "parameter")
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            f"(needl.nn.Parameter or None required)")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a tensor that is state but not a parameter (running statistics); in state_dict if persistent."""
        self._check_name(name, "buffer")
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            f"(needl Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: "Module | None") -> None:
        """Add a child module, reachable as an attribute and named `name` in state_dict keys."""
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._check_name(name, "module")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, keep="_parameters")
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                f"(needl.nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Buffer):
            if params is None:
                raise AttributeError("cannot assign buffer before Module.__init__() call")
            self._forget(name, keep="_buffers")
            self.register_buffer(name, Tensor._make(value._data), persistent=value.persistent)
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, keep="_modules")
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                f"(needl.nn.Module or None expected)")
            self._modules[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                f"(needl Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name, keep):
        """Drop `name` from every store but `keep`, where re-assigning keeps its place (as PyTorch:
        `net.a = nn.Linear(2, 2)` leaves `a` first in children() and state_dict())."""
        self.__dict__.pop(name, None)
        for store in ("_parameters", "_buffers", "_modules"):
            if store != keep:
                getattr(self, store).pop(name, None)
        if keep != "_buffers":
            self._non_persistent_buffers_set.discard(name)

    def __getattr__(self, name):
        # only called when normal lookup fails: parameters, buffers and children live in dicts
        dictionary = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            values = dictionary.get(store)
            if values is not None and name in values:
                return values[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    # ---- traversal ---------------------------------------------------------------------------
    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, "Module"]]:
        """(name, module) for this module and every descendant, depth first, each once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(memo, prefix + ("." if prefix else "") + name,
                                            remove_duplicate)

    def modules(self) -> Iterator["Module"]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self) -> Iterator["Module"]:
        for _, module in self.named_children():
            yield module

    def _named_members(self, store, prefix, recurse, remove_duplicate=True):
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        seen = set()
        for module_prefix, module in modules:
            for name, value in getattr(module, store).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(name, parameter) pairs with PyTorch's dotted names ('0.weight', 'layers.1.bias')."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def get_submodule(self, target: str) -> "Module":
        """The module at a dotted path such as 'encoder.layers.0'."""
        module = self
        if target == "":
            return module
        for part in target.split("."):
            if part not in module._modules or module._modules[part] is None:
                raise AttributeError(f"{type(module).__name__} has no submodule `{part}` "
                                     f"(looking for '{target}')")
            module = module._modules[part]
        return module

    def set_submodule(self, target: str, module: "Module", strict: bool = False) -> None:
        """Put `module` at the dotted path `target` (its parent must exist; strict: the name too)."""
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        parent_path, _, name = target.rpartition(".")
        parent = self.get_submodule(parent_path)
        if strict and name not in parent._modules:
            raise AttributeError(f"{type(parent).__name__} has no attribute `{name}`")
        if not isinstance(module, Module):
            raise TypeError(f"`module` is not an nn.Module, found {type(module).__name__}")
        setattr(parent, name, module)

    def get_parameter(self, target: str) -> Parameter:
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if name not in module._parameters:
            raise AttributeError(f"{type(module).__name__} has no parameter `{name}`")
        return module._parameters[name]

    def get_buffer(self, target: str) -> Tensor:
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if name not in module._buffers:
            raise AttributeError(f"{type(module).__name__} has no buffer `{name}`")
        return module._buffers[name]

    # ---- modes and gradients -----------------------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        """Set training mode (dropout active, batch norm uses batch statistics) here and below."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the .grad of every parameter (to None by default, as PyTorch does)."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            elif param.grad.grad_fn is None and param.grad._data.flags.writeable:
                param.grad._data.fill(0)  # in place, as PyTorch's grad.zero_()
            else:
                param.grad = Tensor._make(np.zeros_like(param.grad._data))

    def apply(self, fn: Callable[["Module"], None]) -> "Module":
        """Call fn on every submodule (children first) and on self, e.g. for custom initialisation."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ---- dtype, device and memory -------------------------------------------------------------
    def _apply(self, fn: Callable[[Tensor], Tensor], recurse: bool = True) -> "Module":
        """Replace the array of every parameter, buffer (and gradient) by that of fn(tensor).

        The Parameter objects stay the same, so optimizers built before keep working; this is
        what to(), float(), share_memory() ... go through, as in PyTorch.
        """
        modules = self.modules() if recurse else (self,)
        for module in modules:
            for store in (module._parameters, module._buffers):
                for tensor in store.values():
                    if tensor is None:
                        continue
                    tensor._data = fn(tensor)._data
                    if tensor.grad is not None:
                        tensor.grad = Tensor._make(fn(tensor.grad)._data)
        return self

    def _cast(self, dtype) -> "Module":
        """Cast floating parameters and buffers in place (the Parameter objects stay the same)."""
        dtype = dtypes.as_dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Module.to only accepts floating point dtypes, got {dtype}")
        return self._apply(lambda t: Tensor._make(t._data.astype(dtype, copy=False))
                           if t._data.dtype.kind == "f" else t)

    def float(self) -> "Module":
        return self._cast(dtypes.float32)

    def double(self) -> "Module":
        return self._cast(dtypes.float64)

    def half(self) -> "Module":
        return self._cast(dtypes.float16)

    def bfloat16(self) -> "Module":
        raise TypeError("needl computes with NumPy, which has no bfloat16; use .half() (float16) or .float()")

    def to(self, *args, **kwargs) -> "Module":
        """to(device), to(dtype), to(tensor), to(device, dtype), with non_blocking= and memory_format=.

        Floating parameters and buffers are cast to the dtype; the device must be the CPU
        (needl.device.check_device raises needl's error for 'cuda', 'mps' ...).
        """
        unknown = set(kwargs) - {"device", "dtype", "non_blocking", "memory_format", "copy"}
        if unknown or len(args) > 3:
            raise TypeError(f"to() received an invalid combination of arguments: {args}, {sorted(kwargs)}")
        dtype = kwargs.get("dtype")
        check_device(kwargs.get("device"))
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif isinstance(arg, (str, Device, int)) and not isinstance(arg, bool):
                check_device(arg)
            elif arg is not None and not isinstance(arg, bool):  # a trailing non_blocking flag is a bool
                dtype = arg
        return self if dtype is None else self._cast(dtype)

    def cpu(self) -> "Module":
        return self

    def cuda(self, device=None) -> "Module":
        """Raises needl's error: there is no GPU (needl computes on the CPU)."""
        check_device("cuda" if device is None else f"cuda:{device}" if isinstance(device, int) else device)
        return self

    def xpu(self, device=None) -> "Module":
        check_device("xpu")
        return self

    def ipu(self, device=None) -> "Module":
        check_device("ipu")
        return self

    def mtia(self, device=None) -> "Module":
        check_device("mtia")
        return self

    def to_empty(self, *, device=None, recurse: bool = True) -> "Module":
        """Give every parameter and buffer new, uninitialised memory of the same shape and dtype."""
        check_device(device)
        return self._apply(lambda t: Tensor._make(np.empty_like(t._data)), recurse=recurse)

    def type(self, dst_type) -> "Module":
        return self._cast(dst_type)

    def share_memory(self) -> "Module":
        """Move parameters, buffers and the gradients there are into one shared memory file, in
        place (the Parameter objects stay, so optimizers keep working): processes forked later, or
        sent the module through needl.multiprocessing, train the same weights (Hogwild)."""
        from ..multiprocessing.shared_memory import share_tensors
        tensors = [tensor for module in self.modules() for store in (module._parameters, module._buffers)
                   for tensor in store.values() if tensor is not None]
        share_tensors(tensors + [tensor.grad for tensor in tensors if tensor.grad is not None])
        return self

    def compile(self, *args, **kwargs) -> None:
        """Accepted for PyTorch programs: needl runs every module eagerly, so nothing changes."""

    # ---- state dict --------------------------------------------------------------------------
    def _has_extra_state(self) -> bool:
        return type(self).get_extra_state is not Module.get_extra_state

    def get_extra_state(self):
        """Override (with set_extra_state) to keep non-tensor state under the key '_extra_state'."""
        raise RuntimeError("Reached a code path in Module.get_extra_state() that should never be called. "
                           "Override get_extra_state() (and set_extra_state()) in your module.")

    def set_extra_state(self, state) -> None:
        raise RuntimeError("Reached a code path in Module.set_extra_state() that should never be called. "
                           "Override set_extra_state() in your module.")

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()
        if self._has_extra_state():
            destination[prefix + _EXTRA_STATE] = self.get_extra_state()

    def state_dict(self, *args, destination=None, prefix: str = "", keep_vars: bool = False) -> OrderedDict:
        """Parameters and persistent buffers by dotted name; the tensors share memory with the module."""
        if args:  # PyTorch's old positional form state_dict(destination, prefix, keep_vars)
            destination = args[0]
            if len(args) > 1:
                prefix = args[1]
            if len(args) > 2:
                keep_vars = args[2]
        if destination is None:
            destination = OrderedDict()
        for hook in self._state_dict_pre_hooks.values():
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        for hook in self._state_dict_hooks.values():
            result = hook(self, destination, prefix, {})
            if result is not None:
                destination = result
        return destination

    def _state_entries(self):
        """Every tensor that state_dict would hold, keyed by name (an extra state: its module)."""
        entries = {}
        for module_prefix, module in self.named_modules(remove_duplicate=False):
            dot = module_prefix + "." if module_prefix else ""
            for name, param in module._parameters.items():
                if param is not None:
                    entries[dot + name] = param
            for name, buffer in module._buffers.items():
                if buffer is not None and name not in module._non_persistent_buffers_set:
                    entries[dot + name] = buffer
            if type(module).set_extra_state is not Module.set_extra_state:
                entries[dot + _EXTRA_STATE] = module
        return entries

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False) -> _IncompatibleKeys:
        """Copy values (Tensors or NumPy arrays) into the parameters and buffers, cast to their dtypes.

        Every key is checked before anything is copied. A shape mismatch always raises; missing or
        unexpected keys raise when strict, and are returned as (missing_keys, unexpected_keys).
        Load-state-dict pre hooks run first (they may edit state_dict); post hooks run after the
        copy and may edit the returned key lists before strict looks at them.
        """
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        modules = list(self.named_modules(remove_duplicate=False))
        errors, hook_missing, hook_unexpected = [], [], []
        for module_prefix, module in modules:
            for hook in module._load_state_dict_pre_hooks.values():
                hook(module, state_dict, module_prefix + "." if module_prefix else "", {}, strict,
                     hook_missing, hook_unexpected, errors)
        entries = self._state_entries()
        missing = hook_missing + [key for key in entries if key not in state_dict]
        unexpected = hook_unexpected + [key for key in state_dict.keys() if key not in entries]
        values = {}
        for key, target in entries.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            if isinstance(target, Module):  # an extra state, handed over as it is
                values[key] = value
                continue
            array = value._data if isinstance(value, Tensor) else value
            if not isinstance(array, (np.ndarray, np.generic, int, float, bool)) and not hasattr(array, "__array__"):
                errors.append(f'While copying the parameter named "{key}", expected a Tensor or a NumPy array '
                              f'from checkpoint but received {type(value).__module__}.{type(value).__name__}')
                continue
            array = np.asarray(array)  # also takes array-likes such as PyTorch's CPU tensors
            if array.shape != target._data.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"{_shape_text(array.shape)} from checkpoint, the shape in current "
                              f"model is {_shape_text(target._data.shape)}.")
                continue
            values[key] = array
        post_hooks = [(module, hook) for _, module in modules for hook in module._load_state_dict_post_hooks.values()]
        if strict and not post_hooks:
            _add_key_errors(errors, missing, unexpected)
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        with no_grad():
            for key, value in values.items():
                target = entries[key]
                if isinstance(target, Module):
                    target.set_extra_state(value)
                elif assign:
                    target._data = value.astype(target._data.dtype, copy=True)
                else:
                    target._data[...] = value  # in place: optimizers keep their references
        result = _IncompatibleKeys(missing, unexpected)
        for module, hook in post_hooks:
            hook(module, result)
        if strict and post_hooks:
            _add_key_errors(errors, missing, unexpected)
            if errors:
                raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                                   + "\n\t".join(errors))
        return result

    def _register_state_dict_hook(self, hook) -> RemovableHandle:
        """hook(module, state_dict, prefix, local_metadata) after this module's state_dict; may return a new one."""
        handle = RemovableHandle(self._state_dict_hooks)
        self._state_dict_hooks[handle.id] = hook
        return handle

    register_state_dict_post_hook = _register_state_dict_hook

    def register_state_dict_pre_hook(self, hook: Callable) -> RemovableHandle:
        """hook(module, prefix, keep_vars) before this module's state_dict is taken."""
        handle = RemovableHandle(self._state_dict_pre_hooks)
        self._state_dict_pre_hooks[handle.id] = hook
        return handle

    def register_load_state_dict_pre_hook(self, hook: Callable) -> RemovableHandle:
        """hook(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
        error_msgs) before anything is loaded; it may edit state_dict (rename keys, convert values)."""
        handle = RemovableHandle(self._load_state_dict_pre_hooks)
        self._load_state_dict_pre_hooks[handle.id] = hook
        return handle

    _register_load_state_dict_pre_hook = register_load_state_dict_pre_hook

    def register_load_state_dict_post_hook(self, hook: Callable) -> RemovableHandle:
        """hook(module, incompatible_keys) after loading; it may clear keys from the two lists."""
        handle = RemovableHandle(self._load_state_dict_post_hooks)
        self._load_state_dict_post_hooks[handle.id] = hook
        return handle

    # ---- printing ----------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr line (its constructor options)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _addindent(repr(module), 2) for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if len(extra_lines) == 1 and not child_lines:
            text += extra_lines[0]
        elif lines:
            text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"
