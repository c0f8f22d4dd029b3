"""gradcheck / gradgradcheck: compare the tape's gradients with central finite differences."""
import numpy as np

from . import random
from .engine import grad as autograd_grad
from .mode import enable_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Raised when an analytical gradient and its finite-difference estimate disagree."""


def _differentiable(outputs):
    outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    return [o for o in outputs if isinstance(o, Tensor) and o.dtype.kind == "f" and o.requires_grad]


def _projection(fn, inputs, directions):
    """sum_k <fn(inputs)_k, directions_k> as a float, evaluated without recording."""
    outputs = fn(*inputs)
    outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    floats = [o for o in outputs if isinstance(o, Tensor) and o.dtype.kind == "f"]
    return sum(float(np.sum(o._data * d)) for o, d in zip(floats, directions))


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, samples: int = 2) -> bool:
    """Check the gradients of `fn` at `inputs` (float64 tensors with requires_grad=True).

    For `samples` random output directions v it compares the tape's v^T J with the central
    difference of <fn(x), v> along every element of every input that requires grad.
    """
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input requires grad")
    for i in wrt:
        if inputs[i].dtype != np.float64:
            raise TypeError(f"gradcheck: input {i} is {inputs[i].dtype}; finite differences need float64")
    generator = random.generator()
    for _ in range(samples):
        with enable_grad():
            outputs = _differentiable(fn(*inputs))
        if not outputs:
            raise ValueError("gradcheck: fn returned no differentiable output")
        directions = [generator.standard_normal(o.shape) for o in outputs]
        analytical = autograd_grad(outputs, [inputs[i] for i in wrt],
                                   [Tensor._make(d) for d in directions], allow_unused=True)
        for position, i in enumerate(wrt):
            x = inputs[i]._data
            numerical = np.zeros(x.shape)
            for index in np.ndindex(x.shape):  # works for non-contiguous inputs too
                original = x[index]
                x[index] = original + eps
                plus = _projection(fn, inputs, directions)
                x[index] = original - eps
                minus = _projection(fn, inputs, directions)
                x[index] = original
                numerical[index] = (plus - minus) / (2 * eps)
            got = np.zeros(x.shape) if analytical[position] is None else analytical[position]._data
            if got.shape != x.shape or not np.allclose(got, numerical, atol=atol, rtol=rtol):
                if not raise_exception:
                    return False
                error = np.max(np.abs(got - numerical)) if got.shape == x.shape else "shape"
                raise GradcheckError(
                    f"gradcheck: the gradient of input {i} (shape {x.shape}) does not match finite "
                    f"differences (max abs error {error}).\nanalytical:\n{got}\nnumerical:\n{numerical}")
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Check second derivatives: gradcheck of x, v -> v^T J(x) built with create_graph=True."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    with enable_grad():
        outputs = _differentiable(fn(*inputs))
    if grad_outputs is None:
        grad_outputs = [Tensor._make(random.generator().standard_normal(o.shape)).requires_grad_()
                        for o in outputs]
    count = len(inputs)

    def first_order(*args):
        xs, vs = args[:count], args[count:]
        with enable_grad():
            outs = _differentiable(fn(*xs))
            grads = autograd_grad(outs, [xs[i] for i in wrt], list(vs), create_graph=True,
                                  allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_order, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
