"""An LSTM training step: needl vs the best hand-written NumPy LSTM vs PyTorch (when installed).

The model reads a (64, 28, 28) batch (28 steps of 28 features, batch_first), runs LSTM(28, 128),
feeds the last hidden state to Linear(128, 10) and takes the cross-entropy; one step is forward,
backward and a plain SGD update, all float32. All three start from the same weights, and the
script checks that they compute the same loss and gradients before timing.
Run: python benchmarks/lstm.py [--quick]
"""
import argparse
import os
import resource
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import needl  # noqa: E402
import needl.nn.functional as F  # noqa: E402
from common import interleaved, optional_torch, report  # noqa: E402
from needl.nn.modules.recurrent import LSTM  # noqa: E402

BATCH, STEPS, FEATURES, HIDDEN, CLASSES = 64, 28, 28, 128, 10
LEARNING_RATE = 0.01


def cross_entropy(logits, target):
    """needl's F.cross_entropy when present, else the same loss from log_softmax."""
    if hasattr(F, "cross_entropy"):
        return F.cross_entropy(logits, target)
    picked = needl.tensor(np.eye(CLASSES, dtype=np.float32)[target.detach().numpy()])
    return -(logits.log_softmax(1) * picked).sum() * (1.0 / logits.shape[0])


class NumpyLSTMClassifier:
    """A hand-written NumPy LSTM + linear head with its backward through time, as fast as we know:
    one input-projection matmul for all steps, one exp per step for all four gates (NumPy's
    float32 exp is twice as fast as its tanh: sigmoid(x) = 1 / (1 + exp(-x)) and
    tanh(x) = 2 sigmoid(2x) - 1 with the weights scaled by -1 / -2 once), preallocated buffers,
    and one matmul each for the weight and input gradients after the loop."""

    def __init__(self, weights):
        self.weights = {name: value.copy() for name, value in weights.items()}
        self.grads = {}

    def step(self, x, target):
        w = self.weights
        batch, steps, _ = x.shape
        hidden = HIDDEN
        sig = 3 * hidden
        order = np.r_[0:2 * hidden, 3 * hidden:4 * hidden, 2 * hidden:3 * hidden]  # i f o g
        scale = np.full((4 * hidden, 1), -1.0, np.float32)
        scale[sig:] = -2.0
        w_ih = w["weight_ih_l0"][order] * scale
        w_hh_t = (w["weight_hh_l0"][order] * scale).T
        bias = (w["bias_ih_l0"] + w["bias_hh_l0"])[order] * scale[:, 0]
        x_time = x.swapaxes(0, 1).reshape(steps * batch, -1)  # time-major: contiguous steps
        gates = np.empty((steps, batch, 4 * hidden), np.float32)  # projections, then activations
        np.matmul(x_time, w_ih.T, out=gates.reshape(steps * batch, -1))
        gates += bias
        recurrent = np.empty((batch, 4 * hidden), np.float32)
        h = np.zeros((steps + 1, batch, hidden), np.float32)
        c = np.zeros((steps + 1, batch, hidden), np.float32)
        tanh_c = np.empty((steps, batch, hidden), np.float32)
        ig = np.empty((batch, hidden), np.float32)
        errors = np.seterr(over="ignore")
        for t in range(steps):
            g = gates[t]
            np.matmul(h[t], w_hh_t, out=recurrent)
            g += recurrent
            np.exp(g, out=g)
            g += 1
            np.reciprocal(g, out=g)
            candidate = g[:, sig:]
            candidate *= 2
            candidate -= 1
            np.multiply(g[:, hidden:2 * hidden], c[t], out=c[t + 1])
            np.multiply(g[:, :hidden], g[:, sig:], out=ig)
            c[t + 1] += ig
            np.tanh(c[t + 1], out=tanh_c[t])
            np.multiply(g[:, 2 * hidden:sig], tanh_c[t], out=h[t + 1])
        np.seterr(**errors)
        last = h[steps]
        logits = last @ w["fc.weight"].T + w["fc.bias"]
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(total[:, 0]) - shifted[np.arange(batch), target]))
        grad_logits = exp / total
        grad_logits[np.arange(batch), target] -= 1
        grad_logits *= np.float32(1.0 / batch)
        self.grads["fc.weight"] = grad_logits.T @ last
        self.grads["fc.bias"] = grad_logits.sum(axis=0)
        grad_h = grad_logits @ w["fc.weight"]

        # backward through time; coefficients for all steps at once, gate order (i, f, g, o)
        # (coefficients become the gate gradients in place, step by step)
        act = gates.reshape(steps, batch, 4, hidden)
        coefficient = np.empty((steps, batch, 4, hidden), np.float32)
        for slot, gate, factor in ((0, act[:, :, 0], act[:, :, 3]), (1, act[:, :, 1], c[:-1]),
                                   (3, act[:, :, 2], tanh_c)):
            np.subtract(1, gate, out=coefficient[:, :, slot])
            coefficient[:, :, slot] *= gate
            coefficient[:, :, slot] *= factor
        np.multiply(act[:, :, 3], act[:, :, 3], out=coefficient[:, :, 2])
        np.subtract(1, coefficient[:, :, 2], out=coefficient[:, :, 2])
        coefficient[:, :, 2] *= act[:, :, 0]
        to_cell = tanh_c * tanh_c
        np.subtract(1, to_cell, out=to_cell)
        to_cell *= act[:, :, 2]
        grad_gates = coefficient.reshape(steps, batch, 4 * hidden)
        grad_c = np.zeros((batch, hidden), np.float32)
        scratch = np.empty((batch, hidden), np.float32)
        w_hh = w["weight_hh_l0"]
        for t in range(steps - 1, -1, -1):
            np.multiply(grad_h, to_cell[t], out=scratch)
            grad_c += scratch
            coefficient[t, :, :3] *= grad_c[:, None, :]
            coefficient[t, :, 3] *= grad_h
            grad_c *= act[t, :, 1]
            if t:
                np.matmul(grad_gates[t], w_hh, out=grad_h)
        flat = grad_gates.reshape(steps * batch, -1)
        self.grads["weight_ih_l0"] = flat.T @ x_time
        self.grads["weight_hh_l0"] = flat.T @ h[:-1].reshape(steps * batch, -1)
        self.grads["bias_ih_l0"] = flat.sum(axis=0)
        self.grads["bias_hh_l0"] = self.grads["bias_ih_l0"].copy()
        for name, value in self.weights.items():
            value -= LEARNING_RATE * self.grads[name]
        return loss


def page_faults_per_step(step, count=10):
    """Minor page faults per call: fresh memory the allocator had to map (costly on this VM)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(count):
        step()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / count


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x_array = rng.standard_normal((BATCH, STEPS, FEATURES), dtype=np.float32)
    target_array = rng.integers(0, CLASSES, BATCH)

    needl.manual_seed(0)
    lstm = LSTM(FEATURES, HIDDEN, batch_first=True)
    fc = needl.nn.Linear(HIDDEN, CLASSES)
    parameters = list(lstm.parameters()) + list(fc.parameters())
    weights = {name: p.detach().numpy().copy() for name, p in lstm.named_parameters()}
    weights.update({f"fc.{name}": p.detach().numpy().copy() for name, p in fc.named_parameters()})
    x, target = needl.tensor(x_array), needl.tensor(target_array)

    def needl_step(update=True):
        for p in parameters:
            p.grad = None
        _, (h_n, _) = lstm(x)
        loss = cross_entropy(fc(h_n[0]), target)
        loss.backward()
        if update:
            for p in parameters:
                p.data -= LEARNING_RATE * p.grad.data
        return loss.item()

    by_hand = NumpyLSTMClassifier(weights)
    numpy_step = lambda: by_hand.step(x_array, target_array)  # noqa: E731

    # same weights -> same loss and gradients, before anything is timed
    loss = needl_step(update=False)
    reference = NumpyLSTMClassifier(weights)
    reference_loss = reference.step(x_array, target_array)
    assert np.isclose(loss, reference_loss, rtol=1e-5), (loss, reference_loss)
    for name, p in lstm.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), reference.grads[name], rtol=1e-3, atol=1e-5, err_msg=name)
    steps = {"needl": needl_step, "numpy by hand": numpy_step}

    torch = optional_torch()
    if torch is not None:
        torch_lstm = torch.nn.LSTM(FEATURES, HIDDEN, batch_first=True)
        torch_fc = torch.nn.Linear(HIDDEN, CLASSES)
        with torch.no_grad():
            for name, p in torch_lstm.named_parameters():
                p.copy_(torch.from_numpy(weights[name]))
            torch_fc.weight.copy_(torch.from_numpy(weights["fc.weight"]))
            torch_fc.bias.copy_(torch.from_numpy(weights["fc.bias"]))
        torch_parameters = list(torch_lstm.parameters()) + list(torch_fc.parameters())
        tx, ttarget = torch.from_numpy(x_array), torch.from_numpy(target_array)

        def torch_step():
            for p in torch_parameters:
                p.grad = None
            _, (h_n, _) = torch_lstm(tx)
            loss = torch.nn.functional.cross_entropy(torch_fc(h_n[0]), ttarget)
            loss.backward()
            with torch.no_grad():
                for p in torch_parameters:
                    p -= LEARNING_RATE * p.grad
            return loss.item()

        torch_loss = torch_step()
        assert np.isclose(torch_loss, reference_loss, rtol=1e-5), (torch_loss, reference_loss)
        steps["pytorch"] = torch_step

    rounds, repeat = (3, 3) if args.quick else (12, 10)
    # rotate the order every round: the step timed right after another one starts with cold caches
    names = list(steps)
    samples = {name: [] for name in names}
    for round_index in range(rounds):
        shift = round_index % len(names)
        order = names[shift:] + names[:shift]
        part = interleaved({name: steps[name] for name in order}, rounds=1, repeat=repeat,
                           warmup=(2 if args.quick else 5) if round_index == 0 else 1)
        for name in names:
            samples[name] += part[name]
    print(f"LSTM({FEATURES}, {HIDDEN}) over {STEPS} steps, batch {BATCH}, last state -> "
          f"Linear({HIDDEN}, {CLASSES}) -> cross-entropy, SGD (ms per training step, float32)")
    medians = report(samples, "numpy by hand")
    print(f"needl / numpy by hand: {medians['needl'] / medians['numpy by hand']:.2f}x (target <= 1.15x)")
    if "pytorch" in medians:
        print(f"needl / pytorch: {medians['needl'] / medians['pytorch']:.2f}x")
    faults = ", ".join(f"{name} {page_faults_per_step(step):.0f}" for name, step in steps.items())
    print(f"minor page faults per step: {faults}")


if __name__ == "__main__":
    main()
