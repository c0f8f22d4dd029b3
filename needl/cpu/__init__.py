"""needl.cpu: `torch.cpu`, the device needl computes on."""
from . import amp


def is_available() -> bool:
    return True


def device_count() -> int:
    return 1


def current_device() -> str:
    return "cpu"


def synchronize(device=None) -> None:
    """NumPy calls finish before they return: nothing to wait for."""


def set_device(device) -> None:
    """The CPU is the only device."""
