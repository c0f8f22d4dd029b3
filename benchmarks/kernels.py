"""The fused kernels of the GPT, Transformer and LSTM steps, at those workloads' sizes: forward +
backward of one call, needl vs PyTorch (and needl's previous checkout with --baseline).

lstm: nn.LSTM(28, 128) over (64, 28, 28), batch_first, the gradient of h_n (as lstm.py's step);
attention: causal scaled_dot_product_attention, (32, 4, 64, 32) (the GPT's); layer_norm (32, 64, 128);
gelu (32, 64, 512) (the GPT MLP's); cross_entropy of (2048, 65) logits (the GPT's LM head);
embedding: 32 x 64 tokens from a (65, 128) table; batch_norm of a channels-last (64, 64, 16, 16)
input, training (ResNet / DCGAN).
Run: python benchmarks/kernels.py [--quick] [lstm | attention | layer_norm | ...] [--baseline CHECKOUT]
"""
import numpy as np

from common import Contender, StepWorkload, main


def upstream_step(library, forward, inputs, upstream):
    """step(): forward(*inputs).backward(upstream), gradients cleared first; check(): |grad| sums."""
    def step():
        for tensor in inputs:
            tensor.grad = None
        forward(*inputs).backward(upstream)

    def check():
        return tuple(float(tensor.grad.abs().sum()) for tensor in inputs)
    return step, check


def leaves(library, *shapes, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return [library.tensor((rng.standard_normal(shape, dtype=np.float32) * np.float32(scale)), requires_grad=True)
            for shape in shapes]


def constant(library, shape, seed=1):
    return library.from_numpy(np.random.default_rng(seed).standard_normal(shape, dtype=np.float32))


def lstm_case(library):
    library.manual_seed(0)
    layer = library.nn.LSTM(28, 128, batch_first=True)
    rng = np.random.default_rng(0)
    for name, parameter in layer.named_parameters():
        parameter.data.copy_(library.from_numpy(rng.uniform(-1 / np.sqrt(128), 1 / np.sqrt(128),
                                                            tuple(parameter.shape)).astype(np.float32)))
    x = library.from_numpy(rng.standard_normal((64, 28, 28), dtype=np.float32))
    upstream = constant(library, (1, 64, 128))
    parameters = list(layer.parameters())
    return upstream_step(library, lambda *_: layer(x)[1][0], parameters, upstream)


def attention_case(library):
    inputs = leaves(library, *[(32, 4, 64, 32)] * 3)
    attention = library.nn.functional.scaled_dot_product_attention
    return upstream_step(library, lambda q, k, v: attention(q, k, v, is_causal=True), inputs,
                         constant(library, (32, 4, 64, 32)))


def layer_norm_case(library):
    x, weight, bias = leaves(library, (32, 64, 128), (128,), (128,))
    layer_norm = library.nn.functional.layer_norm
    return upstream_step(library, lambda x, w, b: layer_norm(x, (128,), w, b), [x, weight, bias],
                         constant(library, (32, 64, 128)))


def gelu_case(library):
    inputs = leaves(library, (32, 64, 512))
    return upstream_step(library, library.nn.functional.gelu, inputs, constant(library, (32, 64, 512)))


def cross_entropy_case(library):
    inputs = leaves(library, (2048, 65))
    target = library.from_numpy(np.random.default_rng(2).integers(0, 65, 2048))
    cross_entropy = library.nn.functional.cross_entropy
    return upstream_step(library, lambda logits: cross_entropy(logits, target), inputs, library.tensor(1.0))


def embedding_case(library):
    inputs = leaves(library, (65, 128))
    tokens = library.from_numpy(np.random.default_rng(2).integers(0, 65, (32, 64)))
    embedding = library.nn.functional.embedding
    return upstream_step(library, lambda weight: embedding(tokens, weight), inputs, constant(library, (32, 64, 128)))


def batch_norm_case(library):
    array = np.random.default_rng(0).standard_normal((64, 16, 16, 64), dtype=np.float32)
    x = library.from_numpy(array).permute(0, 3, 1, 2)  # channels-last memory, as after a conv
    x.requires_grad_(True)
    weight, bias = leaves(library, (64,), (64,), seed=1)
    batch_norm = library.nn.functional.batch_norm
    upstream = library.from_numpy(np.random.default_rng(1).standard_normal((64, 16, 16, 64), dtype=np.float32)
                                  ).permute(0, 3, 1, 2)
    return upstream_step(library, lambda x, w, b: batch_norm(x, None, None, w, b, training=True),
                         [x, weight, bias], upstream)


def workload(label, case, tolerance=1e-3):
    return StepWorkload(
        label=f"{label} fwd+bwd", title=f"{label}: forward + backward of one call, float32",
        contenders={"needl": Contender("needl", case), "pytorch": Contender("torch", case)},
        rounds=9, repeat=20, tolerance=tolerance, targets=(("needl", "pytorch", ""),))


WORKLOADS = {
    "lstm": workload("LSTM(28, 128) x 28 steps, b64", lstm_case),
    "attention": workload("causal SDPA (32, 4, 64, 32)", attention_case),
    "layer_norm": workload("layer_norm (32, 64, 128)", layer_norm_case),
    "gelu": workload("gelu (32, 64, 512)", gelu_case),
    "cross_entropy": workload("cross_entropy (2048 x 65)", cross_entropy_case),
    "embedding": workload("embedding 32 x 64 of (65, 128)", embedding_case),
    "batch_norm": workload("batch_norm channels-last (64, 64, 16, 16)", batch_norm_case),
}


if __name__ == "__main__":
    main("kernels")
