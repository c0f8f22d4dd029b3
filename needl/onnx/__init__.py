"""needl.onnx: export a model to an ONNX file by tracing one forward pass on the tape.

    needl.onnx.export(model, x, "model.onnx", input_names=["x"], output_names=["y"])

The tape already is the graph: every recorded op becomes ONNX nodes (ops.py lists the ones
mapped: Linear, Conv2d, pooling, BatchNorm in eval mode, activations, reshape/flatten,
arithmetic, matmul, softmax...), parameters and buffers become initializers named by their
state_dict keys. Shapes are those of the traced input (no dynamic axes). An op with no ONNX
mapping raises NotImplementedError naming it. Needs the optional `onnx` package.
"""
from .export import export, is_in_onnx_export
from .trace import trace

__all__ = ["export", "is_in_onnx_export", "trace"]
