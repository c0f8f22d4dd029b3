"""needl.cuda: what `torch.cuda` answers on a machine without a GPU, since needl computes on the CPU.

The queries PyTorch programs ask before choosing a device answer as a CPU-only PyTorch does
(`is_available()` is False, `device_count()` 0, memory counters 0); seeding seeds needl; anything
that needs a GPU (set_device, streams, device properties) raises an error that says so.
"""
from ..autograd import random as _random
from ..device import _accelerator_error
from . import amp


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def is_bf16_supported(including_emulation: bool = True) -> bool:
    return False


def is_tf32_supported() -> bool:
    return False


def manual_seed(seed: int) -> None:
    """Seeds needl's generator (PyTorch seeds the GPUs' generators; needl's one generator is the CPU's)."""
    _random.manual_seed(seed)


def manual_seed_all(seed: int) -> None:
    _random.manual_seed(seed)


def seed() -> None:
    _random.seed()


def seed_all() -> None:
    _random.seed()


def get_rng_state_all() -> list:
    """One state per GPU, as a CPU-only PyTorch answers: none."""
    return []


def set_rng_state_all(new_states) -> None:
    """Restore one state per GPU: with no GPU, only an empty list is accepted (as PyTorch)."""
    for _ in new_states:
        raise _accelerator_error("cuda")


def empty_cache() -> None:
    """Nothing to free: needl keeps no GPU memory cache."""


def ipc_collect() -> None:
    """Nothing to collect: needl has no CUDA IPC memory."""


def memory_allocated(device=None) -> int:
    return 0


def max_memory_allocated(device=None) -> int:
    return 0


def memory_reserved(device=None) -> int:
    return 0


def max_memory_reserved(device=None) -> int:
    return 0


def reset_peak_memory_stats(device=None) -> None:
    """No GPU memory statistics to reset."""


def _no_gpu(name):
    def unavailable(*args, **kwargs):
        raise _accelerator_error("cuda")
    unavailable.__name__ = name
    unavailable.__doc__ = f"torch.cuda.{name} needs a GPU: raises needl's CPU-only error."
    return unavailable


synchronize = _no_gpu("synchronize")
current_device = _no_gpu("current_device")
set_device = _no_gpu("set_device")
get_device_name = _no_gpu("get_device_name")
get_device_properties = _no_gpu("get_device_properties")
get_device_capability = _no_gpu("get_device_capability")
get_rng_state = _no_gpu("get_rng_state")
set_rng_state = _no_gpu("set_rng_state")
initial_seed = _no_gpu("initial_seed")
memory_summary = _no_gpu("memory_summary")
mem_get_info = _no_gpu("mem_get_info")
current_stream = _no_gpu("current_stream")
default_stream = _no_gpu("default_stream")
stream = _no_gpu("stream")
Stream = _no_gpu("Stream")
Event = _no_gpu("Event")
device = _no_gpu("device")
