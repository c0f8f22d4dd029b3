"""CheckpointError and the small checks every reader shares: bounded shapes, file names."""
import math
import os
import struct
import zipfile
import zlib

# what reading damaged zip/npy bytes can raise (zipfile rejects unknown versions, methods and
# the encryption flag with NotImplementedError/RuntimeError; a bad header can make struct or
# the npy parser fail, or declare an impossible size)
READ_ERRORS = (ValueError, OSError, EOFError, KeyError, IndexError, TypeError, NotImplementedError,
               RuntimeError, MemoryError, OverflowError, struct.error, zipfile.BadZipFile, zlib.error)

# an empty tensor may declare dimensions that no file holds, (5, 0) say, but not without bound:
# the non-zero dimensions may multiply to at most this many elements more than the file has
EMPTY_SHAPE_ALLOWANCE = 1 << 24


class CheckpointError(ValueError):
    """A file that is not a readable checkpoint (foreign, truncated, corrupt or hostile)."""


def describe(f) -> str:
    """How error messages name the file: its path, or 'the file object'."""
    return repr(os.fspath(f)) if isinstance(f, (str, os.PathLike)) else "the file object"


def check_shape(shape, file_size: int, name: str, where: str) -> tuple:
    """`shape` as a tuple of ints, refused unless every dimension is a non-negative int and the
    non-zero dimensions multiply to no more elements than a file of `file_size` bytes allows."""
    if not isinstance(shape, (tuple, list)) or not all(
            isinstance(size, int) and not isinstance(size, bool) and size >= 0 for size in shape):
        raise CheckpointError(f"{name}: {where} declares the shape {shape!r}, which is not a "
                              f"sequence of non-negative integers")
    elements = math.prod(size for size in shape if size)
    if elements > file_size + EMPTY_SHAPE_ALLOWANCE:
        raise CheckpointError(f"{name}: {where} declares the shape {tuple(shape)}, larger than a "
                              f"file of {file_size} bytes can hold")
    return tuple(shape)
