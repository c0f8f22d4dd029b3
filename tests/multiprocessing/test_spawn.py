"""needl.multiprocessing: spawn runs fn(i, *args) in new processes and reports their failures."""
import sys
from pathlib import Path

import pytest

import needl.multiprocessing as mp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spawned import fail_on_one, write_rank  # noqa: E402  (importable by the spawned children)


def test_spawn_runs_each_index_in_its_own_process(tmp_path):
    mp.spawn(write_rank, args=(str(tmp_path),), nprocs=2)
    assert sorted(path.read_text() for path in tmp_path.iterdir()) == ["0 7", "1 7"]


def test_a_child_that_raises_is_reported_with_its_traceback():
    with pytest.raises(mp.ProcessRaisedException, match="ValueError: process 1 fails"):
        mp.spawn(fail_on_one, nprocs=2)


def test_join_false_returns_a_context_and_exit_codes_are_reported():
    context = mp.start_processes(fail_on_one, args=("exit",), nprocs=2, join=False,
                                 start_method="fork")
    assert len(context.pids()) == 2
    with pytest.raises(mp.ProcessExitedException, match="exit code 3") as raised:
        while not context.join():
            pass
    assert raised.value.exit_code == 3 and raised.value.error_index == 1


def test_pythons_multiprocessing_names_are_there():
    assert mp.get_context("spawn").Process and mp.Queue and mp.Process and mp.cpu_count() >= 1
    assert mp.get_sharing_strategy() in mp.get_all_sharing_strategies()
