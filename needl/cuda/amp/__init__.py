"""needl.cuda.amp: PyTorch's deprecated spelling of needl.amp (autocast keeps full precision),
with its module paths (torch.cuda.amp.grad_scaler.GradScaler, torch.cuda.amp.autocast_mode.autocast)."""
from .autocast_mode import autocast
from .grad_scaler import GradScaler

__all__ = ["autocast", "GradScaler"]
