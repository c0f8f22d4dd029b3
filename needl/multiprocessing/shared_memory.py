"""Memory shared between processes: anonymous memory files, mapped MAP_SHARED.

A memory file (memfd on Linux, an unlinked temporary file elsewhere) has no name, so nothing is
ever left in /dev/shm: the kernel frees it with its last descriptor and mapping, in whichever
process that is. `share_tensors` moves tensors' arrays into one (Tensor.share_memory_ and
Module.share_memory call it): their arrays then view a Segment, a mapping that keeps the file's
descriptor, so that processes forked later see the same memory and processes started later can
be sent the descriptor (reductions.py). A process maps each memory file once: `open_segment`
finds the Segment it already has by the file's identity.
"""
import mmap
import os
import tempfile
import weakref
from typing import Iterable, Optional, Tuple

import numpy as np

ALIGNMENT = 64  # each array starts on a cache line

# this process's mappings, by memory file (st_dev, st_ino): a file received twice is mapped once
_segments: "weakref.WeakValueDictionary[Tuple[int, int], Segment]" = weakref.WeakValueDictionary()


def round_up(size: int, multiple: int) -> int:
    return -(-size // multiple) * multiple


def memory_file(size: int, name: str = "needl-shared") -> int:
    """The descriptor of a new anonymous memory file of `size` bytes (zeros), closed on exec."""
    if hasattr(os, "memfd_create"):
        descriptor = os.memfd_create(name, os.MFD_CLOEXEC)
    else:
        descriptor, path = tempfile.mkstemp(prefix=name + "-")
        os.unlink(path)
    try:
        os.ftruncate(descriptor, size)
    except OSError:
        os.close(descriptor)
        raise
    return descriptor


class Segment(mmap.mmap):
    """A shared mapping of a whole memory file that owns the file's descriptor (closed with it)."""

    def __new__(cls, descriptor: int, size: int) -> "Segment":
        """Map `size` bytes of the file; the descriptor is the Segment's from then on (closed here
        if mapping fails)."""
        try:
            segment = super().__new__(cls, descriptor, size)
            segment.address = np.frombuffer(segment, np.uint8, 1).__array_interface__["data"][0]
            status = os.fstat(descriptor)
        except BaseException:
            os.close(descriptor)
            raise
        segment.descriptor = descriptor
        _segments[status.st_dev, status.st_ino] = segment
        return segment

    def __del__(self):
        descriptor = getattr(self, "descriptor", None)
        if descriptor is not None:
            os.close(descriptor)


def new_segment(size: int) -> Segment:
    size = max(size, 1)  # a mapping cannot be empty
    return Segment(memory_file(size), size)


def open_segment(descriptor: int, size: int) -> Segment:
    """This process's mapping of the memory file behind a received descriptor (which it owns):
    the one it already has, the descriptor then closed, or a new one."""
    status = os.fstat(descriptor)
    segment = _segments.get((status.st_dev, status.st_ino))
    if segment is None:
        return Segment(descriptor, size)
    if descriptor != segment.descriptor:  # never close the one the Segment keeps
        os.close(descriptor)
    return segment


def segment_of(array: np.ndarray) -> Optional[Segment]:
    """The Segment an array views, or None if it views no shared memory."""
    while isinstance(array, np.ndarray):
        array = array.base
    return array if isinstance(array, Segment) else None


def is_shared(array: np.ndarray) -> bool:
    return segment_of(array) is not None


def offset_in(segment: Segment, array: np.ndarray) -> int:
    """Where, in bytes from the segment's start, the array's first element is."""
    return array.__array_interface__["data"][0] - segment.address


def share_tensors(tensors: Iterable) -> None:
    """Move the arrays of those tensors not yet in shared memory into one new memory file.

    Each keeps its shape and dtype in a row-major layout, 64-byte aligned; the Tensor objects stay
    the same (only `_data` changes), so views of their old arrays do not follow. Tensors holding
    the same array keep holding one array.
    """
    from .reductions import init_reductions
    init_reductions()  # Parameter is registered once needl.nn is loaded
    pending = {id(tensor): tensor for tensor in tensors if not is_shared(tensor._data)}
    if not pending:
        return
    arrays = {id(tensor._data): tensor._data for tensor in pending.values()}
    offsets, end = {}, 0
    for key, array in arrays.items():
        offsets[key] = end
        end = round_up(end + array.nbytes, ALIGNMENT)
    segment = new_segment(end)
    moved = {}
    for key, array in arrays.items():
        moved[key] = np.ndarray(array.shape, array.dtype, buffer=segment, offset=offsets[key])
        np.copyto(moved[key], array)
    for tensor in pending.values():
        tensor._data = moved[id(tensor._data)]
        if getattr(tensor, "_base", None) is not None:  # no longer a view of that base's memory
            del tensor._base
