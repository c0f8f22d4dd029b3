"""needl.vision.datasets on small files written in the real formats."""
import hashlib
import io
import os
import pickle
import struct
import subprocess
import sys
import tarfile
import zipfile

import numpy as np
import pytest

import needl
from needl.utils.data import DataLoader
from needl.vision import datasets, pillow, transforms as T
from needl.vision.datasets import utils
from needl.vision.datasets.idx import write_idx
from needl.vision.datasets.restricted_pickle import UnsafePickleError, loads

RNG = np.random.default_rng(4)


@pytest.fixture
def no_pillow(monkeypatch):
    monkeypatch.setattr(pillow, "available", lambda: False)


def write_mnist(folder, images_name="{}-images-idx3-ubyte.gz", labels_name="{}-labels-idx1-ubyte.gz",
                splits=("train", "t10k"), classes=10, count=9):
    folder.mkdir(parents=True, exist_ok=True)
    data = {}
    for split in splits:
        images = RNG.integers(0, 256, (count, 28, 28), dtype=np.uint8)
        labels = RNG.integers(0, classes, count).astype(np.uint8)
        write_idx(images, folder / images_name.format(split))
        write_idx(labels, folder / labels_name.format(split))
        data[split] = images, labels
    return data


# ---- MNIST family ------------------------------------------------------------------------------
def test_mnist_items_are_torchvisions(tmp_path, Image):
    data = write_mnist(tmp_path / "MNIST" / "raw")
    dataset = datasets.MNIST(tmp_path, train=False)
    image, target = dataset[2]
    assert isinstance(image, Image.Image) and image.mode == "L" and image.size == (28, 28)
    np.testing.assert_array_equal(np.asarray(image), data["t10k"][0][2])
    assert target == int(data["t10k"][1][2]) and type(target) is int
    assert dataset.data.dtype == np.uint8 and dataset.targets.dtype == np.int64
    tensor, _ = datasets.MNIST(tmp_path, train=False, transform=T.ToTensor())[2]
    assert tensor.shape == (1, 28, 28) and tensor.dtype == np.float32
    assert "Split: Test" in repr(dataset) and "Number of datapoints: 9" in repr(dataset)


def test_mnist_items_are_arrays_without_pillow(tmp_path, no_pillow):
    data = write_mnist(tmp_path / "mnist")
    image, _ = datasets.MNIST(tmp_path)[0]
    assert isinstance(image, np.ndarray) and image.dtype == np.uint8
    np.testing.assert_array_equal(image, data["train"][0][0])
    tensor, _ = datasets.MNIST(tmp_path, transform=T.ToTensor())[0]
    assert tensor.shape == (1, 28, 28)


def test_batches_skip_per_sample_work_for_deterministic_transforms(tmp_path, monkeypatch):
    write_mnist(tmp_path / "mnist")
    pipeline = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])
    dataset = datasets.MNIST(tmp_path, transform=pipeline)
    expected = needl.utils.data.default_collate([dataset[i] for i in (4, 0, 7)])
    images, targets = dataset.get_batch(np.array([4, 0, 7]))
    np.testing.assert_allclose(images.numpy(), expected[0].numpy(), rtol=1e-6)
    assert images.dtype == np.float32 and targets.tolist() == expected[1].tolist()
    monkeypatch.setattr(datasets.MNIST, "__getitem__", lambda self, i: pytest.fail("per sample"))
    assert sum(len(t) for _, t in DataLoader(dataset, batch_size=4, shuffle=True)) == 9


def test_random_transforms_run_per_sample(tmp_path):
    write_mnist(tmp_path / "mnist")
    dataset = datasets.MNIST(tmp_path, transform=T.Compose([T.RandomCrop(24), T.ToTensor()]),
                             target_transform=lambda target: target + 10)
    images, targets = next(iter(DataLoader(dataset, batch_size=3)))
    assert images.shape == (3, 1, 24, 24) and (targets.numpy() >= 10).all()


@pytest.mark.parametrize("cls,folder", [(datasets.FashionMNIST, "FashionMNIST/raw"),
                                        (datasets.KMNIST, "kmnist")])
def test_fashion_and_kuzushiji(tmp_path, cls, folder):
    write_mnist(tmp_path / folder)
    assert len(cls(tmp_path)) == 9 and len(cls.classes) == 10


def test_emnist_splits_files_and_classes(tmp_path):
    write_mnist(tmp_path / "EMNIST" / "raw", "emnist-letters-{}-images-idx3-ubyte.gz",
                "emnist-letters-{}-labels-idx1-ubyte.gz", splits=("train", "test"), classes=27)
    dataset = datasets.EMNIST(tmp_path, split="letters", train=False)
    assert len(dataset) == 9 and dataset.classes[:3] == ["N/A", "a", "b"]
    assert len(datasets.EMNIST.classes_split_dict["byclass"]) == 62
    assert len(datasets.EMNIST.classes_split_dict["balanced"]) == 47
    with pytest.raises(ValueError, match="Unknown value 'letter' for argument split"):
        datasets.EMNIST(tmp_path, split="letter")
    with pytest.raises(FileNotFoundError, match="emnist-digits-train-images-idx3-ubyte"):
        datasets.EMNIST(tmp_path, split="digits")


def test_emnist_download_unpacks_the_zip(tmp_path, monkeypatch):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for split in ("train", "test"):
            for kind, shape, top in (("images-idx3", (3, 28, 28), 256), ("labels-idx1", (3,), 10)):
                write_idx(RNG.integers(0, top, shape).astype(np.uint8), tmp_path / "x.gz")
                zipped.writestr(f"gzip/emnist-digits-{split}-{kind}-ubyte.gz",
                                (tmp_path / "x.gz").read_bytes())
        zipped.writestr("gzip/emnist-digits-mapping.txt", "0 48\n")
    content = archive.getvalue()
    monkeypatch.setattr(datasets.EMNIST, "resources",
                        [("gzip.zip", hashlib.md5(content).hexdigest())])
    monkeypatch.setattr(datasets.EMNIST, "_fetch", lambda self, url: content)
    dataset = datasets.EMNIST(tmp_path / "data", split="digits", download=True)
    assert len(dataset) == 3
    assert sorted(os.listdir(tmp_path / "data" / "emnist")) == sorted(
        f"emnist-digits-{s}-{k}-ubyte.gz" for s in ("train", "test")
        for k in ("images-idx3", "labels-idx1"))


# ---- CIFAR -------------------------------------------------------------------------------------
def python2_pickle(value) -> bytes:
    """What Python 2's cPickle wrote (protocol 2, str as SHORT_BINSTRING/BINSTRING, NumPy
    arrays through numpy.core.multiarray._reconstruct): the CIFAR files' encoding."""
    out = io.BytesIO()

    def string(text):
        data = text if isinstance(text, bytes) else text.encode("latin1")
        out.write(b"U" + bytes([len(data)]) + data if len(data) < 256
                  else b"T" + struct.pack("<I", len(data)) + data)

    def write(item):
        if isinstance(item, (str, bytes)):
            string(item)
        elif isinstance(item, int):
            out.write(b"J" + struct.pack("<i", item))
        elif isinstance(item, list):
            out.write(b"](")
            for element in item:
                write(element)
            out.write(b"e")
        elif isinstance(item, dict):
            out.write(b"}(")
            for key, element in item.items():
                write(key)
                write(element)
            out.write(b"u")
        elif isinstance(item, np.ndarray):
            out.write(b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85U\x01b\x87R(K\x01")
            out.write(b"J" + struct.pack("<i", item.shape[0]) + b"J" + struct.pack("<i", item.shape[1]))
            out.write(b"\x86cnumpy\ndtype\nU\x02u1K\x00K\x01\x87R(K\x03U\x01|NNNJ\xff\xff\xff\xff"
                      b"J\xff\xff\xff\xffK\x00tb\x89")
            string(item.tobytes())
            out.write(b"tb")
    out.write(b"\x80\x02")
    write(value)
    out.write(b".")
    return out.getvalue()


def write_cifar(root, cls, python2=True, count=4):
    folder = root / cls.base_folder
    folder.mkdir(parents=True)
    batches = {}
    classes = 10 if cls is datasets.CIFAR10 else 100
    for name, _ in cls.train_list + cls.test_list:
        data = RNG.integers(0, 256, (count, 3072), dtype=np.uint8)
        labels = RNG.integers(0, classes, count).tolist()
        entry = {"batch_label": "training batch", cls.labels_key: labels, "data": data,
                 "filenames": [f"img_{i}.png" for i in range(count)]}
        if cls is datasets.CIFAR100:
            entry["coarse_labels"] = [label // 5 for label in labels]
        (folder / name).write_bytes(python2_pickle(entry) if python2
                                    else pickle.dumps(entry, protocol=4))
        batches[name] = data, labels
    meta = {cls.meta["key"]: [f"class{i}" for i in range(classes)]}
    (folder / cls.meta["filename"]).write_bytes(python2_pickle(meta) if python2
                                                else pickle.dumps(meta, protocol=2))
    return batches


@pytest.mark.parametrize("python2", [True, False], ids=["python2-pickle", "python3-pickle"])
@pytest.mark.parametrize("cls", [datasets.CIFAR10, datasets.CIFAR100])
def test_cifar_python_version(tmp_path, cls, python2):
    batches = write_cifar(tmp_path, cls, python2)
    train, test = cls(tmp_path), cls(tmp_path, train=False)
    assert len(train) == 4 * len(cls.train_list) and len(test) == 4
    data, labels = batches[cls.test_list[0][0]]
    assert test.data.shape == (4, 32, 32, 3) and test.data.dtype == np.uint8
    np.testing.assert_array_equal(test.data[1], data[1].reshape(3, 32, 32).transpose(1, 2, 0))
    assert test.targets == labels and test.classes[3] == "class3"
    image, target = cls(tmp_path, train=False, transform=T.ToTensor())[1]
    assert image.shape == (3, 32, 32) and target == labels[1]


def test_cifar_binary_version_and_fast_batches(tmp_path, Image):
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    records = {}
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        labels = RNG.integers(0, 10, 3, dtype=np.uint8)
        pixels = RNG.integers(0, 256, (3, 3072), dtype=np.uint8)
        (folder / name).write_bytes(np.concatenate([labels[:, None], pixels], axis=1).tobytes())
        records[name] = labels, pixels
    (folder / "batches.meta.txt").write_text("\n".join(f"c{i}" for i in range(10)) + "\n\n")
    test = datasets.CIFAR10(tmp_path, train=False)
    image, target = test[2]
    assert isinstance(image, Image.Image) and image.mode == "RGB" and image.size == (32, 32)
    np.testing.assert_array_equal(np.asarray(image),
                                  records["test_batch.bin"][1][2].reshape(3, 32, 32).transpose(1, 2, 0))
    assert target == records["test_batch.bin"][0][2] and test.classes[-1] == "c9"
    train = datasets.CIFAR10(tmp_path, transform=T.Compose([T.ToTensor(), T.Normalize(
        (0.5, 0.5, 0.5), (0.25, 0.25, 0.25))]))
    expected = needl.utils.data.default_collate([train[i] for i in range(15)])
    images, targets = train.get_batch(np.arange(15))
    np.testing.assert_allclose(images.numpy(), expected[0].numpy(), rtol=1e-6)
    assert targets.tolist() == expected[1].tolist()
    (folder / "test_batch.bin").write_bytes(b"\x00" * 3000)
    with pytest.raises(ValueError, match="3000 bytes is not a whole number of 3073-byte records"):
        datasets.CIFAR10(tmp_path, train=False)


def test_cifar_never_runs_a_pickle(tmp_path):
    write_cifar(tmp_path, datasets.CIFAR10)
    evil = pickle.dumps({"data": subprocess.call})  # unpickling would import and keep a function
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(evil)
    with pytest.raises(UnsafePickleError, match="refusing to load subprocess.call"):
        datasets.CIFAR10(tmp_path, train=False)


def test_cifar_missing_and_offline_messages(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="cifar-10-batches-py/ with data_batch_1.*"
                                                "cifar-10-batches-bin/"):
        datasets.CIFAR10(tmp_path)
    monkeypatch.setattr(datasets.CIFAR10, "url", "https://127.0.0.1:9/cifar-10-python.tar.gz")
    monkeypatch.setattr(datasets.CIFAR10, "timeout", 2.0)
    with pytest.raises(RuntimeError, match="(?s)could not download cifar-10-python.tar.gz.*put it in"):
        datasets.CIFAR10(tmp_path, download=True)


def test_cifar_download_checks_and_unpacks(tmp_path, monkeypatch):
    source = tmp_path / "source"
    write_cifar(source, datasets.CIFAR100, python2=False)
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        tar.add(source / "cifar-100-python", arcname="cifar-100-python")
    content = archive.getvalue()
    monkeypatch.setattr(datasets.CIFAR100, "tgz_md5", hashlib.md5(content).hexdigest())
    monkeypatch.setattr(utils, "fetch", lambda url, timeout: content)
    dataset = datasets.CIFAR100(tmp_path / "data", train=False, download=True)
    assert len(dataset) == 4 and (tmp_path / "data" / "cifar-100-python.tar.gz").is_file()
    monkeypatch.setattr(datasets.CIFAR100, "tgz_md5", "0" * 32)
    with pytest.raises(RuntimeError, match="checksum mismatch"):
        datasets.CIFAR100(tmp_path / "other", download=True)


def test_archives_cannot_write_outside_the_target(tmp_path):
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("../outside.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    with pytest.raises(ValueError, match="refusing to unpack '../outside.txt'"):
        utils.extract_archive(archive, tmp_path / "target")
    assert not (tmp_path / "outside.txt").exists()


def test_plain_http_is_refused():
    with pytest.raises(ValueError, match="non-HTTPS"):
        utils.fetch("http://example.invalid/file")


# ---- restricted pickle reader ------------------------------------------------------------------
@pytest.mark.parametrize("protocol", range(5))  # CIFAR's files are protocol 2
def test_restricted_reader_round_trips_plain_data(protocol):
    value = {"array": np.arange(12, dtype=np.uint8).reshape(3, 4), "floats": np.eye(2).T,
             "big_endian": np.arange(3, dtype=">i4"), b"bytes": b"\x00\xff", "list": [1, -2, 2 ** 70],
             "nested": ({"x": None}, True, 1.5, "é")}
    loaded = loads(pickle.dumps(value, protocol=protocol))
    assert loaded.keys() == value.keys()
    for key, item in value.items():
        if isinstance(item, np.ndarray):
            np.testing.assert_array_equal(loaded[key], item)
            assert loaded[key].dtype == item.dtype
        else:
            assert loaded[key] == item


class Payload:
    def __reduce__(self):
        return (os.system, ("echo owned",))


def test_restricted_reader_refuses_code():
    with pytest.raises(UnsafePickleError, match="refusing to load (posix|nt).system"):
        loads(pickle.dumps(Payload()))
    with pytest.raises(UnsafePickleError, match="refusing"):
        loads(pickle.dumps(np.array([Payload()], dtype=object)))
    with pytest.raises(ValueError, match="truncated"):
        loads(pickle.dumps({"a": [1, 2, 3]})[:-3])


# ---- folders and fake data ---------------------------------------------------------------------
def test_image_folder(tmp_path, Image):
    pixels = {}
    for name in ("dog", "cat"):
        (tmp_path / name / "sub").mkdir(parents=True)
        for index in range(2):
            array = RNG.integers(0, 256, (5, 7, 3), dtype=np.uint8)
            Image.fromarray(array).save(tmp_path / name / ("sub" if index else "") / f"{index}.png")
            pixels[(name, index)] = array
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    dataset = datasets.ImageFolder(tmp_path)
    assert dataset.classes == ["cat", "dog"] and dataset.class_to_idx == {"cat": 0, "dog": 1}
    assert len(dataset) == 4 and dataset.targets == [0, 0, 1, 1] and dataset.imgs == dataset.samples
    image, target = dataset[1]
    assert isinstance(image, Image.Image) and image.mode == "RGB" and target == 0
    np.testing.assert_array_equal(np.asarray(image), pixels[("cat", 1)])
    tensors = datasets.ImageFolder(tmp_path, transform=T.ToTensor())
    assert next(iter(DataLoader(tensors, batch_size=4)))[0].shape == (4, 3, 5, 7)
    texts = datasets.DatasetFolder(tmp_path, loader=lambda path: open(path).read(),
                                   extensions=(".txt",), allow_empty=True)
    assert [text for text, _ in texts] == ["not an image"]
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes dog"):
        datasets.DatasetFolder(tmp_path, loader=open, extensions=(".txt",))


def test_image_folder_needs_pillow(tmp_path, no_pillow):
    (tmp_path / "a").mkdir()
    with pytest.raises(ImportError, match="pip install pillow"):
        datasets.ImageFolder(tmp_path)


def test_fake_data():
    dataset = datasets.FakeData(size=5, image_size=(3, 6, 4), num_classes=3,
                                transform=T.ToTensor())
    image, target = dataset[2]
    assert image.shape == (3, 6, 4) and 0 <= target < 3 and len(dataset) == 5
    np.testing.assert_array_equal(image.numpy(), dataset[2][0].numpy())
    assert not np.array_equal(image.numpy(), dataset[3][0].numpy())
    shifted = datasets.FakeData(size=5, image_size=(3, 6, 4), transform=T.ToTensor(),
                                random_offset=1)
    np.testing.assert_array_equal(shifted[1][0].numpy(), dataset[2][0].numpy())
    with pytest.raises(IndexError):
        dataset[5]
    gray = datasets.FakeData(size=2, image_size=(1, 4, 4))[0][0]
    assert np.asarray(gray).shape == (4, 4)


def test_importing_the_datasets_does_not_import_the_network_stack():
    code = ("import sys, needl.vision.datasets, needl.vision.transforms; "
            "print(sorted(m for m in ('urllib.request', 'ssl', 'http.client', 'PIL') "
            "if m in sys.modules))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    assert output.strip() == "[]"
