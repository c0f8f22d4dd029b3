"""needl.utils.hooks: RemovableHandle, as torch.utils.hooks (one class, shared with the engine)."""
from ..autograd.hooks import RemovableHandle

__all__ = ["RemovableHandle"]
