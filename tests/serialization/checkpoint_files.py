"""Helpers the serialization tests share: checkpoints of each format built without PyTorch."""
import io
import pickle
import zipfile

import numpy as np

import needl


def saved(obj, format: str) -> bytes:
    """The bytes of needl.save(obj) in one format."""
    buffer = io.BytesIO()
    needl.save(obj, buffer, format=format)
    return buffer.getvalue()


def torch_zip(data_pkl: bytes, storages: dict | None = None, prefix: str = "archive") -> bytes:
    """A file in PyTorch's zip layout around a hand-made data.pkl and storages {key: bytes}."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{prefix}/data.pkl", data_pkl)
        archive.writestr(f"{prefix}/byteorder", b"little")
        for key, data in (storages or {}).items():
            archive.writestr(f"{prefix}/data/{key}", data)
        archive.writestr(f"{prefix}/version", b"3\n")
    return buffer.getvalue()


class Hostile:
    """Pickles as a call of os.system, the classic pickle exploit."""

    def __reduce__(self):
        import os
        return (os.system, ("echo pickle code ran > /dev/null",))


def hostile_pickle(protocol: int = 2) -> bytes:
    return pickle.dumps({"weight": Hostile()}, protocol=protocol)


def sample_state() -> dict:
    """A small state_dict with a few dtypes, a view, a scalar and an array over 4 KiB."""
    base = needl.arange(24.0).reshape(4, 6)
    return {"big": needl.randn(40, 40), "ints": needl.arange(5), "flags": needl.tensor([True, False]),
            "view": base[:, 1:4], "base": base, "scalar": needl.tensor(2.5),
            "half": needl.ones(3, dtype=needl.float16), "empty": needl.zeros(0, 3),
            "int8": needl.tensor(np.array([-1, 2], dtype=np.int8))}
