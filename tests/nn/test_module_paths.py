"""Classes at PyTorch's module paths (programs name them, e.g. in allow-lists of safe globals), the
nn.attention names, SyncBatchNorm in one process, and the small aliases."""
import importlib

import numpy as np
import pytest

import needl
import needl.nn as nn
import needl.nn.functional as F

PATHS = {
    "modules.rnn": ["RNNBase", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"],
    "modules.sparse": ["Embedding", "EmbeddingBag"],
    "modules.container": ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"],
    "modules.linear": ["Linear", "Identity", "Bilinear", "NonDynamicallyQuantizableLinear"],
    "modules.activation": ["ReLU", "MultiheadAttention", "GELU"],
    "modules.batchnorm": ["_BatchNorm", "_NormBase", "BatchNorm2d", "LazyBatchNorm2d", "SyncBatchNorm"],
    "modules.instancenorm": ["_InstanceNorm", "InstanceNorm3d", "LazyInstanceNorm1d"],
    "modules.normalization": ["LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm"],
    "modules.module": ["Module"],
    "modules.conv": ["Conv2d", "_ConvNd"],
    "modules.loss": ["CrossEntropyLoss", "CTCLoss", "MultiMarginLoss", "MultiLabelMarginLoss"],
    "modules.dropout": ["Dropout", "AlphaDropout"],
    "modules.transformer": ["TransformerEncoderLayer"],
    "modules.channelshuffle": ["ChannelShuffle"],
    "modules.lazy": ["LazyModuleMixin"],
    "modules.utils": ["_pair", "_single", "_triple", "_quadruple", "_ntuple", "_reverse_repeat_tuple"],
    "parameter": ["Parameter", "UninitializedParameter", "UninitializedBuffer", "Buffer"],
    "utils.rnn": ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pack_sequence"],
    "utils.parametrize": ["register_parametrization", "remove_parametrizations", "is_parametrized", "cached"],
    "utils.parametrizations": ["weight_norm", "spectral_norm"],
    "utils.stateless": ["functional_call"],
    "attention": ["SDPBackend", "sdpa_kernel"],
}


@pytest.mark.parametrize("path", sorted(PATHS))
def test_names_at_pytorch_paths(path):
    module = importlib.import_module(f"needl.nn.{path}")
    for name in PATHS[path]:
        assert hasattr(module, name), f"needl.nn.{path}.{name}"
    top = getattr(nn, path.split(".")[0])  # reachable by attribute after `import needl.nn`
    assert top is not None
    for name in PATHS[path]:
        if name[0].isupper() and path.startswith("modules.") and not name.startswith("_"):
            assert getattr(module, name) is getattr(nn, name)


def test_pytorch_and_needl_agree_on_module_paths():
    torch = pytest.importorskip("torch")
    for path, names in PATHS.items():
        theirs = importlib.import_module(f"torch.nn.{path}")
        for name in names:
            assert hasattr(theirs, name), f"torch.nn.{path}.{name} (the test's list is wrong)"


def test_multihead_attention_out_proj_type_and_helpers():
    attention = nn.MultiheadAttention(4, 2)
    assert type(attention.out_proj) is nn.modules.linear.NonDynamicallyQuantizableLinear
    assert isinstance(attention.out_proj, nn.Linear)
    utils = nn.modules.utils
    assert utils._pair(3) == (3, 3) and utils._triple((1, 2, 3)) == (1, 2, 3)
    assert utils._reverse_repeat_tuple((1, 2), 2) == (2, 2, 1, 1)


def test_sdpa_kernel_changes_nothing():
    from needl.nn.attention import SDPBackend, sdpa_kernel
    q = needl.randn(1, 2, 3, 4)
    expected = F.scaled_dot_product_attention(q, q, q).numpy()
    with sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION]):
        np.testing.assert_array_equal(F.scaled_dot_product_attention(q, q, q).numpy(), expected)
    with sdpa_kernel(SDPBackend.MATH):
        pass
    assert int(SDPBackend.CUDNN_ATTENTION) == 3
    with pytest.raises(ValueError, match="SDPBackend"):
        with sdpa_kernel(["flash"]):
            pass


def test_sync_batch_norm_in_one_process_and_conversion():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Sequential(nn.BatchNorm1d(2)))
    weight = model[1].weight
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert type(converted[1]) is nn.SyncBatchNorm and converted[1].weight is weight
    assert type(converted[2][0]) is nn.SyncBatchNorm
    x = needl.randn(2, 4, 3, 3)
    reference = nn.BatchNorm2d(4)
    np.testing.assert_allclose(converted[1](x).detach().numpy(), reference(x).detach().numpy(), atol=1e-6)


def test_small_aliases():
    with pytest.warns(UserWarning, match="NLLLoss2d has been deprecated"):
        loss = nn.NLLLoss2d()
    assert isinstance(loss, nn.NLLLoss)
    values, indices = F.max_pool2d_with_indices(needl.randn(1, 1, 4, 4), 2)
    assert indices.shape == (1, 1, 2, 2)
    assert F.adaptive_max_pool1d_with_indices(needl.randn(1, 2, 6), 3)[1].shape == (1, 2, 3)
