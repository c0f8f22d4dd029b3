"""PyTorch's checkpoint format: needl writes what torch.load reads and reads what torch.save wrote,
without PyTorch (the parity tests run where torch is installed) and without running pickle."""
import io
import pickle
import struct
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import needl
import needl.nn as nn
from checkpoint_files import hostile_pickle, sample_state, saved, torch_zip
from needl.serialization import CheckpointError


def assert_same_tensors(loaded: dict, state: dict):
    assert list(loaded) == list(state)
    for key, tensor in state.items():
        assert isinstance(loaded[key], needl.Tensor), key
        assert loaded[key].dtype == tensor.dtype and loaded[key].shape == tensor.shape, key
        np.testing.assert_array_equal(loaded[key].detach().numpy(), tensor.detach().numpy())


def test_round_trip_through_pytorchs_format(tmp_path):
    state = sample_state()
    needl.save(state, tmp_path / "state.pt")  # the suffix picks PyTorch's format
    assert zipfile.is_zipfile(tmp_path / "state.pt")
    assert_same_tensors(needl.load(tmp_path / "state.pt"), state)


def test_the_layout_is_pytorchs_with_aligned_storages():
    data = saved({"w": needl.ones(3), "b": needl.zeros(2)}, "torch")
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist() == ["archive/data.pkl", "archive/.format_version",
                                  "archive/.storage_alignment", "archive/byteorder",
                                  "archive/data/0", "archive/data/1", "archive/version"]
    for info in archive.infolist():
        name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26:
                                                              info.header_offset + 30])
        assert (info.header_offset + 30 + name_length + extra_length) % 64 == 0
        assert info.compress_type == zipfile.ZIP_STORED


def test_views_of_one_array_share_a_storage_and_keep_their_strides():
    base = needl.arange(12.0).reshape(3, 4)
    loaded = needl.load(io.BytesIO(saved({"base": base, "column": base[:, 1], "t": base.T}, "torch")))
    assert np.shares_memory(loaded["base"].numpy(), loaded["column"].numpy())
    assert loaded["column"].tolist() == [1.0, 5.0, 9.0] and loaded["t"].shape == (4, 3)
    loaded["base"].numpy()[0, 1] = 100.0  # shared as in PyTorch
    assert loaded["column"].tolist()[0] == 100.0
    assert len(zipfile.ZipFile(io.BytesIO(saved({"b": base, "c": base[:, 1]}, "torch"))).namelist()) == 6


def test_plain_values_parameters_and_containers_round_trip():
    model = nn.Linear(2, 3)
    value = {"epoch": 3, "lr": 0.5, "name": "café", "none": None, "flags": [True, False],
             "betas": (0.9, 0.999), "big": -2 ** 80, "bytes": b"\x00\xff", "complex": 1 - 2j,
             "set": {1, 2}, "ordered": OrderedDict(a=1), 0: "int key", "dtype": needl.float64,
             "weight": model.weight, "numpy": np.arange(3), "scalar": np.float32(1.5)}
    loaded = needl.load(io.BytesIO(saved(value, "torch")))
    for key in ("epoch", "lr", "name", "none", "flags", "betas", "big", "bytes", "complex",
                "set", "ordered", 0, "dtype", "scalar"):
        assert loaded[key] == value[key], key
    assert isinstance(loaded["ordered"], OrderedDict)
    assert isinstance(loaded["weight"], nn.Parameter) and loaded["weight"].requires_grad
    assert isinstance(loaded["numpy"], needl.Tensor) and loaded["numpy"].tolist() == [0, 1, 2]


def test_what_pytorchs_format_cannot_hold_is_refused_before_writing(tmp_path):
    with pytest.raises(TypeError, match=r"cannot save a Linear at the top level in PyTorch's format "
                                        r"\(save its .state_dict\(\)\)"):
        needl.save(nn.Linear(2, 2), tmp_path / "model.pt")
    with pytest.raises(TypeError, match=r"cannot save a frozenset at \['x'\]"):
        needl.save({"x": frozenset()}, tmp_path / "x.pt")
    assert list(tmp_path.iterdir()) == []


def test_hand_made_pickles_with_storages_load():
    # the pickle torch.save writes for {'w': tensor of 2 floats at offset 1 of a 3-float storage}
    pid = b"(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x03tQ"
    rebuild = (b"ctorch._utils\n_rebuild_tensor_v2\n(" + pid + b"K\x01K\x02\x85K\x01\x85\x89"
               b"ccollections\nOrderedDict\n)Rtq\x00R")
    data_pkl = b"\x80\x02}(X\x01\x00\x00\x00w" + rebuild + b"u."
    loaded = needl.load(io.BytesIO(torch_zip(data_pkl, {"0": np.array([1, 2, 3], np.float32).tobytes()})))
    assert loaded["w"].tolist() == [2.0, 3.0]
    short = torch_zip(data_pkl, {"0": np.array([1, 2], np.float32).tobytes()})
    with pytest.raises(CheckpointError, match="archive/data/0' holds 8 bytes.*3 elements"):
        needl.load(io.BytesIO(short))
    missing = torch_zip(data_pkl, {})
    with pytest.raises(CheckpointError, match="storage '0', but the file has no entry"):
        needl.load(io.BytesIO(missing))
    past_end = data_pkl.replace(b"K\x01K\x02\x85", b"K\x02K\x02\x85")
    with pytest.raises(CheckpointError, match="reaches past the end of storage '0'"):
        needl.load(io.BytesIO(torch_zip(past_end, {"0": np.ones(3, np.float32).tobytes()})))
    huge = data_pkl.replace(b"cpuK\x03", b"cpuJ\xff\xff\xff\x7f")
    with pytest.raises(CheckpointError, match="more than the file holds"):
        needl.load(io.BytesIO(torch_zip(huge, {"0": np.ones(3, np.float32).tobytes()})))
    empty_but_huge = data_pkl.replace(b"K\x01K\x02\x85K\x01\x85",
                                      b"K\x00\x8a\x06\x00\x00\x00\x00\x00\x01K\x00\x86K\x00K\x00\x86")
    with pytest.raises(CheckpointError, match=r"shape \(1099511627776, 0\), larger than a file"):
        needl.load(io.BytesIO(torch_zip(empty_but_huge, {"0": np.ones(3, np.float32).tobytes()})))


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_a_pickle_that_calls_os_system_is_refused_naming_it(protocol):
    with pytest.raises(CheckpointError, match=r"refusing the global posix\.system"):
        needl.load(io.BytesIO(torch_zip(hostile_pickle(protocol))))


@pytest.mark.parametrize("payload,message", [
    (b"\x80\x02cbuiltins\neval\nX\x01\x00\x00\x001\x85R.", "refusing the global builtins.eval"),
    (b"\x80\x04\x8c\x02os\x8c\x06system\x93.", "refusing the global os.system"),
    (b"\x80\x02ctorch.nn.modules.linear\nLinear\n)\x81.", "whole model saved with torch.save"),
    (b"\x80\x02X\x01\x00\x00\x00a)R.", "calls a str, which needl does not call"),
    (b"\x80\x02ctorch\nSize\n)\x81.", "creates an instance of torch.Size"),
    (b"\x80\x02]}b.", "sets the state of a list"),
    (b"\x80\x02(X\x03\x00\x00\x00bad\x85Q.", "unsupported persistent id"),
    (b"\x80\x02\x00.", "unsupported pickle opcode"),
    (b"\x80\x02]X\x01\x00\x00\x00", "truncated"),
    (b"\x80\x02h\x05.", "memo entry 5"),
    (b"\x80\x02ctorch._utils\n_rebuild_qtensor\n)R.", "quantized tensors"),
])
def test_hostile_or_broken_pickles_are_refused(payload, message):
    with pytest.raises(CheckpointError, match=message):
        needl.load(io.BytesIO(torch_zip(payload)))


def test_deeply_nested_pickles_do_not_overflow():
    payload = b"\x80\x02" + b"]" * 100000 + b"e" * 0 + b"."
    with pytest.raises(CheckpointError, match="malformed stack"):
        needl.load(io.BytesIO(torch_zip(payload)))
    nested = b"\x80\x02" + b"(" * 50000 + b"t" * 50000 + b"."
    loaded = needl.load(io.BytesIO(torch_zip(nested)))
    assert isinstance(loaded, tuple)


def test_a_flipped_storage_byte_fails_the_crc():
    data = bytearray(saved({"w": needl.randn(50, 50)}, "torch"))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("archive/data/0")
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    data[info.header_offset + 30 + name_length + extra_length + 100] ^= 0x10
    with pytest.raises(CheckpointError, match="archive/data/0.*Bad CRC-32"):
        needl.load(io.BytesIO(bytes(data)))


def test_a_whole_module_file_of_pytorch_is_refused_with_a_hint():
    payload = b"\x80\x02c__main__\nNet\n)\x81."
    with pytest.raises(CheckpointError, match=r"__main__\.Net.*save model\.state_dict\(\) in PyTorch"):
        needl.load(io.BytesIO(torch_zip(payload)), weights_only=False)


# ---- with PyTorch installed: the other side of the format -------------------------------------
def test_torch_load_reads_what_needl_wrote_and_the_model_agrees(tmp_path):
    torch = pytest.importorskip("torch")
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(),
                          nn.Linear(8, 3))
    model.eval()
    needl.save(model.state_dict(), tmp_path / "model.pth")
    state = torch.load(tmp_path / "model.pth")  # weights_only=True, PyTorch's default
    reference = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2),
                                    torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(8, 3))
    reference.load_state_dict(state)
    reference.eval()
    for key, tensor in model.state_dict().items():
        assert state[key].dtype == getattr(torch, str(tensor.dtype)) and tuple(state[key].shape) == tensor.shape
    x = np.random.default_rng(0).standard_normal((4, 1, 4, 4)).astype(np.float32)
    with torch.no_grad():
        expected = reference(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(needl.tensor(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    assert torch.load(tmp_path / "model.pth", mmap=True)["4.bias"].shape == (3,)


def test_torch_load_reads_every_dtype_views_and_values(tmp_path):
    torch = pytest.importorskip("torch")
    state = sample_state()
    state.update(epoch=4, extra={"betas": (0.9, 0.99)}, u16=np.arange(3, dtype=np.uint16))
    needl.save(state, tmp_path / "state.pt")
    loaded = torch.load(tmp_path / "state.pt")
    for key, tensor in state.items():
        if isinstance(tensor, needl.Tensor):
            np.testing.assert_array_equal(loaded[key].numpy(), tensor.numpy())
            if tensor.numel():
                assert loaded[key].stride() == tuple(s // tensor.numpy().itemsize
                                                     for s in tensor.numpy().strides)
    assert loaded["epoch"] == 4 and loaded["extra"] == {"betas": (0.9, 0.99)}
    assert loaded["u16"].dtype == torch.uint16 and loaded["u16"].tolist() == [0, 1, 2]
    assert loaded["view"].untyped_storage().data_ptr() == loaded["base"].untyped_storage().data_ptr()


@pytest.mark.parametrize("zip_format", [True, False], ids=["zip", "legacy"])
def test_needl_reads_what_torch_saved(zip_format):
    torch = pytest.importorskip("torch")
    linear = torch.nn.Linear(3, 2)
    value = {"model": linear.state_dict(), "bf16": torch.tensor([1.5, -2.25], dtype=torch.bfloat16),
             "strided": torch.arange(10.0)[1::3], "transposed": torch.arange(6).reshape(2, 3).t(),
             "u16": torch.ones(3, dtype=torch.uint16), "bool": torch.tensor([True, False]),
             "half": torch.ones(2, dtype=torch.float16), "double": torch.ones(1, dtype=torch.float64),
             "param": torch.nn.Parameter(torch.ones(2)), "size": torch.Size([2, 3]),
             "dtype": torch.float16, "device": torch.device("cpu"), "step": 7, "blob": b"ab",
             "complex": 2 + 1j, "set": {3}, "empty": torch.empty(0, 4), "scalar": torch.tensor(5)}
    buffer = io.BytesIO()
    torch.save(value, buffer, _use_new_zipfile_serialization=zip_format)
    buffer.seek(0)
    loaded = needl.load(buffer)
    for key, tensor in value.items():
        if isinstance(tensor, torch.Tensor):
            expected = tensor.detach().float() if tensor.dtype == torch.bfloat16 else tensor.detach()
            np.testing.assert_array_equal(loaded[key].detach().numpy(), expected.numpy())
            assert loaded[key].shape == tuple(tensor.shape)
    assert loaded["bf16"].dtype == np.float32  # NumPy has no bfloat16
    assert isinstance(loaded["model"], OrderedDict) and list(loaded["model"]) == ["weight", "bias"]
    assert loaded["model"]._metadata == {"": {"version": 1}}
    assert isinstance(loaded["param"], nn.Parameter) and loaded["param"].requires_grad
    assert loaded["size"] == (2, 3) and loaded["dtype"] == needl.float16
    assert type(loaded["device"]).__name__ == "device" and str(loaded["device"]) == "cpu"
    assert (loaded["step"], loaded["blob"], loaded["complex"], loaded["set"]) == (7, b"ab", 2 + 1j, {3})
    model = nn.Linear(3, 2)
    model.load_state_dict(loaded["model"])
    x = np.ones((1, 3), np.float32)
    np.testing.assert_allclose(model(needl.tensor(x)).detach().numpy(),
                               linear(torch.from_numpy(x)).detach().numpy(), rtol=1e-6)


def test_a_whole_torch_model_is_refused_naming_its_class():
    torch = pytest.importorskip("torch")
    buffer = io.BytesIO()
    torch.save(torch.nn.Linear(2, 2), buffer)
    buffer.seek(0)
    with pytest.raises(CheckpointError, match=r"torch\.nn\.modules\.linear\.Linear.*state_dict"):
        needl.load(buffer, weights_only=False)
