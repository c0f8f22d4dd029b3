"""needl.func: the parts of torch.func that need no transform machinery."""
from ..nn.utils.stateless import functional_call

__all__ = ["functional_call"]
