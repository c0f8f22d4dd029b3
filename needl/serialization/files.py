"""Opening checkpoint files for the readers and writers: paths or file objects, zip entries read
whole with their CRC checked, and saves that never leave a half-written file behind."""
import contextlib
import io
import os
import zipfile
from typing import BinaryIO, Callable, Union

import numpy as np

from .errors import CheckpointError, describe

PathLike = Union[str, os.PathLike, BinaryIO]

# deflate expands at most ~1032:1, so a compressed entry declaring more is a lie (a zip bomb)
_DEFLATE_MAX_RATIO = 1032
_CHUNK = 1 << 24


class Source:
    """A readable, seekable view of a checkpoint: `file` from `start`, `size` bytes, `name`."""

    def __init__(self, file: BinaryIO, start: int, size: int, name: str):
        self.file, self.start, self.size, self.name = file, start, size, name

    def head(self, count: int) -> bytes:
        self.file.seek(self.start)
        data = self.file.read(count)
        self.file.seek(self.start)
        return data

    def read_all(self) -> bytes:
        self.file.seek(self.start)
        return self.file.read()


@contextlib.contextmanager
def open_source(f: PathLike):
    """Yield a Source for a path or a file object; an unseekable stream is read into memory."""
    name = describe(f)
    if isinstance(f, (str, os.PathLike)):
        if not os.path.exists(f):
            raise FileNotFoundError(f"no such checkpoint file: {name}")
        if os.path.isdir(f):
            raise IsADirectoryError(f"{name} is a directory, not a checkpoint file")
        with open(f, "rb") as file:
            yield Source(file, 0, os.fstat(file.fileno()).st_size, name)
        return
    if not hasattr(f, "read"):
        raise TypeError(f"load takes a path or a binary file object, got {type(f).__name__}")
    file = f
    if not (hasattr(f, "seekable") and f.seekable()):
        file = io.BytesIO(f.read())
    start = file.tell()
    size = file.seek(0, io.SEEK_END) - start
    file.seek(start)
    if size < 0:
        raise CheckpointError(f"{name}: the file object's position is past its end")
    yield Source(file, start, size, name)


def read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: Source) -> np.ndarray:
    """The bytes of one zip entry as a writable uint8 array, its CRC-32 checked.

    The size the entry declares is bounded by the file's size before anything is allocated, and
    the entry is read to its end, which is where zipfile compares the CRC.
    """
    where = f"{source.name}: entry {info.filename!r}"
    if info.compress_type == zipfile.ZIP_STORED:
        limit = source.size
        if info.file_size != info.compress_size:
            raise CheckpointError(f"{where} is stored uncompressed but declares {info.file_size} "
                                  f"bytes of data in {info.compress_size} bytes")
    else:
        limit = _DEFLATE_MAX_RATIO * info.compress_size + 1024
    if info.file_size > limit or info.compress_size > source.size:
        raise CheckpointError(f"{where} declares {info.file_size} bytes, more than a file of "
                              f"{source.size} bytes can hold")
    buffer = np.empty(info.file_size, dtype=np.uint8)
    try:
        with archive.open(info) as member:
            filled = 0
            while filled < info.file_size:
                chunk = member.read(min(_CHUNK, info.file_size - filled))
                if not chunk:
                    break
                buffer[filled:filled + len(chunk)] = np.frombuffer(chunk, dtype=np.uint8)
                filled += len(chunk)
            if filled != info.file_size or member.read(1):
                raise CheckpointError(f"{where} holds {filled} bytes or more, not the "
                                      f"{info.file_size} it declares")
    except zipfile.BadZipFile as error:  # zipfile's CRC check and header checks
        raise CheckpointError(f"{where} is corrupt: {error}") from None
    return buffer


def write_atomically(f: PathLike, write: Callable[[BinaryIO], None]) -> None:
    """Call write(file) on the file object `f`, or on a temporary file that then replaces the path
    `f`, so an interrupted save never leaves a half-written checkpoint at the path."""
    if hasattr(f, "write"):
        write(f)
        return
    path = os.fspath(f)
    temporary = f"{path}.tmp{os.getpid()}"
    try:
        with open(temporary, "wb") as file:
            write(file)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
