"""The tape's own overhead: forward + backward of `c = a + b; (c * c).sum()` on 32x32 float32.

Compared with the same three NumPy calls and their hand-written gradients, and with PyTorch's
engine. Run: python benchmarks/tape_overhead.py [--quick]
"""
import numpy as np

from common import Contender, StepWorkload, main


def operands():
    rng = np.random.default_rng(0)
    return rng.standard_normal((32, 32), dtype=np.float32), rng.standard_normal((32, 32), dtype=np.float32)


def framework_step(library):
    a, b = (library.tensor(array, requires_grad=True) for array in operands())

    def step():
        a.grad = b.grad = None
        c = a + b
        loss = (c * c).sum()
        loss.backward()
        return loss
    return step, lambda: (float(a.grad.abs().sum()), float(b.grad.sum()))


def numpy_step(np_module):
    a, b = operands()
    result = {}

    def step():
        c = a + b
        square = c * c
        loss = square.sum()
        grad_square = np.ones_like(square)          # d loss / d square
        grad_c = grad_square * c + grad_square * c  # the product rule, both factors
        result["grads"] = grad_c, grad_c            # d loss / da, d loss / db
        return loss
    return step, lambda: (float(np.abs(result["grads"][0]).sum()), float(result["grads"][1].sum()))


WORKLOADS = {"tape_overhead": StepWorkload(
    label="tape overhead: c = a + b; (c * c).sum(), 32x32",
    title="tape overhead: forward + backward of c = a + b; (c * c).sum() on 32x32 float32",
    contenders={"needl": Contender("needl", framework_step),
                "numpy by hand": Contender("numpy", numpy_step),
                "pytorch": Contender("torch", framework_step)},
    rounds=11, repeat=400, warmup=100,
    targets=(("needl", "pytorch", "(target <= 0.75x)"), ("needl", "numpy by hand", "(target <= 4x)")))}


if __name__ == "__main__":
    main("tape_overhead")
