"""DataParallel: PyTorch's single-process wrapper, as it behaves on a machine without GPUs.

PyTorch's DataParallel splits a batch over the GPUs of one process; with no GPU it runs the
module as it is, whatever `device_ids` says. needl computes on the CPU, so DataParallel is that:
a wrapper (state_dict keys gain the `module.` prefix, as in PyTorch) that calls the module. To
train on several processes or machines use DistributedDataParallel.
"""
from ..module import Module


class DataParallel(Module):
    """Runs `module` in this process (needl's one device is the CPU); `module` is the wrapped one."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        self.module = module
        self.device_ids = []  # as PyTorch's DataParallel on a machine without GPUs
        self.output_device = None
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module: Module, inputs, device_ids=None, output_device=None, dim: int = 0,
                  module_kwargs=None):
    """The function form of DataParallel: `module(*inputs, **module_kwargs)` in this process."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,)
    return module(*inputs, **(module_kwargs or {}))
