"""Second derivatives: the fused layers and losses record their gradients under create_graph=True."""
import numpy as np
import pytest

import needl
import needl.nn.functional as F
from needl.autograd import gradgradcheck

generator = np.random.default_rng(0)


def leaf(*shape):
    return needl.tensor(generator.standard_normal(shape), requires_grad=True)


def probabilities(*shape):
    return needl.tensor(generator.uniform(0.1, 0.9, shape), requires_grad=True)


CLASS_WEIGHT = needl.tensor(generator.uniform(0.5, 2, 4))
TARGET = needl.tensor([0, 3, -100])
SPATIAL_TARGET = needl.tensor(generator.integers(0, 3, (2, 2, 2)))
RUNNING_MEAN = needl.tensor(generator.standard_normal(3))
RUNNING_VAR = needl.tensor(generator.uniform(0.5, 2, 3))
SOFT_TARGET = probabilities(3, 4)
SOFT_TARGET.data /= SOFT_TARGET.data.sum(1, keepdims=True)

CASES = {
    "linear": (F.linear, lambda: (leaf(3, 4), leaf(2, 4), leaf(2))),
    "gelu": (F.gelu, lambda: (leaf(3, 4),)),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), lambda: (leaf(3, 4),)),
    "mish": (F.mish, lambda: (leaf(3, 4),)),
    "silu": (F.silu, lambda: (leaf(3, 4),)),
    "elu": (F.elu, lambda: (leaf(3, 4),)),
    "glu": (F.glu, lambda: (leaf(3, 4),)),
    "prelu": (F.prelu, lambda: (leaf(2, 3, 4), probabilities(3))),
    "mse": (F.mse_loss, lambda: (leaf(3, 4), leaf(3, 4))),
    "smooth_l1": (lambda a, b: F.smooth_l1_loss(a, b, beta=0.5), lambda: (leaf(3, 4), leaf(3, 4))),
    "bce": (F.binary_cross_entropy, lambda: (probabilities(3, 4), probabilities(3, 4))),
    "bce_with_logits": (lambda x, y: F.binary_cross_entropy_with_logits(x, y, pos_weight=CLASS_WEIGHT),
                        lambda: (leaf(3, 4), probabilities(3, 4))),
    "kl_div": (lambda x, y: F.kl_div(x, y, reduction="batchmean"), lambda: (leaf(3, 4), probabilities(3, 4))),
    "cross_entropy": (lambda x: F.cross_entropy(x, TARGET, CLASS_WEIGHT, label_smoothing=0.2), lambda: (leaf(3, 4),)),
    "cross_entropy_none": (lambda x: F.cross_entropy(x, TARGET, reduction="none", label_smoothing=0.1),
                           lambda: (leaf(3, 4),)),
    "cross_entropy_spatial": (lambda x: F.cross_entropy(x, SPATIAL_TARGET), lambda: (leaf(2, 3, 2, 2),)),
    "cross_entropy_probabilities": (lambda x, p: F.cross_entropy(x, p, CLASS_WEIGHT, label_smoothing=0.1),
                                    lambda: (leaf(3, 4), SOFT_TARGET)),
    "nll_loss": (lambda x: F.nll_loss(x, TARGET, CLASS_WEIGHT), lambda: (leaf(3, 4),)),
    "batch_norm": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                   lambda: (leaf(4, 3, 2), probabilities(3), leaf(3))),
    "batch_norm_eval": (lambda x, w, b: F.batch_norm(x, RUNNING_MEAN, RUNNING_VAR, w, b),
                        lambda: (leaf(4, 3), probabilities(3), leaf(3))),
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (4,), w, b), lambda: (leaf(3, 4), probabilities(4), leaf(4))),
    "group_norm": (lambda x, w, b: F.group_norm(x, 2, w, b), lambda: (leaf(2, 4, 2), probabilities(4), leaf(4))),
    "embedding": (lambda w: F.embedding(needl.tensor([[0, 2], [2, 1]]), w, padding_idx=1) ** 2,
                  lambda: (leaf(4, 3),)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradgradcheck(name):
    function, make_inputs = CASES[name]
    assert gradgradcheck(function, make_inputs())


def test_gradient_penalty_through_a_small_model():
    """d/dw of ||d loss / dx||^2, the WGAN-GP pattern, equals its finite difference."""
    import needl.nn as nn
    model = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.GELU(), nn.Linear(4, 1)).double()
    x = needl.tensor(generator.standard_normal((5, 3)), requires_grad=True)

    def penalty():
        (grad_x,) = needl.autograd.grad(model(x).sum(), [x], create_graph=True)
        return (grad_x * grad_x).sum()

    value = penalty()
    value.backward()
    weight = model[0].weight
    analytic = weight.grad.numpy()[1, 2]
    eps = 1e-6
    weight.data[1, 2] += eps
    plus = penalty().item()
    weight.data[1, 2] -= 2 * eps
    minus = penalty().item()
    weight.data[1, 2] += eps
    assert analytic == pytest.approx((plus - minus) / (2 * eps), rel=1e-5)
