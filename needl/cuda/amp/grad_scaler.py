"""torch.cuda.amp.grad_scaler: the GradScaler of needl.amp (scale 1: needl never computes in float16)."""
from ...amp import GradScaler

__all__ = ["GradScaler"]
