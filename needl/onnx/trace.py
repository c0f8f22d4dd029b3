"""Recording one forward pass on the tape, for needl.onnx.export and TensorBoard's add_graph."""
import numpy as np

from ..autograd import tape
from ..autograd.mode import enable_grad
from ..autograd.tensor import Tensor


def trace(model, args, hooks=()):
    """Run model(*args) so that every op is recorded; returns (inputs, outputs, nodes).

    Floating inputs are copies that require grad (so that ops on them are recorded); `hooks` are
    (pre_hook, hook) pairs installed as global module forward hooks during the call. The
    model's buffers (batch norm's running statistics) are restored afterwards. `nodes` are the
    recorded tape nodes the outputs depend on, in the order they ran.
    """
    from ..nn.module import register_module_forward_hook, register_module_forward_pre_hook
    given = args if isinstance(args, (tuple, list)) else (args,)
    inputs = []
    for value in given:
        array = np.asarray(value._data if isinstance(value, Tensor) else value)
        tensor = Tensor._make(array.copy())
        if array.dtype.kind == "f":
            tensor.requires_grad_()
        inputs.append(tensor)
    handles = [register(hook) for pre_hook, hook in hooks
               for register, hook in ((register_module_forward_pre_hook, pre_hook),
                                      (register_module_forward_hook, hook))]
    buffers = [(buffer, buffer._data.copy()) for buffer in model.buffers()]
    try:
        with enable_grad():
            output = model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
        for buffer, saved in buffers:
            buffer._data[...] = saved
    outputs = tuple(output) if isinstance(output, (tuple, list)) else (output,)
    if not all(isinstance(out, Tensor) for out in outputs):
        raise TypeError(f"the model returned {type(output).__name__}; tracing needs a Tensor or a "
                        f"tuple of Tensors")
    nodes = sorted(tape.reachable_nodes(outputs), key=lambda node: node.sequence)
    return inputs, outputs, nodes
