"""needl.onnx.export: the tape of one traced forward pass, written as an ONNX model."""
import os
from typing import Any

import numpy as np

from ..autograd.tensor import Tensor
from .ops import OPS
from .trace import trace

OPSET = 17
_INSTALL = "needl.onnx.export needs the onnx package: pip install onnx (or 'needl-numpy[onnx]')"
_exporting = False


def is_in_onnx_export() -> bool:
    return _exporting


class _Graph:
    """Collects ONNX nodes and initializers; values are named strings, with known shapes."""

    def __init__(self, helper, numpy_helper):
        self.helper, self.numpy_helper = helper, numpy_helper
        self.nodes, self.initializers, self.shapes, self.dtypes = [], [], {}, {}
        self.count = 0

    def fresh(self, stem: str) -> str:
        self.count += 1
        return f"{stem}_{self.count}"

    def node(self, op_type: str, inputs: list, **attributes) -> str:
        output = self.fresh(op_type)
        self.nodes.append(self.helper.make_node(op_type, list(inputs), [output], **attributes))
        return output

    def constant(self, array: np.ndarray, name: str | None = None) -> str:
        name = name or self.fresh("constant")
        self.initializers.append(self.numpy_helper.from_array(np.asarray(array), name))
        self.shapes[name], self.dtypes[name] = np.shape(array), np.asarray(array).dtype
        return name

    def rank(self, name: str) -> int:
        return len(self.shapes[name])


def export(model, args, f, kwargs=None, export_params: bool = True, verbose: bool = False,
           training=None, input_names=None, output_names=None, opset_version: int | None = None,
           dynamic_axes=None, do_constant_folding: bool = True, **ignored) -> None:
    """Trace model(*args) and write the ONNX model to `f` (a path or a binary file object)."""
    global _exporting
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        raise ImportError(_INSTALL) from None
    if kwargs:
        raise NotImplementedError("needl.onnx.export traces positional inputs only (kwargs=)")
    if dynamic_axes:
        raise NotImplementedError("needl.onnx.export writes the shapes of the traced input; "
                                  "dynamic_axes is not supported")
    if not export_params:
        raise NotImplementedError("needl.onnx.export always stores the parameters")
    if opset_version is not None and opset_version < OPSET:
        raise NotImplementedError(f"needl.onnx.export writes opset {OPSET} or later")
    _exporting = True
    try:
        inputs, outputs, nodes = trace(model, args)
    finally:
        _exporting = False
    graph = _Graph(helper, numpy_helper)
    names = {}
    for index, tensor in enumerate(inputs):
        name = input_names[index] if input_names and index < len(input_names) else f"input.{index}"
        names[id(tensor)] = name
        graph.shapes[name], graph.dtypes[name] = tensor.shape, tensor._data.dtype
    state = {**{id(t): n for n, t in model.named_buffers()}, **{id(t): n for n, t in model.named_parameters()}}

    def value_name(value, like: str | None):
        if isinstance(value, Tensor):
            if value.grad_fn is not None and (value.grad_fn, value._index) in names:
                return names[(value.grad_fn, value._index)]
            if id(value) in names:
                return names[id(value)]
            names[id(value)] = graph.constant(value._data, state.get(id(value)))
            return names[id(value)]
        # a Python number takes the dtype of the op's tensor operand, as in PyTorch
        return graph.constant(np.asarray(value, dtype=graph.dtypes.get(like, np.float32)))

    for node in nodes:
        emit = OPS.get(node.function.name)
        if emit is None or node.outputs:
            raise NotImplementedError(
                f"needl.onnx.export: the op '{node.function.name}' has no ONNX mapping (mapped: "
                f"{', '.join(sorted(OPS))})")
        first = next((value_name(v, None) for v in node.inputs if isinstance(v, Tensor)), None)
        operands = [value_name(v, first) for v in node.inputs if v is not None]
        output = emit(graph, operands, node.options or {})
        graph.shapes[output], graph.dtypes[output] = np.shape(node.saved), node.saved.dtype
        names[(node, 0)] = output
    outputs_info = []
    for index, out in enumerate(outputs):
        name = output_names[index] if output_names and index < len(output_names) else f"output.{index}"
        source = names.get((out.grad_fn, out._index)) if out.grad_fn is not None else None
        if source is None:
            raise NotImplementedError(f"output {index} does not depend on the inputs or "
                                      f"parameters, so the tape holds no graph for it")
        graph.nodes.append(helper.make_node("Identity", [source], [name]))
        outputs_info.append(helper.make_tensor_value_info(name, _elem_type(out._data.dtype), out.shape))
    inputs_info = [helper.make_tensor_value_info(names[id(t)], _elem_type(t._data.dtype), t.shape)
                   for t in inputs]
    onnx_graph = helper.make_graph(graph.nodes, type(model).__name__, inputs_info, outputs_info,
                                   graph.initializers)
    proto = helper.make_model(onnx_graph, producer_name="needl",
                              opset_imports=[helper.make_opsetid("", opset_version or OPSET)])
    onnx.checker.check_model(proto)
    if verbose:
        print(helper.printable_graph(proto.graph))
    if hasattr(f, "write"):
        f.write(proto.SerializeToString())
    else:
        onnx.save(proto, os.fspath(f))


def _elem_type(dtype) -> int:
    from onnx import helper
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))

