"""Module backward hooks: identity ops around a module's inputs and outputs whose vjps call the hooks.

The output op sees grad_output (and lets backward pre-hooks replace it); the input op sees
grad_input and calls hook(module, grad_input, grad_output), whose return value replaces grad_input.
"""
from ..autograd import op
from ..autograd.mode import is_grad_enabled
from ..autograd.tensor import Tensor


def _as_tensors(grads):
    return tuple(g if g is None or isinstance(g, Tensor) else Tensor._make(g) for g in grads)


def _as_raw(new, old):
    """Hook results back in the form the replay uses (arrays, or Tensors under create_graph)."""
    result = []
    for value, previous in zip(new, old):
        if value is None or previous is None or isinstance(previous, Tensor):
            result.append(value)
        else:
            result.append(value._data if isinstance(value, Tensor) else value)
    return tuple(result)


class BackwardHookState:
    """One forward call of a module with backward hooks: where grad_output waits for grad_input."""

    def __init__(self, module, input_count: int):
        self.module = module
        self.input_count = input_count
        self.grad_output = None

    def on_grad_output(self, grads):
        grads = tuple(grads)
        for hook in tuple(self.module._backward_pre_hooks.values()):
            result = hook(self.module, _as_tensors(grads))
            if result is not None:
                grads = _as_raw(tuple(result) if isinstance(result, (tuple, list)) else (result,), grads)
        self.grad_output = grads
        if self.input_count == 0:  # no input needs a gradient: PyTorch calls the hooks with None
            self.on_grad_input(())
        return grads

    def on_grad_input(self, grads):
        grads = tuple(grads)
        reported = grads if grads else (None,)
        for hook in tuple(self.module._backward_hooks.values()):
            result = hook(self.module, _as_tensors(reported), _as_tensors(self.grad_output or ()))
            if result is not None and grads:
                grads = _as_raw(tuple(result) if isinstance(result, (tuple, list)) else (result,), grads)
                reported = grads
        return grads


@op
def _hook_inputs(*arrays, state=None):
    return tuple(arrays)


@_hook_inputs.vjp
def _hook_inputs_vjp(grads, outputs, *arrays, state=None):
    return state.on_grad_input(grads)


@op
def _hook_outputs(*arrays, state=None):
    return tuple(arrays)


@_hook_outputs.vjp
def _hook_outputs_vjp(grads, outputs, *arrays, state=None):
    return state.on_grad_output(grads)


def _collect(value, found):
    if isinstance(value, Tensor):
        found.append(value)
    elif isinstance(value, (tuple, list)):
        for item in value:
            _collect(item, found)


def _replace(value, replacements):
    if isinstance(value, Tensor):
        return replacements.get(id(value), value)
    if isinstance(value, (tuple, list)):
        return type(value)(_replace(item, replacements) for item in value)
    return value


def _wrap(operation, values, state):
    """Pass every Tensor that requires grad in `values` (nested tuples/lists) through the op."""
    found = []
    _collect(values, found)
    tensors = [t for t in found if t.requires_grad]
    if not tensors:
        return values, 0
    wrapped = operation(*tensors, state=state)
    return _replace(values, {id(t): w for t, w in zip(tensors, wrapped)}), len(tensors)


class _Call:
    """The wrapping for one call; inactive (identity) when grad mode is off."""

    def __init__(self, module):
        self.state = BackwardHookState(module, 0)
        self.active = is_grad_enabled()

    def wrap_inputs(self, args):
        if not self.active:
            return args
        args, self.state.input_count = _wrap(_hook_inputs, args, self.state)
        return args

    def wrap_outputs(self, output):
        return _wrap(_hook_outputs, output, self.state)[0] if self.active else output


def start_backward_hooks(module) -> _Call:
    """What Module.__call__ uses: wrap_inputs(args) before forward, wrap_outputs(output) after it."""
    return _Call(module)
