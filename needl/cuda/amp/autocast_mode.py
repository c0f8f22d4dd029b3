"""torch.cuda.amp.autocast_mode: autocast("cuda", ...), which in needl keeps full precision."""
from ...amp import autocast as _autocast


class autocast(_autocast):
    """`torch.cuda.amp.autocast(...)` is `torch.autocast("cuda", ...)`; needl computes in full precision."""

    def __init__(self, enabled: bool = True, dtype=None, cache_enabled: bool = True):
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)

