"""Writing PyTorch's zip checkpoint format, so that `torch.load(path)` (weights_only) reads it.

The layout is the one torch.save writes: `archive/data.pkl`, `archive/.format_version`,
`archive/.storage_alignment`, `archive/byteorder`, `archive/data/<key>` (each storage's bytes,
stored uncompressed and 64-byte aligned, as PyTorch memory-maps them) and `archive/version`.
data.pkl is written opcode by opcode (pickle protocol 2, only the opcodes and names that
PyTorch's weights_only unpickler accepts), so no Python object is ever pickled.

Tensors that view one NumPy array share one storage, with their offsets and strides, as in
PyTorch; other arrays are stored contiguously. NumPy arrays are written as tensors and NumPy
scalars as Python numbers (a weights_only file holds no NumPy objects).
"""
import struct
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from ..autograd.tensor import Tensor
from . import torch_names
from .files import PathLike, write_atomically

ALIGNMENT = 64
_PADDING_FIELD = 0x4246  # the extra-field id ('FB') PyTorch pads local headers with


def _where(path: str) -> str:
    return path or "the top level"


class _Pickle:
    """Emits protocol-2 opcodes for the values a weights_only checkpoint may hold."""

    def __init__(self):
        self.out = bytearray(b"\x80\x02")  # PROTO 2
        self.storages = {}                  # id(owner array) -> (key, flat storage, owner)

    def op(self, code: bytes, payload: bytes = b""):
        self.out += code
        self.out += payload

    def global_(self, module: str, name: str):
        self.op(b"c", f"{module}\n{name}\n".encode("utf-8"))

    def text(self, value: str):
        data = value.encode("utf-8", "surrogatepass")
        self.op(b"X", struct.pack("<I", len(data)) + data)

    def integer(self, value: int, where: str):
        if 0 <= value < 256:
            self.op(b"K", bytes([value]))
        elif 0 <= value < 65536:
            self.op(b"M", struct.pack("<H", value))
        elif -2 ** 31 <= value < 2 ** 31:
            self.op(b"J", struct.pack("<i", value))
        else:
            data = value.to_bytes((value.bit_length() + 8) // 8, "little", signed=True)
            if len(data) > 255:
                raise TypeError(f"cannot save the integer at {_where(where)} in PyTorch's format: "
                                f"it has more than 2000 bits")
            self.op(b"\x8a", bytes([len(data)]) + data)

    def items(self, items, where: str, close: bytes):
        self.op(b"(")  # MARK
        for item in items:
            self.value(item, where)
        self.op(close)

    def call(self, module: str, name: str, args: tuple, where: str):
        """GLOBAL module.name, the argument tuple, REDUCE."""
        self.global_(module, name)
        self.items(args, where, b"t")
        self.op(b"R")

    def value(self, value: Any, where: str = ""):
        if value is None:
            self.op(b"N")
        elif value is True or value is False:
            self.op(b"\x88" if value else b"\x89")
        elif isinstance(value, np.generic):
            self.value(value.item(), where)
        elif isinstance(value, int):
            self.integer(value, where)
        elif isinstance(value, float):
            self.op(b"G", struct.pack(">d", value))
        elif isinstance(value, complex):
            self.call("__builtin__", "complex", (value.real, value.imag), where)
        elif isinstance(value, str):
            self.text(value)
        elif isinstance(value, (bytes, bytearray)):
            self.call("_codecs", "encode", (bytes(value).decode("latin-1"), "latin1"), where)
        elif isinstance(value, (Tensor, np.ndarray)):
            self.tensor(value, where)
        elif isinstance(value, np.dtype):
            name = torch_names.TORCH_NAME_OF_DTYPE.get(value.newbyteorder("="))
            if name is None:
                raise TypeError(f"cannot save the dtype {value} at {_where(where)}: PyTorch has no "
                                f"such dtype")
            self.global_("torch", name)
        elif isinstance(value, tuple):
            self.items(value, where, b"t")
        elif isinstance(value, list):
            self.op(b"]")
            if value:
                self.items(value, where, b"e")  # APPENDS
        elif isinstance(value, set):
            self.call("__builtin__", "set", (list(value),), where)
        elif isinstance(value, dict):
            self.dictionary(value, where)
        else:
            hint = " (save its .state_dict())" if hasattr(value, "state_dict") else ""
            raise TypeError(f"cannot save a {type(value).__name__} at {_where(where)} in PyTorch's "
                            f"format{hint}: a file torch.load(weights_only=True) reads holds "
                            f"tensors, numbers, strings, bytes, None and dicts, lists, tuples and "
                            f"sets of them")

    def dictionary(self, value: dict, where: str):
        if isinstance(value, OrderedDict):
            self.call("collections", "OrderedDict", (), where)
        else:
            self.op(b"}")
        if value:
            self.op(b"(")
            for key, item in value.items():
                self.value(key, f"{where} (a key)")
                self.value(item, f"{where}[{key!r}]")
            self.op(b"u")  # SETITEMS

    def tensor(self, value, where: str):
        array = value._data if isinstance(value, Tensor) else value
        if not array.dtype.isnative:
            array = array.astype(array.dtype.newbyteorder("="))
        dtype = array.dtype
        if dtype not in torch_names.TORCH_NAME_OF_DTYPE:
            raise TypeError(f"cannot save the {dtype} array at {_where(where)} in PyTorch's format")
        owner, root, offset, strides = _storage_view(array)
        key, _, _ = self.storages.setdefault(id(owner), (str(len(self.storages)), root, owner))
        is_parameter = _is_parameter(value)
        if is_parameter:
            self.global_("torch._utils", "_rebuild_parameter")
            self.op(b"(")
        legacy_storage = torch_names.STORAGE_OF_DTYPE.get(dtype)
        self.global_("torch._utils", "_rebuild_tensor_v2" if legacy_storage else "_rebuild_tensor_v3")
        self.op(b"(")
        storage_type = ("torch", legacy_storage) if legacy_storage else ("torch.storage", "UntypedStorage")
        numel = root.size if legacy_storage else root.nbytes
        self.op(b"(")  # the persistent id: ('storage', type, key, 'cpu', numel)
        self.text("storage")
        self.global_(*storage_type)
        self.text(key)
        self.text("cpu")
        self.integer(numel, where)
        self.op(b"tQ")  # TUPLE, BINPERSID
        self.integer(offset, where)
        self.items(array.shape, where, b"t")
        self.items(strides, where, b"t")
        self.value(bool(isinstance(value, Tensor) and value.requires_grad and not is_parameter))
        self.call("collections", "OrderedDict", (), where)  # backward hooks
        if not legacy_storage:
            self.global_("torch", torch_names.TORCH_NAME_OF_DTYPE[dtype])
        self.op(b"tR")
        if is_parameter:
            self.value(bool(value.requires_grad))
            self.call("collections", "OrderedDict", (), where)
            self.op(b"tR")


def _is_parameter(value) -> bool:
    if not isinstance(value, Tensor):
        return False
    from ..nn.parameter import Parameter
    return isinstance(value, Parameter)


def _storage_view(array: np.ndarray):
    """(owner, flat storage, element offset, element strides): the array as a view of its base's
    storage when that base is a contiguous array of the same dtype, else of a contiguous copy.
    `owner` identifies the storage: tensors viewing one array share it."""
    root = array
    while isinstance(root.base, np.ndarray):
        root = root.base
    itemsize = array.itemsize
    if root is not array and root.flags.c_contiguous and root.dtype == array.dtype and array.size:
        start = array.__array_interface__["data"][0] - root.__array_interface__["data"][0]
        if start % itemsize == 0 and all(s >= 0 and s % itemsize == 0 for s in array.strides):
            return root, root.reshape(-1), start // itemsize, tuple(s // itemsize for s in array.strides)
    if not array.flags.c_contiguous:
        array = np.require(array, requirements="C")
    strides, step = [], 1
    for n in reversed(array.shape):
        strides.append(step)
        step *= max(n, 1)
    return array, array.reshape(-1), 0, tuple(reversed(strides))


def _write_entry(archive: zipfile.ZipFile, name: str, data) -> None:
    """One stored entry whose data starts at a multiple of ALIGNMENT in the file."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    size = len(data)
    zip64 = 20 if size * 1.05 > zipfile.ZIP64_LIMIT else 0  # zipfile adds a zip64 field then
    header_end = archive.fp.tell() + 30 + len(name.encode("utf-8")) + zip64 + 4
    padding = -header_end % ALIGNMENT
    info.extra = struct.pack("<HH", _PADDING_FIELD, padding) + b"Z" * padding
    archive.writestr(info, data)


def save(obj: Any, f: PathLike) -> None:
    """Write `obj` (a state_dict, or nested containers of tensors) in PyTorch's zip format."""
    pickle = _Pickle()
    pickle.value(obj)
    pickle.op(b".")  # STOP

    def write(file):
        with zipfile.ZipFile(file, "w", zipfile.ZIP_STORED) as archive:
            _write_entry(archive, "archive/data.pkl", bytes(pickle.out))
            _write_entry(archive, "archive/.format_version", b"1")
            _write_entry(archive, "archive/.storage_alignment", str(ALIGNMENT).encode())
            _write_entry(archive, "archive/byteorder", b"little")
            for key, root, _ in pickle.storages.values():
                _write_entry(archive, f"archive/data/{key}", memoryview(root).cast("B"))
            _write_entry(archive, "archive/version", b"3\n")
    write_atomically(f, write)
