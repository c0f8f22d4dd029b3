"""The IDX file format of MNIST-style datasets: read (raw or gzip) with validation, and write.

Layout: two zero bytes, a type code, the number of dimensions n, then n big-endian uint32 sizes,
then the values in big-endian C order. Every check names the file and what is wrong.
"""
import gzip
import math
import os
import zlib
from typing import Union

import numpy as np

PathLike = Union[str, os.PathLike]

# IDX type code -> NumPy dtype (big-endian where it matters)
TYPE_CODES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_GZIP_MAGIC = b"\x1f\x8b"


class IDXError(ValueError):
    """A file that is not a well-formed IDX file (wrong magic number, truncated, wrong size)."""


def _read_bytes(path: PathLike) -> bytes:
    with open(path, "rb") as file:
        content = file.read()
    if content[:2] != _GZIP_MAGIC:
        if os.fspath(path).endswith(".gz"):
            raise IDXError(f"{os.fspath(path)}: named .gz but is not gzip-compressed (it starts "
                           f"with {content[:4].hex() or 'nothing: the file is empty'})")
        return content
    try:
        return gzip.decompress(content)
    except (EOFError, OSError, zlib.error) as error:
        raise IDXError(f"{os.fspath(path)}: the gzip stream is truncated or corrupt ({error}); "
                       f"delete the file and fetch it again") from None


def parse_idx(content: bytes, name: str = "<bytes>") -> np.ndarray:
    """The array stored in the IDX bytes `content` (native byte order); `name` is for errors."""
    if len(content) < 4:
        raise IDXError(f"{name}: only {len(content)} bytes, too short for an IDX header "
                       f"(the file is truncated or empty)")
    if content[0] != 0 or content[1] != 0 or content[2] not in TYPE_CODES:
        raise IDXError(f"{name}: bad IDX magic number 0x{content[:4].hex()} (expected 0x0000 "
                       f"followed by a type code in "
                       f"{', '.join(f'0x{code:02x}' for code in TYPE_CODES)} and the number of "
                       f"dimensions): not an IDX file")
    dtype = TYPE_CODES[content[2]]
    ndim = content[3]
    header = 4 + 4 * ndim
    if len(content) < header:
        raise IDXError(f"{name}: truncated header: {ndim} dimensions need {header} bytes, the "
                       f"file has {len(content)}")
    shape = tuple(int(size) for size in np.frombuffer(content, dtype=">u4", count=ndim, offset=4))
    expected = header + math.prod(shape) * dtype.itemsize
    if len(content) != expected:
        what = "truncated" if len(content) < expected else "has extra bytes at the end"
        raise IDXError(f"{name}: {what}: a {dtype.name} array of shape {shape} needs "
                       f"{expected} bytes, the file has {len(content)}")
    array = np.frombuffer(content, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=True)


def read_idx(path: PathLike) -> np.ndarray:
    """Read an IDX file, raw or gzip-compressed (detected from its first bytes)."""
    return parse_idx(_read_bytes(path), os.fspath(path))


def write_idx(array: np.ndarray, path: PathLike) -> None:
    """Write `array` as an IDX file, gzip-compressed when `path` ends with .gz."""
    array = np.asarray(array)
    codes = {dtype.newbyteorder("="): code for code, dtype in TYPE_CODES.items()}
    native = array.dtype.newbyteorder("=")
    if native not in codes:
        raise TypeError(f"IDX cannot store {array.dtype}; use one of "
                        f"{', '.join(sorted(str(d) for d in codes))}")
    if array.ndim > 255:
        raise ValueError(f"IDX stores at most 255 dimensions, got {array.ndim}")
    code = codes[native]
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    content = header + np.ascontiguousarray(array, dtype=TYPE_CODES[code]).tobytes()
    if os.fspath(path).endswith(".gz"):
        content = gzip.compress(content, mtime=0)
    with open(path, "wb") as file:
        file.write(content)
