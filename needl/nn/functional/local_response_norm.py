"""local_response_norm: divide each channel by a power of the summed squares of its neighbours
(AlexNet's normalisation), composed as PyTorch composes it from padding and average pooling."""
from ...autograd.ops.pad import pad
from ...autograd.ops.pool import avg_pool2d
from ...autograd.tensor import Tensor
from .pool3d import avg_pool3d


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """x / (k + alpha / size * sum of x^2 over `size` neighbouring channels)^beta, for (N, C, *) inputs."""
    if input.ndim < 3:
        raise ValueError(f"local_response_norm: expected 3D or higher dimensionality input (got {input.ndim} "
                         f"dimensions, shape {tuple(input.shape)})")
    if input.shape[0] * input.shape[1] == 0 or input._data.size == 0:
        return input
    batch, channels = input.shape[:2]
    squares = (input * input).unsqueeze(1)  # channels become the depth (or height) of a pooled volume
    front, back = size // 2, (size - 1) // 2
    if input.ndim == 3:
        window = avg_pool2d(pad(squares, (0, 0, front, back)), (size, 1), stride=1).squeeze(1)
    else:
        flat = squares.reshape(batch, 1, channels, input.shape[2], -1)
        window = avg_pool3d(pad(flat, (0, 0, 0, 0, front, back)), (size, 1, 1), stride=1).squeeze(1)
        window = window.reshape(input.shape)
    return input / (window * alpha + k) ** beta
