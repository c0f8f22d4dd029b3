"""Read-only views of the tape for drawing and profiling: reachable nodes, layouts, saved arrays."""

import numpy as np

from ..autograd.tape import reachable_nodes
from ..autograd.tensor import Tensor

FREED = ("the graph behind this tensor was freed by backward(): draw it before calling backward(), "
         "or pass retain_graph=True to backward()")


def collect_nodes(roots) -> list:
    """Every Node reachable from the roots' grad_fn, newest first (the order backward replays)."""
    try:
        return reachable_nodes(roots)
    except RuntimeError as error:
        raise RuntimeError(f"{error}\n{FREED}") from None


def is_function_node(node) -> bool:
    """A node recorded by a `Function` subclass keeps `(ctx, layouts)` instead of its outputs."""
    return hasattr(node.function, "cls")


def output_layouts(node) -> list:
    """(shape, dtype) of each output of `node`, in output order."""
    if node.saved is None:
        return []
    if is_function_node(node):
        return list(node.saved[1])
    outputs = node.saved if node.outputs else (node.saved,)
    return [(np.shape(array), np.asarray(array).dtype) for array in outputs]


def saved_arrays(node) -> list:
    """(description, array) of the arrays that `node` keeps alive for backward.

    For an op: its forward output(s) and the arrays of its Tensor inputs; for a Function: the
    tensors and arrays stored on its ctx and the arrays of its Tensor inputs.
    """
    arrays = []
    if node.saved is not None:
        if is_function_node(node):
            ctx = node.saved[0]
            for index, value in enumerate(getattr(ctx, "saved_tensors", ())):
                if isinstance(value, (Tensor, np.ndarray)):
                    arrays.append((f"saved_tensors[{index}]", _array(value)))
            for key, value in vars(ctx).items():
                if key != "saved_tensors" and isinstance(value, (Tensor, np.ndarray)):
                    arrays.append((f"ctx.{key}", _array(value)))
        elif node.outputs:
            arrays.extend((f"output {index}", array) for index, array in enumerate(node.saved)
                          if isinstance(array, np.ndarray))
        elif isinstance(node.saved, np.ndarray):
            arrays.append(("output", node.saved))
    inputs = node.inputs or ()
    kept = getattr(node, "arrays", None) or [getattr(input, "_data", None) for input in inputs]
    for index, (input, array) in enumerate(zip(inputs, kept)):
        if isinstance(input, Tensor) and isinstance(array, np.ndarray):
            arrays.append((f"input {index}", array))  # the array the forward saw
    return arrays


def saved_bytes(node) -> int:
    """Bytes of the arrays that `node` keeps alive for backward (see `saved_arrays`)."""
    return sum(array.nbytes for _, array in saved_arrays(node))


def _array(value) -> np.ndarray:
    return value._data if isinstance(value, Tensor) else value


def format_shape(shape) -> str:
    return "(" + ", ".join(str(size) for size in shape) + ")"


def format_bytes(count: int) -> str:
    """Human-readable byte count: 512 B, 1.5 KB, 3.2 MB (powers of 1024)."""
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
