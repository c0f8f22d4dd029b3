"""torch.amp.autocast_mode: needl.amp.autocast at PyTorch's module path."""
from . import autocast, is_autocast_available

__all__ = ["autocast", "is_autocast_available"]
