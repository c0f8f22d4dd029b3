"""Fuzzing every reader: truncated, overwritten and bit-flipped files raise CheckpointError only,
and a zip-based file that still loads gives back exactly what was saved (its CRCs held)."""
import io

import numpy as np
import pytest

import needl
import needl.nn as nn
from checkpoint_files import hostile_pickle, sample_state, saved, torch_zip
from needl.serialization import CheckpointError

TRIALS = 150


def damaged_copies(data: bytes, seed: int):
    rng = np.random.default_rng(seed)
    for trial in range(TRIALS):
        damaged = bytearray(data)
        kind = trial % 3
        if kind == 0:
            damaged = damaged[:rng.integers(len(damaged))]
        elif kind == 1:
            start = rng.integers(len(damaged))
            damaged[start:start + 8] = rng.integers(0, 256, 8, dtype=np.uint8).tobytes()
        else:
            damaged[rng.integers(len(damaged))] ^= 1 << int(rng.integers(8))
        yield bytes(damaged)


def same(loaded, expected) -> bool:
    if isinstance(expected, dict):
        return list(loaded) == list(expected) and all(same(loaded[k], v) for k, v in expected.items())
    return np.array_equal(loaded.numpy(), expected.numpy()) and loaded.dtype == expected.dtype


def legacy_torch_file(state) -> bytes:
    torch = pytest.importorskip("torch")
    buffer = io.BytesIO()
    torch.save({key: torch.from_numpy(np.ascontiguousarray(value.numpy())) for key, value in state.items()},
               buffer, _use_new_zipfile_serialization=False)
    return buffer.getvalue()


@pytest.mark.parametrize("format", ["needl", "torch", "safetensors", "module", "legacy"])
def test_damaged_files_raise_checkpoint_error_only(format):
    state = sample_state()
    if format == "safetensors":
        pytest.importorskip("safetensors")
    if format == "legacy":
        data = legacy_torch_file(state)
    elif format == "module":
        data = saved(nn.Sequential(nn.Linear(2, 3), nn.ReLU()), "needl")
    else:
        data = saved(state, format)
    checksummed = format in ("needl", "torch")  # zip entries carry a CRC-32
    for seed, damaged in enumerate(damaged_copies(data, seed=hash(format) % 1000)):
        try:
            loaded = needl.load(io.BytesIO(damaged), weights_only=format != "module")
        except CheckpointError:
            continue
        if checksummed:
            assert same(loaded, state)


@pytest.mark.parametrize("protocol", [2, 5])
def test_pickles_that_import_os_are_refused_in_both_pytorch_layouts(protocol):
    with pytest.raises(CheckpointError, match="refusing the global posix.system"):
        needl.load(io.BytesIO(torch_zip(hostile_pickle(protocol))), weights_only=False)
    magic = b"\x80\x02\x8a\x0a" + (0x1950A86A20F9469CFC6C).to_bytes(10, "little") + b"."
    legacy = magic + b"\x80\x02M\xe9\x03." + b"\x80\x02}." + hostile_pickle(protocol)
    with pytest.raises(CheckpointError, match="refusing the global posix.system"):
        needl.load(io.BytesIO(legacy), weights_only=False)


@pytest.mark.parametrize("header", [b"PK\x03\x04" + b"\0" * 40, b"\x93NUMPY\x01\x00", b"\x80\x02\x8a\x0a",
                                    b"\x10\0\0\0\0\0\0\0{\"a\":", b"", b"hello world"])
def test_wrong_headers_are_refused(header):
    with pytest.raises(CheckpointError):
        needl.load(io.BytesIO(header))
