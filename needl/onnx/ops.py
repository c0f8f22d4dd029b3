"""How each needl op becomes ONNX nodes (opset 17): one small function per op name.

Each takes the builder, the input value names (constants already turned into initializers) and
the op's options, and returns the name of its output.
"""
import numpy as np


def _unary(op_type):
    return lambda graph, inputs, options: graph.node(op_type, inputs[:1])


def _binary(op_type):
    return lambda graph, inputs, options: graph.node(op_type, inputs[:2])


def _pads(padding) -> list:
    """needl's (top, bottom, left, right) or symmetric (height, width) padding as ONNX pads."""
    if len(padding) == 4:
        top, bottom, left, right = padding
    else:
        (top, left), (bottom, right) = padding, padding
    return [top, left, bottom, right]


def linear(graph, inputs, options):
    x, weight, *bias = inputs
    if graph.rank(x) == 2:
        return graph.node("Gemm", [x, weight, *bias[:1]], transB=1)
    out = graph.node("MatMul", [x, graph.node("Transpose", [weight], perm=[1, 0])])
    return graph.node("Add", [out, bias[0]]) if bias else out


def conv2d(graph, inputs, options):
    return graph.node("Conv", inputs[:3], strides=list(options.get("stride", (1, 1))),
                      pads=_pads(options.get("padding", (0, 0, 0, 0))),
                      dilations=list(options.get("dilation", (1, 1))), group=options.get("groups", 1))


def max_pool2d(graph, inputs, options):
    return graph.node("MaxPool", inputs[:1], kernel_shape=list(options["kernel_size"]),
                      strides=list(options["stride"]), pads=_pads(options["padding"]),
                      dilations=list(options.get("dilation", (1, 1))),
                      ceil_mode=int(options.get("ceil_mode", False)))


def avg_pool2d(graph, inputs, options):
    if options.get("divisor_override") is not None:
        raise NotImplementedError("avg_pool2d with divisor_override has no ONNX equivalent")
    return graph.node("AveragePool", inputs[:1], kernel_shape=list(options["kernel_size"]),
                      strides=list(options["stride"]), pads=_pads(options["padding"]),
                      ceil_mode=int(options.get("ceil_mode", False)),
                      count_include_pad=int(options.get("count_include_pad", True)))


def adaptive_avg_pool2d(graph, inputs, options):
    if tuple(options["output_size"]) != (1, 1):
        raise NotImplementedError("adaptive_avg_pool2d is exported only with output size 1 "
                                  "(GlobalAveragePool)")
    return graph.node("GlobalAveragePool", inputs[:1])


def batch_norm_eval(graph, inputs, options):
    x, mean, var, weight, bias = inputs
    return graph.node("BatchNormalization", [x, weight, bias, mean, var],
                      epsilon=float(options.get("eps", 1e-5)))


def reshape(graph, inputs, options):
    return graph.node("Reshape", [inputs[0], graph.constant(np.array(options["shape"], np.int64))])


def transpose(graph, inputs, options):
    perm = list(range(graph.rank(inputs[0])))
    a, b = options["dim0"] % len(perm), options["dim1"] % len(perm)
    perm[a], perm[b] = perm[b], perm[a]
    return graph.node("Transpose", inputs[:1], perm=perm)


def permute(graph, inputs, options):
    rank = graph.rank(inputs[0])
    return graph.node("Transpose", inputs[:1], perm=[d % rank for d in options["dims"]])


def _axes(graph, value, options):
    dim = options.get("dim")
    rank = graph.rank(value)
    dims = range(rank) if dim is None else (dim,) if isinstance(dim, int) else dim
    return [d % rank for d in dims]


def sum(graph, inputs, options):
    axes = graph.constant(np.array(_axes(graph, inputs[0], options), np.int64))
    return graph.node("ReduceSum", [inputs[0], axes], keepdims=int(options.get("keepdim", False)))


def mean(graph, inputs, options):
    return graph.node("ReduceMean", inputs[:1], axes=_axes(graph, inputs[0], options),
                      keepdims=int(options.get("keepdim", False)))


def softmax(graph, inputs, options):
    return graph.node("Softmax", inputs[:1], axis=options["dim"])


def log_softmax(graph, inputs, options):
    return graph.node("LogSoftmax", inputs[:1], axis=options["dim"])


def leaky_relu(graph, inputs, options):
    return graph.node("LeakyRelu", inputs[:1], alpha=float(options.get("negative_slope", 0.01)))


def cat(graph, inputs, options):
    return graph.node("Concat", inputs, axis=options.get("dim", 0))


def unsqueeze(graph, inputs, options):
    return graph.node("Unsqueeze", [inputs[0], graph.constant(np.array([options["dim"]], np.int64))])


OPS = {
    "linear": linear, "conv2d": conv2d, "max_pool2d": max_pool2d, "avg_pool2d": avg_pool2d,
    "adaptive_avg_pool2d": adaptive_avg_pool2d, "batch_norm_eval": batch_norm_eval,
    "reshape": reshape, "transpose": transpose, "permute": permute, "sum": sum, "mean": mean,
    "softmax": softmax, "log_softmax": log_softmax, "leaky_relu": leaky_relu, "cat": cat,
    "unsqueeze": unsqueeze, "matmul": _binary("MatMul"),
    "add": _binary("Add"), "sub": _binary("Sub"), "mul": _binary("Mul"), "div": _binary("Div"),
    "pow": _binary("Pow"), "maximum": _binary("Max"), "minimum": _binary("Min"),
    "relu": _unary("Relu"), "tanh": _unary("Tanh"), "sigmoid": _unary("Sigmoid"),
    "exp": _unary("Exp"), "log": _unary("Log"), "neg": _unary("Neg"), "sqrt": _unary("Sqrt"),
    "abs": _unary("Abs"),
}
