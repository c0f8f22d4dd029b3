"""ElementwiseOptimizer: the step of every optimizer whose update treats each element alike (all
of torch.optim's but LBFGS). A subclass writes its update once, on arrays, in `_update`; `step`
checks every gradient first (so a failing step changes nothing), then runs the update once per
group on the flat bucket of its small parameters and once per large parameter, and counts the
write in each parameter's version (so a graph that saved a parameter refuses a stale backward).
"""
import weakref
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ..autograd.tensor import Tensor
from .flat import FLAT_MAX_SIZE, FlatBucket, adoptable
from .optimizer import Optimizer


class ElementwiseOptimizer(Optimizer):
    """Base of the elementwise optimizers: subclasses set `_options` and write `_update`."""

    # the group options handed to `_update` as Python floats, in order (a pair such as betas
    # gives two); floats keep float32 updates in float32 whatever type an option has
    _options: Tuple[str, ...] = ("lr",)

    def __init__(self, params, defaults: Dict[str, Any]):
        super().__init__(params, defaults)
        self._buckets: Dict[Tuple[int, np.dtype], FlatBucket] = {}
        self._owned: "weakref.WeakValueDictionary[int, np.ndarray]" = weakref.WeakValueDictionary()
        self._scratch: Dict[np.dtype, np.ndarray] = {}

    def _update(self, group: Dict[str, Any], options: Tuple[float, ...], param: np.ndarray,
                grad: np.ndarray, state: Dict[str, Any], scratch: np.ndarray) -> None:
        """One step, in place, of one parameter or of a flat bucket of them.

        `param`, `grad` and `scratch` are arrays of one shape; `grad` must not be written (it may
        be the parameter's own .grad) and `scratch` is free to overwrite. `state` holds the
        parameter's state with arrays in place of Tensors, to update in place; entries added to
        it (arrays shaped like `param`, or scalars) are kept.
        """
        raise NotImplementedError

    def step(self, closure=None) -> Optional[Any]:
        """Update every parameter that has a gradient; `closure` re-evaluates the loss first."""
        loss = self._evaluate(closure)
        plans = [self._plan(index, group) for index, group in enumerate(self.param_groups)]
        for group, options, params, grads in plans:
            self._step_group(group, options, params, grads)
        return loss

    def _plan(self, index: int, group: Dict[str, Any]):
        """The group's options as floats and its parameters with gradients, all checked."""
        options = []
        for name in self._options:
            value = group[name]
            options.extend(value if isinstance(value, (tuple, list)) else (value,))
        options = tuple(float(value) for value in options)
        params, grads = [], []
        for position, param in enumerate(group["params"]):
            grad = param.grad
            if grad is None:
                continue
            grad, data = grad._data, param._data
            if grad.shape != data.shape:
                raise RuntimeError(f"the gradient of parameter {position} of param group {index} "
                                   f"has shape {grad.shape} but the parameter has shape "
                                   f"{data.shape}; nothing was updated")
            if grad.dtype != data.dtype:
                grad = grad.astype(data.dtype)
            params.append(param)
            grads.append(grad)
        return group, options, params, grads

    def _step_group(self, group, options, params: List[Tensor], grads: List[np.ndarray]) -> None:
        negate = bool(group.get("maximize", False))
        small: Dict[np.dtype, Tuple[List[Tensor], List[np.ndarray]]] = {}
        owned = self._owned
        for param, grad in zip(params, grads):
            data = param._data
            if data.size < FLAT_MAX_SIZE and adoptable(data, owned):
                members = small.get(data.dtype)
                if members is None:
                    members = small[data.dtype] = ([], [])
                members[0].append(param)
                members[1].append(grad)
            else:
                self._step_one(group, options, param, grad, negate)
        for dtype, (members, member_grads) in small.items():
            bucket = self._bucket(group, dtype, members)
            if bucket is None:
                for param, grad in zip(members, member_grads):
                    self._step_one(group, options, param, grad, negate)
                continue
            state = bucket.flat_state()
            self._update(group, options, bucket.param_buffer,
                         bucket.gather_grads(member_grads, negate), state, bucket.scratch)
            bucket.store_state(state)
        for param in params:
            param._bump_version()

    def _bucket(self, group, dtype: np.dtype, params: List[Tensor]) -> Optional[FlatBucket]:
        """The flat bucket of these parameters: the cached one if all its views are in place,
        else a new one (None when one is not worth it or their states disagree)."""
        key = (id(group), dtype)
        bucket = self._buckets.get(key)
        states = [self.state.get(param) for param in params]
        if bucket is not None and bucket.group is group and bucket.matches(params, states):
            return bucket
        if len(params) < 2:
            return None
        states = [self.state[param] for param in params]  # made now, so that the bucket holds them
        if not FlatBucket.compatible(params, states):
            return None
        live = {id(group) for group in self.param_groups}
        self._buckets = {k: b for k, b in self._buckets.items() if k[0] in live and k != key}
        bucket = self._buckets[key] = FlatBucket(group, params, states)
        self._owned[id(bucket.param_buffer)] = bucket.param_buffer
        return bucket

    def _step_one(self, group, options, param: Tensor, grad: np.ndarray, negate: bool) -> None:
        """The update of one parameter on its own arrays."""
        state = self.state.get(param)
        arrays = {} if state is None else {
            name: value._data if isinstance(value, Tensor) else value
            for name, value in state.items()}
        if negate:
            grad = np.negative(grad)
        self._update(group, options, param._data, grad, arrays, self._scratch_like(param._data))
        if state is None:
            if not arrays:
                return
            state = self.state[param]
        for name, value in arrays.items():
            if not isinstance(value, np.ndarray):
                state[name] = value
            elif not isinstance(state.get(name), Tensor) or state[name]._data is not value:
                state[name] = Tensor._make(value)

    def _scratch_like(self, array: np.ndarray) -> np.ndarray:
        """A scratch array shaped like `array`, a view into one buffer kept per dtype (fresh
        large arrays cost page faults at every step)."""
        buffer = self._scratch.get(array.dtype)
        if buffer is None or buffer.size < array.size:
            buffer = self._scratch[array.dtype] = np.empty(array.size, array.dtype)
        return buffer[:array.size].reshape(array.shape)


def state_array(state: Dict[str, Any], name: str, like: np.ndarray, fill: float = 0) -> np.ndarray:
    """state[name], made on first use: an array shaped like `like`, in its dtype, filled with
    `fill` (zeros by default)."""
    array = state.get(name)
    if array is None:
        array = state[name] = np.zeros_like(like) if fill == 0 else np.full_like(like, fill)
    return array


def count_step(state: Dict[str, Any]) -> int:
    """Add one to state['step'] (0 before the first step) and return it."""
    step = state["step"] = state.get("step", 0) + 1
    return step


def with_weight_decay(param: np.ndarray, grad: np.ndarray, weight_decay: float, lr: float = 0.0,
                      decoupled: bool = False) -> np.ndarray:
    """The gradient with weight decay applied: a new array grad + weight_decay * param (coupled,
    L2), or `grad` itself after param *= 1 - lr * weight_decay in place (decoupled, AdamW)."""
    if weight_decay == 0:
        return grad
    if decoupled:
        param *= 1 - lr * weight_decay
        return grad
    decayed = np.multiply(param, weight_decay)
    decayed += grad
    return decayed
