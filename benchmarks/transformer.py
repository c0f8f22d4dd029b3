"""Transformer encoder layer training step: d_model 128, 4 heads, sequence 64, batch 32, feed-forward
512, ReLU, post-norm, no dropout, batch_first, float32; loss = mean((layer(x) - target)^2); plain SGD.

needl's nn.TransformerEncoderLayer vs the best hand-written NumPy step vs PyTorch on the CPU (when
installed), from the same initial weights and batch. Before timing, the first-step losses must agree
and the hand-written gradients must match needl's. Run: python benchmarks/transformer.py [--quick]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import needl  # noqa: E402
import needl.nn as nn  # noqa: E402
import needl.nn.functional as F  # noqa: E402
from common import interleaved, optional_torch, print_memory, report  # noqa: E402

D_MODEL, HEADS, SEQUENCE, BATCH, FEEDFORWARD = 128, 4, 64, 32, 512
LR, EPS = 0.01, 1e-5


def layer_norm_forward(rows, weight, bias, ones):
    """Row-wise LayerNorm of (N, E) in float32; returns (output, x_hat, 1/std) for the backward.

    The row means are matrix-vector products (BLAS) rather than reductions."""
    width = rows.shape[1]
    x_hat = rows - (rows @ ones)[:, None] * np.float32(1.0 / width)
    inverse_std = np.einsum("ij,ij->i", x_hat, x_hat)
    inverse_std *= np.float32(1.0 / width)
    inverse_std += np.float32(EPS)
    np.sqrt(inverse_std, out=inverse_std)
    np.reciprocal(inverse_std, out=inverse_std)
    x_hat *= inverse_std[:, None]
    output = x_hat * weight
    output += bias
    return output, x_hat, inverse_std


def layer_norm_backward(grad_output, x_hat, inverse_std, weight, ones, ones_rows):
    """(grad_input, grad_weight, grad_bias) of a row-wise LayerNorm, from x_hat and 1/std (x_hat is
    overwritten: it is dead after the backward)."""
    width = x_hat.shape[1]
    grad_weight = ones_rows @ (grad_output * x_hat)
    grad_bias = ones_rows @ grad_output
    grad_x_hat = grad_output * weight
    mean_grad = grad_x_hat @ ones
    mean_grad *= np.float32(1.0 / width)
    mean_projection = np.einsum("ij,ij->i", grad_x_hat, x_hat)
    mean_projection *= np.float32(1.0 / width)
    # dx = rstd * (g - mean(g) - x_hat * mean(g * x_hat)), g = grad_output * weight; x_hat is
    # not needed afterwards, so it takes the last term in place
    grad_x_hat -= mean_grad[:, None]
    x_hat *= mean_projection[:, None]
    grad_x_hat -= x_hat
    grad_x_hat *= inverse_std[:, None]
    return grad_x_hat, grad_weight, grad_bias


class NumpyEncoderLayer:
    """The fastest plain NumPy step we could write for the post-norm encoder layer.

    One (N, 128) @ (128, 384) in-projection; per-head attention as batched matmuls on (B, H, T, d)
    views of the projection (no copies: the head split is a strided view BLAS accepts); the merged
    heads are written straight into an (N, 128) buffer through matmul's out=; softmax and its
    backward in place; in-place ReLU; row sums and bias gradients as BLAS matrix-vector products.
    """

    def __init__(self, parameters):
        self.parameters = {name: value.copy() for name, value in parameters.items()}
        self.grads = {}
        rows = BATCH * SEQUENCE
        self.ones_model = np.ones(D_MODEL, np.float32)
        self.ones_rows = np.ones(rows, np.float32)
        self.ones_sequence = np.ones(SEQUENCE, np.float32)
        self.merged = np.empty((rows, D_MODEL), np.float32)
        self.grad_qkv = np.empty((rows, 3 * D_MODEL), np.float32)

    def step(self, x, target):
        parameters = self.parameters
        batch, length, embed = x.shape
        heads, head_dim = HEADS, embed // HEADS
        scale = np.float32(1.0 / np.sqrt(head_dim))
        rows = x.reshape(-1, embed)
        ones, ones_rows = self.ones_model, self.ones_rows

        # self-attention
        qkv = rows @ parameters["self_attn.in_proj_weight"].T
        qkv += parameters["self_attn.in_proj_bias"]
        split = qkv.reshape(batch, length, 3, heads, head_dim).transpose(2, 0, 3, 1, 4)  # (3, B, H, T, d)
        query, key, value = split[0], split[1], split[2]
        scores = np.matmul(query, key.swapaxes(-1, -2))
        scores *= scale
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        totals = scores @ self.ones_sequence  # row sums as matrix-vector products (BLAS)
        np.reciprocal(totals, out=totals)
        scores *= totals[..., None]
        probabilities = scores
        merged = self.merged
        merged_heads = merged.reshape(batch, length, heads, head_dim).transpose(0, 2, 1, 3)
        np.matmul(probabilities, value, out=merged_heads)
        attention = merged @ parameters["self_attn.out_proj.weight"].T
        attention += parameters["self_attn.out_proj.bias"]
        attention += rows
        normed1, x_hat1, inverse_std1 = layer_norm_forward(attention, parameters["norm1.weight"],
                                                           parameters["norm1.bias"], ones)

        # feed-forward
        hidden = normed1 @ parameters["linear1.weight"].T
        hidden += parameters["linear1.bias"]
        np.maximum(hidden, 0, out=hidden)
        feedforward = hidden @ parameters["linear2.weight"].T
        feedforward += parameters["linear2.bias"]
        feedforward += normed1
        output, x_hat2, inverse_std2 = layer_norm_forward(feedforward, parameters["norm2.weight"],
                                                          parameters["norm2.bias"], ones)

        # loss = mean((output - target)^2)
        difference = output
        difference -= target.reshape(-1, embed)
        loss = float(np.einsum("ij,ij->", difference, difference)) / difference.size
        grad_output = difference
        grad_output *= np.float32(2.0 / difference.size)

        grads = self.grads
        grad_feedforward, grads["norm2.weight"], grads["norm2.bias"] = layer_norm_backward(
            grad_output, x_hat2, inverse_std2, parameters["norm2.weight"], ones, ones_rows)
        grads["linear2.weight"] = grad_feedforward.T @ hidden
        grads["linear2.bias"] = ones_rows @ grad_feedforward
        grad_hidden = grad_feedforward @ parameters["linear2.weight"]
        grad_hidden *= hidden > 0
        grads["linear1.weight"] = grad_hidden.T @ normed1
        grads["linear1.bias"] = ones_rows @ grad_hidden
        grad_normed1 = grad_hidden @ parameters["linear1.weight"]
        grad_normed1 += grad_feedforward
        grad_attention, grads["norm1.weight"], grads["norm1.bias"] = layer_norm_backward(
            grad_normed1, x_hat1, inverse_std1, parameters["norm1.weight"], ones, ones_rows)
        grads["self_attn.out_proj.weight"] = grad_attention.T @ merged
        grads["self_attn.out_proj.bias"] = ones_rows @ grad_attention
        grad_merged = grad_attention @ parameters["self_attn.out_proj.weight"]
        grad_heads = grad_merged.reshape(batch, length, heads, head_dim).transpose(0, 2, 1, 3)

        grad_qkv = self.grad_qkv
        grad_split = grad_qkv.reshape(batch, length, 3, heads, head_dim).transpose(2, 0, 3, 1, 4)
        np.matmul(probabilities.swapaxes(-1, -2), grad_heads, out=grad_split[2])
        grad_scores = np.matmul(grad_heads, value.swapaxes(-1, -2))
        # softmax backward: dS = P * (dP - sum(dP * P)), with the 1/sqrt(d) scale folded in
        grad_scores *= probabilities
        row_sums = grad_scores @ self.ones_sequence
        grad_scores -= probabilities * row_sums[..., None]
        grad_scores *= scale
        np.matmul(grad_scores, key, out=grad_split[0])
        np.matmul(grad_scores.swapaxes(-1, -2), query, out=grad_split[1])
        grads["self_attn.in_proj_weight"] = grad_qkv.T @ rows
        grads["self_attn.in_proj_bias"] = ones_rows @ grad_qkv

        for name, parameter in parameters.items():
            parameter -= LR * grads[name]
        return loss


def copy_parameters(module):
    """needl's initial parameters as float32 arrays, by PyTorch's names."""
    return {name: parameter.detach().numpy().copy() for name, parameter in module.named_parameters()}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    needl.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, SEQUENCE, D_MODEL), dtype=np.float32)
    target = rng.standard_normal((BATCH, SEQUENCE, D_MODEL), dtype=np.float32)

    layer = nn.TransformerEncoderLayer(D_MODEL, HEADS, dim_feedforward=FEEDFORWARD, dropout=0.0,
                                       batch_first=True)
    # PyTorch's MultiheadAttention starts with zero projection biases; random ones test more of the maths
    for name, parameter in layer.named_parameters():
        if name.endswith("bias"):
            parameter.data[...] = rng.uniform(-0.1, 0.1, parameter.shape).astype(np.float32)
    parameters = copy_parameters(layer)
    optimizer = needl.optim.SGD(layer.parameters(), lr=LR)
    inputs, targets = needl.from_numpy(x), needl.from_numpy(target)

    def needl_step():
        loss = F.mse_loss(layer(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    by_hand = NumpyEncoderLayer(parameters)
    steps = {"needl": needl_step, "numpy by hand": lambda: by_hand.step(x, target)}
    first = {"needl": needl_step(), "numpy by hand": by_hand.step(x, target)}
    # same weights -> same gradients, before anything is timed
    for name, parameter in layer.named_parameters():
        ours, reference = parameter.grad.numpy(), by_hand.grads[name]
        assert ours.shape == reference.shape and ours.dtype == reference.dtype == np.float32, name
        error = np.abs(ours - reference).max() / np.abs(reference).max()
        assert error < 1e-4, f"needl and the NumPy step disagree on the gradient of {name} (error {error:.1e})"

    torch = optional_torch()
    if torch is not None:
        torch.manual_seed(0)
        torch_layer = torch.nn.TransformerEncoderLayer(D_MODEL, HEADS, dim_feedforward=FEEDFORWARD,
                                                       dropout=0.0, batch_first=True)
        with torch.no_grad():
            for name, parameter in torch_layer.named_parameters():
                parameter.copy_(torch.from_numpy(parameters[name]))
        torch_optimizer = torch.optim.SGD(torch_layer.parameters(), lr=LR)
        tx, ttarget = torch.from_numpy(x), torch.from_numpy(target)

        def torch_step():
            loss = torch.nn.functional.mse_loss(torch_layer(tx), ttarget)
            torch_optimizer.zero_grad()
            loss.backward()
            torch_optimizer.step()
            return loss.item()

        steps["pytorch"] = torch_step
        first["pytorch"] = torch_step()
    for name, loss in first.items():
        assert abs(loss - first["numpy by hand"]) <= 1e-4 * abs(first["numpy by hand"]), \
            f"{name} computes a different loss: {first}"

    rounds, repeat = (3, 2) if args.quick else (15, 10)
    samples = interleaved(steps, rounds=rounds, repeat=repeat, warmup=2)
    print(f"TransformerEncoderLayer(d_model {D_MODEL}, {HEADS} heads, ff {FEEDFORWARD}) training step, "
          f"batch {BATCH} x sequence {SEQUENCE}, float32")
    losses = ", ".join(f"{name} {loss:.6f}" for name, loss in first.items())
    print(f"first-step losses agree ({losses}); needl's gradients match the NumPy step's")
    print(f"median of {rounds} interleaved rounds of {repeat} steps (shared machine: figures are noisy)")
    medians = report(samples, "numpy by hand")
    if "pytorch" in medians:
        print(f"needl / pytorch: {medians['needl'] / medians['pytorch']:.2f}x")
    print(f"needl / numpy by hand: {medians['needl'] / medians['numpy by hand']:.2f}x")
    print_memory(steps, "numpy by hand")


if __name__ == "__main__":
    main()
