"""While a profile records: timed versions of op.__call__, Function.apply, the replay's
backward_node, Tensor._write (in-place ops), Optimizer.zero_grad and, with with_modules,
Module.__call__ are swapped in at class level, and optimizer step hooks registered;
`restore()` puts the originals back, so a program that does not profile pays nothing.

Only the thread that started the profile is recorded (the swapped methods run the originals
for other threads). An op called inside another op's forward or vjp counts in the outermost
op, so the times of the ops add up; ranges (record_function, modules) nest and hold ops.
"""
import os
import sys
import threading
import time

import numpy as np

from ..autograd import tape
from ..autograd.function import Function, _FunctionBackward, op
from ..autograd.tensor import Tensor
from ..viz.walk import saved_bytes
from .events import BACKWARD, FORWARD, MODULE, USER_ANNOTATION, FunctionEvent
from .flops import estimate_flops

clock = time.perf_counter_ns
_get_ident = threading.get_ident
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # needl's own frames
_inside_needl = {}  # co_filename -> bool


class Recorder:
    """Appends the FunctionEvents of one recording span to `events`."""
    current = None  # the recorder of the profile that is recording now, else None

    def __init__(self, events: list, *, record_shapes=False, profile_memory=False, with_stack=False,
                 with_flops=False, with_modules=False):
        self.events = events
        self.thread = _get_ident()
        self.native_thread = threading.get_native_id()
        self.depth = 0  # 1 while an op runs: the ops it calls are part of it
        self.record_shapes, self.profile_memory = record_shapes, profile_memory
        self.with_stack, self.with_flops, self.with_modules = with_stack, with_flops, with_modules
        self.module_names = {}  # id(module) -> (module, "nn.Module: Linear_0"); the module kept so ids stay unique
        self.module_counts = {}  # class name -> instances named so far
        self._originals = None

    # ---- what the timed methods record -------------------------------------------------------
    def timed(self, call, args, options):
        """Run `call` as the outermost op: (output, start ns, end ns)."""
        self.depth = 1
        try:
            start = clock()
            output = call(*args, **options)
            return output, start, clock()
        finally:
            self.depth = 0

    def add_forward(self, name, start, end, sequence_before, inputs, output) -> None:
        event = FunctionEvent(name, FORWARD, start, end, self.native_thread)
        if tape._sequence != sequence_before:  # it recorded a node: what that node keeps for backward
            first = output[0] if type(output) is tuple and output else output
            node = getattr(first, "grad_fn", None)
            if node is not None and node.sequence > sequence_before:
                event.saved_bytes = saved_bytes(node)
                event.sequence_nr = node.sequence
        if self.record_shapes:
            event.shapes = shapes_of(inputs)
        if self.profile_memory:
            event.own_memory = event.cpu_memory_usage = new_bytes(output, inputs)
        if self.with_flops:
            event.flops = estimate_flops(name, inputs, output)
        if self.with_stack:
            event.stack = user_stack()
        self.events.append(event)

    def backward(self, function, backward_node, node, grad, create_graph):
        shapes = shapes_of(node.inputs) if self.record_shapes else ()  # the forward's: one row per call shape
        grads, start, end = self.timed(backward_node, (node, grad, create_graph), {})
        event = FunctionEvent(function.name, BACKWARD, start, end, self.native_thread, node.sequence, shapes,
                              trace_name=node.name())
        if self.profile_memory:
            event.own_memory = event.cpu_memory_usage = new_bytes(
                grads, grad if isinstance(grad, (tuple, list)) else (grad,))
        if self.with_stack:
            event.stack = user_stack()
        self.events.append(event)
        return grads

    def add_range(self, name, kind, start, end, args=None) -> None:
        event = FunctionEvent(name, kind, start, end, self.native_thread, args=args)
        if self.with_stack:
            event.stack = user_stack()
        self.events.append(event)

    def module_name(self, module) -> str:
        entry = self.module_names.get(id(module))
        if entry is None:  # PyTorch's naming: the class and the how-manieth of its instances this is
            kind = type(module).__name__
            index = self.module_counts[kind] = self.module_counts.get(kind, -1) + 1
            entry = self.module_names[id(module)] = (module, f"nn.Module: {kind}_{index}")
        return entry[1]

    # ---- swapping the methods ----------------------------------------------------------------
    def install(self) -> None:
        if self._originals is not None:
            return
        call, op_backward = op.__dict__["__call__"], op.__dict__["backward_node"]
        apply, function_backward = Function.__dict__["apply"], _FunctionBackward.__dict__["backward_node"]
        write = Tensor.__dict__["_write"]
        self._originals = [(op, "__call__", call), (op, "backward_node", op_backward), (Function, "apply", apply),
                           (_FunctionBackward, "backward_node", function_backward), (Tensor, "_write", write)]
        recorder = self

        def timed_call(function, *args, **options):
            if recorder.depth or _get_ident() != recorder.thread:
                return call(function, *args, **options)
            before = tape._sequence
            output, start, end = recorder.timed(call, (function, *args), options)
            recorder.add_forward(function.name, start, end, before, args, output)
            return output

        def timed_apply(cls, *args):
            if recorder.depth or _get_ident() != recorder.thread:
                return apply.__func__(cls, *args)
            before = tape._sequence
            output, start, end = recorder.timed(apply.__func__, (cls, *args), {})
            recorder.add_forward(cls.__name__, start, end, before, args, output)
            return output

        def timed_write(tensor, function, others, options, compute, keep_old=None):
            """An in-place op (x.add_(y), x[i] = v): recorded as "add_", "setitem_"."""
            if recorder.depth or _get_ident() != recorder.thread:
                return write(tensor, function, others, options, compute, keep_old)
            before = tape._sequence
            output, start, end = recorder.timed(write, (tensor, function, others, options, compute, keep_old), {})
            recorder.add_forward(function.name + "_", start, end, before, (tensor, *others), output)
            return output

        def timed_backward(original):
            def backward_node(function, node, grad, create_graph):
                if recorder.depth or _get_ident() != recorder.thread:
                    return original(function, node, grad, create_graph)
                return recorder.backward(function, original.__get__(function), node, grad, create_graph)
            return backward_node

        op.__call__ = timed_call
        op.backward_node = timed_backward(op_backward)
        Function.apply = classmethod(timed_apply)
        _FunctionBackward.backward_node = timed_backward(function_backward)
        Tensor._write = timed_write
        if self.with_modules:
            from ..nn.module import Module
            self._swap_range(Module, "__call__", MODULE, self.module_name)
        self._record_optimizers()
        Recorder.current = self

    def _swap_range(self, owner, attribute, kind, name_of) -> None:
        """Record each call of `owner.attribute` (a method) as a range named `name_of(instance)`."""
        original = owner.__dict__[attribute]
        self._originals.append((owner, attribute, original))
        recorder = self

        def recorded(instance, *args, **kwargs):
            if _get_ident() != recorder.thread:
                return original(instance, *args, **kwargs)
            start = clock()
            output = original(instance, *args, **kwargs)
            recorder.add_range(name_of(instance), kind, start, clock())
            return output
        setattr(owner, attribute, recorded)

    def _record_optimizers(self) -> None:
        """PyTorch's "Optimizer.step#SGD.step" and "Optimizer.zero_grad#SGD.zero_grad" ranges;
        step through the global step hooks, since each optimizer class defines its own step."""
        from ..optim import optimizer
        starts = {}
        recorder = self

        def before_step(instance, args, kwargs):
            if _get_ident() == recorder.thread:
                starts[id(instance)] = clock()

        def after_step(instance, args, kwargs):
            start = starts.pop(id(instance), None)
            if start is not None:
                name = type(instance).__name__
                recorder.add_range(f"Optimizer.step#{name}.step", USER_ANNOTATION, start, clock())
        self._handles = [optimizer.register_optimizer_step_pre_hook(before_step),
                         optimizer.register_optimizer_step_post_hook(after_step)]
        self._swap_range(optimizer.Optimizer, "zero_grad", USER_ANNOTATION,
                         lambda instance: f"Optimizer.zero_grad#{type(instance).__name__}.zero_grad")

    def restore(self) -> None:
        if self._originals is None:
            return
        for owner, name, original in self._originals:
            setattr(owner, name, original)
        for handle in self._handles:
            handle.remove()
        self._originals = None
        if Recorder.current is self:
            Recorder.current = None


def shapes_of(inputs) -> tuple:
    """The shape of each tensor or array argument, () for the others (tuples: cheap to keep)."""
    return tuple([getattr(value, "shape", ()) for value in inputs])


def new_bytes(output, inputs) -> int:
    """Bytes of the arrays in `output` that are not (views of) the arrays of `inputs`."""
    arrays = [getattr(value, "_data", value) for value in inputs]
    arrays = [array for array in arrays if isinstance(array, np.ndarray)]
    total = 0
    for item in output if isinstance(output, (tuple, list)) else (output,):
        array = getattr(item, "_data", item)
        if not isinstance(array, np.ndarray) or any(array is other for other in arrays):
            continue
        if array.base is None or not any(np.may_share_memory(array, other) for other in arrays):
            total += array.nbytes
    return total


def user_stack(limit: int = 64) -> list:
    """The calling frames outside needl, innermost first: "file.py(12): function"."""
    stack = []
    frame = sys._getframe(2)
    while frame is not None and len(stack) < limit:
        code = frame.f_code
        inside = _inside_needl.get(code.co_filename)
        if inside is None:
            inside = _inside_needl[code.co_filename] = os.path.abspath(code.co_filename).startswith(_PACKAGE)
        if not inside:
            stack.append(f"{code.co_filename}({frame.f_lineno}): {code.co_name}")
        frame = frame.f_back
    return stack
