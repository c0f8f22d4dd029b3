"""needl.accelerator: PyTorch's device-agnostic accelerator API; needl has no accelerator."""
from .device import _accelerator_error


def is_available() -> bool:
    return False


def current_accelerator(check_available: bool = False):
    """None: programs then fall back to the CPU (`acc.type if (acc := current_accelerator()) else 'cpu'`)."""
    return None


def device_count() -> int:
    return 0


def _none(name):
    def unavailable(*args, **kwargs):
        raise RuntimeError("Cannot access accelerator device when none is available: "
                           "needl computes on the CPU only")
    unavailable.__name__ = name
    return unavailable


synchronize = _none("synchronize")
current_device_index = _none("current_device_index")
current_device_idx = current_device_index
set_device_index = _none("set_device_index")
set_device_idx = set_device_index
current_stream = _none("current_stream")
set_stream = _none("set_stream")
del _accelerator_error
