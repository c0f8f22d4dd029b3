"""DistributedDataParallel: data-parallel training over the ranks of a process group, as PyTorch's.

Each rank runs the whole model on its share of the batch; at construction rank 0's parameters
and buffers are copied to every rank, and during backward the gradients are averaged over the
ranks in buckets that overlap with the rest of the backward pass (reducer.py), so after
`optimizer.step()` every rank holds the same parameters: those one process would have after a
step on the concatenated batch.
"""
from contextlib import contextmanager
from typing import List

import numpy as np

from ... import distributed as dist
from ...autograd.mode import is_grad_enabled
from ...autograd.tensor import Tensor
from ...distributed.mpi import buffer
from ...distributed.process_group import default_group
from ..module import Module
from .reducer import Reducer


def broadcast_coalesced(group, tensors: List[Tensor], root: int = 0) -> None:
    """Copy `tensors` of group rank `root` into those of every rank: one message per dtype.

    Many small tensors (a model's buffers) cost one broadcast instead of one each; the ranks'
    tensors must match in number, shapes and dtypes (checked once, at construction).
    """
    by_dtype = {}
    for tensor in tensors:
        by_dtype.setdefault(tensor.dtype, []).append(tensor)
    receives = group.rank() != root
    works = []
    for dtype, members in by_dtype.items():
        flat = (np.empty(sum(t._data.size for t in members), dtype=dtype) if receives
                else np.concatenate([t._data.reshape(-1) for t in members]))
        works.append((group.submit("broadcast_coalesced",
                                   lambda comm, flat=flat: comm.Bcast(buffer(flat), root)),
                      members, flat))
    for work, members, flat in works:
        work.wait()
        if receives:
            offset = 0
            for tensor in members:
                size = tensor._data.size
                tensor._data[...] = flat[offset:offset + size].reshape(tensor.shape)
                tensor._bump_version()
                offset += size


def _describe_model(module: Module) -> list:
    return ([["parameter", name, list(p.shape), str(p.dtype), bool(p.requires_grad)]
             for name, p in module.named_parameters()]
            + [["buffer", name, list(b.shape), str(b.dtype), True] for name, b in module.named_buffers()])


def _verify_same_model(module: Module, group) -> None:
    """Every rank must hold the same parameters and buffers (names, shapes, dtypes)."""
    models = [None] * group.size()
    dist.all_gather_object(models, _describe_model(module), group=group)
    reference = models[0]
    for rank, model in enumerate(models[1:], start=1):
        if model == reference:
            continue
        for ours, theirs in zip(reference, model):
            if ours != theirs:
                raise RuntimeError(
                    f"DistributedDataParallel: the ranks' models differ: rank {group.ranks[0]} has "
                    f"{ours[0]} {ours[1]!r} {ours[3]} of shape {tuple(ours[2])}, rank "
                    f"{group.ranks[rank]} has {theirs[0]} {theirs[1]!r} {theirs[3]} of shape "
                    f"{tuple(theirs[2])}")
        raise RuntimeError(f"DistributedDataParallel: the ranks' models differ: rank "
                           f"{group.ranks[0]} has {len(reference)} parameters and buffers, rank "
                           f"{group.ranks[rank]} has {len(model)}")


class DistributedDataParallel(Module):
    """Wraps `module`; its backward averages the gradients over the ranks of `process_group`.

    `bucket_cap_mb` (default 25) sizes the gradient buckets; `find_unused_parameters=True`
    lets a forward leave some parameters out (their buckets need not wait for them);
    `gradient_as_bucket_view=True` makes each `.grad` a view of its bucket (one copy less per
    step when zero_grad(set_to_none=False) keeps the arrays); `no_sync()` accumulates
    gradients locally. needl computes on the CPU: `device_ids` and `output_device` must be
    None (or name the CPU).
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool = True, init_sync: bool = True, process_group=None,
                 bucket_cap_mb: float = None, find_unused_parameters: bool = False,
                 check_reduction: bool = False, gradient_as_bucket_view: bool = False,
                 static_graph: bool = False, delay_all_reduce_named_params=None,
                 param_to_hook_all_reduce=None, mixed_precision=None, device_mesh=None,
                 skip_all_reduce_unused_params: bool = False):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"module must be a needl.nn.Module, got {type(module).__name__}")
        for name, value in (("device_ids", device_ids), ("output_device", output_device)):
            devices = value if isinstance(value, (list, tuple)) else [] if value is None else [value]
            if any(str(device) != "cpu" for device in devices):
                raise ValueError(f"DistributedDataParallel: {name}={value!r}: needl computes on "
                                 f"the CPU, so {name} must be None")
        for name, value in (("delay_all_reduce_named_params", delay_all_reduce_named_params),
                            ("param_to_hook_all_reduce", param_to_hook_all_reduce),
                            ("mixed_precision", mixed_precision), ("device_mesh", device_mesh)):
            if value is not None:
                raise NotImplementedError(f"DistributedDataParallel: {name} is not supported by needl")
        if bucket_cap_mb is not None and not bucket_cap_mb > 0:
            raise ValueError(f"bucket_cap_mb must be positive, got {bucket_cap_mb}")
        group = default_group(process_group)
        self.module = module
        self.process_group = group
        self.dim = dim
        self.broadcast_buffers = True if broadcast_buffers is None else bool(broadcast_buffers)
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph  # a hint PyTorch uses to skip re-checks; nothing to skip here
        self.device_ids = None
        self.output_device = None
        self.require_backward_grad_sync = True
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        named = [(name, p) for name, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have "
                               "any parameter that requires a gradient.")
        _verify_same_model(module, group)
        if init_sync:
            broadcast_coalesced(group, list(module.parameters()) + list(module.buffers()))
        self.reducer = Reducer(named, group, max(self.bucket_bytes_cap, 1),
                               find_unused_parameters, gradient_as_bucket_view)

    def forward(self, *inputs, **kwargs):
        reducer = self.reducer
        if reducer.unready_error is not None:
            message, reducer.unready_error = reducer.unready_error, None
            raise RuntimeError(message)
        sync = is_grad_enabled() and self.require_backward_grad_sync
        if sync and self.broadcast_buffers:
            buffers = list(self.module.buffers())
            if buffers and self.process_group.size() > 1:
                broadcast_coalesced(self.process_group, buffers)
        output = self.module(*inputs, **kwargs)
        if sync:
            reducer.prepare_for_backward(output)
        else:
            reducer.expect_hooks = False  # a forward inside no_sync(): its backward stays local
        return output

    @contextmanager
    def no_sync(self):
        """Inside, forward and backward accumulate gradients on each rank without communicating;
        the first backward after it averages the accumulated gradients."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def extra_repr(self) -> str:
        return f"buckets={len(self.reducer.buckets)}, world_size={self.process_group.size()}"
