"""needl.utils.tensorboard: PyTorch's SummaryWriter, writing TensorBoard event files through
tensorboardX (an optional dependency, imported only when a writer is made)."""
from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
