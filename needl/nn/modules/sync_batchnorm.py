"""SyncBatchNorm: batch norm whose statistics would span every process of a distributed job.

In one process (no process group initialised) it is BatchNorm over the local batch, as PyTorch's
SyncBatchNorm is then; needl does not synchronise statistics across processes, so a forward in
training mode inside an initialised process group of several processes raises instead of
silently computing per-process statistics.
"""
import importlib

from ...autograd.tensor import Tensor
from ..module import Module
from .normalization import _BatchNorm


def _world_size() -> int:
    """The size of the initialised default process group, 1 without one (or without needl.distributed)."""
    try:
        distributed = importlib.import_module("needl.distributed")
    except ImportError:
        return 1
    initialized = getattr(distributed, "is_initialized", lambda: False)
    return distributed.get_world_size() if initialized() else 1


class SyncBatchNorm(_BatchNorm):
    """Batch norm over (N, C, *) inputs; process_group is accepted (cross-process sync is not implemented)."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, process_group=None, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim < 2:
            raise ValueError(f"expected at least 2D input (got {input.ndim}D input)")

    def forward(self, input: Tensor) -> Tensor:
        if self.training and _world_size() > 1:
            raise NotImplementedError("SyncBatchNorm: synchronising batch statistics across processes is not "
                                      "implemented in needl; use BatchNorm (per-process statistics) instead")
        return super().forward(input)

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group=None) -> Module:
        """module with every BatchNorm*d in its tree replaced by a SyncBatchNorm holding the same tensors
        (children are replaced in place, as PyTorch does; a BatchNorm root is returned as a new module)."""
        output = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            output = SyncBatchNorm(module.num_features, module.eps, module.momentum, module.affine,
                                   module.track_running_stats, process_group)
            for name in ("weight", "bias"):
                if module._parameters.get(name) is not None:
                    output._parameters[name] = module._parameters[name]
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                output._buffers[name] = module._buffers.get(name)
            output.training = module.training
        for name, child in module.named_children():
            output.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return output
