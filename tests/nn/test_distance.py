"""cosine_similarity and pairwise_distance."""
import numpy as np
import pytest

import needl
import needl.nn as nn
import needl.nn.functional as F
from needl.autograd import gradcheck


def leaf(*shape, seed=0):
    return needl.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def test_gradchecks():
    assert gradcheck(lambda a, b: F.cosine_similarity(a, b, dim=1), (leaf(3, 4), leaf(3, 4, seed=1)))
    for p in (1.0, 2.0, 3.0):
        assert gradcheck(lambda a, b: F.pairwise_distance(a, b, p=p), (leaf(3, 4), leaf(3, 4, seed=1)))


def test_values_and_modules():
    a, b = needl.tensor([[1.0, 0.0], [1.0, 1.0]]), needl.tensor([[0.0, 2.0], [2.0, 2.0]])
    np.testing.assert_allclose(nn.CosineSimilarity()(a, b).detach().numpy(), [0.0, 1.0], atol=1e-7)
    np.testing.assert_allclose(nn.PairwiseDistance(eps=0)(a, b).detach().numpy(), [np.sqrt(5), np.sqrt(2)], rtol=1e-6)
    assert nn.PairwiseDistance(keepdim=True)(a, b).shape == (2, 1)


def test_matches_pytorch():
    torch = pytest.importorskip("torch")
    x1 = np.random.default_rng(0).standard_normal((4, 5))
    x2 = np.random.default_rng(1).standard_normal((4, 5))
    np.testing.assert_allclose(F.cosine_similarity(needl.tensor(x1), needl.tensor(x2)).detach().numpy(),
                               torch.nn.functional.cosine_similarity(torch.tensor(x1), torch.tensor(x2)).numpy(),
                               rtol=1e-10)
    np.testing.assert_allclose(F.pairwise_distance(needl.tensor(x1), needl.tensor(x2), p=3).detach().numpy(),
                               torch.nn.functional.pairwise_distance(torch.tensor(x1), torch.tensor(x2), p=3).numpy(),
                               rtol=1e-10)
