import io
import json
import math
import zipfile

import numpy as np
import pytest

import needl
from needl.serialization import CheckpointError


def test_round_trip_of_a_nested_state_dict(tmp_path):
    weight = needl.randn(3, 4)
    state = {
        "model": {"fc.weight": weight, "fc.bias": needl.zeros(4, dtype=needl.float64)},
        "optimizer": {"state": {0: {"step": 3, "exp_avg": needl.ones(2)}},
                      "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "amsgrad": False,
                                        "params": [0, 1], "name": None}]},
        "epoch": 7, "best": math.inf, "notes": "café", "labels": np.arange(5),
        "scale": np.float32(0.5), "empty": [], "flags": [True, False],
    }
    path = tmp_path / "checkpoint.npz"
    needl.save(state, path)
    loaded = needl.load(path)
    assert isinstance(loaded["model"]["fc.weight"], needl.Tensor)
    np.testing.assert_array_equal(loaded["model"]["fc.weight"].detach().numpy(), weight.detach().numpy())
    assert loaded["model"]["fc.weight"].dtype == np.float32
    assert loaded["model"]["fc.bias"].dtype == np.float64
    assert list(loaded["optimizer"]["state"]) == [0]  # int keys stay ints
    assert loaded["optimizer"]["state"][0]["step"] == 3
    assert loaded["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert loaded["optimizer"]["param_groups"][0]["name"] is None
    assert loaded["epoch"] == 7 and isinstance(loaded["epoch"], int)
    assert loaded["best"] == math.inf and loaded["notes"] == "café"
    assert isinstance(loaded["labels"], np.ndarray) and loaded["labels"].tolist() == [0, 1, 2, 3, 4]
    assert loaded["scale"] == np.float32(0.5) and loaded["scale"].dtype == np.float32
    assert loaded["empty"] == [] and loaded["flags"] == [True, False]


def test_saves_at_exactly_the_path_given(tmp_path):
    path = tmp_path / "model.ckpt"
    needl.save({"w": needl.ones(2)}, str(path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.ckpt"]
    assert needl.load(str(path))["w"].tolist() == [1.0, 1.0]


def test_file_objects_and_shared_tensors():
    weight = needl.ones(3, requires_grad=True)
    buffer = io.BytesIO()
    needl.save({"encoder": weight, "decoder": weight}, buffer)
    buffer.seek(0)
    loaded = needl.load(buffer)
    assert loaded["encoder"] is loaded["decoder"]
    assert loaded["encoder"].requires_grad


def test_module_state_dict_round_trip(tmp_path):
    nn = pytest.importorskip("needl.nn")
    model = nn.Linear(3, 2)
    needl.save(model.state_dict(), tmp_path / "linear.npz")
    other = nn.Linear(3, 2)
    other.load_state_dict(needl.load(tmp_path / "linear.npz"))
    np.testing.assert_array_equal(other.weight.detach().numpy(), model.weight.detach().numpy())
    np.testing.assert_array_equal(other.bias.detach().numpy(), model.bias.detach().numpy())


@pytest.mark.parametrize("value,what", [(object(), "object at the top level"),
                                        ({"a": [1, {2, 3}]}, "set at ['a'][1]"),
                                        ({"f": np.array([None])}, "object array at ['f']")])
def test_unsupported_values_are_refused(value, what, tmp_path):
    with pytest.raises(TypeError, match=f"cannot save an? {what.split(' at ')[0]}"):
        needl.save(value, tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


def test_a_pickle_is_refused_and_not_run(tmp_path):
    import pickle

    class Bomb:
        def __reduce__(self):
            return (exec, ("raise SystemExit('pickle code ran')",))

    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w") as archive:
        with archive.open("payload.npy", "w") as member:
            np.lib.format.write_array(member, np.array([Bomb()], dtype=object), allow_pickle=True)
    with pytest.raises(CheckpointError, match="not a needl checkpoint"):
        needl.load(path)
    (tmp_path / "raw.pkl").write_bytes(pickle.dumps(Bomb()))
    with pytest.raises(CheckpointError, match="raw.pkl.*not a needl checkpoint"):
        needl.load(tmp_path / "raw.pkl")


def test_foreign_npz_and_npy_are_refused(tmp_path):
    np.savez(tmp_path / "foreign.npz", weights=np.ones(3))
    with pytest.raises(CheckpointError, match="no '__needl__' entry.*weights"):
        needl.load(tmp_path / "foreign.npz")
    np.save(tmp_path / "single.npy", np.ones(3))
    with pytest.raises(CheckpointError, match="single .npy array"):
        needl.load(tmp_path / "single.npy")
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(CheckpointError, match="text.npz"):
        needl.load(tmp_path / "text.npz")
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        needl.load(tmp_path / "missing.npz")


def test_truncated_file_is_refused(tmp_path):
    path = tmp_path / "checkpoint.npz"
    needl.save({"w": needl.randn(100, 100)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="checkpoint.npz"):
        needl.load(path)


def write_archive(path, metadata, **arrays):
    text = metadata if isinstance(metadata, str) else json.dumps(metadata)
    np.savez(path, __needl__=np.frombuffer(text.encode(), dtype=np.uint8), **arrays)


@pytest.mark.parametrize("metadata,message", [
    ("{not json", "unreadable structure"),
    ({"format": "other", "version": 1, "root": None}, "not a needl checkpoint"),
    ({"format": "needl.save", "version": 99, "root": None}, "version 99 is not supported"),
    ({"format": "needl.save", "version": 1}, "no 'root' entry"),
    ({"format": "needl.save", "version": 1, "root": {"tensor": 5, "requires_grad": False}},
     "refers to array 5"),
    ({"format": "needl.save", "version": 1, "root": {"eval": "print(1)"}}, "unknown entry type"),
    ({"format": "needl.save", "version": 1, "root": {"dict": [[{"list": []}, 1]]}},
     "unhashable dict key"),
])
def test_corrupt_metadata_is_refused(tmp_path, metadata, message):
    path = tmp_path / "bad.npz"
    write_archive(path, metadata)
    with pytest.raises(CheckpointError, match=message):
        needl.load(path)


def test_optimizer_state_dict_round_trip_through_a_file(tmp_path):
    param = needl.randn(3, requires_grad=True)
    optimizer = needl.optim.Adam([param], lr=0.01, amsgrad=True)
    param.grad = needl.ones(3)
    optimizer.step()
    needl.save(optimizer.state_dict(), tmp_path / "adam.npz")
    loaded = needl.load(tmp_path / "adam.npz")
    assert loaded["param_groups"][0]["betas"] == (0.9, 0.999)
    assert loaded["state"][0]["step"] == 1
    np.testing.assert_array_equal(loaded["state"][0]["exp_avg"].detach().numpy(),
                                  optimizer.state[param]["exp_avg"].detach().numpy())


def test_saving_a_whole_optimizer_says_to_save_its_state_dict(tmp_path):
    optimizer = needl.optim.SGD([needl.ones(1, requires_grad=True)], lr=0.1)
    with pytest.raises(TypeError, match=r"cannot save a SGD at \['opt'\] \(save its .state_dict\(\)"):
        needl.save({"opt": optimizer}, tmp_path / "x.npz")


def test_randomly_damaged_files_raise_checkpoint_error_only():
    buffer = io.BytesIO()
    needl.save({"w": needl.randn(8, 8), "meta": {"a": [1, 2.5, "x"], 3: (None, True)}}, buffer)
    data = buffer.getvalue()
    rng = np.random.default_rng(0)
    for trial in range(300):
        damaged = bytearray(data)
        if trial % 2:
            damaged = damaged[: rng.integers(len(damaged))]
        else:
            start = rng.integers(len(damaged))
            damaged[start:start + 8] = rng.integers(0, 256, 8, dtype=np.uint8).tobytes()
        try:
            needl.load(io.BytesIO(bytes(damaged)))
        except CheckpointError:
            pass


def _replace_once(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) >= 1, old
    return data.replace(old, new, 1)


def _rewritten(data: bytes, entry: str, header: dict) -> bytes:
    """The archive with one .npy entry's header replaced and a valid CRC, as a tool that
    rewrites the zip would leave it: only needl's own checks can catch the change."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as rewritten:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == entry:
                stream = io.BytesIO(content)
                np.lib.format.read_magic(stream)
                np.lib.format.read_array_header_1_0(stream)
                head = io.BytesIO()
                np.lib.format.write_array_header_1_0(head, header)
                content = head.getvalue() + content[stream.tell():]
            rewritten.writestr(info.filename, content)
    return buffer.getvalue()


@pytest.mark.parametrize("old,new", [(b"'<f4'", b"'<f2'"), (b"(40, 40)", b"(40, 20)")])
def test_a_changed_byte_in_an_array_header_is_caught_by_the_crc(old, new):
    # issue 11: an array over 4 KiB whose header changed loaded garbage or a truncated tensor
    buffer = io.BytesIO()
    needl.save({"w": needl.randn(40, 40)}, buffer)
    with pytest.raises(CheckpointError, match=r"array_0.npy.*(CRC|corrupt)"):
        needl.load(io.BytesIO(_replace_once(buffer.getvalue(), old, new)))


@pytest.mark.parametrize("descr,shape,message", [
    ("<f2", (40, 40), "holds 6400 bytes"),
    ("<f4", (40, 20), "holds 6400 bytes"),
    ("<f4", (2 ** 40, 0), "larger than a file"),
    ("|O", (40, 40), "object arrays would need pickle"),
])
def test_a_changed_header_with_a_valid_crc_is_refused(descr, shape, message):
    buffer = io.BytesIO()
    needl.save({"w": needl.randn(40, 40)}, buffer)
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    with pytest.raises(CheckpointError, match=f"array_0.npy.*{message}"):
        needl.load(io.BytesIO(_rewritten(buffer.getvalue(), "array_0.npy", header)))


def test_the_structure_record_must_match_each_array(tmp_path):
    path = tmp_path / "bad.npz"
    metadata = {"format": "needl.save", "version": 2, "modules": [],
                "arrays": [{"dtype": "<f4", "shape": [2]}],
                "root": {"tensor": 0, "requires_grad": False}}
    write_archive(path, metadata, array_0=np.ones(3, dtype=np.float32))
    with pytest.raises(CheckpointError, match=r"array_0.npy.*<f4 of shape \[3\].*record says"):
        needl.load(path)


def test_version_1_files_still_load(tmp_path):
    path = tmp_path / "old.npz"
    write_archive(path, {"format": "needl.save", "version": 1,
                         "root": {"dict": [["w", {"tensor": 0, "requires_grad": True}]]}},
                  array_0=np.arange(3.0))
    loaded = needl.load(path)
    assert loaded["w"].requires_grad and loaded["w"].tolist() == [0.0, 1.0, 2.0]


def test_loaded_arrays_are_writable_and_dtypes_survive(tmp_path):
    needl.save({"w": needl.ones(2, dtype=needl.float64), "d": needl.float16}, tmp_path / "x.npz")
    loaded = needl.load(tmp_path / "x.npz")
    loaded["w"].add_(1)
    assert loaded["w"].tolist() == [2.0, 2.0] and loaded["d"] == np.float16
