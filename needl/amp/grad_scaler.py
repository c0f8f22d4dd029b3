"""torch.amp.grad_scaler: needl.amp.GradScaler at PyTorch's module path."""
from . import GradScaler

__all__ = ["GradScaler"]
