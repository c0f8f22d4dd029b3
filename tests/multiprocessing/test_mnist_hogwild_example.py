"""examples/mnist_hogwild.py on a few random 28x28 images: spawned trainers move the parent's model."""
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

from needl.datasets.idx import write_idx

ROOT = Path(__file__).resolve().parents[2]


def test_the_processes_train_the_parents_shared_model(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for prefix, count in (("train", 64), ("t10k", 32)):
        write_idx(rng.integers(0, 256, (count, 28, 28), dtype=np.uint8), folder / f"{prefix}-images-idx3-ubyte.gz")
        write_idx(rng.integers(0, 10, count, dtype=np.uint8), folder / f"{prefix}-labels-idx1-ubyte.gz")
    environment = dict(os.environ, PYTHONPATH=str(ROOT), NEEDL_DATA=str(tmp_path), OPENBLAS_NUM_THREADS="1")
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "mnist_hogwild.py"), "--num-batches", "2",
                             "--batch-size", "16", "--log-interval", "1"],
                            capture_output=True, text=True, cwd=tmp_path, env=environment, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    trainers = set(re.findall(r"^(\d+)\tTrain Epoch: 1 \[16/64 \(25%\)\]", result.stdout, re.M))
    assert len(trainers) == 2  # two processes, each logged its second batch
    moved = float(re.search(r"moved the shared parameters by ([\d.]+)", result.stdout).group(1))
    assert moved > 0
    assert "Test set: Average loss:" in result.stdout
