"""needl.nn: Module, Parameter, containers, layers, losses; `functional`, `init` and `utils`."""
from . import functional, init
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .module import Module, register_module_forward_hook, register_module_forward_pre_hook
from .modules import Bilinear, Identity, Linear
from .parameter import Parameter
