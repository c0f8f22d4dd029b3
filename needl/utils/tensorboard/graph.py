"""needl's tape as a TensorBoard graph: one node per recorded op, scoped by the module that ran it.

The model runs once through needl.onnx.trace, so that every op is on the tape;
forward hooks note which ops each module's call recorded (by the tape's sequence numbers), and
the nodes are named `Model/Sequential[features]/Conv2d[0]/conv2d_3`. Parameters become nodes
named by their state_dict path; tensors that are neither inputs nor parameters become constants.
"""
import numpy as np

from ...autograd import tape
from ...autograd.tensor import Tensor
from ...onnx.trace import trace


def _shape_attr(shapes):
    from tensorboardX.proto.attr_value_pb2 import AttrValue
    from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto
    return AttrValue(list=AttrValue.ListValue(shape=[
        TensorShapeProto(dim=[TensorShapeProto.Dim(size=int(size)) for size in shape])
        for shape in shapes]))


def _scopes(model):
    """Forward hooks that map each op's sequence number to the scope of the module that ran it."""
    names = {id(module): name for name, module in model.named_modules()}
    root = type(model).__name__
    starts, scopes = [], {}

    def before(module, args):
        starts.append(tape._sequence)

    def after(module, args, output):
        start, end = starts.pop(), tape._sequence
        name = names.get(id(module))
        if name is not None:
            scope = _scope(model, root, name)
            for sequence in range(start + 1, end + 1):
                scopes.setdefault(sequence, scope)  # inner modules finish first and keep their ops
    return (before, after), scopes, root


def _scope(model, root: str, dotted: str) -> str:
    """'Model/Sequential[features]/Conv2d[0]' for the submodule named 'features.0'."""
    module, scope = model, root
    for part in dotted.split(".") if dotted else []:
        module = module._modules[part]
        scope += f"/{type(module).__name__}[{part}]"
    return scope


def graph_def(model, input_to_model):
    """A tensorboardX GraphDef of one forward pass of `model` on `input_to_model`."""
    from tensorboardX.proto.attr_value_pb2 import AttrValue
    from tensorboardX.proto.graph_pb2 import GraphDef
    from tensorboardX.proto.node_def_pb2 import NodeDef
    from tensorboardX.proto.versions_pb2 import VersionDef

    hooks, scopes, root = _scopes(model)
    inputs, outputs, recorded = trace(model, input_to_model, hooks=[hooks])
    nodes, names = [], {}
    for index, x in enumerate(inputs):
        if isinstance(x, Tensor):
            names[id(x)] = f"input/input.{index}"
            nodes.append(NodeDef(name=names[id(x)], op="IO Node", attr={"_output_shapes": _shape_attr([x.shape])}))
    for name, param in model.named_parameters():
        owner, _, local = name.rpartition(".")
        names[id(param)] = f"{_scope(model, root, owner)}/{local}"
        nodes.append(NodeDef(name=names[id(param)], op="Parameter",
                             attr={"_output_shapes": _shape_attr([param.shape])}))
    constants = 0
    node_names = {}
    for node in recorded:
        op = node.function.name
        node_names[node] = f"{scopes.get(node.sequence, root)}/{op}_{node.sequence}"
        edges = []
        for value in node.inputs:
            if not isinstance(value, Tensor):
                continue
            if value.grad_fn is not None and value.grad_fn in node_names:
                producer = node_names[value.grad_fn]
                edges.append(producer if not value.grad_fn.outputs else f"{producer}:{value._index}")
            elif id(value) in names:
                edges.append(names[id(value)])
            else:
                constants += 1
                names[id(value)] = f"{root}/constant_{constants}"
                nodes.append(NodeDef(name=names[id(value)], op="Constant",
                                     attr={"_output_shapes": _shape_attr([value.shape])}))
                edges.append(names[id(value)])
        shapes = [np.shape(item) for item in node.saved] if node.outputs and isinstance(node.saved, tuple) \
            else [np.shape(node.saved)] if isinstance(node.saved, np.ndarray) else []
        attr = {"_output_shapes": _shape_attr(shapes)} if shapes else {}
        attr["options"] = AttrValue(s=repr(node.options or {}).encode())
        nodes.append(NodeDef(name=node_names[node], op=op, input=edges, attr=attr))
    for index, out in enumerate(outputs):
        if out.grad_fn in node_names:
            nodes.append(NodeDef(name=f"output/output.{index}", op="IO Node",
                                 input=[node_names[out.grad_fn]],
                                 attr={"_output_shapes": _shape_attr([out.shape])}))
    return GraphDef(node=nodes, versions=VersionDef(producer=22))
