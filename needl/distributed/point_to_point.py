"""send/recv between two ranks, non-blocking isend/irecv, and monitored_barrier.

These start MPI's non-blocking sends and receives on the caller's thread (not the group's
queue: two ranks that send to each other must not wait behind one another's queue) and poll
them until done, so every wait has the group's deadline. User tags t travel as MPI tag t + 1;
tag 0 belongs to monitored_barrier.
"""
import time
from typing import List, Optional

import numpy as np

from ..autograd.tensor import Tensor
from .collectives import Staged, array_of
from .mpi import buffer
from .process_group import _NonGroupMember, default_group
from .work import RequestWork, as_seconds


def _mpi_tag(tag: int) -> int:
    if not isinstance(tag, int) or tag < 0:
        raise ValueError(f"tag must be a non-negative int, got {tag!r}")
    return tag + 1


def isend(tensor: Tensor, dst: Optional[int] = None, group=None, tag: int = 0,
          group_dst: Optional[int] = None):
    """Start sending `tensor` to rank `dst`; returns a Work (wait() before changing `tensor`)."""
    group = default_group(group)
    if isinstance(group, _NonGroupMember):
        return None
    peer = group.group_rank(dst, group_dst, "dst")
    array = array_of(tensor, "tensor")
    array = array if array.flags.c_contiguous else np.ascontiguousarray(array)
    request = group.comm.Isend(buffer(array), dest=peer, tag=_mpi_tag(tag))
    return RequestWork(group, "send", request, lambda status: None, keep=array)


def send(tensor: Tensor, dst: Optional[int] = None, group=None, tag: int = 0,
         group_dst: Optional[int] = None) -> None:
    """Send `tensor` to rank `dst` and wait until it has left."""
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def irecv(tensor: Tensor, src: Optional[int] = None, group=None, tag: int = 0,
          group_src: Optional[int] = None):
    """Start receiving into `tensor` from rank `src` (any rank if None); returns a Work."""
    group = default_group(group)
    if isinstance(group, _NonGroupMember):
        return None
    MPI = group.MPI
    peer = (MPI.ANY_SOURCE if src is None and group_src is None
            else group.group_rank(src, group_src, "src"))
    staged = Staged(tensor, "tensor")
    request = group.comm.Irecv(staged.mpi, source=peer, tag=_mpi_tag(tag))

    def finish(status) -> int:
        source = group.ranks[status.Get_source()]
        count = status.Get_count(MPI.BYTE)
        if count != staged.array.nbytes:
            raise RuntimeError(f"recv: rank {source} sent {count} bytes, but the tensor is "
                               f"{staged.array.dtype} of shape {staged.array.shape} "
                               f"({staged.array.nbytes} bytes)")
        staged.write_back()
        return source
    return RequestWork(group, "recv", request, finish, outputs=(tensor,), keep=staged)


def recv(tensor: Tensor, src: Optional[int] = None, group=None, tag: int = 0,
         group_src: Optional[int] = None) -> int:
    """Receive into `tensor` from rank `src` (any rank if None); returns the sender's rank."""
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    work.wait()
    return work.source


class P2POp:
    """One send or receive for batch_isend_irecv: `P2POp(dist.isend, tensor, peer)`."""

    def __init__(self, op, tensor: Tensor, peer: Optional[int] = None, group=None, tag: int = 0,
                 group_peer: Optional[int] = None):
        if op not in (isend, irecv):
            raise ValueError("Invalid ``op``. Expected ``op`` to be of type ``needl.distributed.isend`` "
                             "or ``needl.distributed.irecv``.")
        self.op, self.tensor, self.peer, self.group, self.tag = op, tensor, peer, group, tag
        self.group_peer = group_peer


def batch_isend_irecv(p2p_op_list: List[P2POp]) -> list:
    """Start every send and receive of the list; returns their Works."""
    return [p2p.op(p2p.tensor, p2p.peer, p2p.group, p2p.tag, p2p.group_peer) for p2p in p2p_op_list]


def monitored_barrier(group=None, timeout=None, wait_all_ranks: bool = False) -> None:
    """A barrier that names the ranks that did not arrive: rank 0 waits for a message from each.

    Raises on rank 0 "Rank r failed to pass monitoredBarrier in t s" (every late rank with
    `wait_all_ranks=True`); the other ranks raise if rank 0 does not release them in time.
    """
    group = default_group(group)
    if isinstance(group, _NonGroupMember):
        return
    seconds = as_seconds(timeout) if timeout is not None else group.timeout
    comm, me = group.comm, group.rank()
    token = np.zeros(group.size(), dtype=np.uint8)
    deadline = time.perf_counter() + seconds
    if me != 0:
        RequestWork(group, "monitored_barrier", comm.Isend(token[me:me + 1], dest=0, tag=0),
                    lambda status: None).wait(seconds)
        release = RequestWork(group, "monitored_barrier", comm.Irecv(token[:1], source=0, tag=0),
                              lambda status: None)
        if not release._wait_done(max(deadline - time.perf_counter(), 0.0)):
            raise RuntimeError(f"monitored_barrier: rank {group.ranks[me]} was not released by "
                               f"rank {group.ranks[0]} within {seconds:g} s")
        return
    arrivals = {peer: RequestWork(group, "monitored_barrier",
                                  comm.Irecv(token[peer:peer + 1], source=peer, tag=0),
                                  lambda status: None)
                for peer in range(1, group.size())}
    late = []
    for peer, work in arrivals.items():
        if not work._wait_done(max(deadline - time.perf_counter(), 0.0)):
            late.append(group.ranks[peer])
            if not wait_all_ranks:
                break
    if late:
        ranks = ", ".join(map(str, late))
        raise RuntimeError(f"Rank{'s' if len(late) > 1 else ''} {ranks} failed to pass "
                           f"monitoredBarrier in {seconds:g} s")
    for peer in arrivals:
        RequestWork(group, "monitored_barrier", comm.Isend(token[:1], dest=peer, tag=0),
                    lambda status: None).wait(seconds)
