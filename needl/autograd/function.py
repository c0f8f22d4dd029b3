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
import dis
import functools
import inspect

import numpy as np

from .mode import _GradMode
from .tape import Node, modified_error
from .tensor import Tensor

_make = Tensor._make
saved_hooks_in_use = 0  # how many saved_tensors_hooks blocks are open, in all threads


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
        self.reads_output = True
        self.read_inputs = None  # per positional input: does the vjp read it (None: all are read)

    def vjp(self, backward):
        """Register the local gradient: `backward(g, out, *inputs, **options)`.

        The tape checks, before it runs the vjp, that nothing the vjp reads (`out`, the inputs)
        was written in place since the forward; which parameters it reads is read off its code.
        """
        self.backward = backward
        parameters = list(inspect.signature(backward).parameters.values())
        self.wants_needs_input_grad = any(p.name == "needs_input_grad" for p in parameters)
        read = _read_names(backward)
        self.reads_output = read is None or len(parameters) < 2 or parameters[1].name in read
        if read is None:
            self.read_inputs = None
        else:
            positional = [p.name for p in parameters[2:]
                          if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            star = next((p.name for p in parameters if p.kind == p.VAR_POSITIONAL), None)
            self.read_inputs = (tuple(name in read for name in positional), star is not None and star in read)
        return backward

    def reads_only_shapes(self, *names: str) -> "op":
        """Declare that the vjp looks only at the shape of these parameters (it hands them to a
        helper that reads .shape or .ndim, which the code analysis cannot see through), so that
        they may be written in place before backward, as PyTorch allows."""
        parameters = list(inspect.signature(self.backward).parameters.values())
        positional = [p.name for p in parameters[2:] if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        named, star = self.read_inputs or ((True,) * len(positional), True)
        self.read_inputs = (tuple(read and name not in names for name, read in zip(positional, named)),
                            star and not any(p.kind == p.VAR_POSITIONAL and p.name in names for p in parameters))
        return self

    def reads_input(self, index: int) -> bool:
        if self.read_inputs is None:
            return True
        named, star = self.read_inputs
        return named[index] if index < len(named) else star

    def check_versions(self, node) -> None:
        """Raise if an array this node's vjp reads was written in place after it was recorded."""
        sequence = node.sequence
        if self.reads_output:
            for counter in getattr(node, "output_counters", None) or ():
                if counter.written_after(sequence):
                    saved = node.saved[0] if node.outputs else node.saved
                    raise modified_error(node, "which is output 0", np.shape(saved),
                                         getattr(saved, "dtype", "?"), counter)
        for index, input in enumerate(node.inputs):
            if isinstance(input, Tensor) and self.reads_input(index):
                counter = _counter_of(input)
                if counter is not None and counter.written_after(sequence):
                    raise modified_error(node, f"which is input {index}", input.shape, input.dtype, counter)

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
            if saved_hooks_in_use:
                graph.pack(node)
            return tuple(_make(item, node, index) for index, item in enumerate(output))
        if type(output) is not np.ndarray:
            output = np.asarray(output)
        node = Node(self, args, output, options, 0, arrays)
        if saved_hooks_in_use:
            graph.pack(node)
        return _make(output, node)

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


def _read_names(function):
    """The names `function`'s code reads (parameters included), or None if that cannot be told."""
    code = getattr(function, "__code__", None)
    if code is None:
        return None
    return _code_reads(code)


def _code_reads(code):
    if {"locals", "vars", "eval", "exec"} & set(code.co_names):
        return None
    names = set()
    instructions = list(dis.get_instructions(code))
    for instruction, following in zip(instructions, instructions[1:] + [None]):
        if instruction.opname.startswith("LOAD_FAST") or instruction.opname == "LOAD_DEREF":
            value = instruction.argval
            if (isinstance(value, str) and following is not None and following.opname == "LOAD_ATTR"
                    and following.argval in _METADATA):
                continue  # `x.shape` reads no element of x: writes to x cannot change it
            names.update(value if isinstance(value, tuple) else (value,))
    for constant in code.co_consts:  # comprehensions and inner functions: what they read of ours
        if hasattr(constant, "co_code"):
            inner = _code_reads(constant)
            if inner is None:
                return None
            names |= inner & set(constant.co_freevars)
    return names


_METADATA = frozenset({"shape", "dtype", "ndim", "size", "itemsize"})


def _counter_of(tensor):
    """The version counter of a tensor's memory (views share their base's), or None if never written."""
    base = getattr(tensor, "_base", None)
    return getattr(tensor if base is None else base, "_version_counter", None)


class view_op(op):
    """An op whose output may share its first input's memory (reshape, transpose, basic indexing).

    Its output remembers the tensor whose memory it views, so that in-place writes through
    either count as writes to both (one version counter) and can be recorded on the tape.
    """

    def __call__(self, *args, **options):
        result = op.__call__(self, *args, **options)
        source = args[0] if args else None
        if isinstance(result, Tensor) and isinstance(source, Tensor) and np.may_share_memory(
                result._data, source._data):
            base = getattr(source, "_base", None)
            result._base = source if base is None else base
        return result


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

    def check_versions(self, node) -> None:
        """Raise if a tensor given to ctx.save_for_backward was written in place after forward."""
        for index, tensor in enumerate(node.saved[0].saved_tensors):
            if isinstance(tensor, Tensor):
                counter = _counter_of(tensor)
                if counter is not None and counter.written_after(node.sequence):
                    raise modified_error(node, f"saved tensor {index}", tensor.shape, tensor.dtype, counter)

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


from . import graph  # noqa: E402  (graph.py uses op's module state)
