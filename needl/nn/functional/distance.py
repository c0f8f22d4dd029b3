"""cosine_similarity and pairwise_distance, composed from recorded ops (so every order of gradient works)."""
from ...autograd.tensor import Tensor


def _norm(input: Tensor, p: float, dim: int, keepdim: bool) -> Tensor:
    if p == 2:
        return (input * input).sum(dim, keepdim=keepdim) ** 0.5
    if p == 1:
        return input.abs().sum(dim, keepdim=keepdim)
    if p == float("inf"):
        return input.abs().amax(dim, keepdim=keepdim)
    return (input.abs() ** p).sum(dim, keepdim=keepdim) ** (1.0 / p)


def _clamped_norm(input: Tensor, dim: int, eps: float) -> Tensor:
    """max(||input||_2, eps) as sqrt(max(sum of squares, eps^2)): the clamp comes before the sqrt,
    so a zero row gets a zero gradient here instead of 0 * inf = nan."""
    return (input * input).sum(dim, keepdim=True).clamp(min=eps * eps).sqrt()


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps)) along dim (the inputs broadcast)."""
    x1_norm = _clamped_norm(x1, dim, eps)
    x2_norm = _clamped_norm(x2, dim, eps)
    return ((x1 / x1_norm) * (x2 / x2_norm)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim."""
    return _norm(x1 - x2 + eps, p, -1, keepdim)
