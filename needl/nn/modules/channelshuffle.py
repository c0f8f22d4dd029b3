"""PyTorch's module path torch.nn.modules.channelshuffle: ChannelShuffle (defined in pixelshuffle.py)."""
from .pixelshuffle import ChannelShuffle

__all__ = ["ChannelShuffle"]
