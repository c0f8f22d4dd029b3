"""ElementwiseOptimizer: the step of every optimizer that updates each parameter from its own
gradient and state (all of torch.optim's but LBFGS). A subclass writes its update once, on
arrays, in `_update`; `step` checks every parameter of every group first (so a failing step
changes nothing), then runs the update once per flat bucket of small parameters (flat.py) and
once per large parameter, with the same NumPy calls in the same order (so the same numbers to
the last bit), and counts the write in each parameter's version (so a graph that saved a
parameter refuses a stale backward). Updates that are not elementwise (Adafactor's factored
moments, Muon's orthogonalisation, SparseAdam's rows) set `_elementwise = False`: no buckets.
"""
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ..autograd.tensor import Tensor
from .flat import FLAT_MAX_SIZE, FlatBucket, layout
from .optimizer import Optimizer


class ElementwiseOptimizer(Optimizer):
    """Base of the elementwise optimizers: subclasses set `_options` and write `_update`."""

    # the group options handed to `_update` as Python floats, in order (a pair such as betas
    # gives two); floats keep float32 updates in float32 whatever type an option has
    _options: Tuple[str, ...] = ("lr",)
    # parameters this large are updated alone; smaller ones in flat buckets of this many numbers
    _flat_max_size = FLAT_MAX_SIZE
    _elementwise = True  # False: the update needs each parameter's own shape (no buckets)

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
        for plan in plans:
            self._run(*plan)
        return loss

    # ---- first every check ---------------------------------------------------------------
    def _plan(self, index: int, group: Dict[str, Any]) -> tuple:
        """What the step of one group will do: its options as floats, the buckets that update
        together and the parameters updated alone, with every gradient and state checked."""
        options = []
        for name in self._options:
            value = group[name]
            options.extend(value if isinstance(value, (tuple, list)) else (value,))
        options = tuple(float(value) for value in options)
        params = group["params"]
        grads: List[Optional[np.ndarray]] = [None] * len(params)
        for position, param in enumerate(params):
            grad = param.grad
            if grad is None:
                continue
            grad, data = grad._data, param._data
            if grad.shape != data.shape or grad.dtype != data.dtype or not data.flags.writeable:
                grad = _checked_gradient(param, grad, index, position)  # raises, or casts
            grads[position] = grad
        buckets, alone = [], []
        for item in self._layout(index, group):
            if isinstance(item, FlatBucket):
                member_grads = [grads[i] for i in item.indices]
                if all(grad is not None for grad in member_grads):
                    standing = item.standing([self.state.get(param) for param in item.params])
                    if standing == "stale":  # a member's array was replaced by one of another shape
                        self._layouts.pop(index, None)
                    elif standing is not None:
                        buckets.append((item, member_grads))
                        continue
                positions = item.indices
            else:
                positions = (item,)
            for position in positions:
                if grads[position] is not None:
                    param = params[position]
                    state, arrays = self._state_arrays(param, index, position)
                    alone.append((param, grads[position], state, arrays))
        return group, options, buckets, alone

    def _layout(self, index: int, group: Dict[str, Any]) -> list:
        """The buckets of a group, kept while its parameters stay the same (a bucket checks that
        its members keep their shapes)."""
        if "_layouts" not in self.__dict__:  # also after copy.deepcopy or unpickling
            self._layouts: Dict[int, tuple] = {}
            self._workspaces: Dict[np.dtype, np.ndarray] = {}
        params = group["params"]
        packs = self._elementwise and group.get("foreach") is not False
        max_size = self._flat_max_size if packs else 0
        key = (max_size, tuple(map(id, params)))
        cached = self._layouts.get(index)
        if cached is None or cached[0] != key:
            cached = self._layouts[index] = (key, layout(params, max_size, self._workspaces))
        return cached[1]

    def _state_arrays(self, param: Tensor, index: int, position: int) -> tuple:
        """The state of a parameter updated alone, and that state with arrays in place of its
        Tensors, each checked to have the shape the update expects."""
        state = self.state.get(param)
        if not state:
            return state, {}
        arrays = {}
        shape = param._data.shape
        for name, value in state.items():
            if isinstance(value, Tensor):
                value = value._data
                if value.shape != shape:
                    expected = self._state_shape(param, name)
                    if expected is not None and value.shape != expected:
                        raise ValueError(f"state {name!r} of parameter {position} of param group "
                                         f"{index} has shape {value.shape} but {expected} was "
                                         f"expected; nothing was updated")
            arrays[name] = value
        return state, arrays

    # ---- then the updates ----------------------------------------------------------------
    def _run(self, group, options, buckets, alone) -> None:
        negate = bool(group.get("maximize", False))
        for bucket, grads in buckets:
            states = [self.state.get(param) for param in bucket.params]
            work = bucket.flat_state(states) if states[0] else {}
            bucket.gather(grads, negate)
            self._update(group, options, bucket.param_buffer, bucket.grad_buffer, work,
                         bucket.scratch)
            bucket.scatter()
            if work:
                bucket.store_state([self.state[param] for param in bucket.params], work)
        update = self._update
        for param, grad, state, arrays in alone:  # one parameter at a time, on its own arrays
            data = param._data
            if negate:
                grad = np.negative(grad, out=np.empty_like(grad))
            update(group, options, data, grad, arrays, np.empty_like(data))
            param._bump_version()
            if arrays:
                self._keep_state(param, state, arrays)

    def _keep_state(self, param: Tensor, state: Optional[Dict[str, Any]],
                    arrays: Dict[str, Any]) -> None:
        """Store what an update of one parameter left in `arrays` into its state: scalars as
        they are, new arrays wrapped in Tensors."""
        if not state:
            state = self.state[param]
        for name, value in arrays.items():
            kept = state.get(name)
            if isinstance(kept, Tensor) and kept._data is value:
                continue
            state[name] = Tensor._make(value) if isinstance(value, np.ndarray) else value


def _checked_gradient(param: Tensor, grad: np.ndarray, index: int, position: int) -> np.ndarray:
    """The gradient array of `param`, in the parameter's dtype, after the checks a step needs."""
    data = param._data
    if grad.shape != data.shape:
        raise RuntimeError(f"the gradient of parameter {position} of param group {index} has shape "
                           f"{grad.shape} but the parameter has shape {data.shape}; nothing was "
                           f"updated")
    if not data.flags.writeable:
        raise RuntimeError(f"parameter {position} of param group {index} (shape {data.shape}) is "
                           f"read-only, so the optimizer cannot update it; nothing was updated")
    if grad.dtype != data.dtype:
        if grad.dtype.kind not in "fiu":
            raise TypeError(f"the gradient of parameter {position} of param group {index} has "
                            f"dtype {grad.dtype}; the parameter is {data.dtype}")
        grad = grad.astype(data.dtype)
    return grad


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
    decayed = np.multiply(param, weight_decay, out=np.empty_like(param))
    decayed += grad
    return decayed
