"""Reading pickles of plain data without running them: CIFAR's python-version batches.

A CIFAR batch is a pickle of a dict holding lists of ints and strings and one NumPy uint8
array. Python's unpickler would call whatever the file names. This module runs needl's
restricted pickle interpreter (`needl.serialization.pickle_reader`, which never imports or
calls a name from the file) and allows only the names a pickled NumPy array is made of,
rebuilt here from their bytes: `_reconstruct`/`ndarray` with plain numeric dtypes, `dtype`,
`_frombuffer`, and protocol 2's spelling of bytes (`_codecs.encode(text, 'latin1')`).
Anything else is refused with its name.
"""
from typing import Any

import numpy as np

from ...serialization import pickle_reader
from ...serialization.errors import CheckpointError
from ...serialization.pickle_reader import Global, Pending

_PLAIN_KINDS = "biuf"  # bool, signed, unsigned, float


class UnsafePickleError(CheckpointError):
    """A pickle that needs more than plain data (it names a class or function not allowed)."""


def _plain_dtype(dtype: Any) -> np.dtype:
    if not isinstance(dtype, np.dtype) or dtype.kind not in _PLAIN_KINDS or dtype.fields:
        raise UnsafePickleError(f"refusing a pickled array of dtype {dtype}: only plain numeric "
                                f"arrays are read")
    return dtype


def _latin1_bytes(data: Any) -> bytes:
    """Array bytes: Python 2 pickles store them as a str (read as latin-1 text)."""
    data = data.encode("latin-1") if isinstance(data, str) else data
    if not isinstance(data, (bytes, bytearray)):
        raise UnsafePickleError(f"a pickled array's data is a {type(data).__name__}, not bytes")
    return bytes(data)


def _array(shape, dtype: np.dtype, data: Any, fortran: bool) -> np.ndarray:
    data = _latin1_bytes(data)
    dtype = _plain_dtype(dtype)
    count = int(np.prod(shape)) if len(shape) else 1
    if len(data) != count * dtype.itemsize:
        raise UnsafePickleError(f"a pickled {dtype} array of shape {tuple(shape)} holds "
                                f"{len(data)} bytes, not {count * dtype.itemsize}")
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C").copy()


def _reconstruct(cls, shape=(0,), code=b"b") -> Pending:
    """numpy's _reconstruct(ndarray, (0,), b'b'), then BUILD (version, shape, dtype, fortran,
    data)."""
    if getattr(cls, "path", None) != "numpy.ndarray":
        raise UnsafePickleError(f"refusing numpy's _reconstruct of {cls!r}")
    return Pending(lambda state: _array(state[1], state[2], state[4], state[3]))


def _dtype(code, align=False, copy=True) -> Pending:
    """numpy.dtype('u1', False, True), then BUILD (3, byte order, ...)."""
    code = code.decode("ascii") if isinstance(code, bytes) else code
    try:
        base = _plain_dtype(np.dtype(code))
    except TypeError:
        raise UnsafePickleError(f"refusing the NumPy dtype {code!r}") from None
    return Pending(lambda state: base.newbyteorder(state[1]) if state[1] in ("<", ">") else base)


def _encode(text: str, encoding: str = "latin1") -> bytes:
    if encoding.replace("-", "").lower() != "latin1":
        raise UnsafePickleError(f"refusing _codecs.encode with {encoding!r}")
    return text.encode("latin-1")


def _frombuffer(data, dtype, shape, order) -> np.ndarray:
    return _array(shape, dtype, data, order == "F")


_ALLOWED = {"numpy.ndarray": Global("numpy.ndarray"), "numpy.dtype": Global("numpy.dtype", _dtype),
            "_codecs.encode": Global("_codecs.encode", _encode)}
for _core in ("core", "_core"):
    _ALLOWED[f"numpy.{_core}.multiarray._reconstruct"] = Global("numpy._reconstruct", _reconstruct)
    _ALLOWED[f"numpy.{_core}.numeric._frombuffer"] = Global("numpy._frombuffer", _frombuffer)


def _resolve(module: str, name: str) -> Global:
    path = f"{module}.{name}"
    if path not in _ALLOWED:
        raise UnsafePickleError(f"refusing to load {path}: this reader accepts only plain data "
                                f"(dicts, lists, strings, bytes, numbers, NumPy arrays)")
    return _ALLOWED[path]


def _no_persistent_ids(pid: Any):
    raise UnsafePickleError("refusing a persistent id: this reader accepts only plain data")


def loads(content: bytes, name: str = "<bytes>") -> Any:
    """The plain data pickled in `content` (protocols 0-4; Python 2 strings as str)."""
    value, _ = pickle_reader.load(content, 0, _resolve, _no_persistent_ids, name)
    return value
