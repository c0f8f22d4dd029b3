"""Hugging Face's `.safetensors` files, through the `safetensors` package (an optional dependency).

A safetensors file is an 8-byte little-endian header length, a JSON header naming each tensor's
dtype, shape and byte range, and the bytes. It holds a flat dict of names to tensors, plus
optional string metadata; saving anything else is refused. The package validates the header
and byte ranges; needl also bounds each declared shape. BF16 tensors load as float32.
"""
from typing import Any

import numpy as np

from ..autograd.tensor import Tensor
from .errors import CheckpointError, check_shape
from .files import PathLike, Source, write_atomically

_INSTALL = ("reading and writing .safetensors files needs the safetensors package: "
            "pip install safetensors (or pip install 'needl-numpy[checkpoints]')")

_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64,
           "U64": np.uint64, "I32": np.int32, "U32": np.uint32, "I16": np.int16, "U16": np.uint16,
           "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_, "C64": np.complex64}


def _package():
    try:
        import safetensors
        import safetensors.numpy
    except ImportError:
        raise ImportError(_INSTALL) from None
    return safetensors


def looks_like(head: bytes, size: int) -> bool:
    """Whether a file starts like a safetensors file: a header length that fits, then '{'."""
    if len(head) < 9:
        return False
    length = int.from_bytes(head[:8], "little")
    return 2 <= length <= size - 8 and head[8:9] == b"{"


def _array(dtype: str, shape, data: bytes, source: Source, name: str) -> np.ndarray:
    where = f"tensor {name!r}"
    shape = check_shape(shape, source.size, source.name, where)
    if dtype == "BF16":
        bits = np.frombuffer(data, dtype="<u2").astype(np.uint32)
        return (bits << 16).view(np.float32).reshape(shape)
    if dtype not in _DTYPES:
        raise CheckpointError(f"{source.name}: {where} has dtype {dtype}, which needl does not read")
    array = np.frombuffer(data, dtype=np.dtype(_DTYPES[dtype]).newbyteorder("<"))
    return array.astype(array.dtype.newbyteorder("="), copy=True).reshape(shape)


def load(source: Source) -> dict:
    """The tensors of a safetensors file, by name, as needl Tensors."""
    safetensors = _package()
    data = source.read_all()
    try:
        entries = safetensors.deserialize(data)
    except Exception as error:  # the package raises SafetensorError and friends
        raise CheckpointError(f"{source.name}: corrupt safetensors file: {error}") from None
    return {name: Tensor._make(_array(entry["dtype"], entry["shape"], entry["data"], source, name))
            for name, entry in entries}


def save(obj: Any, f: PathLike, metadata: dict | None = None) -> None:
    """Write a flat dict of names to Tensors/arrays (a state_dict) as a safetensors file."""
    _package()
    import safetensors.numpy
    if not isinstance(obj, dict):
        raise TypeError(f"a .safetensors file holds a flat dict of names to tensors (a state_dict), "
                        f"not a {type(obj).__name__}")
    arrays = {}
    for name, value in obj.items():
        if not isinstance(name, str):
            raise TypeError(f"safetensors names are strings; got the key {name!r}")
        array = value._data if isinstance(value, Tensor) else value
        if not isinstance(array, np.ndarray):
            raise TypeError(f"cannot save {type(value).__name__} {name!r} in a .safetensors file: "
                            f"it holds tensors only (nested dicts and numbers need needl's .npz or "
                            f"PyTorch's format)")
        if np.dtype(array.dtype.newbyteorder("=")).type not in _DTYPES.values():
            raise TypeError(f"cannot save {name!r} of dtype {array.dtype} in a .safetensors file")
        arrays[name] = np.require(array, requirements="C")  # the package reads the raw buffer
    data = safetensors.numpy.save(arrays, metadata=metadata)
    write_atomically(f, lambda file: file.write(data))
