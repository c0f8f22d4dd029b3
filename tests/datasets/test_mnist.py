import gzip
import hashlib

import numpy as np
import pytest

import needl
from needl.datasets import MNIST, FashionMNIST, IDXError, write_idx
from needl.utils.data import DataLoader, random_split

RNG = np.random.default_rng(0)
IMAGES = {"train": RNG.integers(0, 256, (12, 28, 28), dtype=np.uint8),
          "t10k": RNG.integers(0, 256, (5, 28, 28), dtype=np.uint8)}
LABELS = {"train": RNG.integers(0, 10, 12).astype(np.uint8),
          "t10k": RNG.integers(0, 10, 5).astype(np.uint8)}


def make_files(folder, suffix=".gz", splits=("train", "t10k")):
    folder.mkdir(parents=True, exist_ok=True)
    for split in splits:
        write_idx(IMAGES[split], folder / f"{split}-images-idx3-ubyte{suffix}")
        write_idx(LABELS[split], folder / f"{split}-labels-idx1-ubyte{suffix}")


@pytest.mark.parametrize("folder,suffix", [("mnist", ".gz"), ("mnist", ""), ("MNIST/raw", ".gz"),
                                           (".", "")])
def test_reads_the_files_from_each_supported_folder(tmp_path, folder, suffix):
    make_files(tmp_path / folder, suffix)
    train, test = MNIST(tmp_path), MNIST(str(tmp_path), train=False)
    assert len(train) == 12 and len(test) == 5
    assert train.data.dtype == np.uint8 and train.data.shape == (12, 28, 28)
    assert train.targets.dtype == np.int64
    np.testing.assert_array_equal(train.data.numpy(), IMAGES["train"])
    np.testing.assert_array_equal(test.targets.detach().numpy(), LABELS["t10k"])


def test_root_defaults_to_needl_data(tmp_path, monkeypatch):
    make_files(tmp_path / "mnist")
    monkeypatch.setenv("NEEDL_DATA", str(tmp_path))
    assert MNIST(train=False).root == tmp_path


def test_samples_are_float32_in_unit_range_with_int_targets(tmp_path):
    make_files(tmp_path / "mnist")
    image, target = MNIST(tmp_path)[3]
    assert isinstance(image, needl.Tensor) and image.shape == (1, 28, 28)
    assert image.dtype == np.float32
    np.testing.assert_allclose(image.detach().numpy()[0], IMAGES["train"][3] / 255, rtol=1e-6)
    assert target == int(LABELS["train"][3]) and isinstance(target, int)


def test_transforms_get_the_raw_array_and_the_int(tmp_path):
    make_files(tmp_path / "mnist")
    dataset = MNIST(tmp_path, transform=lambda image: image.shape,
                    target_transform=lambda target: target + 100)
    assert dataset[0] == ((28, 28), int(LABELS["train"][0]) + 100)
    images, targets = dataset.get_batch(np.array([0, 1]))
    assert targets.tolist() == [int(t) + 100 for t in LABELS["train"][:2]]


def test_dataloader_batches_match_single_samples_without_per_sample_work(tmp_path, monkeypatch):
    make_files(tmp_path / "mnist")
    dataset = MNIST(tmp_path)
    expected = [dataset[i] for i in range(len(dataset))]
    monkeypatch.setattr(MNIST, "__getitem__", lambda self, i: pytest.fail("per-sample access"))
    seen = []
    for images, targets in DataLoader(dataset, batch_size=5, shuffle=True, generator=0):
        assert images.dtype == np.float32 and images.shape[1:] == (1, 28, 28)
        assert targets.dtype == np.int64
        for image, target in zip(images.detach().numpy(), targets.detach().numpy()):
            index = int(np.flatnonzero([np.array_equal(image, e[0].detach().numpy()) for e in expected])[0])
            assert expected[index][1] == target
            seen.append(index)
    assert sorted(seen) == list(range(12))
    part, _ = random_split(dataset, [8, 4], generator=0)
    assert sum(len(t) for _, t in DataLoader(part, batch_size=3)) == 8


def test_missing_files_say_where_to_put_them(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"train-images-idx3-ubyte, train-labels-idx1-ubyte"
                                                r" \(raw or .gz\)\. Put them in .*mnist"):
        MNIST(tmp_path)


def test_inconsistent_or_wrong_files_are_named(tmp_path):
    make_files(tmp_path / "mnist", splits=("t10k",))
    write_idx(LABELS["train"], tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz")
    with pytest.raises(IDXError, match="holds 5 images but .*t10k-labels-idx1-ubyte.gz holds 12"):
        MNIST(tmp_path, train=False)
    write_idx(np.zeros((5, 8, 8), dtype=np.uint8), tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz")
    with pytest.raises(IDXError, match=r"t10k-images-idx3-ubyte.gz: expected uint8 images of "
                                       r"shape \(N, 28, 28\), got uint8 \(5, 8, 8\)"):
        MNIST(tmp_path, train=False)
    path = tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(IDXError, match="t10k-images-idx3-ubyte.gz: the gzip stream is truncated"):
        MNIST(tmp_path, train=False)


def test_offline_download_fails_fast_with_instructions(tmp_path, monkeypatch):
    monkeypatch.setattr(MNIST, "mirrors", ["https://127.0.0.1:9/", "https://localhost:9/"])
    monkeypatch.setattr(MNIST, "timeout", 2.0)
    with pytest.raises(RuntimeError) as info:
        MNIST(tmp_path, download=True)
    message = str(info.value)
    assert "could not download train-images-idx3-ubyte.gz" in message
    assert "https://127.0.0.1:9/train-images-idx3-ubyte.gz" in message
    assert str(tmp_path / "mnist") in message and "t10k-labels-idx1-ubyte.gz" in message


def gz_idx(array):
    return gzip.compress(bytes([0, 0, 8, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
                         + array.tobytes())


def test_download_checks_checksums_and_stores_the_files(tmp_path, monkeypatch):
    contents = {"train-images-idx3-ubyte.gz": gz_idx(IMAGES["train"]),
                "train-labels-idx1-ubyte.gz": gz_idx(LABELS["train"]),
                "t10k-images-idx3-ubyte.gz": gz_idx(IMAGES["t10k"]),
                "t10k-labels-idx1-ubyte.gz": gz_idx(LABELS["t10k"])}
    resources = [(name, hashlib.md5(data).hexdigest()) for name, data in contents.items()]
    requested = []

    def fake_fetch(self, url):
        requested.append(url)
        return contents[url.rsplit("/", 1)[1]]

    monkeypatch.setattr(FashionMNIST, "resources", resources)
    monkeypatch.setattr(FashionMNIST, "_fetch", fake_fetch)
    dataset = FashionMNIST(tmp_path, download=True)
    assert len(dataset) == 12 and dataset.classes[9] == "Ankle boot"
    assert sorted(p.name for p in (tmp_path / "fashion-mnist").iterdir()) == sorted(contents)
    assert len(requested) == 4
    FashionMNIST(tmp_path, train=False, download=True)  # already there: nothing fetched
    assert len(requested) == 4

    monkeypatch.setattr(FashionMNIST, "resources", [(name, "0" * 32) for name, _ in resources])
    with pytest.raises(RuntimeError, match="checksum mismatch"):
        FashionMNIST(tmp_path / "elsewhere", download=True)
    assert not list((tmp_path / "elsewhere" / "fashion-mnist").iterdir())


def test_plain_http_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(MNIST, "mirrors", ["http://example.invalid/"])
    with pytest.raises(RuntimeError, match="non-HTTPS"):
        MNIST(tmp_path, download=True)


def test_real_mnist_test_set_when_available():
    try:
        test = MNIST(train=False)  # $NEEDL_DATA (CI: the shared data folder)
    except FileNotFoundError:
        pytest.skip("the real MNIST files are not under $NEEDL_DATA")
    assert len(test) == 10000 and test.data.numpy().shape == (10000, 28, 28)
    assert np.bincount(test.targets.numpy()).tolist()[:3] == [980, 1135, 1032]
