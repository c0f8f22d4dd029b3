"""FlatBucket: small parameters of one group and dtype updated by one set of NumPy calls.

An elementwise update costs a dozen NumPy calls per parameter, a few microseconds each however
small the parameter. A bucket packs small parameters (up to FLAT_MAX_SIZE numbers in all, which
keeps the update's arrays in the L2 cache): their state arrays are slices of flat arrays owned by
the bucket (`optimizer.state[p]['exp_avg']` is a Tensor viewing its slice), the values and
gradients are gathered into a workspace shared by all buckets (one `np.concatenate` each), the
update runs once on the flat arrays and the new values are copied back into each parameter.

The parameters are never moved: `p._data` stays the user's array, so memory a parameter shares
with other tensors (`a.weight.data = b.weight.data`, views or `.numpy()` arrays taken earlier)
keeps following it, and replacing `p.data` needs no bookkeeping. Parameters of FLAT_MAX_SIZE
numbers or more are updated alone, on their own arrays. See docs/optim.md.
"""
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from ..autograd.tensor import Tensor

# Numbers in one bucket, and the size from which a parameter is updated alone. Measured on the
# nanoGPT-like set (docs/optim.md): 2**12 to 2**15 give about the same step times, 2**14 the
# best for SGD; larger parameters gain nothing from a bucket but pay for its copies.
FLAT_MAX_SIZE = 1 << 14


class FlatBucket:
    """Small parameters (positions `indices` in their group) whose state is stored flat."""

    def __init__(self, params: Sequence[Tensor], indices: List[int], workspace: np.ndarray):
        self.params = list(params)
        self.indices = indices
        self.shapes = [param._data.shape for param in self.params]
        self.offsets = np.cumsum([0] + [param._data.size for param in self.params]).tolist()
        self.size = self.offsets[-1]
        self.dtype = self.params[0]._data.dtype
        self.param_buffer, self.grad_buffer, self.scratch = (row[:self.size] for row in workspace)
        self.param_views = self._views(self.param_buffer)
        self.state_buffers: Dict[str, np.ndarray] = {}       # state name -> flat array
        self.state_tensors: Dict[str, List[Tensor]] = {}     # state name -> the members' Tensors
        self.state_views: Dict[str, List[np.ndarray]] = {}   # state name -> their arrays

    def _views(self, flat: np.ndarray) -> List[np.ndarray]:
        return [flat[start:stop].reshape(shape) for start, stop, shape in
                zip(self.offsets, self.offsets[1:], self.shapes)]

    # ---- the members' state -----------------------------------------------------------------
    def standing(self, states: Sequence[Optional[Dict[str, Any]]]) -> Optional[str]:
        """'stale' when a member's array no longer has the shape and dtype the bucket was built
        for; else 'fresh' when no member has state yet, 'kept' when all have the same entries
        (arrays of their own shape, equal scalars such as 'step'), None otherwise (update them
        one by one)."""
        dtype = self.dtype
        for param, shape in zip(self.params, self.shapes):
            data = param._data
            if data.shape != shape or data.dtype != dtype:
                return "stale"
        if not any(states):
            return "fresh"
        first = states[0]
        if not first:
            return None
        for state, shape in zip(states, self.shapes):
            if not state or state.keys() != first.keys():
                return None
            for name, value in state.items():
                if isinstance(value, Tensor):
                    if value._data.shape != shape:
                        return None
                elif isinstance(value, np.ndarray) or isinstance(first[name], Tensor) \
                        or value != first[name]:
                    return None
        return "kept"

    def flat_state(self, states: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
        """The members' common state with flat arrays in place of their Tensors; state loaded or
        made one by one is first copied into new flat arrays (the same Tensors then view them)."""
        work: Dict[str, Any] = {}
        for name, value in states[0].items():
            if not isinstance(value, Tensor):
                work[name] = value
                continue
            tensors = [state[name] for state in states]
            if not self._owns(name, tensors):
                flat = np.empty(self.size, self.dtype)
                np.concatenate([tensor._data for tensor in tensors], axis=None, out=flat,
                               casting="same_kind")
                self._install(name, flat, tensors)
            work[name] = self.state_buffers[name]
        return work

    def _owns(self, name: str, tensors: Sequence[Tensor]) -> bool:
        mine = self.state_tensors.get(name)
        if mine is None:
            return False
        return all(tensor is own and tensor._data is view
                   for tensor, own, view in zip(tensors, mine, self.state_views[name]))

    def _install(self, name: str, flat: np.ndarray, tensors: Sequence[Tensor]) -> None:
        """Make `flat` the state `name`: each member's Tensor views its part of it."""
        views = self._views(flat)
        for tensor, view in zip(tensors, views):
            tensor._data = view
        self.state_buffers[name] = flat
        self.state_tensors[name] = list(tensors)
        self.state_views[name] = views

    def store_state(self, states: Sequence[Dict[str, Any]], work: Dict[str, Any]) -> None:
        """Write back what an update changed: scalars into every member's state; a flat array it
        created (or replaced) becomes a buffer of the bucket that new state Tensors view."""
        for name, value in work.items():
            if isinstance(value, np.ndarray):
                if self.state_buffers.get(name) is not value:
                    tensors = [Tensor._make(None) for _ in states]
                    self._install(name, value, tensors)
                    for state, tensor in zip(states, tensors):
                        state[name] = tensor
            else:
                for state in states:
                    state[name] = value

    # ---- the members' values -------------------------------------------------------------
    def gather(self, grads: Sequence[np.ndarray], negate: bool) -> None:
        """Copy the members' values and gradients (negated for maximize) into the workspace."""
        np.concatenate([param._data for param in self.params], axis=None, out=self.param_buffer)
        np.concatenate(grads, axis=None, out=self.grad_buffer)
        if negate:
            np.negative(self.grad_buffer, out=self.grad_buffer)

    def scatter(self) -> None:
        """Copy the updated values back into each member and count the write in its version."""
        for param, view in zip(self.params, self.param_views):
            np.copyto(param._data, view)
            param._bump_version()


def layout(params: Sequence[Tensor], max_size: int, workspaces: Dict[np.dtype, np.ndarray]) -> list:
    """The update plan of one group: FlatBuckets of small parameters (in order, one dtype each,
    at most `max_size` numbers) and the positions of the parameters updated alone.
    `workspaces` holds per dtype the value, gradient and scratch rows the buckets share."""
    plan: list = []
    filling: Dict[np.dtype, List[int]] = {}
    sizes: Dict[np.dtype, int] = {}

    def close(dtype):
        indices = filling.pop(dtype)
        if len(indices) == 1:
            plan.append(indices[0])
            return
        workspace = workspaces.get(dtype)
        if workspace is None or workspace.shape[1] < sizes[dtype]:
            workspace = workspaces[dtype] = np.empty((3, max_size), dtype)
        plan.append(FlatBucket([params[i] for i in indices], indices, workspace))

    for i, param in enumerate(params):
        size, dtype = param._data.size, param._data.dtype
        if size >= max_size:
            plan.append(i)
            continue
        if dtype in filling and sizes[dtype] + size > max_size:
            close(dtype)
        if dtype not in filling:
            filling[dtype], sizes[dtype] = [], 0
        filling[dtype].append(i)
        sizes[dtype] += size
    for dtype in list(filling):
        close(dtype)
    return plan
