"""adaptive_max_pool1d: adaptive_max_pool2d (one tape node, in needl.autograd.ops.pool) on a height-1 image."""
from ...autograd.ops.pool import adaptive_max_pool2d
from ...autograd.tensor import Tensor


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling of (N, C, L) or (C, L) to output_size positions."""
    if input.ndim not in (2, 3):
        raise ValueError(f"adaptive_max_pool1d: expected a 2-D or 3-D input, got input of shape {tuple(input.shape)}")
    size = output_size[0] if isinstance(output_size, (tuple, list)) else output_size
    result = adaptive_max_pool2d(input.unsqueeze(-2), (1, size), return_indices)
    if return_indices:
        return result[0].squeeze(-2), Tensor._make(result[1]._data[..., 0, :])
    return result.squeeze(-2)
