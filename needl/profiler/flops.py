"""with_flops=True: the floating-point operations of the ops PyTorch counts (matmul, linear,
convolutions, add, mul), from the shapes of their inputs and output. Others count 0."""
import math

__all__ = ["estimate_flops"]


def _matmul(inputs, output):
    first = inputs[0]
    return 2 * math.prod(output) * (first[-1] if first else 1)


def _linear(inputs, output):
    # needl.nn.functional.linear (input, weight (out, in), bias); an interpolation kernel is also named linear
    if len(inputs) != 3 or len(inputs[1]) != 2:
        return 0
    return 2 * math.prod(output) * inputs[1][1]


def _convolution(inputs, output):
    weight = inputs[1]  # (out_channels, in_channels / groups, *kernel)
    return 2 * math.prod(output) * math.prod(weight[1:])


def _transposed_convolution(inputs, output):
    weight = inputs[1]  # (in_channels, out_channels / groups, *kernel): every input element meets a kernel
    return 2 * math.prod(inputs[0]) * math.prod(weight[1:])


def _elementwise(inputs, output):
    return math.prod(output)


_FORMULAS = {"matmul": _matmul, "linear": _linear, "conv1d": _convolution, "conv2d": _convolution,
             "conv3d": _convolution, "conv_transpose2d": _transposed_convolution,
             "conv_transpose3d": _transposed_convolution, "add": _elementwise, "mul": _elementwise}


def estimate_flops(name: str, args, output) -> int:
    """FLOPs of one forward call of the op `name` on `args` (Tensors, arrays, constants)."""
    formula = _FORMULAS.get(name)
    if formula is None:
        return 0
    inputs = [tuple(getattr(arg, "shape", ())) for arg in args]
    first = output[0] if type(output) is tuple else output
    return int(formula(inputs, tuple(getattr(first, "shape", ()))))
