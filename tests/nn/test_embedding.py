"""Embedding: lookups, gradient scatter (repeated indices, padding_idx), errors, from_pretrained."""
import numpy as np
import pytest

import needl
import needl.nn as nn
import needl.nn.functional as F
from needl.autograd import gradcheck


def test_embedding_gradcheck_with_repeated_indices():
    weight = needl.tensor(np.random.default_rng(0).standard_normal((5, 3)), requires_grad=True)
    indices = needl.tensor([[0, 2, 2], [4, 0, 1]])
    assert gradcheck(lambda w: F.embedding(indices, w), (weight,))


def test_scale_grad_by_freq_divides_by_the_count_in_the_batch():
    weight = needl.randn(5, 3, requires_grad=True)
    F.embedding(needl.tensor([0, 2, 2, 2]), weight, scale_grad_by_freq=True).sum().backward()
    np.testing.assert_allclose(weight.grad.numpy()[[0, 2]], 1.0)


def test_padding_row_gets_no_gradient():
    layer = nn.Embedding(6, 2, padding_idx=-1)
    assert layer.padding_idx == 5 and np.all(layer.weight.detach().numpy()[5] == 0)
    indices = needl.tensor([5, 1, 1, 5])
    out = layer(indices)
    assert out.shape == (4, 2) and np.all(out.detach().numpy()[0] == 0)
    out.sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.numpy()[5], [0, 0])
    np.testing.assert_array_equal(layer.weight.grad.numpy()[1], [2, 2])
    assert layer.weight.grad.dtype == np.float32


def test_embedding_names_repr_and_from_pretrained():
    layer = nn.Embedding(10, 4, padding_idx=0)
    assert [(k, tuple(v.shape)) for k, v in layer.state_dict().items()] == [("weight", (10, 4))]
    assert repr(layer) == "Embedding(10, 4, padding_idx=0)"
    table = needl.tensor(np.arange(6.0).reshape(3, 2))
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad
    np.testing.assert_array_equal(frozen(needl.tensor([2])).detach().numpy(), [[4.0, 5.0]])


def test_max_norm_renormalises_used_rows():
    layer = nn.Embedding(4, 3, max_norm=1.0)
    layer.weight.data[...] = 5
    layer(needl.tensor([1]))
    assert np.linalg.norm(layer.weight.detach().numpy()[1]) == pytest.approx(1.0, rel=1e-4)
    assert np.all(layer.weight.detach().numpy()[0] == 5)


def test_embedding_errors():
    layer = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match="index 4 is out of range for an embedding of 4 rows"):
        layer(needl.tensor([0, 4]))
    with pytest.raises(TypeError, match="integer dtype"):
        layer(needl.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(4, 2, padding_idx=4)
