"""Launching: needl.distributed.run (needl's torchrun), the DDP example, and life without MPI."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import needl
import needl.distributed as dist
from mpi_launch import ROOT, require_mpi, run, run_mpi
from needl.datasets.idx import write_idx
from needl.distributed.run import launcher_environment, mpirun_command

HERE = Path(__file__).resolve().parent


def test_the_launcher_sets_torchruns_variables_before_the_script_starts():
    require_mpi()
    result = run([sys.executable, "-m", "needl.distributed.run", "--nproc-per-node", "2",
                  str(HERE / "print_environment.py"), "--flag", "value"], timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = sorted((json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")),
                   key=lambda line: line["rank"])
    assert [line["rank"] for line in lines] == [0, 1]
    for rank, line in enumerate(lines):
        assert line["before"] == {"RANK": str(rank), "WORLD_SIZE": "2", "LOCAL_RANK": str(rank),
                                  "LOCAL_WORLD_SIZE": "2"}
        assert line["argv"] == ["--flag", "value"] and line["launched"]


def test_the_launcher_builds_the_mpirun_command():
    mpirun = require_mpi()
    command = mpirun_command(4, ["python", "train.py"], mpirun=mpirun)
    assert command[:3] == [mpirun, "-n", "4"] and command[-2:] == ["python", "train.py"]
    on_machines = mpirun_command(2, ["python", "train.py"], nnodes=3, hostfile="hosts", mpirun=mpirun)
    assert on_machines[1:3] == ["-n", "6"] and "hosts" in on_machines
    result = subprocess.run([sys.executable, "-m", "needl.distributed.run", "--nproc-per-node", "2",
                             "--dry-run", "-m", "some.module", "--x"], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0 and "--worker -m some.module --x" in result.stdout
    result = subprocess.run([sys.executable, "-m", "needl.distributed.run", "--nnodes", "2", "t.py"],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode != 0 and "--hostfile" in result.stderr


def test_launcher_environment_reads_open_mpi_mpich_and_slurm():
    assert launcher_environment({"OMPI_COMM_WORLD_RANK": "3", "OMPI_COMM_WORLD_SIZE": "8",
                                 "OMPI_COMM_WORLD_LOCAL_RANK": "1", "OMPI_COMM_WORLD_LOCAL_SIZE": "2",
                                 "OMPI_COMM_WORLD_NODE_RANK": "1"}) == {
        "RANK": "3", "WORLD_SIZE": "8", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "2", "GROUP_RANK": "1"}
    assert launcher_environment({"PMI_RANK": "1", "PMI_SIZE": "2", "MPI_LOCALRANKID": "1",
                                 "MPI_LOCALNRANKS": "2"})["LOCAL_WORLD_SIZE"] == "2"
    assert launcher_environment({"SLURM_PROCID": "5", "SLURM_NTASKS": "8", "SLURM_LOCALID": "1",
                                 "SLURM_NTASKS_PER_NODE": "4(x2)", "SLURM_NODEID": "1"}) == {
        "RANK": "5", "WORLD_SIZE": "8", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "4", "GROUP_RANK": "1"}
    assert launcher_environment({}) == {}


def test_the_ddp_example_trains_on_two_processes(tmp_path):
    root = tmp_path / "data"
    (root / "mnist").mkdir(parents=True)
    rng = np.random.default_rng(0)
    for images, labels, count in (("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 256),
                                  ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 64)):
        write_idx(rng.integers(0, 256, (count, 28, 28), dtype=np.uint8), root / "mnist" / images)
        write_idx(rng.integers(0, 10, count, dtype=np.uint8), root / "mnist" / labels)
    checkpoint = tmp_path / "ddp.npz"
    result = run_mpi(ROOT / "examples" / "mnist_ddp.py", "--epochs", "2", "--batch-size", "32",
                     "--data", root, "--checkpoint", checkpoint, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "on 2 processes" in result.stdout and "epoch 2:" in result.stdout
    assert result.stdout.count("epoch 1:") == 1  # rank 0 alone reports
    state = needl.load(checkpoint)
    assert state["epoch"] == 2 and "layers.1.weight" in state["model"]


def test_without_mpi4py_distributed_is_unavailable_and_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    assert not dist.is_available() and not dist.is_mpi_available()
    with pytest.raises(RuntimeError, match=r'pip install "needl-numpy\[distributed\]"'):
        dist.init_process_group("mpi")
    assert not dist.is_initialized()


def test_backends_other_than_mpi_and_gloo_are_refused_clearly():
    with pytest.raises(ValueError, match="needl computes on the CPU"):
        dist.init_process_group("nccl")
    assert dist.Backend("cpu:gloo,cuda:nccl") == "gloo"
    assert not dist.is_nccl_available()
    with pytest.raises(ValueError, match="init_process_group"):
        dist.get_rank()


def test_importing_needl_and_its_parallel_parts_does_not_start_mpi():
    code = ("import sys, needl, needl.nn, needl.distributed, needl.nn.parallel, "
            "needl.utils.data.distributed, needl.multiprocessing; "
            "assert 'mpi4py' not in sys.modules, 'mpi4py imported'; "
            "assert needl.nn.parallel.DistributedDataParallel and needl.nn.DataParallel")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                            timeout=60)
    assert result.returncode == 0, result.stderr
