"""needl.autograd.graph: hooks on the arrays the tape saves for backward (torch.autograd.graph).

Inside `saved_tensors_hooks(pack_hook, unpack_hook)`, every array a recorded op keeps for its
gradient (only those its vjp reads) goes through `pack_hook(tensor)` when the op is recorded,
and `unpack_hook(packed)` gives it back as a Tensor when backward needs it: a way to compress or
move saved activations. Outside such a block the tape pays one integer test per recorded op.
"""
from . import function
from .mode import _GradMode
from .tensor import Tensor


class saved_tensors_hooks:
    """Context manager: pack what recorded ops save with `pack_hook`, unpack it in backward."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        stack = _GradMode.saved_hooks
        if stack is None:
            stack = _GradMode.saved_hooks = []
        stack.append((self.pack_hook, self.unpack_hook))
        function.saved_hooks_in_use += 1
        return self

    def __exit__(self, *exc_info):
        _GradMode.saved_hooks.pop()
        function.saved_hooks_in_use -= 1
        return False


class save_on_cpu(saved_tensors_hooks):
    """Keeps saved arrays in host memory: where needl keeps everything, so nothing moves."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda"):
        super().__init__(lambda tensor: tensor, lambda tensor: tensor)


class disable_saved_tensors_hooks:
    """Inside it, entering saved_tensors_hooks raises `RuntimeError(error_message)`."""

    def __init__(self, error_message: str):
        self.error_message = error_message

    def __enter__(self):
        self.previous = _GradMode.saved_hooks
        _GradMode.saved_hooks = _Refusing(self.error_message)
        return self

    def __exit__(self, *exc_info):
        _GradMode.saved_hooks = self.previous
        return False


class _Refusing(list):
    def __init__(self, message):
        super().__init__()
        self.message = message

    def append(self, item):
        raise RuntimeError(self.message)


def pack(node) -> None:
    """Called for each node recorded while hooks are in use (in any thread): pack what it saved."""
    stack = _GradMode.saved_hooks
    if not stack:  # the hooks are another thread's
        return
    pack_hook, unpack_hook = stack[-1]
    inner = node.function
    arrays = node.arrays
    packed_inputs = []
    for index, input in enumerate(node.inputs):
        if isinstance(input, Tensor) and inner.reads_input(index):
            arrays[index] = pack_hook(Tensor._make(arrays[index]))
            packed_inputs.append(index)
    packed_output = inner.reads_output and not node.outputs
    if packed_output:
        node.saved = pack_hook(Tensor._make(node.saved))
    node.function = _Unpacking(inner, unpack_hook, packed_inputs, packed_output)


class _Unpacking:
    """Stands for a node's op while its saved arrays are packed; unpacks them around its vjp."""
    __slots__ = ("inner", "unpack_hook", "packed_inputs", "packed_output")

    def __init__(self, inner, unpack_hook, packed_inputs, packed_output):
        self.inner = inner
        self.unpack_hook = unpack_hook
        self.packed_inputs = packed_inputs
        self.packed_output = packed_output

    @property
    def name(self) -> str:
        return self.inner.name

    def check_versions(self, node) -> None:
        self.inner.check_versions(node)

    def _unpacked(self, value):
        tensor = self.unpack_hook(value)
        if not isinstance(tensor, Tensor):
            raise TypeError(f"unpack_hook must return a Tensor, got {type(tensor).__name__}")
        return tensor._data

    def backward_node(self, node, grad, create_graph):
        packed_arrays, packed_saved = node.arrays, node.saved
        arrays = list(packed_arrays)
        for index in self.packed_inputs:
            arrays[index] = self._unpacked(arrays[index])
        node.arrays = arrays
        if self.packed_output:
            node.saved = self._unpacked(packed_saved)
        try:
            return self.inner.backward_node(node, grad, create_graph)
        finally:
            node.arrays, node.saved = packed_arrays, packed_saved
