"""torch's global switches and type queries that needl answers: the default device (the CPU),
anomaly mode, warn-always, typename, is_storage, and the `strided` layout."""
from .. import device as _device
from .mode import _GradMode

_warn_always = False


class layout:
    """A memory layout (PyTorch's torch.layout); needl's tensors are all `strided`."""
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return f"needl.{self.name}"


strided = layout("strided")


def set_default_device(device) -> None:
    """Where new tensors go by default: needl has only the CPU (None and 'cpu'); others raise."""
    _device.check_device(device)


def get_default_device() -> "_device.device":
    return _device.device("cpu")


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Anomaly detection on or off for the whole program (as detect_anomaly does for a block)."""
    _GradMode.anomaly = bool(enabled) and bool(check_nan)


def is_anomaly_check_nan_enabled() -> bool:
    return _GradMode.anomaly


def set_warn_always(b: bool) -> None:
    """PyTorch's switch for warnings it otherwise gives once; needl keeps the flag for code that sets it."""
    global _warn_always
    _warn_always = bool(b)


def is_warn_always_enabled() -> bool:
    return _warn_always


def typename(obj) -> str:
    """The type's name as PyTorch spells it: 'needl.FloatTensor' for a float32 tensor."""
    from . import creation
    from .tensor import Tensor
    if isinstance(obj, Tensor):
        names = ("FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor",
                 "CharTensor", "ByteTensor", "BoolTensor")
        return "needl." + next((name for name in names if getattr(creation, name).dtype == obj.dtype), "Tensor")
    module, name = type(obj).__module__, type(obj).__qualname__
    return name if module in ("builtins", None) else f"{module}.{name}"


def is_storage(obj) -> bool:
    from ..storage import TypedStorage, UntypedStorage
    return isinstance(obj, (TypedStorage, UntypedStorage))
