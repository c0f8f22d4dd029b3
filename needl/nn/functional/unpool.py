"""max_unpool1d/2d/3d: put each pooled value back at the position its max-pooling index names,
zeros elsewhere (the inverse PyTorch pairs with max_pool*(return_indices=True)).

One op: each value written at its flat index in its (N, C) volume (a repeated index keeps one
of its values, which max pooling makes equal, as PyTorch); the gradient gathers from the
indices, as PyTorch's, and its adjoint is needl's flat scatter, so higher orders work.
"""
import numpy as np

from ...autograd.function import op
from ...autograd.ops.pool import flat_gather
from ...autograd.ops.windows import pair, show
from ...autograd.tensor import Tensor


@op
def _unpool(input, indices, volume=1):
    """(P, L) values -> (P, volume): each row's values at its `indices`, zeros elsewhere."""
    output = np.zeros((input.shape[0], volume), input.dtype)
    np.put_along_axis(output, indices, input, axis=1)
    return output


@_unpool.vjp
def _unpool_vjp(grad, out, input, indices, volume=1):
    return flat_gather(grad[:, None], indices[:, None])[:, 0], None


def _output_size(function, input, kernel, stride, padding, output_size, dims) -> tuple:
    default = tuple((input.shape[-dims + d] - 1) * stride[d] + kernel[d] - 2 * padding[d] for d in range(dims))
    if output_size is None:
        size = default
    else:
        size = tuple(int(s) for s in output_size)
        if len(size) == dims + 2:
            size = size[2:]
        if len(size) != dims:
            raise ValueError(f"{function}: output_size should be a sequence containing {dims} or {dims + 2} "
                             f"elements, but it has a length of '{len(size)}'")
        for d in range(dims):
            low, high = default[d] - stride[d], default[d] + stride[d]
            if not low < size[d] < high:
                raise ValueError(f'{function}: invalid output_size "{size}" (dim {d} must be between {low} and {high})')
    if min(size) < 0:
        raise ValueError(f"{function}: output_size must contain non-negative spatial dimensions, got {size}")
    return size


def _max_unpool(function, input, indices, kernel_size, stride, padding, output_size, dims):
    kernel = pair(kernel_size, "kernel_size", function, dims)
    stride = kernel if stride is None else pair(stride, "stride", function, dims)
    padding = pair(padding, "padding", function, dims)
    if input.ndim not in (dims + 1, dims + 2):
        raise ValueError(f"{function}: expected a {dims + 1}-D or {dims + 2}-D input, got shape {show(input.shape)}")
    index = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if index.shape != tuple(input.shape) or index.dtype.kind not in "iu":
        raise ValueError(f"{function}: indices must be integers of the input's shape {show(input.shape)}, "
                         f"got {index.dtype} of shape {show(index.shape)}")
    size = _output_size(function, input, kernel, stride, padding, output_size, dims)
    volume = int(np.prod(size))
    if index.size and (index.min() < 0 or index.max() >= volume):
        raise ValueError(f"{function}: found an index outside the output's {volume} positions (output size {size})")
    planes = tuple(input.shape[:-dims])
    rows = int(np.prod(planes))
    output = _unpool(input.reshape(rows, -1), index.reshape(rows, -1).astype(np.int64, copy=False), volume=volume)
    return output.reshape(planes + size)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """(N, C, L) pooled values back to (N, C, L_out) at their indices."""
    return _max_unpool("max_unpool1d", input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """(N, C, H, W) pooled values back to (N, C, H_out, W_out) at their flat indices h * W_out + w."""
    return _max_unpool("max_unpool2d", input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """(N, C, D, H, W) pooled values back to their flat indices in each D_out*H_out*W_out volume."""
    return _max_unpool("max_unpool3d", input, indices, kernel_size, stride, padding, output_size, 3)
