"""Optimizer: the base class holding param_groups (per-group options) and per-parameter state,
with PyTorch's hooks, state_dict layout and zero_grad.

The optimizers whose update is elementwise derive from `ElementwiseOptimizer` (elementwise.py),
which checks every gradient before it changes anything and updates small parameters together.
"""
import functools
from collections import OrderedDict, defaultdict
from itertools import chain
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

import numpy as np

from ..autograd.hooks import RemovableHandle
from ..autograd.mode import enable_grad
from ..autograd.tensor import Tensor

ParamsT = Union[Iterable[Tensor], Iterable[Dict[str, Any]], Iterable[Tuple[str, Tensor]]]


class _RequiredParameter:
    """The default of an option a param group must give (`required`, as torch.optim.optimizer's)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

_global_step_pre_hooks: Dict[int, Callable] = OrderedDict()
_global_step_post_hooks: Dict[int, Callable] = OrderedDict()


def _register(hooks: Dict[int, Callable], hook: Callable, prepend: bool = False) -> RemovableHandle:
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_optimizer_step_pre_hook(hook: Callable) -> RemovableHandle:
    """Run `hook(optimizer, args, kwargs)` before the step of every optimizer; it may return new
    (args, kwargs)."""
    return _register(_global_step_pre_hooks, hook)


def register_optimizer_step_post_hook(hook: Callable) -> RemovableHandle:
    """Run `hook(optimizer, args, kwargs)` after the step of every optimizer."""
    return _register(_global_step_post_hooks, hook)


def _with_step_hooks(step: Callable) -> Callable:
    """`step` wrapped to run the global and per-optimizer step hooks around it (once, even when a
    subclass's step calls super().step())."""
    @functools.wraps(step)
    def hooked_step(self, *args, **kwargs):
        if getattr(self, "_stepping", False):
            return step(self, *args, **kwargs)
        args = (self,) + args  # PyTorch's hooks see the optimizer as the first argument
        for hook in chain(_global_step_pre_hooks.values(), self._optimizer_step_pre_hooks.values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{hook} must return None or a tuple of (new_args, "
                                       f"new_kwargs), but got {result}.")
                args, kwargs = result
        self._stepping = True
        try:
            out = step(*args, **kwargs)
        finally:
            self._stepping = False
        for hook in chain(self._optimizer_step_post_hooks.values(), _global_step_post_hooks.values()):
            hook(self, args, kwargs)
        return out
    hooked_step._runs_step_hooks = True
    return hooked_step


def _python_number(value):
    """A Tensor, NumPy scalar or 1-element array as a Python number (so float32 math stays
    float32), tuples elementwise; anything else unchanged."""
    if isinstance(value, Tensor):
        value = value._data
    if isinstance(value, (np.ndarray, np.generic)):
        return value.item()
    if isinstance(value, (tuple, list)) and value and isinstance(value[0], (Tensor, np.generic)):
        return tuple(_python_number(item) for item in value)
    return value


class Optimizer:
    """Base class of all optimizers: `Optimizer(params, defaults)`.

    `params` is an iterable of Tensors (one group), of (name, Tensor) pairs, or of dicts, each
    with a 'params' entry and any options that override `defaults` for that group, as in PyTorch.
    Subclasses implement `step`.
    """

    _scalar_state: Tuple[str, ...] = ("step",)  # state entries kept as Python numbers

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_runs_step_hooks", False):
            cls.step = _with_step_hooks(step)

    def __init__(self, params: ParamsT, defaults: Dict[str, Any]):
        self.defaults = dict(defaults)
        self._init_hooks()
        self.state: Dict[Tensor, Dict[str, Any]] = defaultdict(dict)
        self.param_groups: List[Dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got a Tensor")
        if isinstance(params, dict):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got a dict (wrap it in a list)")
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def _init_hooks(self) -> None:
        self._stepping = False
        self._optimizer_step_pre_hooks: Dict[int, Callable] = OrderedDict()
        self._optimizer_step_post_hooks: Dict[int, Callable] = OrderedDict()
        self._optimizer_state_dict_pre_hooks: Dict[int, Callable] = OrderedDict()
        self._optimizer_state_dict_post_hooks: Dict[int, Callable] = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: Dict[int, Callable] = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: Dict[int, Callable] = OrderedDict()

    def __getstate__(self) -> Dict[str, Any]:
        """What pickling and copy.deepcopy keep, as in PyTorch: no hooks, no caches."""
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_hooks()

    def add_param_group(self, param_group: Dict[str, Any]) -> None:
        """Add a group of parameters with its own options (defaults fill the missing ones). The
        dict itself becomes the group, as in PyTorch."""
        if not isinstance(param_group, dict):
            raise TypeError(f"a param group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("a param group must have a 'params' entry")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but "
                            "the ordering of tensors in sets will change between runs. Please use "
                            "a list instead.")
        else:
            params = list(params)
        names = [param[0] for param in params if isinstance(param, tuple)]
        if names:  # named_parameters() pairs, as PyTorch accepts
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
            params = [param[1] for param in params]
        for i, param in enumerate(params):
            if not isinstance(param, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but parameter {i} of the "
                                f"group is a {type(param).__name__}")
            if not param.is_leaf:
                raise ValueError(f"can't optimize a non-leaf Tensor (parameter {i} of the group, "
                                 f"shape {param.shape})")
            if param.dtype.kind != "f":
                raise TypeError(f"optimizer can only optimize floating point Tensors, but "
                                f"parameter {i} of the group has dtype {param.dtype}")
        if self.param_groups and bool(names) != ("param_names" in self.param_groups[0]):
            raise ValueError("all optimizer param groups should be with/without names")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
        if len({id(p) for p in params}) != len(params):
            raise ValueError("a parameter appears more than once in the same parameter group")
        existing = {id(p) for other in self.param_groups for p in other["params"]}
        if any(id(p) in existing for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        param_group["params"] = params
        if names:
            param_group["param_names"] = names
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of every parameter: to None (the default) or to zeros in place."""
        for group in self.param_groups:
            if set_to_none:
                for param in group["params"]:
                    param.grad = None
                continue
            for param in group["params"]:
                grad = param.grad
                if grad is None:
                    continue
                if grad.grad_fn is not None or not grad._data.flags.writeable:
                    param.grad = Tensor._make(np.zeros_like(grad._data))
                else:
                    grad.requires_grad = False
                    grad._data.fill(0)

    def step(self, closure: Optional[Callable[[], Any]] = None):
        """Update the parameters once; `closure` re-evaluates the model and returns the loss."""
        raise NotImplementedError

    def _evaluate(self, closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ---- hooks ---------------------------------------------------------------------------
    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """`hook(optimizer, args, kwargs)` runs before each step; it may return (args, kwargs)."""
        return _register(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """`hook(optimizer, args, kwargs)` runs after each step."""
        return _register(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """`hook(optimizer)` runs before `state_dict()` packs the state."""
        return _register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """`hook(optimizer, state_dict)` runs on the packed state; it may return a new one."""
        return _register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable,
                                          prepend: bool = False) -> RemovableHandle:
        """`hook(optimizer, state_dict)` runs before loading; it may return the dict to load."""
        return _register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable,
                                           prepend: bool = False) -> RemovableHandle:
        """`hook(optimizer)` runs after `load_state_dict()`."""
        return _register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # ---- checkpoints ---------------------------------------------------------------------
    def state_dict(self) -> Dict[str, Any]:
        """{'state': {index: {...}}, 'param_groups': [{options..., 'params': [indices]}]}.

        Parameters are replaced by their index in the order of the groups, as in PyTorch; the
        state Tensors are the optimizer's own (not copies). Parameters without state are left out.
        """
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        index_of: Dict[int, int] = {}
        param_groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            indices = []
            for param in group["params"]:
                index_of.setdefault(id(param), len(index_of))
                indices.append(index_of[id(param)])
            packed["params"] = indices
            param_groups.append(packed)
        state = {index_of[id(param)]: value for param, value in self.state.items()
                 if id(param) in index_of and value}
        state_dict = {"state": state, "param_groups": param_groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    def _state_shape(self, param: Tensor, key: str) -> Optional[tuple]:
        """The shape state entry `key` of `param` must have (None: not checked)."""
        return param.shape

    def _state_value(self, value, param: Tensor, key: str):
        """A copy of one loaded state entry: arrays become Tensors of the parameter's float dtype,
        the scalar entries (PyTorch keeps them as 0-d tensors) Python numbers."""
        if isinstance(value, Tensor):
            value = value._data
        if not isinstance(value, np.ndarray):
            return value
        if key in self._scalar_state:
            return value.item()
        if value.dtype.kind == "f":
            return Tensor._make(value.astype(param.dtype, copy=True))
        return Tensor._make(value.copy())

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        """Restore options and state saved by `state_dict` into this optimizer's parameters.

        Everything is checked (group count, group sizes, state shapes) and converted before
        anything changes, so a bad state_dict leaves the optimizer as it was.
        """
        if isinstance(state_dict, dict):
            state_dict = dict(state_dict)
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        if not isinstance(state_dict, dict) or "state" not in state_dict or \
                "param_groups" not in state_dict:
            raise ValueError("an optimizer state_dict is a dict with the keys 'state' and "
                             "'param_groups'")
        saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
        if not isinstance(saved_state, dict):
            raise ValueError(f"the 'state' of an optimizer state_dict must be a dict, got "
                             f"{type(saved_state).__name__}")
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has a different number of parameter groups: "
                             f"{len(saved_groups)} saved, {len(self.param_groups)} in the optimizer")
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if not isinstance(saved, dict) or "params" not in saved:
                raise ValueError(f"saved parameter group {i} must be a dict with a 'params' entry")
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't match "
                                 f"the size of optimizer's group: group {i} has "
                                 f"{len(saved['params'])} saved parameters, "
                                 f"{len(group['params'])} in the optimizer")
        param_of = {saved_index: param for saved_index, param in zip(
            chain.from_iterable(g["params"] for g in saved_groups),
            chain.from_iterable(g["params"] for g in self.param_groups))}
        new_state: Dict[Tensor, Dict[str, Any]] = defaultdict(dict)
        for saved_index, entries in saved_state.items():
            if saved_index not in param_of:
                raise ValueError(f"loaded state dict has state for parameter {saved_index!r}, "
                                 f"which is in none of the saved parameter groups")
            param = param_of[saved_index]
            if not isinstance(entries, dict):
                raise ValueError(f"the state of parameter {saved_index} must be a dict, got "
                                 f"{type(entries).__name__}")
            for key, value in entries.items():
                if key in self._scalar_state or not isinstance(value, (Tensor, np.ndarray)):
                    continue
                shape, expected = np.shape(_raw(value)), self._state_shape(param, key)
                if expected is not None and shape != expected:
                    raise ValueError(f"state {key!r} of parameter {saved_index} has shape "
                                     f"{shape} but the parameter has shape {param.shape}")
            new_state[param] = {key: self._state_value(value, param, key)
                                for key, value in entries.items()}
        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            new_group = dict(group)
            new_group.update({key: value for key, value in saved.items() if key != "params"})
            for key in ("betas", "etas", "step_sizes", "eps", "ns_coefficients"):
                if isinstance(new_group.get(key), list):  # a file gives lists back for tuples
                    new_group[key] = tuple(new_group[key])
            new_group["params"] = group["params"]
            if "param_names" in group:
                new_group["param_names"] = group["param_names"]
            new_groups.append(new_group)
        self.state = new_state
        self.param_groups = new_groups
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _raw(value):
    return value._data if isinstance(value, Tensor) else value


def check_non_negative(name: str, value: float) -> None:
    """PyTorch's hyper-parameter checks: a clear ValueError before anything is built."""
    if not 0.0 <= value:
        raise ValueError(f"Invalid {name}: {value}")


def check_supported(foreach=None, fused=None, differentiable: bool = False) -> None:
    """PyTorch's implementation switches. foreach (None or True) and fused update small
    parameters together in flat buckets, foreach=False one by one, with the same results (see
    flat.py); they cannot both be True, as in PyTorch. differentiable (autograd through the
    step) is refused."""
    if foreach and fused:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if differentiable:
        raise ValueError("differentiable=True (autograd through the optimizer step) is not "
                         "supported by needl; the updates run in place on the arrays")
