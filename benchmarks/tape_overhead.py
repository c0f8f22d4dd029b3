"""The tape's own overhead: forward + backward of `c = a + b; (c * c).sum()` on 32x32 float32.

Compared with the same three NumPy calls and their hand-written gradients, and with PyTorch's
CPU engine when installed. Run: python benchmarks/tape_overhead.py [--quick]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import needl  # noqa: E402
from common import interleaved, optional_torch, report  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    a_array = rng.standard_normal((32, 32), dtype=np.float32)
    b_array = rng.standard_normal((32, 32), dtype=np.float32)

    a = needl.tensor(a_array, requires_grad=True)
    b = needl.tensor(b_array, requires_grad=True)

    def needl_step():
        a.grad = b.grad = None
        c = a + b
        loss = (c * c).sum()
        loss.backward()
        return loss

    def numpy_step():
        c = a_array + b_array
        square = c * c
        loss = square.sum()
        grad_square = np.ones_like(square)          # d loss / d square
        grad_c = grad_square * c + grad_square * c  # the product rule, both factors
        return loss, grad_c, grad_c                 # d loss / da, d loss / db

    steps = {"needl": needl_step, "numpy by hand": numpy_step}
    reference = numpy_step()
    loss = needl_step()
    assert np.allclose(loss.item(), reference[0], rtol=1e-5)
    assert np.allclose(a.grad.numpy(), reference[1], rtol=1e-5)

    torch = optional_torch()
    if torch is not None:
        ta = torch.tensor(a_array, requires_grad=True)
        tb = torch.tensor(b_array, requires_grad=True)

        def torch_step():
            ta.grad = tb.grad = None
            c = ta + tb
            loss = (c * c).sum()
            loss.backward()
            return loss

        torch_step()
        assert np.allclose(ta.grad.numpy(), reference[1], rtol=1e-5)
        steps["pytorch"] = torch_step

    rounds, repeat = (3, 20) if args.quick else (15, 400)
    samples = interleaved(steps, rounds=rounds, repeat=repeat)
    print("forward + backward of c = a + b; (c * c).sum() on 32x32 float32 (ms per step)")
    medians = report(samples, "numpy by hand")
    if "pytorch" in medians:
        print(f"needl / pytorch: {medians['needl'] / medians['pytorch']:.2f}x (target <= 0.75x)")
    print(f"needl / numpy by hand: {medians['needl'] / medians['numpy by hand']:.2f}x (target <= 4x)")


if __name__ == "__main__":
    main()
