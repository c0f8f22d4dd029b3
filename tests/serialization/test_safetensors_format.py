"""`.safetensors` files through the safetensors package (an optional dependency)."""
import io
import json
import struct
import sys

import numpy as np
import pytest

import needl
import needl.nn as nn
from checkpoint_files import saved
from needl.serialization import CheckpointError

pytest.importorskip("safetensors")


def safetensors_file(header: dict, data: bytes) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def test_a_state_dict_round_trips(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    state = model.state_dict()
    needl.save(state, tmp_path / "model.safetensors")
    loaded = needl.load(tmp_path / "model.safetensors")
    assert sorted(loaded) == sorted(state)
    for key, tensor in state.items():
        assert loaded[key].dtype == tensor.dtype and loaded[key].shape == tensor.shape
        np.testing.assert_array_equal(loaded[key].numpy(), tensor.numpy())
    other = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    other.load_state_dict(loaded)
    loaded["0.weight"].add_(1)  # writable


def test_non_contiguous_and_many_dtypes_round_trip():
    base = np.arange(24, dtype=np.float64).reshape(4, 6)
    state = {"t": needl.tensor(base).T, "strided": needl.tensor(base)[:, ::2],
             "u16": np.arange(3, dtype=np.uint16), "flags": np.array([True, False]),
             "half": np.ones(2, np.float16), "empty": np.zeros((0, 2), np.int32)}
    loaded = needl.load(io.BytesIO(saved(state, "safetensors")))
    for key, value in state.items():
        expected = value.numpy() if isinstance(value, needl.Tensor) else value
        np.testing.assert_array_equal(loaded[key].numpy(), expected)
        assert loaded[key].dtype == expected.dtype


def test_bfloat16_loads_as_float32():
    values = np.array([1.5, -2.25], dtype=np.float32)
    data = (values.view(np.uint32) >> 16).astype("<u2").tobytes()
    header = {"x": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}
    loaded = needl.load(io.BytesIO(safetensors_file(header, data)))
    assert loaded["x"].dtype == np.float32 and loaded["x"].tolist() == [1.5, -2.25]


def test_only_flat_dicts_of_tensors_are_saved(tmp_path):
    with pytest.raises(TypeError, match="flat dict of names to tensors"):
        needl.save([needl.ones(1)], tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="cannot save dict 'nested'"):
        needl.save({"nested": {"a": needl.ones(1)}}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="names are strings"):
        needl.save({0: needl.ones(1)}, tmp_path / "x.safetensors")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("header,data,message", [
    ({"x": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\0" * 8, "corrupt safetensors"),
    ({"x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\0" * 8, "corrupt safetensors"),
    ({"x": {"dtype": "F32", "shape": [2 ** 40, 0], "data_offsets": [0, 0]}}, b"", "larger than a file"),
    ({"x": {"dtype": "F8_E4M3", "shape": [1], "data_offsets": [0, 1]}}, b"\0", "F8_E4M3"),
])
def test_corrupt_or_hostile_headers_are_refused(header, data, message):
    with pytest.raises(CheckpointError, match=message):
        needl.load(io.BytesIO(safetensors_file(header, data)))


def test_without_the_package_the_error_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "safetensors", None)
    with pytest.raises(ImportError, match="pip install safetensors"):
        needl.save({"x": needl.ones(1)}, tmp_path / "x.safetensors")
