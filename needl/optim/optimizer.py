"""Optimizer: the base class holding param_groups (per-group options) and per-parameter state.

Subclasses implement `step`, updating `p._data` in place from `p.grad._data` with NumPy ufuncs
(`out=` / in-place operators), so an update is a few vectorized passes per parameter.
"""
from collections import defaultdict
from itertools import chain
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple, Union

import numpy as np

from ..autograd.mode import enable_grad
from ..autograd.tensor import Tensor

ParamsT = Union[Iterable[Tensor], Iterable[Dict[str, Any]]]


def _state_value(value, like: np.ndarray, key):
    """A copy of one loaded state entry: arrays become Tensors of the parameter's float dtype."""
    if isinstance(value, Tensor):
        value = value._data
    if isinstance(value, np.ndarray):
        if key in ("step", "mu_product") or (value.ndim == 0 and like.ndim != 0):
            return value.item()  # PyTorch keeps these counters as 0-d tensors
        if value.dtype.kind == "f":
            return Tensor._make(value.astype(like.dtype, copy=True))
        return Tensor._make(value.copy())
    return value


class Optimizer:
    """Base class of all optimizers: `Optimizer(params, defaults)`.

    `params` is an iterable of Tensors (one group) or of dicts, each with a 'params' entry and
    any options that override `defaults` for that group, as in PyTorch.
    """

    _flat_state = False  # True when the state is not shaped like each parameter (LBFGS)

    def __init__(self, params: ParamsT, defaults: Dict[str, Any]):
        self.defaults = dict(defaults)
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

    def add_param_group(self, param_group: Dict[str, Any]) -> None:
        """Add a group of parameters with its own options (defaults fill the missing ones)."""
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
        group = dict(param_group)
        group["params"] = params
        if names:
            group["param_names"] = names
        if self.param_groups and ("param_names" in group) != ("param_names" in self.param_groups[0]):
            raise ValueError("all optimizer param groups should be with/without names")
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        if len({id(p) for p in params}) != len(params):
            raise ValueError("a parameter appears more than once in the same parameter group")
        existing = {id(p) for other in self.param_groups for p in other["params"]}
        if any(id(p) in existing for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of every parameter: to None (the default) or to zeros in place."""
        for group in self.param_groups:
            for param in group["params"]:
                grad = param.grad
                if grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                elif grad.grad_fn is not None or not grad._data.flags.writeable:
                    param.grad = Tensor._make(np.zeros_like(param._data))
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

    @staticmethod
    def _gradient(param: Tensor, maximize: bool = False) -> Optional[np.ndarray]:
        """The gradient array of `param` (negated for maximize), checked against its shape."""
        if param.grad is None:
            return None
        grad = param.grad._data
        if grad.shape != param._data.shape:
            raise RuntimeError(f"the gradient of a parameter has shape {grad.shape} but the "
                               f"parameter has shape {param._data.shape}")
        return np.negative(grad) if maximize else grad

    # ---- the skeleton shared by the steps of the elementwise optimizers ----------------------
    def _parameters_with_grad(self, *options: str) -> Iterator[
            Tuple[Dict[str, Any], Tensor, np.ndarray, Tuple[float, ...]]]:
        """(group, param, grad, values) for every parameter that has a gradient, group by group;
        `values` are the group's `options` as Python floats, a pair (betas, etas...) giving two.

        Python floats keep float32 updates in float32 whatever type an option has; they are read
        once per group. `grad` may be p.grad's own array: never write into it. The state is not
        touched, so a step that keeps none leaves it empty.
        """
        for group in self.param_groups:
            values = []
            for name in options:
                value = group[name]
                values.extend(value if isinstance(value, (tuple, list)) else (value,))
            values = tuple(float(value) for value in values)
            for param in group["params"]:
                grad = self._gradient(param, group["maximize"])
                if grad is not None:
                    yield group, param, grad, values

    def _count_step(self, param: Tensor) -> int:
        """Add one to state['step'] of `param` (created as 0 on first use) and return it."""
        state = self.state[param]
        state["step"] = state.get("step", 0) + 1
        return state["step"]

    def _state_array(self, param: Tensor, name: str, fill: Any = None) -> np.ndarray:
        """The array of state[name] of `param`, created on first use shaped like the parameter,
        in its dtype, filled with zeros (or `fill`)."""
        state = self.state[param]
        if name not in state:
            array = np.zeros_like(param._data) if fill is None else np.full_like(param._data, fill)
            state[name] = Tensor._make(array)
        return state[name]._data

    @staticmethod
    def _weight_decay(param: Tensor, grad: np.ndarray, weight_decay: float, lr: float = 0.0,
                      decoupled: bool = False) -> np.ndarray:
        """The gradient with weight decay applied: grad + weight_decay * p (coupled, L2), or
        `grad` after p *= 1 - lr * weight_decay in place (decoupled, AdamW). `grad` is never
        written."""
        if weight_decay == 0:
            return grad
        if decoupled:
            param._data *= 1 - lr * weight_decay
            return grad
        return grad + weight_decay * param._data

    # ---- checkpoints ---------------------------------------------------------------------
    def state_dict(self) -> Dict[str, Any]:
        """{'state': {index: {...}}, 'param_groups': [{options..., 'params': [indices]}]}.

        Parameters are replaced by their index in the order of the groups, as in PyTorch; the
        state Tensors are the optimizer's own (not copies).
        """
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
                 if id(param) in index_of}
        return {"state": state, "param_groups": param_groups}

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        """Restore options and state saved by `state_dict` into this optimizer's parameters.

        Everything is checked (group count, group sizes, state shapes) before anything changes.
        """
        if not isinstance(state_dict, dict) or "state" not in state_dict or \
                "param_groups" not in state_dict:
            raise ValueError("an optimizer state_dict is a dict with the keys 'state' and "
                             "'param_groups'")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has a different number of parameter groups: "
                             f"{len(saved_groups)} saved, {len(self.param_groups)} in the optimizer")
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if "params" not in saved:
                raise ValueError(f"saved parameter group {i} has no 'params' entry")
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't match "
                                 f"the size of optimizer's group: group {i} has "
                                 f"{len(saved['params'])} saved parameters, "
                                 f"{len(group['params'])} in the optimizer")
        param_of = {saved_index: param for saved_index, param in zip(
            chain.from_iterable(g["params"] for g in saved_groups),
            chain.from_iterable(g["params"] for g in self.param_groups))}
        new_state: Dict[Tensor, Dict[str, Any]] = defaultdict(dict)
        for saved_index, entries in state_dict["state"].items():
            if saved_index not in param_of:
                raise ValueError(f"loaded state dict has state for parameter {saved_index!r}, "
                                 f"which is in none of the saved parameter groups")
            param = param_of[saved_index]
            if not isinstance(entries, dict):
                raise ValueError(f"the state of parameter {saved_index} must be a dict, got "
                                 f"{type(entries).__name__}")
            for key, value in entries.items():
                shape = np.shape(value._data if isinstance(value, Tensor) else value)
                if key != "step" and isinstance(value, (Tensor, np.ndarray)) and shape != () \
                        and shape != param.shape and not self._flat_state:
                    raise ValueError(f"state {key!r} of parameter {saved_index} has shape "
                                     f"{shape} but the parameter has shape {param.shape}")
            new_state[param] = {key: _state_value(value, param._data, key)
                                for key, value in entries.items()}
        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            new_group = {key: value for key, value in group.items()}
            new_group.update({key: value for key, value in saved.items() if key != "params"})
            if isinstance(new_group.get("betas"), list):
                new_group["betas"] = tuple(new_group["betas"])
            new_group["params"] = group["params"]
            if "param_names" in group:
                new_group["param_names"] = group["param_names"]
            new_groups.append(new_group)
        self.state = new_state
        self.param_groups = new_groups

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def check_non_negative(name: str, value: float) -> None:
    """PyTorch's hyper-parameter checks: a clear ValueError before anything is built."""
    if not 0.0 <= value:
        raise ValueError(f"Invalid {name}: {value}")


def check_supported(differentiable: bool) -> None:
    """PyTorch's implementation switches: foreach, fused and capturable change nothing here (the
    updates are vectorized already); differentiable (autograd through the step) is refused."""
    if differentiable:
        raise ValueError("differentiable=True (autograd through the optimizer step) is not "
                         "supported by needl; the updates run in place on the arrays")
