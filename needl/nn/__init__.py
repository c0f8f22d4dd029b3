"""needl.nn: Module, Parameter, containers, layers, losses; `functional`, `init` and `utils`."""
from . import functional, init
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .module import Module, register_module_forward_hook, register_module_forward_pre_hook
from .modules import (CELU, ELU, GELU, GLU, SELU, BCELoss, BCEWithLogitsLoss, Bilinear,
                      CrossEntropyLoss, Hardsigmoid, Hardswish, Hardtanh, HuberLoss, Identity,
                      KLDivLoss, L1Loss, LeakyReLU, Linear, LogSigmoid, LogSoftmax, Mish, MSELoss,
                      NLLLoss, PReLU, ReLU, ReLU6, Sigmoid, SiLU, SmoothL1Loss, Softmax, Softmin,
                      Softplus, Softsign, Tanh, Tanhshrink)
from .parameter import Parameter
from .summary import summary
