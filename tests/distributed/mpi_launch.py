"""Running test programs under mpirun from pytest: bounded in time, skipped without MPI."""
import functools
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from needl.distributed import mpi
from needl.distributed.run import find_mpirun, mpirun_command

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
TIMEOUT = 120  # seconds for one mpirun; each finishes in a few on an idle 2-core machine


def require_mpi() -> str:
    """The mpirun to use; skips the test when mpi4py or mpirun is missing."""
    if not mpi.available():
        pytest.skip('mpi4py is not installed (pip install "needl-numpy[distributed]")')
    try:
        return find_mpirun()
    except FileNotFoundError as error:
        pytest.skip(str(error))


def environment(**extra) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1", **extra)
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # Open MPI refuses root unless told
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    return env


def run(command, timeout: float = TIMEOUT, cwd=None, **extra) -> subprocess.CompletedProcess:
    """Run `command` in its own session; on timeout kill the whole session and fail."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=environment(**extra), cwd=cwd or ROOT, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"{' '.join(map(str, command))} did not end within {timeout} s\n"
                    f"{stdout[-3000:]}\n{stderr[-3000:]}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def run_mpi(*arguments, nprocs: int = 2, timeout: float = TIMEOUT, **extra):
    """`mpirun -n nprocs python ARGUMENTS`."""
    mpirun = require_mpi()
    return run(mpirun_command(nprocs, [sys.executable, *map(str, arguments)], mpirun=mpirun),
               timeout, **extra)


@functools.lru_cache(maxsize=None)
def check_results() -> dict:
    """Run every check of mpi_checks.py in one 2-rank job: {check name: [rank 0's, rank 1's]},
    each None if the check passed on that rank, else its traceback."""
    out = Path(tempfile.mkdtemp(prefix="needl-mpi-checks-"))
    result = run_mpi(HERE / "mpi_checks.py", out)
    results = {}
    for rank in range(2):
        path = out / f"results-{rank}.json"
        if not path.exists():
            raise AssertionError(f"rank {rank} wrote no results (exit code {result.returncode}):\n"
                                 f"{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
        for name, outcome in json.loads(path.read_text()).items():
            results.setdefault(name, [None, None])[rank] = outcome
    return results


def assert_check_passed(name: str) -> None:
    outcomes = check_results()
    assert name in outcomes, f"{name} did not run"
    failures = [f"rank {rank}:\n{trace}" for rank, trace in enumerate(outcomes[name]) if trace]
    assert not failures, "\n".join(failures)
