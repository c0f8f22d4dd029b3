"""needl.multiprocessing: torch.multiprocessing's names over Python's multiprocessing.

Process, Queue, Pool, get_context, set_start_method... are Python's own. What PyTorch adds:
`spawn(fn, args, nprocs)` / `start_processes`, which run `fn(i, *args)` in `nprocs` processes
and raise in the parent if one fails; and, as in PyTorch, tensors in shared memory: a tensor sent
through a Queue, a Pipe, a Pool or to a process started by spawn or forkserver is moved to
shared memory and arrives as a view of the same memory, not a copy (reductions.py), and
`Tensor.share_memory_()` / `Module.share_memory()` put tensors there for processes forked later
(Hogwild training: see examples/mnist_hogwild.py). Processes started here cannot form a
needl.distributed process group (that runs on MPI: launch with mpirun or
`python -m needl.distributed.run`).
"""
import multiprocessing as _multiprocessing
from multiprocessing import *  # noqa: F401,F403  (Process, Queue, Pool, get_context, ...)

from .reductions import init_reductions
from .spawn import (ProcessContext, ProcessExitedException, ProcessRaisedException, spawn,
                    start_processes)

init_reductions()

# PyTorch's names on Linux. needl always sends the descriptor of an anonymous memory file
# ("file_descriptor"); "file_system" (PyTorch's named files in /dev/shm) is accepted, since
# programs set it to open fewer descriptors, but changes nothing.
_SHARING_STRATEGIES = ("file_descriptor", "file_system")
_sharing = ["file_descriptor"]


def get_all_sharing_strategies() -> set:
    """PyTorch's strategy names; needl shares tensors by file descriptor whichever is chosen."""
    return set(_SHARING_STRATEGIES)


def get_sharing_strategy() -> str:
    """The strategy set last (default "file_descriptor"); needl passes descriptors under both."""
    return _sharing[0]


def set_sharing_strategy(new_strategy: str) -> None:
    """Accepts PyTorch's names; tensors are still shared by passing memory files' descriptors."""
    if new_strategy not in _SHARING_STRATEGIES:
        raise ValueError(f"unknown sharing strategy {new_strategy!r}; use one of {_SHARING_STRATEGIES}")
    _sharing[0] = new_strategy


__all__ = list(_multiprocessing.__all__) + [
    "spawn", "start_processes", "ProcessContext", "ProcessRaisedException",
    "ProcessExitedException", "get_all_sharing_strategies", "get_sharing_strategy",
    "set_sharing_strategy"]
