"""flatten / unflatten in function form (thin wrappers over the Tensor methods)."""
from ...autograd.tensor import Tensor


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims start_dim..end_dim into one."""
    return input.flatten(start_dim, end_dim)


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split dim into sizes."""
    return input.unflatten(dim, sizes)
