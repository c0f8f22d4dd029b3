"""add_safe_globals & co: PyTorch's allow-list calls, with needl's own safe rebuilds only."""
import argparse
import io
import pickle

import numpy as np
import pytest

import needl
import needl.serialization as serialization
from checkpoint_files import torch_zip
from needl.serialization import CheckpointError


@pytest.fixture(autouse=True)
def _no_added_globals():
    serialization.clear_safe_globals()
    yield
    serialization.clear_safe_globals()


# numpy 2 renamed numpy.core to numpy._core
multiarray = np._core.multiarray if hasattr(np, "_core") else np.core.multiarray


def numpy_checkpoint() -> bytes:
    value = {"array": np.arange(6, dtype=np.float32).reshape(2, 3), "scalar": np.float64(2.5),
             "args": argparse.Namespace(lr=0.1, name="run")}
    return torch_zip(pickle.dumps(value, protocol=2))


def test_numpy_and_namespace_need_to_be_allowed_as_in_pytorch():
    with pytest.raises(CheckpointError, match=r"refusing the global numpy\._core\.multiarray\._reconstruct"):
        needl.load(io.BytesIO(numpy_checkpoint()))


def test_allowed_numpy_values_are_rebuilt_from_their_bytes():
    allowed = [multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype, argparse.Namespace]
    with serialization.safe_globals(allowed):
        assert serialization.get_safe_globals() == allowed
        loaded = needl.load(io.BytesIO(numpy_checkpoint()))
    assert serialization.get_safe_globals() == []
    assert loaded["array"].dtype == np.float32 and loaded["array"].tolist() == [[0, 1, 2], [3, 4, 5]]
    loaded["array"][0, 0] = 7  # a writable copy
    assert loaded["scalar"] == 2.5 and loaded["scalar"].dtype == np.float64
    assert loaded["args"] == argparse.Namespace(lr=0.1, name="run")


def test_object_arrays_stay_refused_even_when_allowed():
    serialization.add_safe_globals([multiarray._reconstruct, np.ndarray, np.dtype])
    data = torch_zip(pickle.dumps(np.array([None, 1], dtype=object), protocol=2))
    with pytest.raises(CheckpointError, match="dtype .O8. is not a plain numeric"):
        needl.load(io.BytesIO(data))


class Config:
    pass


def test_other_names_are_refused_when_added():
    with pytest.raises(ValueError, match=r"cannot allow test_safe_globals\.Config.*never calls"):
        serialization.add_safe_globals([Config])
    with pytest.raises(ValueError, match="cannot allow posix.system"):
        serialization.add_safe_globals([(print, "posix.system")])
    assert serialization.get_safe_globals() == []
