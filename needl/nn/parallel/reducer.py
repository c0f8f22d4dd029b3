"""The reducer: averages DistributedDataParallel's gradients over the ranks, in buckets, during backward.

As PyTorch's: the parameters are grouped into buckets of about `bucket_cap_mb` (one dtype per
bucket, a small first one), from the last registered to the first, the order in which backward
produces their gradients. A post-accumulate-grad hook on each parameter copies its gradient
into its bucket's flat array; when a bucket is complete its all-reduce is queued on the group's
thread, so it runs while backward computes the next gradients. Buckets start in index order on
every rank (a bucket waits for the ones before it), so the ranks' collectives always match. A
callback queued on the tape waits for the all-reduces at the end of backward and copies the
averaged gradients back.
"""
import time
from typing import List, Sequence

import numpy as np

from ...autograd.tape import queue_callback, reachable_nodes
from ...autograd.tensor import Tensor
from ...distributed.mpi import buffer

FIRST_BUCKET_BYTES = 1024 * 1024  # PyTorch's dist._DEFAULT_FIRST_BUCKET_BYTES: communication starts early


def assign_buckets(parameters: Sequence[Tensor], cap_bytes: int, first_cap_bytes: int) -> List[List[int]]:
    """Parameter indices grouped into buckets, last registered first; one dtype per bucket.

    A bucket closes once it holds at least its cap (the first bucket of each dtype has the
    smaller `first_cap_bytes`); a parameter larger than the cap gets a bucket of its own.
    """
    open_buckets, closed, first_done = {}, [], set()
    for index in reversed(range(len(parameters))):
        dtype = parameters[index].dtype
        indices, size = open_buckets.pop(dtype, ([], 0))
        indices.append(index)
        size += parameters[index]._data.nbytes
        if size >= (cap_bytes if dtype in first_done else first_cap_bytes):
            closed.append(indices)
            first_done.add(dtype)
        else:
            open_buckets[dtype] = (indices, size)
    closed.extend(indices for indices, _ in open_buckets.values())
    closed.sort(key=lambda indices: -indices[0])  # in the order backward reaches them
    return closed


class Bucket:
    """One flat array holding the gradients of some parameters, all-reduced as one message."""
    __slots__ = ("members", "views", "array", "pending", "work", "run")

    def __init__(self, members: List[int], parameters: Sequence[Tensor], MPI):
        self.members = members
        sizes = [parameters[i]._data.size for i in members]
        self.array = np.zeros(sum(sizes), dtype=parameters[members[0]].dtype)
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.views = [self.array[start:stop].reshape(parameters[i].shape)
                      for i, start, stop in zip(members, offsets[:-1], offsets[1:])]
        self.pending = len(members)
        self.work = None
        array = self.array

        def run(comm):  # on the group's thread: sum over the ranks, then average
            comm.Allreduce(MPI.IN_PLACE, buffer(array), op=MPI.SUM)
            np.divide(array, comm.Get_size(), out=array)
        self.run = run


def reachable_leaves(output) -> set:
    """ids of the leaf tensors that the tensors in `output` (nested tuples/lists/dicts) depend on."""
    roots, stack = [], [output]
    while stack:
        value = stack.pop()
        if isinstance(value, Tensor):
            if value.grad_fn is not None or value.requires_grad:
                roots.append(value)
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
    reached = {id(root) for root in roots if root.grad_fn is None}
    for node in reachable_nodes([root for root in roots if root.grad_fn is not None]):
        for input in node.inputs:
            if isinstance(input, Tensor) and input.grad_fn is None and input.requires_grad:
                reached.add(id(input))
    return reached


class Reducer:
    """Gradient buckets, the hooks that fill them, and the wait at the end of backward."""

    def __init__(self, named_parameters, group, bucket_cap_bytes: int,
                 find_unused_parameters: bool, gradient_as_bucket_view: bool):
        self.names = [name for name, _ in named_parameters]
        self.parameters = [parameter for _, parameter in named_parameters]
        self.group = group
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.index = {id(parameter): i for i, parameter in enumerate(self.parameters)}
        assignment = assign_buckets(self.parameters, bucket_cap_bytes,
                                    min(FIRST_BUCKET_BYTES, bucket_cap_bytes))
        self.buckets = [Bucket(members, self.parameters, group.MPI) for members in assignment]
        self.slot = [None] * len(self.parameters)  # parameter index -> (bucket, view)
        for bucket in self.buckets:
            for i, view in zip(bucket.members, bucket.views):
                self.slot[i] = (bucket, view)
        self.handles = [parameter.register_post_accumulate_grad_hook(self._gradient_ready)
                        for parameter in self.parameters]
        self.expect_hooks = False  # set by a forward pass that should sync its backward
        self.unused = []  # parameters the forward's graph does not reach (find_unused_parameters)
        self.unready_error = None  # raised by the next forward, as PyTorch does
        # the last backward's perf_counter times: first_ready, replay_end, end, and per bucket
        # launched (queued) and comm [(start, end)] (run on the group's thread)
        self.timing = None
        self._reset()

    def _reset(self) -> None:
        self.ready = [False] * len(self.parameters)
        self.locally_used = np.zeros(len(self.parameters), dtype=np.uint8)
        for bucket in self.buckets:
            bucket.pending = len(bucket.members)
            bucket.work = None
        self.next_bucket = 0
        self.in_backward = False

    # ---- forward ------------------------------------------------------------------------
    def prepare_for_backward(self, output) -> None:
        """Called by each forward that should sync: expect the hooks; find unused parameters."""
        if self.find_unused_parameters:
            reached = reachable_leaves(output)
            unused = [i for i, parameter in enumerate(self.parameters) if id(parameter) not in reached]
            # several forwards before one backward: a parameter any of them used is used
            self.unused = sorted(set(unused) & set(self.unused)) if self.expect_hooks else unused
        self.expect_hooks = True

    # ---- backward -----------------------------------------------------------------------
    def _gradient_ready(self, parameter: Tensor) -> None:
        if not self.expect_hooks:
            return
        if not self.in_backward:
            self.in_backward = True
            self.timing = {"first_ready": time.perf_counter()}
            queue_callback(self._finish_backward)
            for i in self.unused:  # these get no gradient: their buckets need not wait for them
                self._mark_ready(i, None)
        self._mark_ready(self.index[id(parameter)], parameter.grad._data)

    def _mark_ready(self, i: int, gradient) -> None:
        if self.ready[i]:
            raise RuntimeError(
                f"Expected to mark a variable ready only once: parameter {self.names[i]!r} got "
                f"a gradient after DistributedDataParallel had taken it as unused (or twice in "
                f"one backward). A module whose forward output does not reach a parameter may "
                f"not use it later in the same step.")
        self.ready[i] = True
        bucket, view = self.slot[i]
        if gradient is None:
            view[...] = 0
        else:
            self.locally_used[i] = 1
            if gradient is not view:
                np.copyto(view, gradient)
        bucket.pending -= 1
        if bucket.pending == 0:
            self._launch_ready_buckets()

    def _launch_ready_buckets(self) -> None:
        buckets = self.buckets
        while self.next_bucket < len(buckets) and buckets[self.next_bucket].pending == 0:
            bucket = buckets[self.next_bucket]
            self.next_bucket += 1
            bucket.work = self.group.submit("DistributedDataParallel gradient bucket", bucket.run)

    def _finish_backward(self) -> None:
        """At the end of the replay: launch what is left, wait, copy the averages back."""
        try:
            self.timing["replay_end"] = time.perf_counter()
            missing = [i for i, ready in enumerate(self.ready) if not ready]
            for i in missing:  # zeros, so that every rank launches every bucket, in order
                self._mark_ready(i, None)
            used = self.locally_used
            used_work = None
            if self.find_unused_parameters:  # a parameter some rank used is used
                MPI = self.group.MPI

                def agree_used(comm):
                    comm.Allreduce(MPI.IN_PLACE, used, op=MPI.MAX)
                used_work = self.group.submit("DistributedDataParallel unused parameters", agree_used)
            for bucket in self.buckets:
                bucket.work.wait()
            if used_work is not None:
                used_work.wait()
            self._write_gradients(used if self.find_unused_parameters else None)
            self.timing["end"] = time.perf_counter()
            self.timing["launched"] = [bucket.work.submitted for bucket in self.buckets]
            self.timing["comm"] = [(bucket.work.started, bucket.work.ended) for bucket in self.buckets]
            if missing and not self.find_unused_parameters:
                names = ", ".join(self.names[i] for i in missing)
                self.unready_error = (
                    f"Expected to have finished reduction in the prior iteration before starting "
                    f"a new one. This error indicates that your module has parameters that were "
                    f"not used in producing loss. You can enable unused parameter detection by "
                    f"passing the keyword argument `find_unused_parameters=True` to "
                    f"`needl.nn.parallel.DistributedDataParallel`, and by making sure all "
                    f"`forward` function outputs participate in calculating loss. Parameters "
                    f"which did not receive grad for rank {self.group.ranks[self.group.rank()]}: "
                    f"{names}")
        finally:
            self._reset()
            self.expect_hooks = False

    def _write_gradients(self, globally_used) -> None:
        for i, parameter in enumerate(self.parameters):
            if globally_used is not None and not globally_used[i]:
                continue  # no rank used it: its .grad stays as it was (None), as in PyTorch
            view = self.slot[i][1]
            grad = parameter.grad
            if self.gradient_as_bucket_view:
                if grad is None or grad._data is not view:
                    parameter.grad = Tensor._make(view)
                else:
                    grad._bump_version()
            elif grad is None:
                parameter.grad = Tensor._make(view.copy())
            else:
                np.copyto(grad._data, view)
                grad._bump_version()

    def remove_hooks(self) -> None:
        for handle in self.handles:
            handle.remove()
