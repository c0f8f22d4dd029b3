"""Process groups on MPI: init_process_group, the world and sub-groups, rank and size queries.

A ProcessGroup owns an MPI communicator (a duplicate of the world's, so that needl's messages
never mix with the program's own MPI calls) and a thread that runs its collectives one at a
time, in the order they were called, as PyTorch's MPI backend does. The caller's thread waits
on an event with a deadline, so a rank that stopped cannot make the others wait forever; an
uncaught exception on any rank ends every process of the job (MPI_Abort).
"""
import atexit
import collections
import os
import sys
import threading
import warnings
from datetime import timedelta
from typing import List, Optional

from . import mpi
from .work import DistBackendError, Work, as_seconds

default_pg_timeout = timedelta(minutes=30)  # PyTorch's default


class Backend(str):
    """Backend names, as torch.distributed.Backend. needl has one engine, MPI; on the CPU
    "gloo" is accepted and served by MPI too (a script written for gloo runs unchanged)."""
    UNDEFINED = "undefined"
    MPI = "mpi"
    GLOO = "gloo"
    NCCL = "nccl"
    UCC = "ucc"
    XCCL = "xccl"

    def __new__(cls, name: str):
        name = str(name).lower()
        if ":" in name:  # "cpu:gloo,cuda:nccl": needl computes on the CPU, so the cpu part counts
            parts = dict(part.split(":", 1) for part in name.split(","))
            if "cpu" not in parts:
                raise ValueError(f"backend {name!r} names no backend for the CPU; use 'mpi' or 'gloo'")
            name = parts["cpu"]
        if name not in (cls.MPI, cls.GLOO):
            raise ValueError(f"backend {name!r} is not available: needl computes on the CPU and "
                             f"communicates through MPI; use backend='mpi' (or 'gloo', served by MPI)")
        return super().__new__(cls, name)


class ProcessGroup:
    """A set of ranks that run collectives together: an MPI communicator and its worker thread."""

    def __init__(self, comm, ranks: List[int], backend: str, timeout: float):
        self.comm = comm
        self.MPI = mpi.load()
        self.ranks = ranks  # the global rank of each rank of this group
        self.backend = backend
        self.timeout = timeout  # seconds
        self._rank = comm.Get_rank()
        self._size = comm.Get_size()
        self._queue = collections.deque()
        self._wakeup = threading.Condition()
        self._thread = None
        self._count = 0
        self.broken = None  # the error that made the group unusable (a timed-out collective)

    def rank(self) -> int:
        return self._rank

    def size(self) -> int:
        return self._size

    def group_rank(self, global_rank: Optional[int], group_rank: Optional[int], what: str,
                   default: Optional[int] = None) -> int:
        """The rank in this group of a `src`/`dst` given as a global rank or as a group rank
        (`default`, a global rank, when neither is given)."""
        if global_rank is None and group_rank is None:
            global_rank = default
        if group_rank is not None:
            if global_rank is not None:
                raise ValueError(f"give {what} or group_{what}, not both")
            if not 0 <= group_rank < self._size:
                raise ValueError(f"group_{what}={group_rank} is not a rank of a group of {self._size}")
            return group_rank
        if global_rank is None:
            raise ValueError(f"{what} (a global rank) or group_{what} is required")
        try:
            return self.ranks.index(global_rank)
        except ValueError:
            raise ValueError(f"{what}={global_rank} is not in the group (global ranks "
                             f"{self.ranks})") from None

    # ---- the worker thread --------------------------------------------------------------
    def submit(self, name: str, run, outputs=()) -> Work:
        """Queue `run(comm)` to run on the group's thread after everything queued before it."""
        if self.broken is not None:
            raise DistBackendError(f"{name}: the process group is unusable after an earlier "
                                   f"error: {self.broken}")
        work = Work(self, name, run, outputs)
        with self._wakeup:
            self._count += 1
            work.sequence = self._count
            self._queue.append(work)
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, daemon=True,
                                                name=f"needl.distributed rank {self._rank}")
                self._thread.start()
            self._wakeup.notify()
        return work

    def _serve(self) -> None:
        while True:
            with self._wakeup:
                while not self._queue:
                    self._wakeup.wait()
                work = self._queue.popleft()
            if work is None:
                return
            work._execute(self.comm)

    def timed_out(self, work: Work, seconds: float) -> DistBackendError:
        """The error for a collective some rank did not reach; the group cannot be used after it."""
        global_rank = self.ranks[self._rank]
        self.broken = DistBackendError(
            f"needl.distributed: {work.name} (operation #{work.sequence} of its group) timed out "
            f"after {seconds:g} s on rank {global_rank} of {len(self.ranks)}: not every rank "
            f"reached it (another rank may have failed, stopped, or called a different "
            f"operation). The process group cannot be used any more.")
        return self.broken

    def shutdown(self) -> None:
        """Stop the thread (after what is queued) and free the communicator."""
        thread = self._thread
        if thread is not None and self.broken is None:
            with self._wakeup:
                self._queue.append(None)
                self._wakeup.notify()
            thread.join(self.timeout)
        if self.broken is None and not thread_alive(thread):
            self.comm.Free()
        self._thread = None

    def __repr__(self) -> str:
        return f"<ProcessGroup {self.backend} rank {self._rank} of {self._size}>"


def thread_alive(thread) -> bool:
    return thread is not None and thread.is_alive()


class _NonGroupMember:
    """What new_group returns on ranks outside the group; collectives on it do nothing."""

    def __repr__(self) -> str:
        return "GroupMember.NON_GROUP_MEMBER"


class _World:
    def __get__(self, instance, owner):
        return _state.world


class GroupMember:
    """`GroupMember.WORLD` is the default group (None before init_process_group)."""
    WORLD = _World()
    NON_GROUP_MEMBER = _NonGroupMember()


group = GroupMember  # dist.group.WORLD, as in PyTorch


class _State:
    world: Optional[ProcessGroup] = None
    groups: list = []  # every group made by new_group, destroyed with the world
    previous_excepthook = None
    exit_handler_registered = False


_state = _State()


def is_available() -> bool:
    """Whether needl.distributed can run: mpi4py is installed (`pip install "needl-numpy[distributed]"`)."""
    return mpi.available()


def is_mpi_available() -> bool:
    return mpi.available()


def is_gloo_available() -> bool:
    """True where MPI is: backend="gloo" is served by MPI on the CPU."""
    return mpi.available()


def is_nccl_available() -> bool:
    return False


def is_ucc_available() -> bool:
    return False


def is_backend_available(backend: str) -> bool:
    return str(backend).lower() in (Backend.MPI, Backend.GLOO) and mpi.available()


def is_initialized() -> bool:
    return _state.world is not None


def is_torchelastic_launched() -> bool:
    """Whether `python -m needl.distributed.run` (needl's torchrun) started this process."""
    return "NEEDL_RUN_ID" in os.environ


def default_group(group=None):
    """`group`, or the world; raises if init_process_group was not called."""
    if group is None or group is GroupMember.WORLD:
        if _state.world is None:
            raise ValueError("Default process group has not been initialized, please make sure "
                             "to call init_process_group.")
        return _state.world
    if not isinstance(group, (ProcessGroup, _NonGroupMember)):
        raise TypeError(f"group must be a ProcessGroup from new_group() or None, got "
                        f"{type(group).__name__}")
    return group


def init_process_group(backend: Optional[str] = None, init_method: Optional[str] = None,
                       timeout: Optional[timedelta] = None, world_size: int = -1,
                       rank: int = -1, store=None, group_name: str = "", pg_options=None,
                       device_id=None) -> None:
    """Join the processes that MPI started (mpirun, srun, needl.distributed.run) into the world group.

    MPI connects the processes itself, so `init_method` and `store` are not needed; `rank` and
    `world_size`, when given (or set in RANK/WORLD_SIZE by a launcher), must agree with MPI's.
    `backend` is "mpi" (the default) or "gloo", which needl serves with MPI on the CPU.
    `timeout` (default 30 minutes) bounds every wait for the other ranks.
    """
    if _state.world is not None:
        raise RuntimeError("trying to initialize the default process group twice!")
    backend = Backend(backend or Backend.MPI)
    if store is not None:
        raise ValueError("store= is not supported: needl's process group runs on MPI, whose "
                         "launcher (mpirun, srun) connects the processes")
    if init_method not in (None, "env://"):
        warnings.warn(f"init_method={init_method!r} is not used: MPI's launcher (mpirun, srun, "
                      f"python -m needl.distributed.run) connects the processes", stacklevel=2)
    seconds = as_seconds(timeout if timeout is not None else default_pg_timeout)
    MPI = mpi.load()
    world = MPI.COMM_WORLD
    _check_agrees("world_size", world_size, "WORLD_SIZE", world.Get_size(), world.Get_size())
    _check_agrees("rank", rank, "RANK", world.Get_rank(), world.Get_size())
    comm = world.Dup()
    local = comm.Split_type(MPI.COMM_TYPE_SHARED)
    local_rank, local_size = local.Get_rank(), local.Get_size()
    local.Free()
    # as torchrun does, so code that reads them after init works under a plain mpirun too
    for name, value in (("RANK", world.Get_rank()), ("WORLD_SIZE", world.Get_size()),
                        ("LOCAL_RANK", local_rank), ("LOCAL_WORLD_SIZE", local_size)):
        os.environ.setdefault(name, str(value))
    _state.world = ProcessGroup(comm, list(range(world.Get_size())), backend, seconds)
    _state.world.local_rank = local_rank
    if world.Get_size() > 1:
        _install_abort_on_error(MPI)


def _check_agrees(name: str, given: int, variable: str, actual: int, size: int) -> None:
    """`rank`/`world_size` from the call or the environment must be MPI's."""
    for source, value in ((f"{name}={given}", given),
                          (f"{variable}={os.environ.get(variable)}", os.environ.get(variable))):
        if value is None or int(value) == -1 or int(value) == actual:
            continue
        raise RuntimeError(
            f"init_process_group: {source}, but MPI says {name} is {actual} ({size} process"
            f"{'es' if size > 1 else ''} started). needl's process group runs on MPI: start the "
            f"processes with `mpirun -n N python script.py` or `python -m needl.distributed.run "
            f"--nproc-per-node N script.py` (processes started another way, such as "
            f"needl.multiprocessing.spawn or torchrun, cannot form an MPI job)")


def _install_abort_on_error(MPI) -> None:
    """An uncaught exception on one rank ends all of them (MPI_Abort), so that none waits for it."""
    previous = sys.excepthook
    rank, size = MPI.COMM_WORLD.Get_rank(), MPI.COMM_WORLD.Get_size()

    def abort_on_error(kind, value, traceback):
        previous(kind, value, traceback)
        print(f"needl.distributed: rank {rank} raised {kind.__name__}; ending all {size} "
              f"processes of the job (MPI_Abort) so that none waits for it", file=sys.stderr,
              flush=True)
        MPI.COMM_WORLD.Abort(1)

    _state.previous_excepthook = previous
    sys.excepthook = abort_on_error
    if not _state.exit_handler_registered:
        _state.exit_handler_registered = True
        atexit.register(_abort_if_broken)


def _abort_if_broken() -> None:
    """At exit, a group whose thread is stuck in MPI would hang MPI_Finalize: abort instead."""
    groups = [_state.world] + _state.groups
    if any(group is not None and group.broken is not None for group in groups):
        print("needl.distributed: exiting with a timed-out collective; ending the job (MPI_Abort)",
              file=sys.stderr, flush=True)
        mpi.load().COMM_WORLD.Abort(1)


def destroy_process_group(group=None) -> None:
    """Release a group (by default the world and every group made from it)."""
    if group is None or group is GroupMember.WORLD:
        world = default_group()
        for member in _state.groups:
            member.shutdown()
        world.shutdown()
        _state.groups = []
        _state.world = None
        if _state.previous_excepthook is not None:
            sys.excepthook = _state.previous_excepthook
            _state.previous_excepthook = None
    elif isinstance(group, ProcessGroup):
        group.shutdown()
        if group in _state.groups:
            _state.groups.remove(group)


def new_group(ranks: Optional[List[int]] = None, timeout=None, backend=None, pg_options=None,
              use_local_synchronization: bool = False, group_desc=None, device_id=None):
    """A group of some of the world's ranks; every rank of the world must call it.

    Ranks outside it get GroupMember.NON_GROUP_MEMBER, on which collectives do nothing.
    """
    world = default_group()
    size = world.size()
    ranks = sorted(range(size) if ranks is None else ranks)
    if len(set(ranks)) != len(ranks) or any(not 0 <= r < size for r in ranks):
        raise ValueError(f"new_group: ranks must be distinct ranks of the world (0..{size - 1}), "
                         f"got {ranks}")
    me = world.rank()
    MPI = world.MPI
    result = {}

    def split(comm):
        member = me in ranks
        result["comm"] = comm.Split(0 if member else MPI.UNDEFINED, ranks.index(me) if member else 0)

    world.submit("new_group", split).wait()
    if result["comm"] == MPI.COMM_NULL:
        return GroupMember.NON_GROUP_MEMBER
    seconds = as_seconds(timeout) if timeout is not None else world.timeout
    created = ProcessGroup(result["comm"], ranks, Backend(backend or world.backend), seconds)
    _state.groups.append(created)
    return created


def get_rank(group=None) -> int:
    """This process's rank in `group` (the world by default); -1 outside the group."""
    group = default_group(group)
    return -1 if isinstance(group, _NonGroupMember) else group.rank()


def get_world_size(group=None) -> int:
    """How many ranks `group` has (the world by default); -1 outside the group."""
    group = default_group(group)
    return -1 if isinstance(group, _NonGroupMember) else group.size()


def get_backend(group=None) -> str:
    group = default_group(group)
    if isinstance(group, _NonGroupMember):
        raise ValueError("Invalid process group specified")
    return group.backend


def get_process_group_ranks(group) -> List[int]:
    """The global ranks of the members of `group`."""
    return list(default_group(group).ranks)


def get_global_rank(group, group_rank: int) -> int:
    return default_group(group).ranks[group_rank]


def get_group_rank(group, global_rank: int) -> int:
    return default_group(group).group_rank(global_rank, None, "global_rank")


def get_node_local_rank(fallback_rank: Optional[int] = None) -> int:
    """This process's rank among the processes of its machine (LOCAL_RANK)."""
    if "LOCAL_RANK" in os.environ:
        return int(os.environ["LOCAL_RANK"])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError("LOCAL_RANK is not set: call init_process_group first, or launch with "
                       "python -m needl.distributed.run")
