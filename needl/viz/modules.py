"""trace_modules: record which slice of the tape each module call produced, for make_dot's clusters."""
from ..autograd import tape


class ModuleCall:
    """One call of a module: the tape sequence numbers in (start, end] were recorded inside it."""
    __slots__ = ("path", "type_name", "index", "start", "end", "parent", "opened", "signature")

    def __init__(self, path, type_name, index, start, parent, opened, signature=()):
        self.path = path            # qualified name from named_modules(); "" for the model itself
        self.type_name = type_name
        self.index = index          # 0 for the first call of this module, 1 for the second...
        self.start = start
        self.end = None             # None while the call runs (or if its forward raised)
        self.parent = parent        # the enclosing ModuleCall, or None
        self.opened = opened        # the order in which calls began
        self.signature = signature  # the shapes of the module's parameters: same-shaped siblings fold

    def contains(self, sequence: int) -> bool:
        return self.end is not None and self.start < sequence <= self.end

    def title(self) -> str:
        name = self.path or "(model)"
        suffix = f" #{self.index + 1}" if self.index else ""
        return f"{name}: {self.type_name}{suffix}"

    def __repr__(self):
        return f"<ModuleCall {self.title()} ({self.start}, {self.end}]>"


class ModuleTrace:
    """The module calls seen while a `trace_modules` block ran, in the order they began."""

    def __init__(self, model):
        self.model = model
        self.calls = []
        self._open = []
        self._counts = {}
        self._handles = []

    def _before(self, module, args):
        path = self._paths.get(id(module))
        index = self._counts.get(path, 0)
        self._counts[path] = index + 1
        parent = self._open[-1] if self._open else None
        signature = self._signatures.get(id(module))
        if signature is None:
            signature = self._signatures[id(module)] = tuple(
                (name, tuple(param.shape)) for name, param in module.named_parameters())
        call = ModuleCall(path, type(module).__name__, index, tape._sequence, parent, len(self.calls),
                          signature)
        self.calls.append(call)
        self._open.append(call)

    def _after(self, module, args, output):
        path = self._paths.get(id(module))
        # a forward that raised left its call open: close everything down to this module's call
        while self._open:
            call = self._open.pop()
            if call.path == path:
                call.end = tape._sequence
                break

    def __enter__(self):
        if not hasattr(self.model, "named_modules"):
            raise TypeError(f"trace_modules expects an nn.Module, got {type(self.model).__name__}")
        self._paths = {}
        self._signatures = {}
        for path, module in self.model.named_modules():
            self._paths[id(module)] = path
            self._handles.append(module.register_forward_pre_hook(self._before))
            self._handles.append(module.register_forward_hook(self._after))
        return self

    def __exit__(self, *exc_info):
        for handle in self._handles:
            handle.remove()
        self._handles = []
        return False


def trace_modules(model) -> ModuleTrace:
    """Context manager: note the tape range of every submodule call, to group make_dot's nodes.

        with needl.viz.trace_modules(model) as trace:
            loss = criterion(model(x), y)
        dot = needl.viz.make_dot(loss, params=dict(model.named_parameters()), modules=trace)
    """
    return ModuleTrace(model)


def innermost_calls(sequences, calls) -> dict:
    """Map each sequence number to the innermost finished call whose range contains it (or None).

    Calls nest like intervals, so one sweep over sorted sequences with a stack of open calls
    does it in O((nodes + calls) log) instead of testing every node against every call.
    """
    ordered = sorted((call for call in calls if call.end is not None and call.end > call.start),
                     key=lambda call: (call.start, -call.end, call.opened))
    result = {}
    stack = []
    position = 0
    for sequence in sorted(sequences):
        while position < len(ordered) and ordered[position].start < sequence:
            call = ordered[position]
            position += 1
            while stack and not (stack[-1].start <= call.start and call.end <= stack[-1].end):
                stack.pop()
            stack.append(call)
        while stack and stack[-1].end < sequence:
            stack.pop()
        result[sequence] = stack[-1] if stack else None
    return result
