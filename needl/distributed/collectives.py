"""Collectives on tensors, with PyTorch's names and semantics, run by MPI on the NumPy arrays.

Each call checks its arguments on this rank, then queues one operation on the group's thread:
the ranks first compare what they were asked to do (agreement.py), then MPI works on the
tensors' arrays in place through the buffer protocol (no copies for C-contiguous tensors, no
pickling). `async_op=True` returns the Work at once; otherwise the call returns when done.
Lists of tensors (all_gather, gather, scatter, reduce_scatter) go through one contiguous
staging array, as MPI needs one buffer; the `*_tensor` forms avoid that copy.
"""
from typing import List, Optional

import numpy as np

from ..autograd.tensor import Tensor
from . import agreement
from .mpi import buffer
from .mpi import load as load_mpi
from .process_group import _NonGroupMember, default_group
from .reduce_op import ReduceOp, as_reduce_op, check_reduce_op, mpi_op


class Plan:
    """What one rank will do in a collective: `run(comm)`, the tensors it writes, its signature."""
    __slots__ = ("run", "outputs", "root", "reduce_op", "dtype", "shape")

    def __init__(self, run, outputs=(), root: int = -1, reduce_op: int = -1, like=None,
                 shape_agrees: bool = True):
        self.run = run
        self.outputs = outputs
        self.root = root
        self.reduce_op = reduce_op
        self.dtype = None if like is None else like.dtype
        self.shape = like.shape if like is not None and shape_agrees else None


def launch(name: str, group, async_op: bool, prepare):
    """Check the arguments (`prepare(group)` -> Plan), agree with the other ranks, run."""
    group = default_group(group)
    if isinstance(group, _NonGroupMember):
        return None  # as in PyTorch: a rank outside the group takes no part
    try:
        plan = prepare(group)
    except (TypeError, ValueError) as error:
        row = agreement.signature(name, invalid=True)  # tell the others, so that none waits
        group.submit(name, lambda comm, error=error: agreement.check(comm, name, row, error,
                                                                     group.ranks))
        raise
    row = agreement.signature(name, plan.root, plan.reduce_op, plan.dtype, plan.shape)

    def run(comm):
        agreement.check(comm, name, row, None, group.ranks)
        plan.run(comm)

    work = group.submit(name, run, plan.outputs)
    if async_op:
        return work
    work.wait()
    return None


class Staged:
    """A tensor's array as MPI needs it: the array itself when C-contiguous, else a copy that
    `write_back()` copies back."""
    __slots__ = ("target", "array")

    def __init__(self, tensor, what: str, written: bool = True):
        target = array_of(tensor, what)
        if written and not target.flags.writeable:
            raise ValueError(f"{what} is read-only (a broadcast view?): it cannot receive data")
        self.target = target
        self.array = target if target.flags.c_contiguous else np.ascontiguousarray(target)

    @property
    def mpi(self):
        return buffer(self.array)

    def write_back(self) -> None:
        if self.array is not self.target:
            self.target[...] = self.array


def array_of(tensor, what: str) -> np.ndarray:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{what} must be a needl Tensor, got {type(tensor).__name__}")
    return tensor._data


def check_tensor_list(tensors, like: np.ndarray, count: int, what: str) -> List[np.ndarray]:
    """`tensors` must be `count` tensors of `like`'s shape and dtype; returns their arrays."""
    if not isinstance(tensors, (list, tuple)) or len(tensors) != count:
        got = f"{len(tensors)} entries" if isinstance(tensors, (list, tuple)) else type(tensors).__name__
        raise ValueError(f"{what} must be a list of {count} tensors (one per rank), got {got}")
    arrays = [array_of(tensor, f"{what}[{i}]") for i, tensor in enumerate(tensors)]
    for i, array in enumerate(arrays):
        if array.shape != like.shape or array.dtype != like.dtype:
            raise ValueError(f"{what}[{i}] is a {array.dtype} tensor of shape {array.shape}; "
                             f"expected {like.dtype} of shape {like.shape}, as the input")
    return arrays


def root_only_list(tensors, at_root: bool, like: np.ndarray, count: int, what: str, role: str):
    """The root's list of `count` tensors like `like` (their arrays); the other ranks pass none."""
    if at_root:
        return check_tensor_list(tensors, like, count, what)
    if tensors:
        raise ValueError(f"Argument ``{what}`` must NOT be specified on non-{role} ranks.")
    return None


def average(array: np.ndarray, op: ReduceOp, size: int) -> None:
    if op == ReduceOp.AVG:
        np.divide(array, size, out=array)


# ---- collectives ----------------------------------------------------------------------------
def all_reduce(tensor: Tensor, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce `tensor` over the ranks, in place: every rank gets the result."""
    def prepare(group):
        reduce = as_reduce_op(op)
        staged = Staged(tensor, "tensor")
        check_reduce_op(reduce, staged.array.dtype)
        MPI = group.MPI

        def run(comm):
            comm.Allreduce(MPI.IN_PLACE, staged.mpi, op=mpi_op(MPI, reduce, staged.array.dtype))
            average(staged.array, reduce, comm.Get_size())
            staged.write_back()
        return Plan(run, (tensor,), reduce_op=reduce, like=staged.array)
    return launch("all_reduce", group, async_op, prepare)


def broadcast(tensor: Tensor, src: Optional[int] = None, group=None, async_op: bool = False,
              group_src: Optional[int] = None):
    """Copy `tensor` of rank `src` into `tensor` on every rank."""
    def prepare(group):
        root = group.group_rank(src, group_src, "src")
        receives = group.rank() != root
        staged = Staged(tensor, "tensor", written=receives)

        def run(comm):
            comm.Bcast(staged.mpi, root)
            if receives:
                staged.write_back()
        return Plan(run, (tensor,) if receives else (), root=root, like=staged.array)
    return launch("broadcast", group, async_op, prepare)


def reduce(tensor: Tensor, dst: Optional[int] = None, op=ReduceOp.SUM, group=None,
           async_op: bool = False, group_dst: Optional[int] = None):
    """Reduce `tensor` over the ranks into `tensor` of rank `dst` (the others' are unchanged)."""
    def prepare(group):
        operation = as_reduce_op(op)
        root = group.group_rank(dst, group_dst, "dst")
        receives = group.rank() == root
        staged = Staged(tensor, "tensor", written=receives)
        check_reduce_op(operation, staged.array.dtype)
        MPI = group.MPI

        def run(comm):
            mpi = mpi_op(MPI, operation, staged.array.dtype)
            if receives:
                comm.Reduce(MPI.IN_PLACE, staged.mpi, op=mpi, root=root)
                average(staged.array, operation, comm.Get_size())
                staged.write_back()
            else:
                comm.Reduce(staged.mpi, None, op=mpi, root=root)
        return Plan(run, (tensor,) if receives else (), root=root, reduce_op=operation,
                    like=staged.array)
    return launch("reduce", group, async_op, prepare)


def all_gather(tensor_list: List[Tensor], tensor: Tensor, group=None, async_op: bool = False):
    """Every rank's `tensor` into `tensor_list[rank]`, on every rank."""
    def prepare(group):
        send = Staged(tensor, "tensor", written=False)
        targets = check_tensor_list(tensor_list, send.array, group.size(), "tensor_list")

        def run(comm):
            gathered = np.empty((len(targets),) + send.array.shape, dtype=send.array.dtype)
            comm.Allgather(send.mpi, buffer(gathered))
            for target, part in zip(targets, gathered):
                target[...] = part
        return Plan(run, tuple(tensor_list), like=send.array)
    return launch("all_gather", group, async_op, prepare)


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group=None,
                           async_op: bool = False):
    """Every rank's `input_tensor`, concatenated (size * n, ...) or stacked (size, n, ...) into
    `output_tensor`, without a staging copy."""
    def prepare(group):
        send = Staged(input_tensor, "input_tensor", written=False)
        output = Staged(output_tensor, "output_tensor")
        expect_split_dimension(output.array, send.array, group.size(), "output_tensor", "input_tensor")

        def run(comm):
            comm.Allgather(send.mpi, output.mpi)
            output.write_back()
        return Plan(run, (output_tensor,), like=send.array)
    return launch("all_gather_into_tensor", group, async_op, prepare)


def expect_split_dimension(whole: np.ndarray, part: np.ndarray, size: int, whole_name: str,
                           part_name: str) -> None:
    """`whole` must be `size` copies of `part` stacked, or concatenated along dim 0, same dtype."""
    stacked = (size,) + part.shape
    concatenated = (size * part.shape[0],) + part.shape[1:] if part.ndim else stacked
    if whole.dtype != part.dtype or whole.shape not in (stacked, concatenated):
        raise ValueError(f"{whole_name} must be a {part.dtype} tensor of shape {concatenated} or "
                         f"{stacked} ({size} ranks of {part_name} {part.shape}), got "
                         f"{whole.dtype} {whole.shape}")


def reduce_scatter(output: Tensor, input_list: List[Tensor], op=ReduceOp.SUM, group=None,
                   async_op: bool = False):
    """Reduce `input_list[i]` over the ranks into `output` of rank i."""
    def prepare(group):
        operation = as_reduce_op(op)
        received = Staged(output, "output")
        sources = check_tensor_list(input_list, received.array, group.size(), "input_list")
        check_reduce_op(operation, received.array.dtype)
        MPI = group.MPI

        def run(comm):
            send = np.stack(sources)
            comm.Reduce_scatter_block(buffer(send), received.mpi,
                                      op=mpi_op(MPI, operation, send.dtype))
            average(received.array, operation, comm.Get_size())
            received.write_back()
        return Plan(run, (output,), reduce_op=operation, like=received.array)
    return launch("reduce_scatter", group, async_op, prepare)


def reduce_scatter_tensor(output: Tensor, input: Tensor, op=ReduceOp.SUM, group=None,
                          async_op: bool = False):
    """Reduce `input` (size parts along dim 0, or stacked) over the ranks; part i into rank i's
    `output`."""
    def prepare(group):
        operation = as_reduce_op(op)
        received = Staged(output, "output")
        send = Staged(input, "input", written=False)
        expect_split_dimension(send.array, received.array, group.size(), "input", "output")
        check_reduce_op(operation, received.array.dtype)
        MPI = group.MPI

        def run(comm):
            comm.Reduce_scatter_block(send.mpi, received.mpi,
                                      op=mpi_op(MPI, operation, send.array.dtype))
            average(received.array, operation, comm.Get_size())
            received.write_back()
        return Plan(run, (output,), reduce_op=operation, like=received.array)
    return launch("reduce_scatter_tensor", group, async_op, prepare)


def gather(tensor: Tensor, gather_list: Optional[List[Tensor]] = None, dst: Optional[int] = None,
           group=None, async_op: bool = False, group_dst: Optional[int] = None):
    """Every rank's `tensor` into `gather_list` of rank `dst` (the others pass no list)."""
    def prepare(group):
        root = group.group_rank(dst, group_dst, "dst", default=0)
        send = Staged(tensor, "tensor", written=False)
        receives = group.rank() == root
        targets = root_only_list(gather_list, receives, send.array, group.size(), "gather_list",
                                 "destination")

        def run(comm):
            if not receives:
                comm.Gather(send.mpi, None, root)
                return
            gathered = np.empty((len(targets),) + send.array.shape, dtype=send.array.dtype)
            comm.Gather(send.mpi, buffer(gathered), root)
            for target, part in zip(targets, gathered):
                target[...] = part
        return Plan(run, tuple(gather_list) if receives else (), root=root, like=send.array)
    return launch("gather", group, async_op, prepare)


def scatter(tensor: Tensor, scatter_list: Optional[List[Tensor]] = None, src: Optional[int] = None,
            group=None, async_op: bool = False, group_src: Optional[int] = None):
    """`scatter_list[i]` of rank `src` into `tensor` of rank i (the others pass no list)."""
    def prepare(group):
        root = group.group_rank(src, group_src, "src", default=0)
        received = Staged(tensor, "tensor")
        sends = group.rank() == root
        sources = root_only_list(scatter_list, sends, received.array, group.size(), "scatter_list",
                                 "source")

        def run(comm):
            comm.Scatter(buffer(np.stack(sources)) if sends else None, received.mpi, root)
            received.write_back()
        return Plan(run, (tensor,), root=root, like=received.array)
    return launch("scatter", group, async_op, prepare)


def all_to_all_single(output: Tensor, input: Tensor, output_split_sizes: Optional[List[int]] = None,
                      input_split_sizes: Optional[List[int]] = None, group=None,
                      async_op: bool = False):
    """Split `input` along dim 0 (equally, or by `input_split_sizes`), send part i to rank i, and
    concatenate what arrives into `output` (split by `output_split_sizes`)."""
    def prepare(group):
        send = Staged(input, "input", written=False)
        received = Staged(output, "output")
        size = group.size()
        if send.array.dtype != received.array.dtype or send.array.shape[1:] != received.array.shape[1:]:
            raise ValueError(f"all_to_all_single: input {send.array.dtype} {send.array.shape} and "
                             f"output {received.array.dtype} {received.array.shape} must have the "
                             f"same dtype and the same shape after dim 0")
        row = int(np.prod(send.array.shape[1:], dtype=np.int64))
        send_counts = split_counts(input_split_sizes, send.array.shape[0], size, "input") * row
        receive_counts = split_counts(output_split_sizes, received.array.shape[0], size, "output") * row

        def run(comm):
            exchange(comm, send.array, send_counts, received.array, receive_counts, group.ranks)
            received.write_back()
        return Plan(run, (output,), like=send.array, shape_agrees=False)
    return launch("all_to_all_single", group, async_op, prepare)


def all_to_all(output_tensor_list: List[Tensor], input_tensor_list: List[Tensor], group=None,
               async_op: bool = False):
    """Send `input_tensor_list[i]` to rank i; what rank i sent arrives in `output_tensor_list[i]`."""
    def prepare(group):
        size = group.size()
        for what, tensors in (("input_tensor_list", input_tensor_list),
                              ("output_tensor_list", output_tensor_list)):
            if not isinstance(tensors, (list, tuple)) or len(tensors) != size:
                raise ValueError(f"{what} must be a list of {size} tensors (one per rank)")
        sources = [array_of(t, f"input_tensor_list[{i}]") for i, t in enumerate(input_tensor_list)]
        targets = [array_of(t, f"output_tensor_list[{i}]") for i, t in enumerate(output_tensor_list)]
        dtypes = {array.dtype for array in sources + targets}
        if len(dtypes) != 1:
            raise ValueError(f"all_to_all: every tensor must have one dtype, got {sorted(map(str, dtypes))}")
        send_counts = np.array([a.size for a in sources], dtype=np.int64)
        receive_counts = np.array([a.size for a in targets], dtype=np.int64)

        def run(comm):
            send = np.concatenate([a.reshape(-1) for a in sources])
            received = np.empty(int(receive_counts.sum()), dtype=send.dtype)
            exchange(comm, send, send_counts, received, receive_counts, group.ranks)
            offsets = np.concatenate([[0], np.cumsum(receive_counts)])
            for target, start, stop in zip(targets, offsets[:-1], offsets[1:]):
                target[...] = received[start:stop].reshape(target.shape)
        return Plan(run, tuple(output_tensor_list), like=sources[0], shape_agrees=False)
    return launch("all_to_all", group, async_op, prepare)


def split_counts(splits, length: int, size: int, what: str) -> np.ndarray:
    if splits is None:
        if length % size:
            raise ValueError(f"all_to_all_single: {what} dim 0 ({length}) is not divisible by "
                             f"the {size} ranks; pass {what}_split_sizes")
        return np.full(size, length // size, dtype=np.int64)
    counts = np.asarray(list(splits), dtype=np.int64)
    if counts.shape != (size,) or counts.sum() != length or (counts < 0).any():
        raise ValueError(f"{what}_split_sizes must be {size} non-negative sizes summing to "
                         f"{length}, got {list(splits)}")
    return counts


def exchange(comm, send, send_counts, received, receive_counts, ranks) -> None:
    """Alltoallv, after checking that what each rank sends is what its peer expects."""
    announced = np.empty_like(send_counts)
    comm.Alltoall(send_counts, announced)  # announced[i]: what rank i will send me
    bad = np.flatnonzero(announced != receive_counts)
    flags = np.array([bad.size], dtype=np.int64)
    comm.Allreduce(load_mpi().IN_PLACE, flags)
    if flags[0]:
        if bad.size:
            raise RuntimeError(f"all_to_all: rank {ranks[bad[0]]} sends {announced[bad[0]]} "
                               f"elements to rank {ranks[comm.Get_rank()]}, which expects "
                               f"{receive_counts[bad[0]]}")
        raise RuntimeError("all_to_all: the split sizes of the ranks do not match (see the "
                           "other ranks' errors); nothing was sent")
    displacements = np.concatenate([[0], np.cumsum(send_counts)[:-1]])
    receive_displacements = np.concatenate([[0], np.cumsum(receive_counts)[:-1]])
    comm.Alltoallv([buffer(send), (send_counts, displacements)],
                   [buffer(received), (receive_counts, receive_displacements)])


def barrier(group=None, async_op: bool = False, device_ids=None, timeout=None):
    """Wait until every rank of the group has called barrier (at most `timeout`)."""
    def prepare(group):
        return Plan(lambda comm: comm.Barrier())
    if timeout is None or async_op:
        return launch("barrier", group, async_op, prepare)
    work = launch("barrier", group, True, prepare)
    if work is not None:
        work.wait(timeout)
    return None
