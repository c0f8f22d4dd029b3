"""needl.multiprocessing: torch.multiprocessing's names over Python's multiprocessing.

Process, Queue, Pool, get_context, set_start_method... are Python's own. What PyTorch adds:
`spawn(fn, args, nprocs)` / `start_processes`, which run `fn(i, *args)` in `nprocs` processes
and raise in the parent if one fails. Unlike PyTorch's, a tensor put in a Queue is copied
(pickled by multiprocessing), not moved to shared memory: a needl tensor is a NumPy array in
one process. Processes started here cannot form a needl.distributed process group (that runs
on MPI: launch with mpirun or `python -m needl.distributed.run`).
"""
import multiprocessing as _multiprocessing
from multiprocessing import *  # noqa: F401,F403  (Process, Queue, Pool, get_context, ...)

from .spawn import (ProcessContext, ProcessExitedException, ProcessRaisedException, spawn,
                    start_processes)

# PyTorch's names on Linux; nominal here: needl shares no memory between processes (tensors are copied)
_SHARING_STRATEGIES = ("file_descriptor", "file_system")
_sharing = ["file_descriptor"]


def get_all_sharing_strategies() -> set:
    """PyTorch's strategy names; needl copies tensors whichever is chosen."""
    return set(_SHARING_STRATEGIES)


def get_sharing_strategy() -> str:
    return _sharing[0]


def set_sharing_strategy(new_strategy: str) -> None:
    if new_strategy not in _SHARING_STRATEGIES:
        raise ValueError(f"unknown sharing strategy {new_strategy!r}; use one of {_SHARING_STRATEGIES}")
    _sharing[0] = new_strategy


__all__ = list(_multiprocessing.__all__) + [
    "spawn", "start_processes", "ProcessContext", "ProcessRaisedException",
    "ProcessExitedException", "get_all_sharing_strategies", "get_sharing_strategy",
    "set_sharing_strategy"]
