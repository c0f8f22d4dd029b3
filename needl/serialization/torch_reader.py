"""Reading PyTorch checkpoints (`torch.save` files) without PyTorch and without running pickle.

The zip format (PyTorch >= 1.6): `<archive>/data.pkl`, the pickled object whose tensors refer by
persistent id to the storages `<archive>/data/<key>`, and `<archive>/byteorder`. The legacy
format (`_use_new_zipfile_serialization=False`): five pickles in a row (magic number, protocol,
system info, the object, the storage keys), then each storage's element count and bytes.

The pickles run through pickle_reader with the names `torch.load(weights_only=True)` admits:
the tensor rebuild functions, storage classes, dtypes, `torch.Size`, `torch.device`,
`OrderedDict`, plain containers, plus what `add_safe_globals` added (safe_globals.py). Tensors
come back as needl Tensors viewing NumPy arrays of the storages (shared storages stay shared,
offsets and strides are respected); every storage size, offset, stride and shape is checked
against the bytes in the file before anything is allocated.
"""
import tarfile
import zipfile
from collections import Counter, OrderedDict

import numpy as np

from ..autograd.tensor import Tensor
from . import pickle_reader, safe_names, torch_names
from .errors import CheckpointError, check_shape
from .files import Source, read_entry
from .pickle_reader import Global

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001


class StorageType:
    """What GLOBAL pushes for torch.FloatStorage and friends: the dtype of a storage."""
    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype):
        self.name, self.dtype = name, dtype


class Storage:
    """One storage of the checkpoint: a 1-D array (uint8 for an untyped storage)."""
    __slots__ = ("key", "dtype", "array")

    def __init__(self, key: str, dtype, array: np.ndarray):
        self.key, self.dtype, self.array = key, dtype, array


class _Reader:
    """The globals and rebuild functions of one load; `fail` names the file and the pickle."""

    def __init__(self, source: Source, where: str):
        self.source = source
        self.name = source.name
        self.where = where
        self.globals = self._allowed()

    def fail(self, message: str):
        raise CheckpointError(f"{self.name}: {self.where}: {message}")

    # ---- GLOBAL -----------------------------------------------------------------------------
    def _allowed(self) -> dict:
        allowed = {
            "collections.OrderedDict": Global("collections.OrderedDict", self._ordered_dict,
                                              lambda *args: OrderedDict()),
            "collections.Counter": Global("collections.Counter", self._counter),
            "torch.Size": Global("torch.Size", self._size),
            "torch.device": Global("torch.device", self._device),
            "torch.Tensor": Global("torch.Tensor"),
            "torch.nn.parameter.Parameter": Global("torch.nn.parameter.Parameter",
                                                   new=self._parameter),
            "torch.serialization._get_layout": Global("torch.serialization._get_layout",
                                                      lambda name: name),
            "_codecs.encode": Global("_codecs.encode", self._encode),
            "builtins.set": Global("builtins.set", lambda items=(): set(self._sequence(items))),
            "builtins.frozenset": Global("builtins.frozenset",
                                         lambda items=(): frozenset(self._sequence(items))),
            "builtins.bytearray": Global("builtins.bytearray", self._bytearray),
            "builtins.complex": Global("builtins.complex", self._complex),
            "torch._tensor._rebuild_from_type_v2": Global("torch._tensor._rebuild_from_type_v2",
                                                          self._rebuild_from_type_v2),
        }
        rebuilds = {
            "_rebuild_tensor": self._rebuild_tensor, "_rebuild_tensor_v2": self._rebuild_tensor,
            "_rebuild_tensor_v3": self._rebuild_tensor_v3,
            "_rebuild_parameter": self._rebuild_parameter,
            "_rebuild_parameter_with_state": self._rebuild_parameter,
            "_rebuild_device_tensor_from_cpu_tensor": self._rebuild_from_cpu,
            "_rebuild_device_tensor_from_numpy": self._rebuild_from_numpy,
        }
        for kind, name in (("quantized", "_rebuild_qtensor"), ("sparse", "_rebuild_sparse_tensor"),
                           ("nested", "_rebuild_nested_tensor"),
                           ("meta (data-less)", "_rebuild_meta_tensor_no_storage"),
                           ("tensor-subclass", "_rebuild_wrapper_subclass")):
            rebuilds[name] = self._unsupported(f"{kind} tensors")
        for name, function in rebuilds.items():
            allowed[f"torch._utils.{name}"] = Global(f"torch._utils.{name}", function)
        for name, dtype in torch_names.DTYPES.items():
            allowed[f"torch.{name}"] = dtype
        for name in torch_names.UNSUPPORTED_DTYPES:
            allowed[f"torch.{name}"] = torch_names.TorchDtype(name)
        for name, dtype_name in torch_names.STORAGES.items():
            storage = StorageType(name, torch_names.DTYPES[dtype_name])
            allowed[f"torch.{name}"] = allowed[f"torch.cuda.{name}"] = storage
        for name in ("torch.storage.UntypedStorage", "torch.UntypedStorage",
                     "torch.storage.TypedStorage"):
            allowed[name] = StorageType("UntypedStorage", np.dtype(np.uint8))
        return allowed

    def resolve(self, module: str, name: str):
        path = f"{module}.{name}"
        value = self.globals.get(path)
        if value is not None:
            return value
        added = safe_names.lookup(path, self)
        if added is not None:
            return added
        if name in torch_names.QUANTIZED_STORAGES:
            self.fail(f"the checkpoint holds quantized storages ({path}), which needl does not read")
        hint = ""
        if module.startswith("torch.nn.modules") or module == "__main__":
            hint = (" (the file is a whole model saved with torch.save(model, f): save "
                    "model.state_dict() in PyTorch and load that into the needl model)")
        self.fail(f"refusing the global {path}: needl reads only tensors, storages, dtypes and "
                  f"plain containers from PyTorch files and never runs pickled code{hint}")

    # ---- rebuild functions ------------------------------------------------------------------
    def _unsupported(self, what: str):
        def refuse(*args):
            self.fail(f"the checkpoint holds {what}, which needl does not support")
        return refuse

    def _ints(self, values, what: str) -> tuple:
        if not isinstance(values, (tuple, list)) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in values):
            self.fail(f"{what} {values!r} is not a tuple of integers")
        return tuple(values)

    def _sequence(self, items):
        if not isinstance(items, (list, tuple, set, frozenset)):
            self.fail(f"a set is built from a {type(items).__name__}")
        return items

    def _ordered_dict(self, items=()):
        try:
            return OrderedDict(self._sequence(items))
        except (TypeError, ValueError):
            self.fail("an OrderedDict is built from items that are not pairs")

    def _counter(self, items=None):
        if items is not None and not isinstance(items, dict):
            self.fail("a Counter is built from something that is not a dict")
        return Counter(items or {})

    def _size(self, sizes=()):
        return self._ints(sizes, "torch.Size")

    def _device(self, kind, index=None):
        if not isinstance(kind, str) or not (index is None or isinstance(index, int)):
            self.fail(f"torch.device({kind!r}, {index!r}) is not a device")
        if kind == "cpu":
            from ..device import device
            return device(kind, index)
        return kind if index is None else f"{kind}:{index}"  # an accelerator's name, kept as text

    def _encode(self, text, encoding="utf-8"):
        if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
            self.fail("_codecs.encode is used for something other than bytes")
        return text.encode("latin-1")

    def _bytearray(self, data=b"", encoding=None):
        if isinstance(data, str) and encoding in ("latin1", "latin-1"):
            return bytearray(data, "latin-1")
        if not isinstance(data, (bytes, bytearray)) or encoding is not None:
            self.fail("builtins.bytearray is built from something other than bytes")
        return bytearray(data)

    def _complex(self, real=0.0, imag=0.0):
        if not all(isinstance(part, (int, float)) for part in (real, imag)):
            self.fail("builtins.complex is built from something other than numbers")
        return complex(real, imag)

    def _rebuild_tensor(self, storage, storage_offset, size, stride, requires_grad=False,
                        backward_hooks=None, metadata=None):
        return self._tensor(storage, storage_offset, size, stride, requires_grad, None)

    def _rebuild_tensor_v3(self, storage, storage_offset, size, stride, requires_grad,
                           backward_hooks, dtype, metadata=None):
        return self._tensor(storage, storage_offset, size, stride, requires_grad, dtype)

    def _tensor(self, storage, offset, size, stride, requires_grad, dtype) -> Tensor:
        if not isinstance(storage, Storage):
            self.fail(f"a tensor is rebuilt from a {type(storage).__name__}, not a storage")
        array = self._typed(storage, dtype)
        size = check_shape(self._ints(size, "a tensor size"), self.source.size, self.name,
                           f"{self.where}: a tensor of storage {storage.key!r}")
        stride = self._ints(stride, "a tensor stride")
        if not isinstance(offset, int) or offset < 0 or len(stride) != len(size) \
                or any(step < 0 for step in stride):
            self.fail(f"a tensor of storage {storage.key!r} has offset {offset!r}, size {size} "
                      f"and stride {stride}, which do not describe a tensor")
        extent = 0 if 0 in size else sum((n - 1) * step for n, step in zip(size, stride)) + 1
        if offset + extent > len(array):
            self.fail(f"a tensor of size {size}, stride {stride} at offset {offset} reaches past "
                      f"the end of storage {storage.key!r} ({len(array)} elements)")
        count = int(np.prod(size)) if size else 1
        if extent == 0:
            view = array[:0].reshape(size)
        elif stride == _contiguous_strides(size):
            view = array[offset:offset + count].reshape(size)
        else:
            itemsize = array.itemsize
            view = np.lib.stride_tricks.as_strided(
                array[offset:], shape=size, strides=tuple(step * itemsize for step in stride))
        tensor = Tensor._make(view)
        if requires_grad is True and view.dtype.kind in "fc":
            tensor.requires_grad = True
        return tensor

    def _typed(self, storage: Storage, dtype) -> np.ndarray:
        if dtype is None or dtype == storage.dtype:
            return storage.array
        if not isinstance(dtype, np.dtype):
            self.fail(f"a tensor of dtype {dtype!r} is not supported by needl")
        if storage.dtype != np.uint8 or len(storage.array) % dtype.itemsize:
            self.fail(f"storage {storage.key!r} of {storage.dtype} cannot be read as {dtype}")
        return storage.array.view(dtype)

    def _rebuild_parameter(self, data, requires_grad, backward_hooks, state=None):
        if not isinstance(data, Tensor):
            self.fail(f"a Parameter is rebuilt from a {type(data).__name__}, not a tensor")
        if state:
            self.fail(f"a Parameter carries Python attributes ({', '.join(map(str, state))}), "
                      f"which needl does not restore")
        from ..nn.parameter import Parameter
        return Parameter(data, requires_grad=requires_grad is True)

    def _parameter(self, data=None, requires_grad=True):
        return self._rebuild_parameter(data, requires_grad, None)

    def _rebuild_from_type_v2(self, function, new_type, args, state):
        if not isinstance(function, Global) or function.call is None or not isinstance(args, tuple):
            self.fail("_rebuild_from_type_v2 is given something other than a rebuild function")
        if state:
            self.fail(f"a tensor carries Python attributes ({', '.join(map(str, state))}), "
                      f"which needl does not restore")
        result = function.call(*args)
        if new_type is self.globals["torch.nn.parameter.Parameter"]:
            return self._rebuild_parameter(result, True, None)
        if new_type is not self.globals["torch.Tensor"]:
            self.fail(f"a tensor of the subclass {getattr(new_type, 'path', new_type)!r} is not "
                      f"supported")
        return result

    def _rebuild_from_cpu(self, data, dtype=None, device=None, requires_grad=False):
        if not isinstance(data, Tensor):
            self.fail(f"a device tensor is rebuilt from a {type(data).__name__}")
        return data

    def _rebuild_from_numpy(self, data, dtype=None, device=None, requires_grad=False):
        if not isinstance(data, np.ndarray):
            self.fail(f"a tensor is rebuilt from a {type(data).__name__}, not a NumPy array")
        return Tensor._make(data)


def _contiguous_strides(size: tuple) -> tuple:
    strides, step = [], 1
    for n in reversed(size):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def _storage_id(reader: _Reader, pid, length: int):
    """The parts of a persistent id ('storage', type, key, location, numel[, view])."""
    if not isinstance(pid, tuple) or len(pid) != length or pid[0] not in ("storage", b"storage"):
        reader.fail(f"unsupported persistent id {str(pid)[:80]} (only storages are loaded)")
    storage_type, key, numel = pid[1], pid[2], pid[4]
    if not isinstance(storage_type, StorageType):
        reader.fail(f"a storage of type {storage_type!r} is not a storage class")
    if not isinstance(key, str) or not isinstance(numel, int) or numel < 0:
        reader.fail(f"storage {key!r} has the element count {numel!r}")
    return storage_type, key, numel


# ---- the zip format ---------------------------------------------------------------------------
def load_zip(archive: zipfile.ZipFile, source: Source):
    pickles = [name for name in archive.namelist() if name.rpartition("/")[2] == "data.pkl"]
    if not pickles:
        raise CheckpointError(f"{source.name} is a zip archive but not a checkpoint needl reads "
                              f"(no data.pkl, no __needl__ entry)")
    prefix = pickles[0][:-len("data.pkl")]
    entries = {info.filename: info for info in archive.infolist()}
    byteorder = "little"
    if prefix + "byteorder" in entries:
        byteorder = read_entry(archive, entries[prefix + "byteorder"], source).tobytes().decode(
            "ascii", "replace")
        if byteorder not in ("little", "big"):
            raise CheckpointError(f"{source.name}: entry {prefix}byteorder says {byteorder[:20]!r}, "
                                  f"not 'little' or 'big'")
    reader = _Reader(source, f"entry {pickles[0]!r}")
    storages = {}

    def persistent_load(pid):
        storage_type, key, numel = _storage_id(reader, pid, 5)
        if key in storages:
            return storages[key]
        entry = f"{prefix}data/{key}"
        if entry not in entries:
            reader.fail(f"the pickle refers to storage {key!r}, but the file has no entry {entry!r}")
        dtype = storage_type.dtype
        itemsize = torch_names.storage_itemsize(dtype)
        if numel * itemsize > source.size:
            reader.fail(f"storage {key!r} declares {numel} elements of {dtype}, more than the file "
                        f"holds")
        raw = read_entry(archive, entries[entry], source)
        if len(raw) != numel * itemsize:
            reader.fail(f"entry {entry!r} holds {len(raw)} bytes, but its storage declares {numel} "
                        f"elements of {itemsize} bytes")
        array = torch_names.from_raw(raw, dtype, byteorder == "big")
        storages[key] = Storage(key, dtype if dtype is not torch_names.BFLOAT16 else array.dtype,
                                array)
        return storages[key]

    data = read_entry(archive, entries[pickles[0]], source).tobytes()
    result, end = pickle_reader.load(data, 0, reader.resolve, persistent_load, source.name,
                                     reader.where)
    return result


# ---- the legacy format ------------------------------------------------------------------------
def is_legacy(head: bytes) -> bool:
    """Whether a file starts with the legacy format's magic-number pickle."""
    return head[:4] == b"\x80\x02\x8a\x0a" and int.from_bytes(head[4:14], "little") == LEGACY_MAGIC


def is_tar(source: Source) -> bool:
    head = source.head(512)
    return len(head) == 512 and head[257:262] == b"ustar"


def load_legacy(source: Source):
    data = source.read_all()
    reader = _Reader(source, "the legacy pickle")

    def no_storages(pid):
        reader.fail("a persistent id outside the object pickle")

    position = 0
    header = []
    for what in ("magic number", "protocol version", "system info"):
        reader.where = f"the legacy {what} pickle"
        value, position = pickle_reader.load(data, position, reader.resolve, no_storages,
                                             source.name, reader.where)
        header.append(value)
    magic, protocol, info = header
    if magic != LEGACY_MAGIC or protocol != LEGACY_PROTOCOL or not isinstance(info, dict):
        raise CheckpointError(f"{source.name}: not a legacy PyTorch checkpoint (magic {magic!r}, "
                              f"protocol {protocol!r})")
    little = info.get("little_endian", True) is not False
    storages = {}  # key -> Storage, allocated now and filled from the bytes after the pickles
    file_dtypes = {}  # key -> the dtype of its bytes in the file (bfloat16 becomes float32)

    def persistent_load(pid):
        storage_type, key, numel = _storage_id(reader, pid, 6)
        dtype = storage_type.dtype
        root = storages.get(key)
        if root is None:
            if numel * torch_names.storage_itemsize(dtype) > source.size:
                reader.fail(f"storage {key!r} declares {numel} elements, more than the file holds")
            array_dtype = np.dtype(np.float32) if dtype is torch_names.BFLOAT16 else dtype
            root = storages[key] = Storage(key, array_dtype, np.zeros(numel, dtype=array_dtype))
            file_dtypes[key] = dtype
        view = pid[5]
        if view is None:
            return root
        if not (isinstance(view, tuple) and len(view) == 3 and isinstance(view[1], int)
                and isinstance(view[2], int) and 0 <= view[1] <= view[1] + view[2] <= len(root.array)):
            reader.fail(f"storage view {view!r} of {key!r} is out of bounds")
        return Storage(key, root.dtype, root.array[view[1]:view[1] + view[2]])

    reader.where = "the legacy object pickle"
    result, position = pickle_reader.load(data, position, reader.resolve, persistent_load,
                                          source.name, reader.where)
    reader.where = "the legacy storage-key pickle"
    keys, position = pickle_reader.load(data, position, reader.resolve, no_storages, source.name,
                                        reader.where)
    if not isinstance(keys, list) or set(keys) != set(storages):
        raise CheckpointError(f"{source.name}: the legacy storage keys {str(keys)[:80]} do not "
                              f"match the storages the object uses")
    for key in keys:
        storage, dtype = storages[key], file_dtypes[key]
        if position + 8 > len(data):
            raise CheckpointError(f"{source.name}: the file ends before storage {key!r}")
        numel = int.from_bytes(data[position:position + 8], "little" if little else "big")
        nbytes = numel * torch_names.storage_itemsize(dtype)
        position += 8
        if numel != len(storage.array) or position + nbytes > len(data):
            raise CheckpointError(f"{source.name}: storage {key!r} holds {numel} elements where "
                                  f"{len(storage.array)} were declared, or the file ends early")
        raw = np.frombuffer(data, dtype=np.uint8, count=nbytes, offset=position)
        storage.array[...] = torch_names.from_raw(raw, dtype, not little)
        position += nbytes
    return result
