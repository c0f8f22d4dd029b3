"""The autograd engine: Tensor, the tape, the op-definition API and the checks."""
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .engine import backward, grad
from .function import Context, Function, op
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .tape import Node
from .tensor import Tensor

Variable = Tensor  # the pre-0.4 wrapper: `Variable(t)` is `t`'s class, as PyTorch kept it

__all__ = ["Tensor", "Node", "op", "Function", "Context", "backward", "grad", "gradcheck",
           "gradgradcheck", "GradcheckError", "detect_anomaly", "set_detect_anomaly",
           "is_anomaly_enabled", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "inference_mode", "Variable"]


def __getattr__(name: str):
    """`needl.autograd.profiler` on first use: it imports needl.profiler, which imports viz (PEP 562)."""
    if name == "profiler":
        import importlib
        return importlib.import_module(f"{__name__}.profiler")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
