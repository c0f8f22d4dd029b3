"""needl.autograd.backward and needl.autograd.grad: argument checks, then the tape's replay."""
from typing import Optional, Sequence, Union

import numpy as np

from .tape import run_backward
from .tensor import Tensor

Tensors = Union[Tensor, Sequence[Tensor]]


def _as_list(tensors):
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _seed_grads(outputs, grad_outputs, create_graph):
    """Check the outputs and build the gradients the replay starts from."""
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    grad_outputs = _as_list(grad_outputs) if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"got {len(grad_outputs)} gradients for {len(outputs)} outputs")
    seeds = []
    for i, (output, grad) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(output, Tensor):
            raise TypeError(f"output {i} is a {type(output).__name__}, not a Tensor")
        if not output.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a "
                               f"grad_fn: nothing on the tape leads to it (did you forget "
                               f"requires_grad=True, or run it under no_grad()?)")
        if grad is None:
            if output._data.size != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs; output {i} "
                                   f"has shape {output._data.shape}: pass gradient= of that shape")
            grad = np.ones(output._data.shape, output._data.dtype)
        elif isinstance(grad, Tensor):
            grad = grad if create_graph else grad._data
        else:
            grad = np.asarray(grad, dtype=output._data.dtype)
        if grad.shape != output._data.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(grad.shape)} "
                               f"and output[{i}] has a shape of {output._data.shape}")
        if create_graph and not isinstance(grad, Tensor):
            grad = Tensor._make(grad)
        seeds.append(grad)
    return seeds


def scalar_backward(output: Tensor, retain_graph) -> None:
    """The common `loss.backward()` on a recorded one-element output: seed it with 1 and replay.

    The caller has checked that `output` has a grad_fn and one element, and that no gradient,
    `inputs` or create_graph were given; the general argument handling is skipped.
    """
    data = output._data
    # np.array(1, dtype) makes a 0-d seed 4x faster than np.ones (whose Python layer dominates)
    seed = np.array(1, data.dtype) if data.ndim == 0 else np.ones(data.shape, data.dtype)
    run_backward((output,), (seed,), retain_graph)


def backward(tensors: Tensors, grad_tensors=None, retain_graph: Optional[bool] = None,
             create_graph: bool = False, inputs: Optional[Tensors] = None) -> None:
    """Accumulate the gradients of `tensors` into the .grad of the leaves (or only of `inputs`)."""
    retain_graph = create_graph if retain_graph is None else retain_graph
    outputs = _as_list(tensors)
    seeds = _seed_grads(outputs, grad_tensors, create_graph)
    if inputs is None:
        run_backward(outputs, seeds, retain_graph, create_graph)
        return
    inputs = _as_list(inputs)
    grads = run_backward(outputs, seeds, retain_graph, create_graph, inputs=inputs)
    for tensor, grad in zip(inputs, grads):
        if grad is None:
            continue
        if isinstance(grad, Tensor):
            tensor.grad = grad if tensor.grad is None else tensor.grad + grad
        else:
            tensor.grad = Tensor._make(grad.copy()) if tensor.grad is None else tensor.grad + grad


def grad(outputs: Tensors, inputs: Tensors, grad_outputs=None, retain_graph: Optional[bool] = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple:
    """The gradients of `outputs` with respect to `inputs`, returned rather than accumulated."""
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    for i, tensor in enumerate(inputs):
        if not isinstance(tensor, Tensor) or not tensor.requires_grad:
            raise RuntimeError(f"input {i} does not require grad: grad() can only differentiate "
                               f"with respect to tensors that require grad")
    seeds = _seed_grads(outputs, grad_outputs, create_graph)
    retain = create_graph if retain_graph is None else retain_graph
    grads = run_backward(outputs, seeds, retain, create_graph, inputs=inputs)
    result = []
    for i, value in enumerate(grads):
        if value is None:
            if not allow_unused:
                raise RuntimeError(f"input {i} (shape {inputs[i].shape}) appears not to have been "
                                   f"used in the graph; pass allow_unused=True if that is intended")
            result.append(None)
        else:
            result.append(value if isinstance(value, Tensor) else Tensor._make(value))
    return tuple(result)
