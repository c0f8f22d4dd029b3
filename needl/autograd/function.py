"""The op-definition API: `op` (a forward on arrays plus a `.vjp`) and PyTorch-style `Function`.

    @op
    def cube(x):                  # NumPy arrays in, NumPy array out
        return x ** 3

    @cube.vjp
    def cube_vjp(g, out, x):      # upstream gradient, forward output, forward inputs
        return 3 * x ** 2 * g     # one gradient per positional input (a tuple if several)

Positional arguments are the differentiable inputs; keyword arguments are options, passed to
both functions. Broadcasting is undone and dtypes restored by the tape, not by each vjp.
A vjp that declares a `needs_input_grad` parameter receives a tuple of booleans and may return
None for the inputs that need no gradient. A forward that returns a tuple makes an op with
several outputs; its vjp then receives a tuple of upstream gradients, None for the outputs
that received none. Called on NumPy arrays alone, an op is just its forward (arrays in, array
out), so vjps can call other ops and stay differentiable under `create_graph=True`.
"""
import functools
import inspect

import numpy as np

from .mode import _GradMode
from .tape import Node
from .tensor import Tensor

_make = Tensor._make


class op:
    """Decorator that turns a NumPy forward function into a recorded, differentiable op."""

    def __init__(self, forward):
        functools.update_wrapper(self, forward)
        self.forward = forward
        # the name users see in grad_fn and pictures: a private `_linear` or a `conv2d_op` kernel
        # behind the public conv2d shows as `linear`, `conv2d`
        self.name = forward.__name__.strip("_").removesuffix("_op")
        self.backward = None
        self.wants_needs_input_grad = False

    def vjp(self, backward):
        """Register the local gradient: `backward(g, out, *inputs, **options)`."""
        self.backward = backward
        self.wants_needs_input_grad = "needs_input_grad" in inspect.signature(backward).parameters
        return backward

    def __repr__(self):
        return f"<needl op {self.name}>"

    def __call__(self, *args, **options):
        tensor_given = False
        record = False
        arrays = []
        for arg in args:
            if isinstance(arg, Tensor):
                tensor_given = True
                if arg.requires_grad:
                    record = True
                arrays.append(arg._data)
            else:
                arrays.append(arg)
        try:
            output = self.forward(*arrays, **options)
        except ValueError as error:  # NumPy's shape errors, said with the op and the shapes at fault
            shapes = ", ".join(str(tuple(np.shape(a))) for a in arrays if isinstance(a, np.ndarray))
            raise RuntimeError(f"{self.name}: {error} (input shapes: {shapes})") from error
        if not tensor_given:
            return output
        if not (record and _GradMode.enabled):
            if type(output) is tuple:
                return tuple(_make(np.asarray(item)) for item in output)
            return _make(output if type(output) is np.ndarray else np.asarray(output))
        if self.backward is None:
            raise RuntimeError(f"op '{self.name}' has no vjp: decorate its gradient with @{self.name}.vjp")
        if type(output) is tuple:
            output = tuple(np.asarray(item) for item in output)
            node = Node(self, args, output, options, len(output), arrays)
            return tuple(_make(item, node, index) for index, item in enumerate(output))
        if type(output) is not np.ndarray:
            output = np.asarray(output)
        return _make(output, Node(self, args, output, options, 0, arrays))

    def backward_node(self, node, grad, create_graph):
        """Run the vjp for one recorded call; returns one gradient (or None) per input."""
        inputs = node.inputs
        if create_graph:
            saved = node.saved
            out = (tuple(_make(item, node, index) for index, item in enumerate(saved))
                   if node.outputs else _make(saved, node))
        else:
            out = node.saved
            inputs = node.arrays
            if node.outputs:
                grad = tuple(grad)
        if self.wants_needs_input_grad:
            # tuple([...]) rather than tuple(generator): a generator costs more on a few inputs
            needs = tuple([isinstance(arg, Tensor) and arg.requires_grad for arg in node.inputs])
            grads = self.backward(grad, out, *inputs, needs_input_grad=needs, **node.options)
        else:
            grads = self.backward(grad, out, *inputs, **node.options)
        if type(grads) is not tuple:
            grads = (grads,)
        if create_graph:
            grads = tuple(g if g is None or isinstance(g, Tensor) else _make(np.asarray(g)) for g in grads)
        return grads


class Context:
    """The `ctx` of a Function: what forward saves for backward."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self.saved_tensors = ()
        self.output_slots = None

    def save_for_backward(self, *tensors):
        self.saved_tensors = tensors


class _FunctionBackward:
    """Adapter that lets the tape replay a Function subclass like an op."""
    __slots__ = ("cls", "name")

    def __init__(self, cls):
        self.cls = cls
        self.name = cls.__name__

    def backward_node(self, node, grad, create_graph):
        ctx, layouts = node.saved
        grads = grad if node.outputs else (grad,)
        grads = tuple(
            (g if isinstance(g, Tensor) else _make(g)) if g is not None
            else _make(np.zeros(shape, dtype)) for g, (shape, dtype) in zip(grads, layouts))
        if create_graph and ctx.output_slots:
            # saved forward outputs must be the recorded ones, so that second order flows through them
            saved = ctx.saved_tensors
            ctx.saved_tensors = tuple(
                _make(t._data, node, ctx.output_slots[id(t)]) if id(t) in ctx.output_slots else t
                for t in saved)
            try:
                results = self.cls.backward(ctx, *grads)
            finally:
                ctx.saved_tensors = saved
        else:
            results = self.cls.backward(ctx, *grads)
        if type(results) is not tuple:
            results = (results,)
        if len(results) != len(node.inputs):
            raise RuntimeError(f"{self.name}.backward returned {len(results)} gradients, "
                               f"but forward took {len(node.inputs)} inputs")
        if create_graph:
            return results
        return tuple(r._data if isinstance(r, Tensor) else r for r in results)


class Function:
    """PyTorch-style custom op: subclass with static `forward(ctx, *args)` and `backward(ctx, *grads)`.

    Both receive and return Tensors; call it as `MyFunction.apply(*args)`.
    """

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args):
        needs = tuple(isinstance(arg, Tensor) and arg.requires_grad for arg in args)
        ctx = Context(needs)
        previous = _GradMode.enabled
        _GradMode.enabled = False
        try:
            result = cls.forward(ctx, *args)
        finally:
            _GradMode.enabled = previous
        single = not isinstance(result, tuple)
        outputs = (result,) if single else result
        if not (previous and any(needs)):
            return result
        adapter = cls.__dict__.get("_adapter")
        if adapter is None:
            adapter = _FunctionBackward(cls)
            cls._adapter = adapter
        node = Node(adapter, args, None, None, 0 if single else len(outputs))
        node.saved = (ctx, tuple((out.shape, out.dtype) for out in outputs))
        ctx.output_slots = {id(out): index for index, out in enumerate(outputs)
                            if any(out is saved for saved in ctx.saved_tensors)}
        recorded = tuple(_make(out._data, node, index) for index, out in enumerate(outputs))
        return recorded[0] if single else recorded
