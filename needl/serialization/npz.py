"""needl's own checkpoint format: an .npz archive of arrays plus a JSON structure record, no pickle.

The file is a NumPy .npz archive (a zip of .npy files). It holds one array per Tensor/ndarray
(`array_0`, `array_1`, ...) and `__needl__`, the UTF-8 bytes of a JSON document:

    {"format": "needl.save", "version": 2,
     "arrays": [{"dtype": "<f4", "shape": [3, 4]}, ...],   every array's dtype and shape
     "modules": [...],                                       whole modules (see module_record.py)
     "root": <node>}

with the nodes

    null, true/false, numbers, strings      themselves (NaN and +-Infinity included)
    {"list": [...]}, {"tuple": [...]}       lists and tuples
    {"dict": [[key, value], ...]}           dicts, keys of any of these types (ints stay ints)
    {"tensor": i, "requires_grad": b}       a Tensor whose data is array_i ("parameter": true
                                            for an nn.Parameter)
    {"ndarray": i}, {"numpy_scalar": i}     NumPy arrays and scalars
    {"dtype": "float32"}                    a dtype
    {"module": j}, {"global": "mod:name"}   a whole module, a needl function or class: rebuilt
                                            only by load(..., weights_only=False)

Reading never uses np.load: each entry is read whole (so its CRC-32 is checked), its .npy
header parsed and checked against the record, and its data length must match exactly.
Version 1 files (no "arrays" record) are still read, with the same CRC and length checks.
"""
import io
import json
import zipfile
from typing import Any

import numpy as np

from ..autograd.tensor import Tensor
from .errors import READ_ERRORS, CheckpointError, check_shape
from .files import PathLike, Source, read_entry, write_atomically

FORMAT = "needl.save"
VERSION = 2
READABLE_VERSIONS = (1, 2)
METADATA_KEY = "__needl__"
# the array kinds a checkpoint holds: booleans, integers, floats, complex numbers, strings
ARRAY_KINDS = "biufcSU"


def _where(path: str) -> str:
    return path or "the top level"


class Encoder:
    """Turns a nested structure into JSON-able nodes plus a dict of arrays."""

    def __init__(self):
        self.arrays = {}
        self.array_records = []
        self.modules = []   # the records of whole modules, filled by module_record
        self.seen = {}      # id(Tensor, ndarray or Module) -> its node: shared objects stored once
        self.keep_alive = []

    def _store(self, array: np.ndarray, where: str) -> int:
        if array.dtype.kind not in ARRAY_KINDS or array.dtype.fields is not None:
            kind = "an object array" if array.dtype.hasobject else f"an array of dtype {array.dtype}"
            raise TypeError(f"cannot save {kind} at {_where(where)}: only "
                            f"boolean, numeric and string arrays can be saved without pickle")
        index = len(self.arrays)
        self.arrays[f"array_{index}"] = array
        self.array_records.append({"dtype": array.dtype.str, "shape": list(array.shape)})
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
                if _is_parameter(value):
                    node["parameter"] = True
            else:
                node = {"ndarray": self._store(value, where)}
            self.seen[id(value)] = node
            self.keep_alive.append(value)
            return node
        if isinstance(value, np.generic):
            return {"numpy_scalar": self._store(np.asarray(value), where)}
        if isinstance(value, np.dtype) and value.kind in ARRAY_KINDS and value.fields is None:
            return {"dtype": value.str}
        if isinstance(value, dict):
            return {"dict": [[self.encode(key, f"{where} (a key)"),
                              self.encode(item, f"{where}[{key!r}]")]
                             for key, item in value.items()]}
        if isinstance(value, list):
            return {"list": [self.encode(item, f"{where}[{i}]") for i, item in enumerate(value)]}
        if isinstance(value, tuple):
            return {"tuple": [self.encode(item, f"{where}[{i}]") for i, item in enumerate(value)]}
        from . import module_record  # imports needl.nn: only when something else is met
        node = module_record.encode_object(self, value, where)
        if node is not None:
            return node
        hint = (" (save its .state_dict() instead: needl never pickles objects)"
                if hasattr(value, "state_dict") else "")
        raise TypeError(f"cannot save a {type(value).__name__} at {_where(where)}{hint}: "
                        f"needl.save takes nested dicts, lists and tuples of Tensors, arrays, "
                        f"numbers, strings, booleans and None, and whole needl.nn Modules")


def _is_parameter(tensor: Tensor) -> bool:
    from ..nn.parameter import Parameter
    return isinstance(tensor, Parameter)


def save(obj: Any, f: PathLike) -> None:
    """Write `obj` to `f` in needl's .npz format, exactly at the path given."""
    encoder = Encoder()
    root = encoder.encode(obj)
    metadata = {"format": FORMAT, "version": VERSION, "arrays": encoder.array_records,
                "modules": encoder.modules, "root": root}
    text = json.dumps(metadata, allow_nan=True)
    arrays = dict(encoder.arrays)
    arrays[METADATA_KEY] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    write_atomically(f, lambda file: np.savez(file, **arrays))  # a file object: no suffix added


def parse_npy(buffer: np.ndarray, source: Source, where: str) -> np.ndarray:
    """The array in the bytes of an .npy file; its header and data length are checked."""
    stream = io.BytesIO(buffer[:min(len(buffer), 1 << 16)].tobytes())
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(stream)
    elif version == (2, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(stream)
    else:
        raise CheckpointError(f"{source.name}: {where} is an .npy file of version {version}, "
                              f"which needl does not read")
    if dtype.kind not in ARRAY_KINDS or dtype.fields is not None:
        raise CheckpointError(f"{source.name}: {where} holds an array of dtype {dtype}, which a "
                              f"checkpoint never holds (object arrays would need pickle)")
    shape = check_shape(shape, source.size, source.name, where)
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    data_length = len(buffer) - stream.tell()
    if data_length != count * dtype.itemsize:
        raise CheckpointError(f"{source.name}: {where} declares {dtype} of shape {shape} "
                              f"({count * dtype.itemsize} bytes) but holds {data_length} bytes")
    array = np.frombuffer(buffer, dtype=dtype, count=count, offset=stream.tell())
    return array.reshape(shape, order="F" if fortran_order else "C")


class Decoder:
    """Rebuilds the structure from the record, checking every node and array reference."""

    def __init__(self, archive: zipfile.ZipFile, source: Source, metadata: dict, weights_only: bool):
        self.archive = archive
        self.source = source
        self.name = source.name
        self.records = metadata.get("arrays")
        self.module_records = metadata.get("modules", [])
        self.weights_only = weights_only
        self.entries = {info.filename: info for info in archive.infolist()}
        self.tensors = {}
        self.modules = {}

    def fail(self, message: str):
        raise CheckpointError(f"{self.name}: corrupt needl checkpoint: {message}")

    def array(self, index) -> np.ndarray:
        entry = f"array_{index}.npy"
        if not isinstance(index, int) or isinstance(index, bool) or entry not in self.entries:
            self.fail(f"the structure refers to array {index!r}, which the file does not hold")
        array = parse_npy(read_entry(self.archive, self.entries[entry], self.source), self.source,
                          f"entry {entry!r}")
        if self.records is not None:
            record = self.records[index] if index < len(self.records) else None
            if (not isinstance(record, dict) or record.get("dtype") != array.dtype.str
                    or record.get("shape") != list(array.shape)):
                self.fail(f"entry {entry!r} holds {array.dtype.str} of shape {list(array.shape)}, "
                          f"but the structure record says {record!r}")
        return array

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if not isinstance(node, dict) or not node:
            self.fail(f"unexpected entry {str(node)[:80]!r}")
        if "tensor" in node:
            if set(node) - {"tensor", "requires_grad", "parameter"}:
                self.fail(f"unexpected entry {str(node)[:80]!r}")
            return self.tensor(node)
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
        if tag == "dtype":
            return self.dtype(value)
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
        if tag in ("module", "global"):
            from . import module_record
            return module_record.decode_object(self, tag, value)
        self.fail(f"unknown entry type {tag!r}")

    def tensor(self, node: dict) -> Tensor:
        index = node["tensor"]
        tensor = self.tensors.get(index) if isinstance(index, int) else None
        if tensor is None:  # a tensor saved twice (tied weights) comes back as one object
            array = self.array(index)
            if node.get("parameter") is True and array.dtype.kind in "fc":
                from ..nn.parameter import Parameter
                tensor = Parameter(array, requires_grad=node.get("requires_grad") is True)
            else:
                tensor = Tensor._make(array)
                if node.get("requires_grad") is True and array.dtype.kind in "fc":
                    tensor.requires_grad = True
            self.tensors[index] = tensor
        return tensor

    def dtype(self, text) -> np.dtype:
        try:
            dtype = np.dtype(text) if isinstance(text, str) else None
        except TypeError:
            dtype = None
        if dtype is None or dtype.kind not in ARRAY_KINDS or dtype.fields is not None:
            self.fail(f"unknown dtype {str(text)[:40]!r}")
        return dtype


def load(archive: zipfile.ZipFile, source: Source, weights_only: bool = True) -> Any:
    """Read the needl checkpoint in the open zip `archive` (sniffed by the caller)."""
    name = source.name
    try:
        names = archive.namelist()
        entry = METADATA_KEY + ".npy"
        if entry not in names:
            raise CheckpointError(f"{name} is an .npz archive but not a needl checkpoint: it has no "
                                  f"{METADATA_KEY!r} entry (arrays: "
                                  f"{', '.join(n.removesuffix('.npy') for n in names[:5]) or 'none'})")
        raw = parse_npy(read_entry(archive, archive.getinfo(entry), source), source,
                        f"entry {entry!r}")
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise CheckpointError(f"{name}: corrupt needl checkpoint: the {METADATA_KEY!r} entry "
                                  f"is {raw.dtype} of shape {raw.shape}")
        try:
            metadata = json.loads(raw.tobytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CheckpointError(f"{name}: corrupt needl checkpoint: unreadable structure "
                                  f"({error})") from None
        if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
            found = metadata.get("format") if isinstance(metadata, dict) else None
            raise CheckpointError(f"{name}: not a needl checkpoint (format {found!r})")
        if metadata.get("version") not in READABLE_VERSIONS:
            raise CheckpointError(f"{name}: needl checkpoint version {metadata.get('version')!r} "
                                  f"is not supported (this needl reads versions "
                                  f"{', '.join(map(str, READABLE_VERSIONS))})")
        if "root" not in metadata:
            raise CheckpointError(f"{name}: corrupt needl checkpoint: no 'root' entry")
        if metadata["version"] >= 2 and not (isinstance(metadata.get("arrays"), list)
                                             and isinstance(metadata.get("modules"), list)):
            raise CheckpointError(f"{name}: corrupt needl checkpoint: no 'arrays' or 'modules' "
                                  f"record")
        return Decoder(archive, source, metadata, weights_only).decode(metadata["root"])
    except CheckpointError:
        raise
    except READ_ERRORS as error:
        raise CheckpointError(f"{name}: corrupt needl checkpoint: {type(error).__name__}: "
                              f"{error}") from None
