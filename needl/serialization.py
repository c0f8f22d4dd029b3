"""needl.save / needl.load: state dicts to and from an .npz file, without pickle.

The file is a NumPy .npz archive written at exactly the path given. It holds one array per
Tensor/ndarray (`array_0`, `array_1`, ...) and `__needl__`, the UTF-8 bytes of a JSON document
describing the nested structure:

    null, true/false, numbers, strings      themselves (NaN and +-Infinity included)
    {"list": [...]}, {"tuple": [...]}       lists and tuples
    {"dict": [[key, value], ...]}           dicts, keys of any of these types (ints stay ints)
    {"tensor": i, "requires_grad": b}       a Tensor whose data is array_i
    {"ndarray": i}, {"numpy_scalar": i}     NumPy arrays and scalars

`load` opens the archive with `allow_pickle=False` and validates every reference, so a foreign
or corrupt file raises CheckpointError and no code from the file ever runs.
"""
import json
import os
import struct
import zipfile
import zlib
from typing import Any, BinaryIO, Union

import numpy as np

from .autograd.tensor import Tensor

FORMAT = "needl.save"
VERSION = 1
METADATA_KEY = "__needl__"

PathLike = Union[str, os.PathLike, BinaryIO]

# what reading damaged zip/npy bytes can raise (zipfile rejects unknown versions, methods and
# the encryption flag with NotImplementedError/RuntimeError; a bad header can make struct or
# the npy parser fail, or declare an impossible size)
_READ_ERRORS = (ValueError, OSError, EOFError, KeyError, IndexError, NotImplementedError,
                RuntimeError, MemoryError, struct.error, zipfile.BadZipFile, zlib.error)


class CheckpointError(ValueError):
    """A file that is not a readable needl checkpoint (foreign, truncated or corrupt)."""


def _where(path: str) -> str:
    return path or "the top level"


class _Encoder:
    """Turns a nested structure into JSON-able metadata plus a dict of arrays."""

    def __init__(self):
        self.arrays = {}
        self.seen = {}  # id(Tensor or ndarray) -> metadata, so shared tensors are stored once
        self.keep_alive = []

    def _store(self, array: np.ndarray, where: str) -> int:
        if array.dtype.hasobject:
            raise TypeError(f"cannot save an object array at {_where(where)}: only numeric, "
                            f"boolean and string arrays can be saved without pickle")
        index = len(self.arrays)
        self.arrays[f"array_{index}"] = array
        return index

    def encode(self, value: Any, where: str = "") -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, np.generic):
            return int(value) if isinstance(value, int) else float(value)
        if isinstance(value, (Tensor, np.ndarray)):
            if id(value) in self.seen:
                return self.seen[id(value)]
            if isinstance(value, Tensor):
                node = {"tensor": self._store(value._data, where),
                        "requires_grad": bool(value.requires_grad)}
            else:
                node = {"ndarray": self._store(value, where)}
            self.seen[id(value)] = node
            self.keep_alive.append(value)
            return node
        if isinstance(value, np.generic):
            return {"numpy_scalar": self._store(np.asarray(value), where)}
        if isinstance(value, dict):
            return {"dict": [[self.encode(key, f"{where} (a key)"),
                              self.encode(item, f"{where}[{key!r}]")]
                             for key, item in value.items()]}
        if isinstance(value, list):
            return {"list": [self.encode(item, f"{where}[{i}]") for i, item in enumerate(value)]}
        if isinstance(value, tuple):
            return {"tuple": [self.encode(item, f"{where}[{i}]") for i, item in enumerate(value)]}
        hint = (" (save its .state_dict() instead: needl never pickles objects)"
                if hasattr(value, "state_dict") else "")
        raise TypeError(f"cannot save a {type(value).__name__} at {_where(where)}{hint}: "
                        f"needl.save takes nested dicts, lists and tuples of Tensors, arrays, "
                        f"numbers, strings, booleans and None")


def save(obj: Any, f: PathLike) -> None:
    """Write `obj` (e.g. a model's or optimizer's state_dict) to the file `f`, exactly there.

    Example: `needl.save({"model": model.state_dict(), "epoch": 3}, "checkpoint.npz")`.
    """
    encoder = _Encoder()
    metadata = {"format": FORMAT, "version": VERSION, "root": encoder.encode(obj)}
    text = json.dumps(metadata, allow_nan=True)
    arrays = dict(encoder.arrays)
    arrays[METADATA_KEY] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    if hasattr(f, "write"):
        np.savez(f, **arrays)
        return
    path = os.fspath(f)
    temporary = f"{path}.tmp{os.getpid()}"
    try:
        with open(temporary, "wb") as file:  # a file object: np.savez adds no suffix
            np.savez(file, **arrays)
        os.replace(temporary, path)  # an interrupted save never leaves a half-written file
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


class _Decoder:
    """Rebuilds the structure from the metadata, checking every node and array reference."""

    def __init__(self, archive, name: str):
        self.archive = archive
        self.name = name
        self.tensors = {}

    def fail(self, message: str):
        raise CheckpointError(f"{self.name}: corrupt needl checkpoint: {message}")

    def array(self, index) -> np.ndarray:
        key = f"array_{index}"
        if not isinstance(index, int) or isinstance(index, bool) or key not in self.archive.files:
            self.fail(f"the structure refers to array {index!r}, which the file does not hold")
        return self.archive[key]

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if not isinstance(node, dict) or len(node) not in (1, 2):
            self.fail(f"unexpected entry {str(node)[:80]!r}")
        if "tensor" in node:
            index = node["tensor"]
            tensor = self.tensors.get(index) if isinstance(index, int) else None
            if tensor is None:  # a tensor saved twice (tied weights) comes back as one object
                tensor = Tensor._make(self.array(index))
                if node.get("requires_grad") is True and tensor._data.dtype.kind in "fc":
                    tensor.requires_grad = True
                self.tensors[index] = tensor
            return tensor
        if len(node) != 1:
            self.fail(f"unexpected entry {str(node)[:80]!r}")
        (tag, value), = node.items()
        if tag == "ndarray":
            return self.array(value)
        if tag == "numpy_scalar":
            array = self.array(value)
            if array.ndim != 0:
                self.fail(f"numpy scalar {value} has shape {array.shape}")
            return array[()]
        if tag in ("list", "tuple", "dict") and not isinstance(value, list):
            self.fail(f"a {tag} entry holds a {type(value).__name__}, not a list")
        if tag == "list":
            return [self.decode(item) for item in value]
        if tag == "tuple":
            return tuple(self.decode(item) for item in value)
        if tag == "dict":
            result = {}
            for pair in value:
                if not isinstance(pair, list) or len(pair) != 2:
                    self.fail("a dict item is not a [key, value] pair")
                key = self.decode(pair[0])
                try:
                    result[key] = self.decode(pair[1])
                except TypeError:
                    self.fail(f"unhashable dict key {key!r}")
            return result
        self.fail(f"unknown entry type {tag!r}")


def _describe(f) -> str:
    return repr(os.fspath(f)) if isinstance(f, (str, os.PathLike)) else "the file object"


def load(f: PathLike, map_location=None, weights_only: bool = True) -> Any:
    """Read what `needl.save` wrote; Tensors come back as Tensors.

    `map_location` and `weights_only` are accepted for PyTorch compatibility and ignored (needl
    is CPU-only and never unpickles). Raises CheckpointError for a foreign or corrupt file.
    """
    name = _describe(f)
    if isinstance(f, (str, os.PathLike)) and not os.path.exists(f):
        raise FileNotFoundError(f"no such checkpoint file: {name}")
    try:
        archive = np.load(f, allow_pickle=False)
    except _READ_ERRORS as error:
        raise CheckpointError(f"{name} is not a needl checkpoint (an .npz archive written by "
                              f"needl.save): {error}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise CheckpointError(f"{name} is a single .npy array, not a needl checkpoint (an .npz "
                              f"archive written by needl.save)")
    with archive:
        try:
            if METADATA_KEY not in archive.files:
                raise CheckpointError(f"{name} is an .npz archive but not a needl checkpoint: it "
                                      f"has no {METADATA_KEY!r} entry (arrays: "
                                      f"{', '.join(archive.files[:5]) or 'none'})")
            raw = archive[METADATA_KEY]
            if raw.dtype != np.uint8 or raw.ndim != 1:
                raise CheckpointError(f"{name}: corrupt needl checkpoint: the {METADATA_KEY!r} "
                                      f"entry is {raw.dtype} of shape {raw.shape}")
            try:
                metadata = json.loads(raw.tobytes().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise CheckpointError(f"{name}: corrupt needl checkpoint: unreadable structure "
                                      f"({error})") from None
            if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
                raise CheckpointError(f"{name}: not a needl checkpoint (format "
                                      f"{metadata.get('format') if isinstance(metadata, dict) else None!r})")
            if metadata.get("version") != VERSION:
                raise CheckpointError(f"{name}: needl checkpoint version {metadata.get('version')!r}"
                                      f" is not supported (this needl reads version {VERSION})")
            if "root" not in metadata:
                raise CheckpointError(f"{name}: corrupt needl checkpoint: no 'root' entry")
            return _Decoder(archive, name).decode(metadata["root"])
        except CheckpointError:
            raise
        except _READ_ERRORS as error:
            raise CheckpointError(f"{name}: corrupt needl checkpoint: {type(error).__name__}: "
                                  f"{error}") from None
