"""The tape: a Node per recorded op, and the reverse replay that backward() runs."""
import os
import traceback
import weakref
from bisect import bisect_right
from operator import attrgetter

import numpy as np

from .mode import _GradMode

_sequence = 0  # a plain int: the counter grows, nothing is kept
_last_write = 0  # the sequence stamp of the newest in-place write to any tensor


class Node:
    """One recorded op: its function, its inputs (Tensors and constants), what backward needs.

    Only the tensors made by the op point to their Node, so a graph nobody references is freed
    by reference counting; `sequence` orders the replay (inputs are recorded before outputs).
    Set only where needed: `previous` (in-place nodes: the position on the tape the written
    tensor had before) and `output_counters` (the version counters of outputs written later).
    """
    __slots__ = ("function", "inputs", "arrays", "saved", "options", "outputs", "sequence", "hooks",
                 "trace", "previous", "output_counters")

    def __init__(self, function, inputs, saved, options, outputs=0, arrays=None):
        global _sequence
        _sequence += 1
        self.sequence = _sequence
        self.function = function
        self.inputs = inputs
        self.arrays = arrays  # the inputs' arrays as the forward saw them (ops only)
        self.saved = saved
        self.options = options
        self.outputs = outputs  # 0: one plain output; n: a tuple of n outputs, adjoints in a list
        self.hooks = None  # [(output index, hook)]: tensor hooks and retain_grad of the outputs
        self.trace = _user_stack() if _GradMode.anomaly else None

    def name(self) -> str:
        """PyTorch's style of grad_fn name: log_softmax -> LogSoftmaxBackward."""
        return "".join(part[:1].upper() + part[1:] for part in self.function.name.split("_")) + "Backward"

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class VersionCounter:
    """How often a tensor (and every view of its memory) was written in place, and when.

    `stamps` holds the tape sequence numbers of the last writes, so the replay can tell whether
    an array a node saved was written after the node was recorded, without the node storing
    anything at record time.
    """
    __slots__ = ("version", "stamps", "dropped")

    def __init__(self):
        self.version = 0
        self.stamps = []
        self.dropped = 0  # writes older than stamps[0], forgotten to keep the list short

    def bump(self) -> int:
        global _sequence, _last_write
        _sequence += 1
        _last_write = _sequence
        self.version += 1
        stamps = self.stamps
        stamps.append(_sequence)
        if len(stamps) > 64:
            del stamps[:32]
            self.dropped += 32
        return _sequence

    def written_after(self, sequence: int) -> bool:
        return bool(self.stamps) and self.stamps[-1] > sequence

    def version_at(self, sequence: int) -> int:
        return self.dropped + bisect_right(self.stamps, sequence)


def modified_error(node, what: str, tensor_shape, dtype, counter) -> RuntimeError:
    """PyTorch's message for a saved array that an in-place op changed before backward used it."""
    return RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{dtype} {list(tensor_shape)}], {what} of {node.name()}, is at version "
        f"{counter.version}; expected version {counter.version_at(node.sequence)} instead. "
        f"Hint: compute on a copy (.clone()) or do the in-place change after backward().")


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _user_stack():
    """The frames of the stack outside needl: where the user's code recorded the op."""
    frames = [frame for frame in traceback.extract_stack()[:-2]
              if not os.path.abspath(frame.filename).startswith(_PACKAGE)]
    return traceback.format_list(frames[-4:])


_FREED = ("Trying to backward through the graph a second time (or to use saved arrays after "
          "they were freed): the arrays saved by '{}' were released by an earlier backward(). "
          "Pass retain_graph=True to the first backward() to replay a graph twice.")


_by_sequence = attrgetter("sequence")


def producer_for(tensor, sequence):
    """The node (and output index) that made `tensor`'s value as a node recorded at `sequence` saw it.

    An in-place op moves a tensor to a newer node; consumers recorded before it still need the
    older value's node, which each in-place node keeps in `previous`. Returns (None, 0) for a
    value that was a leaf or did not require grad.
    """
    producer, index = tensor.grad_fn, tensor._index
    while producer is not None and producer.sequence > sequence:
        previous = producer.previous
        if not previous.requires_grad:
            return None, 0
        producer, index = previous.grad_fn, previous._index
    return producer, index


def reachable_nodes(roots) -> list:
    """Every Node reachable from the roots, newest first (the tape's order reversed)."""
    seen = set()
    stack = []
    for root in roots:  # a plain loop and an in-place sort: cheaper than a comprehension and sorted()
        if root.grad_fn is not None:
            stack.append(root.grad_fn)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        inputs = node.inputs
        if inputs is None:
            raise RuntimeError(_FREED.format(node.function.name))
        seen.add(node)
        sequence = node.sequence
        for input in inputs:
            if isinstance(input, Tensor):
                producer = input.grad_fn
                if producer is not None:
                    if producer.sequence > sequence:  # written in place after this node used it
                        producer = producer_for(input, sequence)[0]
                        if producer is None:
                            continue
                    if producer not in seen:
                        stack.append(producer)
    nodes = list(seen)
    nodes.sort(key=_by_sequence, reverse=True)
    return nodes


def sum_to_shape(grad, shape):
    """Undo broadcasting: sum `grad` over the axes that broadcasting added or stretched."""
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, size in enumerate(shape) if size == 1 and grad.shape[lead + i] != 1)
    if axes:
        grad = grad.sum(axis=axes)
    return grad.reshape(shape) if grad.shape != shape else grad


def _check_finite(node, grads):
    for grad in grads:
        if grad is None:
            continue
        array = grad._data if isinstance(grad, Tensor) else grad
        if not np.all(np.isfinite(array)):
            where = "".join(node.trace) if node.trace else (
                "  (turn on detect_anomaly() before the forward pass to see where it was recorded)\n")
            raise RuntimeError(f"Function '{node.name()}' returned nan or inf values "
                               f"in its gradient. The op was recorded at:\n{where}")


def _add(grads, node, index, grad):
    """Sum `grad` into the adjoint of output `index` of `node`."""
    if node.outputs:
        slots = grads.get(node)
        if slots is None:
            slots = grads[node] = [None] * node.outputs
        slots[index] = grad if slots[index] is None else slots[index] + grad
    else:
        previous = grads.get(node)
        grads[node] = grad if previous is None else previous + grad


def _accumulate_leaf(tensor, grad, owned):
    """Sum `grad` into a leaf's .grad; the first grad is copied unless this call owns it."""
    if isinstance(grad, Tensor):
        tensor.grad = grad if tensor.grad is None else tensor.grad + grad
    elif tensor.grad is None:
        if not owned or grad.base is not None or not grad.flags.writeable:
            grad = grad.copy(order="K")  # keep the layout (a channels-last gradient copies at memcpy speed)
        tensor.grad = Tensor._make(grad)
    elif tensor.grad.requires_grad:
        tensor.grad = tensor.grad + grad
    else:
        tensor.grad._data += grad


# ---- hooks ----------------------------------------------------------------------------------
# leaves with tensor hooks, by id: the replay sums their gradient first and calls the hooks once
hooked_leaves = {}
hooks_on_nodes = 0  # how many hooks were ever registered on non-leaf tensors (enables callbacks)


class LeafHooks:
    """A leaf's hooks: `pre` see (and may replace) its gradient, `post` run after .grad is updated."""
    __slots__ = ("pre", "post", "__weakref__")

    def __init__(self):
        self.pre = {}
        self.post = {}


def _count_hooked_edges(nodes):
    """For each hooked leaf in the graph: [tensor, edges still to come, summed grad, owned]."""
    pending = {}
    for node in nodes:
        for input in node.inputs:
            if isinstance(input, Tensor) and id(input) in hooked_leaves and input.grad_fn is None:
                entry = pending.get(id(input))
                if entry is None:
                    pending[id(input)] = [input, 1, None, True]
                else:
                    entry[1] += 1
    return pending


def _finish_leaf(entry):
    tensor, _, grad, owned = entry
    entry[2] = None
    if grad is None:
        return
    hooks = tensor._hooks
    for hook in list(hooks.pre.values()):
        result = hook(grad if isinstance(grad, Tensor) else Tensor._make(grad))
        if result is not None:
            grad, owned = (result if isinstance(grad, Tensor) else result._data), False
    _accumulate_leaf(tensor, grad, owned)
    for hook in list(hooks.post.values()):
        hook(tensor)


def _run_output_hooks(node, grad):
    """Tensor hooks and retain_grad() of the outputs of `node`, on their summed gradients.

    As in PyTorch, retain_grad() stores what the other hooks made of the gradient.
    """
    entries = list(node.hooks.values())
    entries.sort(key=lambda entry: isinstance(entry[1], RetainGrad))  # stable: registration order
    for index, hook in entries:
        value = grad[index] if node.outputs else grad
        if value is None:
            continue
        result = hook(value if isinstance(value, Tensor) else Tensor._make(value))
        if result is not None:
            result = result if isinstance(value, Tensor) else result._data
            if node.outputs:
                grad[index] = result
            else:
                grad = result
    return grad


class RetainGrad:
    """The hook retain_grad() adds: store a copy of the gradient on the (weakly held) tensor."""
    __slots__ = ("tensor",)

    def __init__(self, tensor):
        self.tensor = weakref.ref(tensor)

    def __call__(self, grad):
        tensor = self.tensor()
        if tensor is not None:
            tensor.grad = grad if grad.requires_grad else Tensor._make(grad._data.copy())


def queue_callback(callback) -> None:
    """Run `callback()` once the backward pass that is running now has finished replaying.

    For hooks that start work during backward and must wait for it before backward() returns
    (as DistributedDataParallel does with its all-reduces), like PyTorch's engine.queue_callback.
    """
    callbacks = _GradMode.callbacks
    if callbacks is None:
        raise RuntimeError("queue_callback() can only be called during a backward pass (from a hook)")
    callbacks.append(callback)


# ---- the replay -----------------------------------------------------------------------------
def run_backward(roots, root_grads, retain_graph=False, create_graph=False, inputs=None):
    """Replay the tape from `roots` seeded with `root_grads`.

    With `inputs` (a list of Tensors) the gradients reaching them are returned instead of being
    accumulated into `.grad` (that is `needl.autograd.grad`).
    """
    nodes = reachable_nodes(roots)
    grads = {}
    captured = by_node = pending = None
    if inputs is not None:
        captured = {id(tensor): None for tensor in inputs}
        by_node = {}
        for tensor in inputs:
            if tensor.grad_fn is not None:
                by_node.setdefault(tensor.grad_fn, []).append(tensor)
    elif hooked_leaves:
        pending = _count_hooked_edges(nodes) or None

    for root, grad in zip(roots, root_grads):
        if root.grad_fn is not None:
            _add(grads, root.grad_fn, root._index, grad)
        elif captured is None:
            _accumulate_leaf(root, grad, False)
        elif id(root) in captured:
            previous = captured[id(root)]
            captured[id(root)] = grad if previous is None else previous + grad

    # versions are checked only if something was written in place since the oldest node was recorded
    check_versions = bool(nodes) and _last_write > nodes[-1].sequence
    state = _GradMode
    previous_mode, previous_callbacks = state.enabled, state.callbacks
    state.enabled = create_graph
    hooked = pending or hooks_on_nodes  # only hooks queue callbacks
    if hooked:
        state.callbacks = []
    anomaly = state.anomaly
    pop, get = grads.pop, grads.get  # local names: this loop is the tape's hot path
    try:
        for node in nodes:
            grad = pop(node, None)
            if grad is None:
                continue
            sequence = node.sequence
            if check_versions and _last_write > sequence:
                node.function.check_versions(node)
            if node.hooks is not None:
                grad = _run_output_hooks(node, grad)
            if by_node is not None and node in by_node:
                for tensor in by_node[node]:
                    captured[id(tensor)] = grad[tensor._index] if node.outputs else grad
            input_grads = node.function.backward_node(node, grad, create_graph)
            if anomaly:
                _check_finite(node, input_grads)
            for input, input_grad in zip(node.inputs, input_grads):
                if input_grad is None or not isinstance(input, Tensor) or not input.requires_grad:
                    continue
                data = input._data
                if input_grad.shape != data.shape:
                    input_grad = sum_to_shape(input_grad, data.shape)
                if input_grad.dtype != data.dtype:
                    if input_grad.dtype.kind == "c" and data.dtype.kind != "c":
                        input_grad = input_grad.real  # a real input of complex arithmetic: dL/dx, as PyTorch
                    input_grad = input_grad.astype(data.dtype)
                producer = input.grad_fn
                if producer is not None:
                    if producer.sequence > sequence:  # written in place after this node used it
                        producer, index = producer_for(input, sequence)
                        if producer is not None:
                            _add(grads, producer, index, input_grad)
                    elif producer.outputs:
                        _add(grads, producer, input._index, input_grad)
                    else:
                        previous = get(producer)
                        grads[producer] = input_grad if previous is None else previous + input_grad
                elif captured is None:
                    # a leaf may keep the array only if nobody else was handed the same object
                    owned = (sum(g is input_grad for g in input_grads) == 1 and
                             (all(input_grad is not g for g in grad) if node.outputs else input_grad is not grad))
                    entry = None if pending is None else pending.get(id(input))
                    if entry is None:
                        _accumulate_leaf(input, input_grad, owned)
                    else:
                        entry[2], entry[3] = ((input_grad, owned) if entry[2] is None
                                              else (entry[2] + input_grad, True))
                        entry[1] -= 1
                        if entry[1] == 0:
                            _finish_leaf(entry)
                elif id(input) in captured:
                    previous = captured[id(input)]
                    captured[id(input)] = input_grad if previous is None else previous + input_grad
            if not retain_graph:
                node.inputs = node.arrays = node.saved = None  # memory falls during the replay
        if pending:
            for entry in pending.values():  # leaves whose remaining edges carried no gradient
                _finish_leaf(entry)
        if hooked:
            callbacks = state.callbacks
            while callbacks:
                callbacks.pop(0)()
    finally:
        state.enabled = previous_mode
        if hooked:
            state.callbacks = previous_callbacks
    if captured is not None:
        return [captured[id(tensor)] for tensor in inputs]
    return None


from .tensor import Tensor  # noqa: E402  (tensor.py imports the ops, which import this module)
