"""Smoke runs of the example scripts on tiny generated data: they start, train, report, save."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from needl.datasets.idx import write_idx

ROOT = Path(__file__).resolve().parent.parent
NAMES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 128),
         "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 64)}


@pytest.fixture(scope="module")
def tiny_mnist(tmp_path_factory):
    """A folder holding mnist/ with a few random 28x28 images in the standard IDX .gz files."""
    root = tmp_path_factory.mktemp("data")
    (root / "mnist").mkdir()
    rng = np.random.default_rng(0)
    for images_name, labels_name, count in NAMES.values():
        write_idx(rng.integers(0, 256, (count, 28, 28), dtype=np.uint8), root / "mnist" / images_name)
        write_idx(rng.integers(0, 10, count, dtype=np.uint8), root / "mnist" / labels_name)
    return root


def run(script, *arguments, cwd):
    environment = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
    result = subprocess.run([sys.executable, str(ROOT / "examples" / script), *arguments],
                            capture_output=True, text=True, cwd=cwd, env=environment, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.parametrize("script", ["mnist_mlp.py", "mnist_lstm.py"])
def test_mnist_examples_train_and_save(script, tiny_mnist, tmp_path):
    checkpoint = tmp_path / "model.npz"
    output = run(script, "--epochs", "1", "--batch-size", "32", "--data", str(tiny_mnist),
                 "--no-progress", "--checkpoint", str(checkpoint), cwd=tmp_path)
    assert "epoch 1:" in output and "test accuracy" in output
    assert checkpoint.exists() and checkpoint.stat().st_size > 0


def test_mnist_cnn_official_example_trains_tests_and_saves(tiny_mnist, tmp_path):
    output = run("mnist_cnn.py", "--epochs", "1", "--batch-size", "32", "--data", str(tiny_mnist),
                 "--no-progress", "--save-model", cwd=tmp_path)
    assert "Train Epoch: 1 [0/128 (0%)]" in output and "Test set: Average loss:" in output
    assert "epoch 1: test accuracy" in output
    assert (tmp_path / "mnist_cnn.pt").stat().st_size > 0


def test_cifar10_resnet_example_on_fake_data(tmp_path):
    checkpoint = tmp_path / "cifar.npz"
    output = run("cifar10_resnet.py", "--fake-data", "--fake-size", "64", "--epochs", "1",
                 "--batch-size", "16", "--width", "4", "--blocks", "1", "--no-progress",
                 "--checkpoint", str(checkpoint), cwd=tmp_path)
    assert "64 training and 16 test images (fake)" in output
    assert "epoch 1: train loss" in output and "test accuracy" in output
    assert checkpoint.stat().st_size > 0


def test_char_lm_example_prints_a_sample(tmp_path):
    output = run("char_lm.py", "--epochs", "1", "--chars", "3000", "--seq-len", "16",
                 "--hidden-size", "16", "--sample-length", "40", "--no-progress",
                 "--checkpoint", str(tmp_path / "lm.npz"), cwd=tmp_path)
    assert len(output.strip()) > 40
    assert (tmp_path / "lm.npz").exists()
