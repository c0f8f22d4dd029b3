"""torch.func's transforms on needl's tape: grad, grad_and_value, vjp, jvp, jacrev, jacfwd,
hessian and vmap. They compose (hessian is jacfwd(jacrev(f))): an input that already requires
grad (an outer transform's) is differentiated with create_graph, so the result stays on its tape.

needl has reverse mode only: jacfwd computes the same Jacobian as jacrev, and jvp uses the
double-vjp identity J t = d/du <vjp(u), t>. vmap runs the function once per batch element and
stacks the results: correct for any function, as fast as the loop (not a vectorising compiler).
"""
import functools

from .. import autograd
from ..autograd import Tensor, enable_grad
from ..autograd.creation import zeros_like
from ..autograd.functional import stack
from ..autograd import random


# ---- pytrees: tensors inside tuples, lists and dicts ----------------------------------------
def _flatten(tree) -> list:
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in _flatten(item)]
    if isinstance(tree, dict):
        return [leaf for key in tree for leaf in _flatten(tree[key])]
    return [tree]


def _unflatten(tree, leaves):
    """`tree` with its leaves replaced, in order, by those of the iterator `leaves`."""
    if isinstance(tree, (tuple, list)):
        return type(tree)(_unflatten(item, leaves) for item in tree)
    if isinstance(tree, dict):
        return {key: _unflatten(tree[key], leaves) for key in tree}
    return next(leaves)


def _track(tree):
    """tree with each tensor replaced by a tensor to differentiate with respect to; whether any
    was already on a tape (nested transforms: keep the graph)."""
    leaves = _flatten(tree)
    nested = any(isinstance(leaf, Tensor) and leaf.requires_grad for leaf in leaves)
    tracked = [leaf * 1 if leaf.requires_grad else leaf.detach().requires_grad_() for leaf in leaves]
    return _unflatten(tree, iter(tracked)), tracked, nested


def _call_tracked(func, argnums, args, kwargs, has_aux):
    """func(*args) (under enable_grad) with args[argnums] tracked: (args, numbers, the tensors to
    differentiate with respect to, whether any was on an outer tape, the output, the aux)."""
    numbers = _argnums(argnums, len(args))
    args, inputs, nested = list(args), [], False
    for number in numbers:
        args[number], tracked, is_nested = _track(args[number])
        inputs.extend(tracked)
        nested = nested or is_nested
    result = func(*args, **kwargs)
    output, aux = result if has_aux else (result, None)
    return args, numbers, inputs, nested, output, aux


def _gradients(outputs, inputs, grad_outputs, create_graph):
    grads = autograd.grad(outputs, inputs, grad_outputs, retain_graph=True, create_graph=create_graph,
                          allow_unused=True)
    return [zeros_like(x) if g is None else g for g, x in zip(grads, inputs)]


def _argnums(argnums, count: int) -> tuple:
    numbers = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for number in numbers:
        if not -count <= number < count:
            raise RuntimeError(f"Got argnums={argnums}, but only {count} positional inputs")
    return numbers


# ---- reverse mode ---------------------------------------------------------------------------
def grad_and_value(func, argnums=0, has_aux: bool = False):
    """A function returning (gradient of func's scalar output with respect to args[argnums], output)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with enable_grad():
            args, numbers, inputs, nested, output, aux = _call_tracked(func, argnums, args, kwargs, has_aux)
            if not isinstance(output, Tensor) or output.numel() != 1:
                raise RuntimeError(f"grad: expected f(*args) to return a scalar Tensor, got "
                                   f"{tuple(output.shape) if isinstance(output, Tensor) else type(output).__name__}")
            grads = iter(_gradients([output], inputs, None, nested))
        per_arg = [_unflatten(args[number], grads) for number in numbers]
        gradient = per_arg[0] if isinstance(argnums, int) else tuple(per_arg)
        value = output if nested else output.detach()
        return gradient, ((value, aux) if has_aux else value)
    return wrapper


def grad(func, argnums=0, has_aux: bool = False):
    """A function returning the gradient of func's scalar output with respect to args[argnums]
    (and func's auxiliary output, with has_aux)."""
    transformed = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        gradient, value = transformed(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient
    return wrapper


def vjp(func, *primals, has_aux: bool = False):
    """(func(*primals), vjp_fn): vjp_fn(cotangents) is the tuple of cotangents^T J per primal."""
    with enable_grad():
        tracked_primals, inputs, nested = _track(primals)
        result = func(*tracked_primals)
    output, aux = result if has_aux else (result, None)
    outputs = _flatten(output)

    def vjp_fn(cotangents, create_graph: bool = False):
        with enable_grad():
            grads = _gradients(outputs, inputs, _flatten(cotangents), nested or create_graph)
        return _unflatten(tracked_primals, iter(grads))
    shown = output if nested else _unflatten(output, iter([o.detach() for o in outputs]))
    return (shown, vjp_fn, aux) if has_aux else (shown, vjp_fn)


def jvp(func, primals, tangents, *, strict: bool = False, has_aux: bool = False):
    """(func(*primals), J tangents), by the double-vjp identity (needl has no forward mode)."""
    with enable_grad():
        tracked_primals, inputs, nested = _track(tuple(primals))
        result = func(*tracked_primals)
        output, aux = result if has_aux else (result, None)
        outputs = _flatten(output)
        dummies = [zeros_like(o).requires_grad_() for o in outputs]
        pulled = _gradients(outputs, inputs, dummies, True)
        inner = sum((p * t).sum() for p, t in zip(pulled, _flatten(tuple(tangents))))
        pushed = _gradients([inner], dummies, None, nested)
    tangent_out = _unflatten(output, iter(pushed))
    shown = output if nested else _unflatten(output, iter([o.detach() for o in outputs]))
    return (shown, tangent_out, aux) if has_aux else (shown, tangent_out)


def jacrev(func, argnums=0, has_aux: bool = False, *, chunk_size=None, _preallocate_and_copy=False):
    """A function returning the Jacobian of func with respect to args[argnums], one vjp per
    output element: shape output.shape + input.shape."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with enable_grad():
            args, numbers, inputs, nested, output, aux = _call_tracked(func, argnums, args, kwargs, has_aux)
            jacobians = []
            for out in _flatten(output):
                rows = []
                flat = out.reshape(-1)
                for index in range(flat.shape[0]):
                    rows.append(_gradients([flat[index]], inputs, None, nested))
                per_input = []
                for position, x in enumerate(inputs):
                    column = [row[position] for row in rows]
                    block = stack(column) if column else zeros_like(x).reshape((0,) + tuple(x.shape))
                    per_input.append(block.reshape(tuple(out.shape) + tuple(x.shape)))
                leaves = iter(per_input)
                per_arg = [_unflatten(args[number], leaves) for number in numbers]
                jacobians.append(per_arg[0] if isinstance(argnums, int) else tuple(per_arg))
        jacobian = _unflatten(output, iter(jacobians))
        if not nested:
            jacobian = _unflatten(jacobian, iter([j.detach() for j in _flatten(jacobian)]))
        return (jacobian, aux) if has_aux else jacobian
    return wrapper


def jacfwd(func, argnums=0, has_aux: bool = False, *, randomness: str = "error"):
    """The Jacobian, as jacrev computes it (needl has no forward mode; the values are the same)."""
    return jacrev(func, argnums, has_aux)


def hessian(func, argnums=0):
    """The Hessian of a scalar function with respect to args[argnums]: jacfwd(jacrev(func))."""
    return jacfwd(jacrev(func, argnums), argnums)


# ---- vmap -----------------------------------------------------------------------------------
def _in_dims_per_leaf(in_dims, args) -> list:
    if isinstance(in_dims, int) or in_dims is None:
        return [in_dims] * len(_flatten(args))
    if len(in_dims) != len(args):
        raise ValueError(f"vmap: in_dims is a tuple of {len(in_dims)} for {len(args)} positional arguments")
    per_leaf = []
    for dims, arg in zip(in_dims, args):
        per_leaf.extend(_in_dims_per_leaf(dims, (arg,)) if not isinstance(dims, (int, type(None)))
                        else [dims] * len(_flatten(arg)))
    return per_leaf


def vmap(func, in_dims=0, out_dims=0, randomness: str = "error", *, chunk_size=None):
    """func mapped over a batch dimension of its inputs (in_dims: int, None, or one per argument)
    and stacked along out_dims. Runs func once per element (a loop, so any function works);
    chunk_size is accepted for PyTorch compatibility. randomness='same' gives every element the
    same random draws; 'error' and 'different' draw afresh for each."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"vmap: randomness must be 'error', 'different' or 'same', got {randomness!r}")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        leaves = _flatten(args)
        dims = _in_dims_per_leaf(in_dims, args)
        sizes = {leaf.shape[dim] for leaf, dim in zip(leaves, dims) if dim is not None}
        if not sizes:
            raise ValueError("vmap: at least one input must be batched (in_dims all None)")
        if len(sizes) > 1:
            raise ValueError(f"vmap: expected all batched inputs to have the same size along in_dims, "
                             f"got sizes {sorted(sizes)}")
        size = sizes.pop()
        state = random.get_rng_state() if randomness == "same" else None
        results = []
        for index in range(size):
            if state is not None:
                random.set_rng_state(state)
            sliced = [leaf.select(dim, index) if dim is not None else leaf for leaf, dim in zip(leaves, dims)]
            results.append(func(*_unflatten(args, iter(sliced)), **kwargs))
        outputs = list(zip(*[_flatten(result) for result in results]))
        out_leaves = _flatten(results[0])
        out_per_leaf = [out_dims] * len(out_leaves) if isinstance(out_dims, int) else _flatten(out_dims)
        stacked = [stack(list(column), dim=dim) if dim is not None else column[0]
                   for column, dim in zip(outputs, out_per_leaf)]
        return _unflatten(results[0], iter(stacked))
    return wrapper
