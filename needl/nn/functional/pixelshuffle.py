"""pixel_shuffle / pixel_unshuffle / channel_shuffle: reshapes and permutations (views where NumPy allows)."""
from ...autograd.tensor import Tensor


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r)."""
    r = int(upscale_factor)
    *batch, channels, height, width = input.shape
    if input.ndim < 3 or channels % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor ({r * r}), but input of shape {tuple(input.shape)} has {channels} channels")
    lead = len(batch)
    shaped = input.reshape(*batch, channels // (r * r), r, r, height, width)
    order = tuple(range(lead)) + tuple(lead + i for i in (0, 3, 1, 4, 2))
    return shaped.permute(*order).reshape(*batch, channels // (r * r), height * r, width * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) -> (*, C r^2, H, W)."""
    r = int(downscale_factor)
    *batch, channels, height, width = input.shape
    if input.ndim < 3 or height % r or width % r:
        raise RuntimeError(f"pixel_unshuffle expects height and width divisible by downscale_factor ({r}), got "
                           f"input of shape {tuple(input.shape)}")
    lead = len(batch)
    shaped = input.reshape(*batch, channels, height // r, r, width // r, r)
    order = tuple(range(lead)) + tuple(lead + i for i in (0, 2, 4, 1, 3))
    return shaped.permute(*order).reshape(*batch, channels * r * r, height // r, width // r)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the channels of (N, C, *) across `groups` groups (ShuffleNet)."""
    batch, channels = input.shape[:2]
    if channels % groups:
        raise RuntimeError(f"channel_shuffle: the number of channels ({channels}) must be divisible by groups ({groups})")
    rest = tuple(input.shape[2:])
    return input.reshape(batch, groups, channels // groups, *rest).transpose(1, 2).reshape(batch, channels, *rest)
