"""The tape: a Node per recorded op, and the reverse replay that backward() runs."""
import os
import traceback
from operator import attrgetter

import numpy as np

from .mode import _GradMode

_sequence = 0  # a plain int: the counter grows, nothing is kept


class Node:
    """One recorded op: its function, its inputs (Tensors and constants), what backward needs.

    Only the tensors made by the op point to their Node, so a graph nobody references is freed
    by reference counting; `sequence` orders the replay (inputs are recorded before outputs).
    """
    __slots__ = ("function", "inputs", "arrays", "saved", "options", "outputs", "sequence", "retained",
                 "trace")

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
        self.retained = None
        self.trace = _user_stack() if _GradMode.anomaly else None

    def name(self) -> str:
        """PyTorch's style of grad_fn name: log_softmax -> LogSoftmaxBackward."""
        return "".join(part[:1].upper() + part[1:] for part in self.function.name.split("_")) + "Backward"

    def __repr__(self) -> str:
        return f"<{self.name()}>"


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
        for input in inputs:
            if isinstance(input, Tensor):
                producer = input.grad_fn
                if producer is not None and producer not in seen:
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


def run_backward(roots, root_grads, retain_graph=False, create_graph=False, inputs=None):
    """Replay the tape from `roots` seeded with `root_grads`.

    With `inputs` (a list of Tensors) the gradients reaching them are returned instead of being
    accumulated into `.grad` (that is `needl.autograd.grad`).
    """
    nodes = reachable_nodes(roots)
    grads = {}
    captured = by_node = None
    if inputs is not None:
        captured = {id(tensor): None for tensor in inputs}
        by_node = {}
        for tensor in inputs:
            if tensor.grad_fn is not None:
                by_node.setdefault(tensor.grad_fn, []).append(tensor)

    for root, grad in zip(roots, root_grads):
        if root.grad_fn is not None:
            _add(grads, root.grad_fn, root._index, grad)
        elif captured is None:
            _accumulate_leaf(root, grad, False)
        elif id(root) in captured:
            previous = captured[id(root)]
            captured[id(root)] = grad if previous is None else previous + grad

    previous_mode = _GradMode.enabled
    _GradMode.enabled = create_graph
    anomaly = _GradMode.anomaly
    pop, get = grads.pop, grads.get  # local names: this loop is the tape's hot path
    try:
        for node in nodes:
            grad = pop(node, None)
            if grad is None:
                continue
            if by_node is not None and node in by_node:
                for tensor in by_node[node]:
                    captured[id(tensor)] = grad[tensor._index] if node.outputs else grad
            if node.retained is not None:
                _retain(node, grad)
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
                    input_grad = input_grad.astype(data.dtype)
                producer = input.grad_fn
                if producer is not None:
                    if producer.outputs:
                        _add(grads, producer, input._index, input_grad)
                    else:
                        previous = get(producer)
                        grads[producer] = input_grad if previous is None else previous + input_grad
                elif captured is None:
                    # a leaf may keep the array only if nobody else was handed the same object
                    owned = input_grad is not grad and sum(g is input_grad for g in input_grads) == 1
                    _accumulate_leaf(input, input_grad, owned)
                elif id(input) in captured:
                    previous = captured[id(input)]
                    captured[id(input)] = input_grad if previous is None else previous + input_grad
            if not retain_graph:
                node.inputs = node.arrays = node.saved = None  # memory falls during the replay
    finally:
        _GradMode.enabled = previous_mode
    if captured is not None:
        return [captured[id(tensor)] for tensor in inputs]
    return None


def _retain(node, grad):
    """Store the gradient of the retain_grad() tensors made by `node`."""
    for reference in node.retained:
        tensor = reference()
        if tensor is not None:
            value = grad[tensor._index] if node.outputs else grad
            if value is not None:
                tensor.grad = value if isinstance(value, Tensor) else Tensor._make(value.copy())


from .tensor import Tensor  # noqa: E402  (tensor.py imports the ops, which import this module)
