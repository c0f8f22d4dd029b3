"""FlatBucket: the small parameters of one group (and their optimizer state) laid out in one flat
buffer per dtype, so that an optimizer step is a dozen NumPy passes over the whole group instead of
a dozen small calls per parameter (what PyTorch's foreach and fused implementations do).

Each parameter stays an ordinary Tensor: `param._data` becomes a view shaped like it into the
bucket's buffer, and each state Tensor (exp_avg...) a view into the bucket's buffer of that name.
`matches` tells, by identity checks only, whether every view is still in place; when a user or
`load_state_dict` has replaced an array, the optimizer builds a new bucket (one copy).
See docs/optim.md.
"""
import weakref
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ..autograd.tensor import Tensor

# Parameters with at least this many elements are updated one by one: for them, NumPy's per-call
# overhead (about a microsecond) is less than copying their gradient into a flat buffer.
FLAT_MAX_SIZE = 1 << 17


def _views(buffer: np.ndarray, shapes: List[tuple], offsets: List[int]) -> List[np.ndarray]:
    return [buffer[start:start + int(np.prod(shape))].reshape(shape)
            for shape, start in zip(shapes, offsets)]


class FlatBucket:
    """Parameters of one dtype from one group, their state arrays and a gradient buffer, flat.

    Built only from parameters whose state entries agree (same array names, same scalars such
    as 'step'), since one update then serves them all.
    """

    def __init__(self, group: dict, params: List[Tensor], states: List[Dict[str, Any]]):
        self.group = group
        self.params = params
        self.states = states
        dtype = params[0]._data.dtype
        self.shapes = [param._data.shape for param in params]
        sizes = [param._data.size for param in params]
        self.offsets = [int(offset) for offset in np.cumsum([0] + sizes[:-1])]
        total = sum(sizes)
        self.param_buffer = np.empty(total, dtype)
        self.param_views = _views(self.param_buffer, self.shapes, self.offsets)
        for param, view in zip(params, self.param_views):
            view[...] = param._data
            param._data = view
        self.grad_buffer = np.empty(total, dtype)
        self.grad_views = _views(self.grad_buffer, self.shapes, self.offsets)
        self.scratch = np.empty(total, dtype)
        first = states[0]
        self.scalars = {key: value for key, value in first.items() if not isinstance(value, Tensor)}
        self.state_buffers: Dict[str, np.ndarray] = {}
        self.state_tensors: Dict[str, List[Tuple[Tensor, np.ndarray]]] = {}
        for name, value in first.items():
            if isinstance(value, Tensor):
                buffer = np.empty(total, dtype)
                for view, state in zip(_views(buffer, self.shapes, self.offsets), states):
                    view[...] = state[name]._data
                self._add_state(name, buffer, [state[name] for state in states])

    def _add_state(self, name: str, buffer: np.ndarray, tensors: List[Tensor]) -> None:
        """Make `buffer` the flat state `name`: each member's Tensor views its part of it."""
        views = _views(buffer, self.shapes, self.offsets)
        for tensor, view in zip(tensors, views):
            tensor._data = view
        self.state_buffers[name] = buffer
        self.state_tensors[name] = list(zip(tensors, views))

    @staticmethod
    def compatible(params: List[Tensor], states: List[Dict[str, Any]]) -> bool:
        """Whether these parameters' states agree, so that one flat update serves them all."""
        first = states[0]
        array_names = {name for name, value in first.items() if isinstance(value, Tensor)}
        for param, state in zip(params, states):
            if state.keys() != first.keys():
                return False
            for name, value in state.items():
                if name in array_names:
                    if not isinstance(value, Tensor) or value._data.shape != param._data.shape \
                            or value._data.dtype != param._data.dtype:
                        return False
                elif isinstance(value, Tensor) or value != first[name]:
                    return False
        return True

    def matches(self, params: List[Tensor], states: List[Optional[Dict[str, Any]]]) -> bool:
        """Whether `params` (with `states`) are this bucket's members, all still in place."""
        if len(params) != len(self.params):
            return False
        scalars = self.scalars.items()
        tensors = self.state_tensors.items()
        for i, param in enumerate(params):
            state = states[i]
            if param is not self.params[i] or param._data is not self.param_views[i] \
                    or state is not self.states[i]:
                return False
            for name, value in scalars:
                if state.get(name) != value:
                    return False
            for name, members in tensors:
                tensor, view = members[i]
                if state.get(name) is not tensor or tensor._data is not view:
                    return False
        return True

    def gather_grads(self, grads: List[np.ndarray], negate: bool) -> np.ndarray:
        """The gradients copied into the flat gradient buffer (negated for maximize)."""
        for view, grad in zip(self.grad_views, grads):
            np.copyto(view, grad)
        if negate:
            np.negative(self.grad_buffer, out=self.grad_buffer)
        return self.grad_buffer

    def flat_state(self) -> Dict[str, Any]:
        """The members' common state with flat arrays in place of their Tensors."""
        state: Dict[str, Any] = dict(self.scalars)
        state.update(self.state_buffers)
        return state

    def store_state(self, state: Dict[str, Any]) -> None:
        """Write back what an update changed: scalars to every member; a flat array the update
        created becomes a buffer of the bucket, each member's state a Tensor viewing its part."""
        for name, value in state.items():
            if isinstance(value, np.ndarray):
                if name not in self.state_buffers:
                    tensors = [Tensor._make(None) for _ in self.states]
                    self._add_state(name, value, tensors)
                    for member_state, tensor in zip(self.states, tensors):
                        member_state[name] = tensor
            elif self.scalars.get(name, _MISSING) != value:
                self.scalars[name] = value
                for member_state in self.states:
                    member_state[name] = value


_MISSING = object()


def adoptable(array: np.ndarray, owned: "weakref.WeakValueDictionary") -> bool:
    """Whether a parameter's array may move into a new bucket: it owns its memory, or it is a view
    into a buffer in `owned` (id -> the optimizer's own parameter buffers); a view into anything
    else shares memory with something the optimizer must not cut off."""
    base = array.base
    return base is None or owned.get(id(base)) is base
