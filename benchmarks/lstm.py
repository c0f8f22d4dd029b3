"""LSTM training step: LSTM(28, 128) over 28 steps of a (64, 28, 28) batch (batch_first), the last
hidden state -> Linear(128, 10) -> cross-entropy, backward, plain SGD (float32).

Contenders: needl's nn.LSTM (one tape node for the whole sequence); the fastest hand-written NumPy
LSTM we know; PyTorch's CPU LSTM. Same weights (drawn by name) and batch for all; the first losses
must agree (check_gradients() also compares needl's gradients with the NumPy ones; the tests run it).
Run: python benchmarks/lstm.py [--quick]
"""
import numpy as np

from common import Contender, StepWorkload, training_step, initial_parameters, load_parameters, main

BATCH, STEPS, FEATURES, HIDDEN, CLASSES = 64, 28, 28, 128, 10
LEARNING_RATE = 0.01


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
        w_ih = w["lstm.weight_ih_l0"][order] * scale
        w_hh_t = (w["lstm.weight_hh_l0"][order] * scale).T
        bias = (w["lstm.bias_ih_l0"] + w["lstm.bias_hh_l0"])[order] * scale[:, 0]
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
        w_hh = w["lstm.weight_hh_l0"]
        for t in range(steps - 1, -1, -1):
            np.multiply(grad_h, to_cell[t], out=scratch)
            grad_c += scratch
            coefficient[t, :, :3] *= grad_c[:, None, :]
            coefficient[t, :, 3] *= grad_h
            grad_c *= act[t, :, 1]
            if t:
                np.matmul(grad_gates[t], w_hh, out=grad_h)
        flat = grad_gates.reshape(steps * batch, -1)
        self.grads["lstm.weight_ih_l0"] = flat.T @ x_time
        self.grads["lstm.weight_hh_l0"] = flat.T @ h[:-1].reshape(steps * batch, -1)
        self.grads["lstm.bias_ih_l0"] = flat.sum(axis=0)
        self.grads["lstm.bias_hh_l0"] = self.grads["lstm.bias_ih_l0"].copy()
        for name, value in self.weights.items():
            value -= LEARNING_RATE * self.grads[name]
        return loss



def classifier(library):
    """LSTM + linear head in needl or PyTorch (the same code)."""
    nn = library.nn

    class LSTMClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(FEATURES, HIDDEN, batch_first=True)
            self.fc = nn.Linear(HIDDEN, CLASSES)

        def forward(self, x):
            _, (h_n, _) = self.lstm(x)
            return self.fc(h_n[0])
    return LSTMClassifier()


def initializer(name, shape, rng):
    """PyTorch's LSTM init (uniform +-1/sqrt(hidden)) for the LSTM, its Linear init for the head."""
    bound = 1 / np.sqrt(HIDDEN)
    return rng.uniform(-bound, bound, shape).astype(np.float32)


def batch():
    rng = np.random.default_rng(1)
    return rng.standard_normal((BATCH, STEPS, FEATURES), dtype=np.float32), rng.integers(0, CLASSES, BATCH)


def framework_step(library, lr=LEARNING_RATE):
    model = classifier(library)
    load_parameters(library, model, initializer=initializer)
    return training_step(library, model, *batch(), lr)


def parameter_shapes():
    return {"lstm.weight_ih_l0": (4 * HIDDEN, FEATURES), "lstm.weight_hh_l0": (4 * HIDDEN, HIDDEN),
            "lstm.bias_ih_l0": (4 * HIDDEN,), "lstm.bias_hh_l0": (4 * HIDDEN,),
            "fc.weight": (CLASSES, HIDDEN), "fc.bias": (CLASSES,)}


def numpy_step(np_module):
    model = NumpyLSTMClassifier(initial_parameters(parameter_shapes(), initializer=initializer))
    x, target = batch()
    return lambda: model.step(x, target)


def check_gradients():
    """needl's gradients of one step equal the hand-written NumPy ones (same weights and batch)."""
    import needl
    import needl.nn  # noqa: F401
    step = framework_step(needl, lr=0.0)
    loss = step()
    reference = NumpyLSTMClassifier(initial_parameters(parameter_shapes(), initializer=initializer))
    reference_loss = reference.step(*batch())
    assert np.isclose(loss, reference_loss, rtol=1e-5), (loss, reference_loss)
    for name, parameter in step.model.named_parameters():
        np.testing.assert_allclose(parameter.grad.numpy(), reference.grads[name], rtol=1e-3, atol=1e-5,
                                   err_msg=name)


WORKLOADS = {"lstm": StepWorkload(
    label=f"LSTM({FEATURES}, {HIDDEN}) x {STEPS} steps, b{BATCH}, SGD",
    title=f"LSTM({FEATURES}, {HIDDEN}) x {STEPS} steps, batch {BATCH} -> Linear -> cross-entropy, SGD, float32",
    contenders={"needl": Contender("needl", framework_step),
                "numpy by hand": Contender("numpy", numpy_step),
                "pytorch": Contender("torch", framework_step)},
    rounds=11, repeat=10,
    targets=(("needl", "pytorch", "(target <= 1.0x)"), ("needl", "numpy by hand", "")))}


if __name__ == "__main__":
    main("lstm")
