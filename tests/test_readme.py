"""The README's Python examples run as printed."""
import re
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)
RUNNABLE = [block for block in BLOCKS if "import needl" in block]


def test_readme_has_the_ten_line_and_custom_op_examples():
    assert len(RUNNABLE) >= 2


@pytest.mark.parametrize("block", RUNNABLE, ids=[f"block{i}" for i in range(len(RUNNABLE))])
def test_readme_example_runs(block):
    namespace = {}
    exec(compile(block, "README.md", "exec"), namespace)
    if "loss" in namespace:  # the ten-line training loop: the loss went down to a finite value
        assert namespace["loss"].item() < 2.3
