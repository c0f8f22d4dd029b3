"""needl.cpu.amp: PyTorch's deprecated spelling of needl.autocast("cpu") (full precision)."""
from ..amp import GradScaler, autocast as _autocast


class autocast(_autocast):
    def __init__(self, enabled: bool = True, dtype=None, cache_enabled: bool = True):
        super().__init__("cpu", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


__all__ = ["autocast", "GradScaler"]
