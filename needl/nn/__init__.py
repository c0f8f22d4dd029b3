"""needl.nn: Module, Parameter, containers, layers, losses; `functional`, `init`, `utils`, `attention`.

Every layer class is defined in needl/nn/modules/ (the list is modules/__init__.py) and
re-exported here, as torch.nn does with `from .modules import *`.
"""
from . import attention, functional, init, modules, utils
from .module import Module, register_module_forward_hook, register_module_forward_pre_hook
from .modules import *  # noqa: F401,F403  every layer class (modules/__init__.py's __all__)
from .parallel import DataParallel  # also binds needl.nn.parallel (imports no mpi4py)
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter
from .summary import summary
