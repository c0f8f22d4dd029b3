"""torch.conv2d, torch.layer_norm ...: the top-level nn names are nn.functional's functions, or,
where PyTorch's native signature differs, forms that take it (argument order, integer reductions)."""
import numpy as np
import pytest

import needl
import needl.nn.functional as F

SAME = ("conv1d conv2d conv3d conv_transpose1d conv_transpose2d conv_transpose3d max_pool1d max_pool2d max_pool3d "
        "avg_pool1d adaptive_avg_pool1d rms_norm bilinear cosine_similarity pairwise_distance pdist pixel_shuffle "
        "pixel_unshuffle channel_shuffle celu selu rrelu threshold prelu hardshrink celu_ selu_ rrelu_ relu_ "
        "threshold_").split()


@pytest.mark.parametrize("name", SAME)
def test_same_objects_as_nn_functional(name):
    assert getattr(needl, name) is getattr(F, name)


def test_native_argument_orders():
    needl.manual_seed(0)
    x = needl.randn(4, 3, 5)
    weight, bias = needl.rand(3), needl.randn(3)
    mean, var = needl.zeros(3), needl.ones(3)
    np.testing.assert_allclose(needl.batch_norm(x, weight, bias, mean, var, False, 0.1, 1e-5, True).numpy(),
                               F.batch_norm(x, mean, var, weight, bias, False, 0.1, 1e-5).numpy())
    np.testing.assert_allclose(needl.instance_norm(x, weight, bias, None, None, True, 0.1, 1e-5, True).numpy(),
                               F.instance_norm(x, None, None, weight, bias, True, 0.1, 1e-5).numpy())
    np.testing.assert_allclose(needl.layer_norm(x, (5,), None, None, 1e-5, True).numpy(), F.layer_norm(x, (5,)).numpy())
    np.testing.assert_allclose(needl.group_norm(x, 1, weight, bias, 1e-5, True).numpy(),
                               F.group_norm(x, 1, weight, bias).numpy())
    table = needl.randn(6, 2)
    np.testing.assert_array_equal(needl.embedding(table, needl.tensor([1, 5])).numpy(), table.numpy()[[1, 5]])
    values, indices = needl.adaptive_max_pool1d(x, 2)
    assert values.shape == indices.shape == (4, 3, 2)
    np.testing.assert_array_equal(needl.constant_pad_nd(needl.ones(2), (1, 2), 3.0).numpy(), [3, 1, 1, 3, 3])
    dropped = needl.feature_dropout(needl.ones(8, 16, 3), 0.5, True)
    per_channel = dropped.numpy()
    assert (per_channel == per_channel[:, :, :1]).all() and set(np.unique(per_channel)) <= {0.0, 2.0}
    assert needl.feature_dropout(x, 0.5, False) is x
    assert needl.alpha_dropout(x, 0.5, False) is x or np.array_equal(needl.alpha_dropout(x, 0.5, False).numpy(), x.numpy())


@pytest.mark.filterwarnings("ignore:reduction. .mean.")
def test_integer_reductions():
    needl.manual_seed(1)
    a, b = needl.randn(5), needl.randn(5)
    target = needl.tensor([1.0, -1.0, 1.0, 1.0, -1.0])
    for reduction, name in ((0, "none"), (1, "mean"), (2, "sum")):
        np.testing.assert_allclose(needl.margin_ranking_loss(a, b, target, 0.1, reduction).numpy(),
                                   F.margin_ranking_loss(a, b, target, 0.1, reduction=name).numpy())
        np.testing.assert_allclose(needl.binary_cross_entropy_with_logits(a, target.clamp(0, 1), None, None, reduction).numpy(),
                                   F.binary_cross_entropy_with_logits(a, target.clamp(0, 1), reduction=name).numpy())
        np.testing.assert_allclose(needl.kl_div(a.log_softmax(0), b.softmax(0), reduction).numpy(),
                                   F.kl_div(a.log_softmax(0), b.softmax(0), reduction=name).numpy())
    with pytest.raises(ValueError, match="reduction"):
        needl.hinge_embedding_loss(a, target, 1.0, 3)


def test_torch_parity_of_the_native_forms():
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(2).standard_normal((2, 3, 4)).astype(np.float32)
    weight = np.random.default_rng(3).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(
        needl.embedding(needl.tensor(weight), needl.tensor([0, 4])).numpy(),
        torch.embedding(torch.tensor(weight), torch.tensor([0, 4])).numpy())
    np.testing.assert_allclose(
        needl.kl_div(needl.tensor(data).log_softmax(-1), needl.tensor(data).softmax(0), 1).numpy(),
        torch.kl_div(torch.tensor(data).log_softmax(-1), torch.tensor(data).softmax(0), 1).numpy(), rtol=1e-5)
    np.testing.assert_allclose(
        needl.layer_norm(needl.tensor(data), [4]).numpy(), torch.layer_norm(torch.tensor(data), [4]).numpy(), atol=1e-5)
