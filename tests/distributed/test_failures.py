"""A rank that fails ends the whole job with an error, quickly, never a hang."""
import time
from pathlib import Path

import pytest

from mpi_launch import run_mpi

SCRIPT = Path(__file__).resolve().parent / "failing_rank.py"


def test_a_rank_that_raises_ends_every_rank_at_once():
    start = time.perf_counter()
    result = run_mpi(SCRIPT, "raise", timeout=60)
    assert result.returncode != 0
    assert "ValueError: rank 1 fails on purpose" in result.stderr
    assert "rank 1 raised ValueError; ending all 2 processes" in result.stderr
    assert "finished" not in result.stdout
    assert time.perf_counter() - start < 30  # rank 0 did not wait for its 4 s timeout... or 30 min


@pytest.mark.parametrize("how", ["stop", "exit"])
def test_a_rank_that_stops_or_leaves_makes_the_others_time_out_with_a_clear_error(how):
    result = run_mpi(SCRIPT, how, timeout=60)
    assert result.returncode != 0
    assert "all_reduce (operation #" in result.stderr and "timed out after 4 s on rank 0" in result.stderr
    assert "not every rank reached it" in result.stderr
    assert "rank 0 finished" not in result.stdout
