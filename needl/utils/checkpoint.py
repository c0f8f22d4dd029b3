"""needl.utils.checkpoint: activation checkpointing, trading compute for memory as PyTorch's.

`checkpoint(function, *args)` runs `function` without recording, so none of its intermediate
arrays are kept; backward runs it again with recording on (with the random state of the first
run, so dropout draws the same masks) and backpropagates through that second run.
"""
import warnings

from ..autograd import random
from ..autograd.engine import backward as _backward
from ..autograd.function import Function
from ..autograd.mode import enable_grad
from ..autograd.tensor import Tensor


class _Checkpoint(Function):
    @staticmethod
    def forward(ctx, function, preserve_rng_state, *args):
        ctx.function = function
        ctx.rng_state = random.generator().bit_generator.state if preserve_rng_state else None
        ctx.inputs = args
        outputs = function(*args)
        ctx.single = isinstance(outputs, Tensor)
        return outputs

    @staticmethod
    def backward(ctx, *grad_outputs):
        inputs = [arg.detach().requires_grad_(arg.requires_grad) if isinstance(arg, Tensor) else arg
                  for arg in ctx.inputs]
        state = random.generator().bit_generator.state
        if ctx.rng_state is not None:
            random.generator().bit_generator.state = ctx.rng_state
        try:
            with enable_grad():
                outputs = ctx.function(*inputs)
        finally:
            random.generator().bit_generator.state = state
        outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
        pairs = [(output, grad) for output, grad in zip(outputs, grad_outputs)
                 if isinstance(output, Tensor) and output.requires_grad and grad is not None]
        if pairs:
            _backward([output for output, _ in pairs], [grad for _, grad in pairs])
        grads = tuple(arg.grad if isinstance(arg, Tensor) and arg.requires_grad else None for arg in inputs)
        return (None, None) + grads


def checkpoint(function, *args, use_reentrant=None, preserve_rng_state: bool = True,
               context_fn=None, determinism_check: str = "default", debug: bool = False, **kwargs):
    """`function(*args)` whose activations are recomputed in backward instead of kept."""
    if kwargs:
        raise ValueError(f"checkpoint: keyword arguments to the function are not supported here "
                         f"({sorted(kwargs)}); wrap the function with functools.partial")
    if context_fn is not None:
        raise ValueError("checkpoint: context_fn is not supported by needl")
    if not any(isinstance(arg, Tensor) and arg.requires_grad for arg in args):
        if use_reentrant is not False:
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                          stacklevel=2)
    return _Checkpoint.apply(function, preserve_rng_state, *args)


def checkpoint_sequential(functions, segments: int, input, use_reentrant=None, **kwargs):
    """Split a Sequential (or a list of modules) into `segments` checkpointed runs."""
    functions = list(functions.children()) if hasattr(functions, "children") else list(functions)
    size = max(len(functions) // segments, 1)

    def run(start, end):
        def forward(value):
            for module in functions[start:end]:
                value = module(value)
            return value
        return forward

    start = 0
    for start in range(0, size * (segments - 1), size):
        input = checkpoint(run(start, start + size), input, use_reentrant=use_reentrant, **kwargs)
        start += size
    return run(start, len(functions))(input)
