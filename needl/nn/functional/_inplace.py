"""When inplace=True may really write into its input.

An in-place write is recorded on the tape like any op, but it makes the op that produced the
input unable to run its vjp if that vjp reads its own output (as needl's fused batch norm does,
where PyTorch's reads the input): a ResNet's `bn -> ReLU(inplace=True)` would then fail in
backward. There, the layer computes out of place instead, with the same values and gradients.
"""
from ...autograd.mode import is_grad_enabled
from ...autograd.tensor import Tensor


def _reads_its_output(tensor: Tensor) -> bool:
    node = tensor.grad_fn
    return node is not None and getattr(node.function, "reads_output", True)


def in_place_allowed(tensor: Tensor) -> bool:
    """False when writing into `tensor` would invalidate the saved output of the op that made it."""
    if not (is_grad_enabled() and tensor.requires_grad):
        return True
    base = getattr(tensor, "_base", None)
    return not (_reads_its_output(tensor) or (base is not None and _reads_its_output(base)))
