"""needl.device: PyTorch's device objects, for a framework that computes on the CPU only.

`needl.device("cpu")`, `device("cpu", 0)` and `device("cpu:0")` work as in PyTorch. As in a
CPU-only PyTorch, `device("cuda")` can be written down, but putting a tensor or a module on it
raises an error that says needl computes on the CPU and what to write instead.
"""
from typing import Optional, Union

_ACCELERATORS = ("cuda", "mps", "xpu", "hip", "npu", "tpu", "xla", "meta", "ipu", "hpu", "mtia",
                 "privateuseone", "vulkan", "opengl", "opencl", "mkldnn", "ideep", "fpga", "ve",
                 "lazy", "maia")


def _accelerator_error(name: str) -> RuntimeError:
    return RuntimeError(
        f"needl computes on the CPU only, so device '{name}' is not available "
        f"(needl.cuda.is_available() is False). Use device='cpu', or the PyTorch idiom "
        f"`device = needl.device('cuda' if needl.cuda.is_available() else 'cpu')`.")


class device:
    """A device: always the CPU in needl. `device.type` is 'cpu', `device.index` None or 0."""
    __slots__ = ("type", "index")

    def __init__(self, type: Union[str, "device"], index: Optional[int] = None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type  # torch.device(0) is the first GPU
        elif not isinstance(type, str):
            raise TypeError(f"device() expects a string such as 'cpu', got {type!r}")
        name = type.strip()
        if ":" in name:
            name, _, text = name.partition(":")
            if index is not None:
                raise RuntimeError(f"device(): the string '{type}' already has an index; "
                                   f"do not pass index={index} too")
            if not text.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}' (expected 'cpu' or 'cpu:0')")
            index = int(text)
        if name not in _ACCELERATORS and name != "cpu":
            raise RuntimeError(f"Expected one of cpu, cuda, mps, xpu ... device type at start of "
                               f"device string: {type}")
        if index is not None and (not isinstance(index, int) or index < 0):
            raise RuntimeError(f"Device index must be a non-negative integer, got {index!r}")
        object.__setattr__(self, "type", name)
        object.__setattr__(self, "index", index)

    def __setattr__(self, name, value):
        raise AttributeError("needl.device objects are immutable")

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except RuntimeError:
                return False
        return isinstance(other, device) and other.type == self.type and other.index == self.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))

    def __enter__(self):  # `with torch.device("cpu"):` sets the default device: the CPU already is
        return self

    def __exit__(self, *exc_info):
        return False


CPU = device("cpu")


def check_device(value) -> None:
    """Accept what PyTorch accepts as a CPU device (None, 'cpu', 'cpu:0', device('cpu')); refuse the rest."""
    if value is None or value is CPU:
        return
    if isinstance(value, str) and value == "cpu":
        return
    value = value if isinstance(value, device) else device(value)  # 'nonsense' raises here
    if value.type != "cpu":
        raise _accelerator_error(str(value))
