"""needl.cuda.amp: PyTorch's deprecated spelling of needl.amp (autocast keeps full precision)."""
from ..amp import GradScaler, autocast as _autocast


class autocast(_autocast):
    """`torch.cuda.amp.autocast(...)` is `torch.autocast("cuda", ...)`; needl computes in full precision."""

    def __init__(self, enabled: bool = True, dtype=None, cache_enabled: bool = True):
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


__all__ = ["autocast", "GradScaler"]
