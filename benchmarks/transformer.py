"""Transformer encoder layer training step: d_model 128, 4 heads, sequence 64, batch 32, feed-forward
512, ReLU, post-norm, no dropout, batch_first, float32; loss = mean((layer(x) - target)^2); plain SGD.

needl's nn.TransformerEncoderLayer vs the best hand-written NumPy step vs PyTorch's, from the same
initial weights (drawn by name) and batch; the first losses must agree (check_gradients() also
compares needl's gradients with the hand-written ones; the tests run it).
Run: python benchmarks/transformer.py [--quick]
"""
import numpy as np

from common import Contender, StepWorkload, training_step, initial_parameters, load_parameters, main

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


KEEP = ("norm1.weight", "norm2.weight")  # LayerNorm scales start at one, as in PyTorch


def encoder_layer(library):
    return library.nn.TransformerEncoderLayer(D_MODEL, HEADS, dim_feedforward=FEEDFORWARD, dropout=0.0,
                                              batch_first=True)


def batch():
    rng = np.random.default_rng(1)
    return (rng.standard_normal((BATCH, SEQUENCE, D_MODEL), dtype=np.float32),
            rng.standard_normal((BATCH, SEQUENCE, D_MODEL), dtype=np.float32))


def framework_step(library, lr=LR):
    model = encoder_layer(library)
    load_parameters(library, model, keep=KEEP)
    return training_step(library, model, *batch(), lr, loss_function=library.nn.functional.mse_loss)


def parameter_shapes():
    shapes = {"self_attn.in_proj_weight": (3 * D_MODEL, D_MODEL), "self_attn.in_proj_bias": (3 * D_MODEL,),
              "self_attn.out_proj.weight": (D_MODEL, D_MODEL), "self_attn.out_proj.bias": (D_MODEL,),
              "linear1.weight": (FEEDFORWARD, D_MODEL), "linear1.bias": (FEEDFORWARD,),
              "linear2.weight": (D_MODEL, FEEDFORWARD), "linear2.bias": (D_MODEL,),
              "norm1.bias": (D_MODEL,), "norm2.bias": (D_MODEL,)}
    parameters = initial_parameters(shapes)
    parameters.update({name: np.ones(D_MODEL, np.float32) for name in KEEP})
    return parameters


def numpy_step(np_module):
    model = NumpyEncoderLayer(parameter_shapes())
    x, target = batch()
    return lambda: model.step(x, target)


def check_gradients():
    """needl's gradients of one step equal the hand-written NumPy ones (same weights and batch)."""
    import needl
    import needl.nn  # noqa: F401
    step = framework_step(needl, lr=0.0)
    loss = step()
    reference = NumpyEncoderLayer(parameter_shapes())
    reference_loss = reference.step(*batch())
    assert abs(loss - reference_loss) <= 1e-4 * abs(reference_loss), (loss, reference_loss)
    for name, parameter in step.model.named_parameters():
        ours, theirs = parameter.grad.numpy(), reference.grads[name]
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype == np.float32, name
        error = np.abs(ours - theirs).max() / np.abs(theirs).max()
        assert error < 1e-4, f"needl and the NumPy step disagree on the gradient of {name} (error {error:.1e})"


WORKLOADS = {"transformer": StepWorkload(
    label=f"Transformer encoder layer d{D_MODEL} {HEADS}H, {BATCH}x{SEQUENCE}, SGD",
    title=f"TransformerEncoderLayer(d_model {D_MODEL}, {HEADS} heads, ff {FEEDFORWARD}) training step, "
          f"batch {BATCH} x sequence {SEQUENCE}, MSE, SGD, float32",
    contenders={"needl": Contender("needl", framework_step),
                "numpy by hand": Contender("numpy", numpy_step),
                "pytorch": Contender("torch", framework_step)},
    rounds=11, repeat=5,
    targets=(("needl", "pytorch", "(target <= 0.90x)"), ("needl", "numpy by hand", "")))}


if __name__ == "__main__":
    main("transformer")
