"""Keep freed memory for reuse (glibc): large arrays then cost no page faults step after step.

By default glibc returns every freed block of 128 KiB or more to the kernel, so each training
step pays for its large temporaries again, page by page (measured: ~15,000 minor faults and ~11%
of the CPU time of a ResNet step, 6 ms of an LSTM step). Serving blocks up to 32 MiB from the heap
and never trimming it keeps resident memory at the step's peak between steps instead. Opt out
with NEEDL_KEEP_FREED_MEMORY=0 (before importing needl).
"""
import ctypes
import os
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def keep_freed_memory() -> bool:
    """Set glibc's thresholds; False where there is no glibc (other platforms, musl) or opted out."""
    if os.environ.get("NEEDL_KEEP_FREED_MEMORY", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20) and libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30))
    except (OSError, AttributeError):
        return False


KEPT = keep_freed_memory()
