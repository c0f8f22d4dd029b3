"""Porting suite: PyTorch programs written as their users write them, run with `import needl as torch`.

Each program prints its first and last loss as JSON on its last line; the test asserts the loss
fell. Where PyTorch is installed, the same file with `needl` turned back into `torch` runs under
real PyTorch and the first losses must agree (the programs start from weights drawn with NumPy).
"""
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).parent / "programs"
ROOT = HERE.parents[2]
# program: (arguments for the full run, arguments for the first-loss comparison or None)
PROGRAMS = {
    "gpt_char.py": ([], ["1"]),
    "rnn_lm.py": ([], ["1"]),
    "vae.py": ([], ["1"]),
    "dcgan.py": ([], ["1"]),
    "lbfgs_regression.py": ([], ["1"]),
    "cnn_device.py": ([], None),
    "pdata_sgd.py": ([], ["1"]),
    "reinforce_categorical.py": ([], None),  # sampled actions: the first loss is random
}


def run(path, arguments, environment=None):
    environment = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1", **(environment or {}))
    result = subprocess.run([sys.executable, str(path), *arguments], capture_output=True, text=True,
                            env=environment, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_trains_on_needl(name):
    losses = run(HERE / name, PROGRAMS[name][0])
    assert losses["last"] < losses["first"], losses


def as_torch(source: str) -> str:
    """The program as its PyTorch original: every `needl` in an import back to `torch`."""
    lines = []
    for line in source.splitlines():
        if re.match(r"\s*(import|from)\s+needl", line):
            line = line.replace("needl.vision", "torchvision").replace("needl", "torch")
        lines.append(line)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", sorted(n for n, (_, compare) in PROGRAMS.items() if compare is not None))
def test_first_loss_matches_pytorch(name, tmp_path):
    pytest.importorskip("torch")
    original = tmp_path / name
    original.write_text(as_torch((HERE / name).read_text()))
    arguments = PROGRAMS[name][1]
    theirs = run(original, arguments)
    ours = run(HERE / name, arguments)
    assert ours["first"] == pytest.approx(theirs["first"], rel=2e-4), (ours, theirs)
