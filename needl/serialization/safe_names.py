"""`add_safe_globals`, `safe_globals`, `get_safe_globals`, `clear_safe_globals`: PyTorch's way
to let `torch.load(weights_only=True)` read more than tensors, with needl's safe meaning.

PyTorch then calls the allowed object itself. needl never calls what a file names: it knows a
few names that checkpoints commonly need and rebuilds them with its own code, checking the data
(NumPy arrays, dtypes and scalars from their bytes; `argparse.Namespace` from a dict). Those
names are allowed only after a program adds them, as in PyTorch; any other name is refused when
it is added, with a message that says what needl can allow instead.
"""
import argparse
import contextlib
from typing import Any, Callable

import numpy as np

from .errors import check_shape
from .pickle_reader import Global, Pending

_ARRAY_KINDS = "biufcSU"
_added: dict = {}  # path -> the object the program passed


def _numpy_names(name: str) -> tuple:
    return tuple(f"numpy.{core}.multiarray.{name}" for core in ("core", "_core"))


def _reconstruct(reader):
    """numpy's _reconstruct(ndarray, (0,), b'b') + BUILD(version, shape, dtype, fortran, bytes)."""
    def start(cls, shape=(0,), code=b"b"):
        if getattr(cls, "path", None) != "numpy.ndarray":
            reader.fail(f"_reconstruct of {cls!r} (needl rebuilds only numpy.ndarray)")
        return Pending(finish)

    def finish(state):
        if not (isinstance(state, tuple) and len(state) == 5):
            reader.fail("a NumPy array's state is not (version, shape, dtype, fortran, data)")
        _, shape, dtype, fortran, data = state
        if not isinstance(dtype, np.dtype) or dtype.kind not in _ARRAY_KINDS or dtype.fields:
            reader.fail(f"a NumPy array of dtype {dtype!r} (object arrays need pickle)")
        if isinstance(data, str):
            data = data.encode("latin-1")
        shape = check_shape(shape, reader.source.size, reader.name, "a NumPy array")
        count = int(np.prod(shape)) if shape else 1
        if not isinstance(data, (bytes, bytearray)) or len(data) != count * dtype.itemsize:
            reader.fail(f"a NumPy array of {dtype} and shape {shape} holds the wrong number of bytes")
        return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C").copy()
    return Global("numpy.core.multiarray._reconstruct", start)


def _dtype(reader):
    """numpy.dtype('f4', False, True) + BUILD(3, '<', None, None, None, -1, -1, 0)."""
    def start(code, align=False, copy=True):
        try:
            base = np.dtype(code) if isinstance(code, str) else None
        except TypeError:
            base = None
        if base is None or base.kind not in _ARRAY_KINDS or base.fields:
            reader.fail(f"the NumPy dtype {str(code)[:20]!r} is not a plain numeric or string dtype")

        def finish(state):
            if not (isinstance(state, tuple) and len(state) >= 5 and state[1] in "<>|="
                    and state[2] is None and state[3] is None):
                reader.fail("a NumPy dtype's state describes a structured dtype")
            return base.newbyteorder(state[1]) if state[1] in "<>" else base
        return Pending(finish)
    return Global("numpy.dtype", start)


def _scalar(reader):
    def make(dtype, data=b""):
        if isinstance(data, str):
            data = data.encode("latin-1")
        if not isinstance(dtype, np.dtype) or not isinstance(data, bytes) or dtype.kind not in \
                _ARRAY_KINDS or len(data) != dtype.itemsize:
            reader.fail("a NumPy scalar is not a plain dtype and its bytes")
        return np.frombuffer(data, dtype=dtype)[0]
    return Global("numpy.core.multiarray.scalar", make)


def _namespace(reader):
    def finish(state):
        if not isinstance(state, dict) or not all(isinstance(key, str) for key in state):
            reader.fail("an argparse.Namespace's state is not a dict of names")
        return argparse.Namespace(**state)
    return Global("argparse.Namespace", new=lambda *args: Pending(finish))


# path -> a function of the reader that makes the Global for one load
_IMPLEMENTATIONS: dict[str, Callable] = {
    "numpy.ndarray": lambda reader: Global("numpy.ndarray"),
    "numpy.dtype": _dtype,
    "argparse.Namespace": _namespace,
    **{path: _reconstruct for path in _numpy_names("_reconstruct")},
    **{path: _scalar for path in _numpy_names("scalar")},
}
_DTYPE_CLASSES = ("numpy.dtypes.", "numpy.dtype[")


def _path_of(item) -> str:
    if isinstance(item, tuple):
        if len(item) != 2 or not isinstance(item[1], str):
            raise TypeError(f"a safe global is an object or an (object, 'module.name') pair, got "
                            f"{item!r}")
        return item[1]
    module = getattr(item, "__module__", None)
    name = getattr(item, "__qualname__", None) or getattr(item, "__name__", None)
    if module is None or name is None:
        raise TypeError(f"{item!r} has no module and name to allow")
    return f"{module}.{name}"


def _known(path: str) -> bool:
    return path in _IMPLEMENTATIONS or path.startswith(_DTYPE_CLASSES)


def add_safe_globals(safe_globals: list) -> None:
    """Allow these names in checkpoints, as torch.serialization.add_safe_globals does.

    needl allows only names it rebuilds itself: numpy.ndarray with numpy's _reconstruct,
    numpy.dtype (and the numpy.dtypes classes), numpy's scalar, argparse.Namespace.
    """
    paths = {}
    for item in safe_globals:
        path = _path_of(item)
        if not _known(path):
            raise ValueError(
                f"needl cannot allow {path}: needl never calls an object a checkpoint names, so it "
                f"allows only the names it rebuilds with its own code ({', '.join(sorted(_IMPLEMENTATIONS))}, "
                f"numpy.dtypes.*). Save plain data (dicts, lists, numbers, strings, tensors) instead")
        paths[path] = item
    _added.update(paths)


def get_safe_globals() -> list:
    """The objects add_safe_globals allowed, in the order they were added."""
    return list(_added.values())


def clear_safe_globals() -> None:
    _added.clear()


@contextlib.contextmanager
def safe_globals(safe_globals: list):
    """`with safe_globals([...]):` allows the names only inside the block."""
    before = dict(_added)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _added.clear()
        _added.update(before)


def lookup(path: str, reader) -> Any:
    """The Global for an allowed path in one load, or None when the program did not allow it."""
    if path not in _added:
        # numpy renamed numpy.core to numpy._core: allowing one spelling allows both
        twins = [p for name in ("_reconstruct", "scalar") if path in _numpy_names(name)
                 for p in _numpy_names(name)]
        if not any(twin in _added for twin in twins):
            return None
    if path.startswith(_DTYPE_CLASSES):
        return Global(path)
    return _IMPLEMENTATIONS[path](reader)
