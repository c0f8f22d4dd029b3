"""The benchmark harness still runs (one tiny round, no timing asserted) and its NumPy references
still compute needl's gradients. Speed targets never go in tests: they live in benchmarks/README.md."""
import os
import sys

import pytest

BENCHMARKS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")
sys.path.insert(0, BENCHMARKS)

import common  # noqa: E402


def test_harness_runs_one_round_in_worker_processes():
    workload = common.load_workload("tape_overhead")
    result = workload.run("tape_overhead", quick=True, only=("needl", "numpy by hand"))
    assert set(result["contenders"]) == {"needl", "numpy by hand"}
    assert result["disagreement"] is None
    for entry in result["contenders"].values():
        assert len(entry["samples"]) == result["rounds"] and entry["median"] > 0
        assert entry["peak_rss_mb"] >= entry["rss_after_imports_mb"] > 0


def test_worker_failure_is_reported_with_its_traceback():
    worker = common.Worker("tape_overhead", "no such contender", threads=1)
    try:
        with pytest.raises(RuntimeError, match="KeyError: 'no such contender'"):
            worker.ask(None)
    finally:
        worker.close()


def test_losses_must_agree():
    assert common.losses_agree({"a": 1.0, "b": 1.0 + 1e-7}, 1e-4) is None
    assert "b computes" in common.losses_agree({"a": 1.0, "b": 1.1}, 1e-4)
    assert common.losses_agree({"a": [1.0, 2.0], "b": None, "c": [1.0, 2.0]}, 1e-4) is None


@pytest.mark.parametrize("module", ["lstm", "transformer"])
def test_numpy_references_match_needl_gradients(module):
    __import__(module).check_gradients()
