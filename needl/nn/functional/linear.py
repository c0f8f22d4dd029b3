"""linear: input @ weight.T + bias as one fused tape node with a hand-written vjp."""
import numpy as np

from ...autograd import op
from ...autograd.tensor import Tensor


@op
def _linear(input, weight, bias):
    if input.ndim == 0 or input.shape[-1] != weight.shape[-1]:
        raise RuntimeError(f"linear: input has shape {tuple(input.shape)}, so {input.shape[-1] if input.ndim else 0} "
                           f"features, but the weight of shape {tuple(weight.shape)} expects "
                           f"{weight.shape[-1]} features in the last dimension")
    if input.ndim == 2:
        output = input @ weight.T
    else:  # N-d input: one 2-D BLAS call on the flattened batch
        output = (input.reshape(-1, input.shape[-1]) @ weight.T).reshape(input.shape[:-1] + weight.shape[:1])
    if bias is not None:
        output += bias
    return output


@_linear.vjp
def _linear_vjp(grad_output, output, input, weight, bias, needs_input_grad):
    if type(grad_output) is np.ndarray and not grad_output.flags.c_contiguous:
        # e.g. the stride-0 gradient of a sum: matmul would miss BLAS on it
        grad_output = np.ascontiguousarray(grad_output)
    rows = grad_output.reshape(-1, grad_output.shape[-1])
    grad_input = grad_weight = grad_bias = None
    if needs_input_grad[0]:
        grad_input = (rows @ weight).reshape(input.shape)
    if needs_input_grad[1]:
        grad_weight = rows.T @ input.reshape(-1, input.shape[-1])
    if needs_input_grad[2]:
        grad_bias = rows.sum(axis=0)
    return grad_input, grad_weight, grad_bias


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = input @ weight.T + bias for input (*, in_features), weight (out_features, in_features)."""
    if input.dtype != weight.dtype:
        raise RuntimeError(f"linear: input ({input.dtype}, shape {tuple(input.shape)}) and weight "
                           f"({weight.dtype}) must have the same dtype; cast the input with .to(weight.dtype) "
                           f"or the module with .float()/.double()")
    return _linear(input, weight, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = input1 @ weight[k] @ input2 + bias_k, weight (out, in1, in2)."""
    from ...autograd.ops.linalg import einsum
    output = einsum("...i,kij,...j->...k", input1, weight, input2)
    return output if bias is None else output + bias
