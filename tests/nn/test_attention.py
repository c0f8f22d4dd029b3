"""scaled_dot_product_attention, MultiheadAttention and TransformerEncoderLayer: gradients,
masks, PyTorch's parameter names and initialisation, errors."""
import math

import numpy as np
import pytest

import needl
from needl.autograd import gradcheck
from needl.nn.functional.attention import multi_head_attention_forward, scaled_dot_product_attention
from needl.nn.modules.attention import MultiheadAttention
from needl.nn.modules.transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,
                                         TransformerEncoder, TransformerEncoderLayer)


def array(*shape, seed=0):
    return np.random.default_rng(seed + 7 * len(shape) + sum(shape)).standard_normal(shape)


def leaf(*shape, seed=0):
    return needl.tensor(array(*shape, seed=seed), requires_grad=True)


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def reference_attention(q, k, v, additive_mask=None, scale=None):
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = q @ k.swapaxes(-1, -2) * scale
    if additive_mask is not None:
        scores = scores + additive_mask
    weights = softmax(scores)
    return weights @ v, weights


# ---- scaled_dot_product_attention ------------------------------------------------------------

def test_sdpa_matches_reference_and_default_scale():
    q, k, v = array(2, 3, 4, 5), array(2, 3, 6, 5, seed=1), array(2, 3, 6, 7, seed=2)
    output = scaled_dot_product_attention(needl.tensor(q), needl.tensor(k), needl.tensor(v))
    assert output.shape == (2, 3, 4, 7)
    np.testing.assert_allclose(output.detach().numpy(), reference_attention(q, k, v)[0], rtol=1e-12)
    scaled = scaled_dot_product_attention(needl.tensor(q), needl.tensor(k), needl.tensor(v), scale=0.25)
    np.testing.assert_allclose(scaled.detach().numpy(), reference_attention(q, k, v, scale=0.25)[0], rtol=1e-12)


def test_sdpa_gradcheck_with_broadcast_batch_and_float_mask():
    q, k, v = leaf(2, 3, 4), leaf(1, 5, 4, seed=1), leaf(5, 3, seed=2)
    mask = leaf(3, 5, seed=3)
    assert gradcheck(lambda q, k, v, mask: scaled_dot_product_attention(q, k, v, attn_mask=mask),
                     [q, k, v, mask])


def test_sdpa_bool_mask_true_means_attend_and_causal():
    q, k, v = array(1, 4, 3), array(1, 4, 3, seed=1), array(1, 4, 2, seed=2)
    allowed = np.tril(np.ones((4, 4), bool))
    additive = np.where(allowed, 0.0, -np.inf)
    expected = reference_attention(q, k, v, additive)[0]
    with_mask = scaled_dot_product_attention(needl.tensor(q), needl.tensor(k), needl.tensor(v),
                                             attn_mask=needl.tensor(allowed))
    causal = scaled_dot_product_attention(needl.tensor(q), needl.tensor(k), needl.tensor(v), is_causal=True)
    np.testing.assert_allclose(with_mask.detach().numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(causal.detach().numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(causal.detach().numpy()[0, 0], v[0, 0], rtol=1e-12)  # the first query sees only key 0
    qt, kt, vt = leaf(1, 4, 3), leaf(1, 4, 3, seed=1), leaf(1, 4, 2, seed=2)
    assert gradcheck(lambda q, k, v: scaled_dot_product_attention(q, k, v, is_causal=True), [qt, kt, vt])


def test_sdpa_dropout_is_seeded_and_differentiable():
    q, k, v = leaf(2, 3, 4), leaf(2, 5, 4, seed=1), leaf(2, 5, 3, seed=2)

    def function(q, k, v):
        needl.manual_seed(5)  # the same dropout mask at every evaluation
        return scaled_dot_product_attention(q, k, v, dropout_p=0.4)

    assert gradcheck(function, [q, k, v])
    plain = scaled_dot_product_attention(q, k, v)
    assert not np.allclose(function(q, k, v).detach().numpy(), plain.detach().numpy())
    np.testing.assert_array_equal(function(q, k, v).detach().numpy(), function(q, k, v).detach().numpy())


def test_sdpa_float32_stays_float32_and_is_one_node():
    q, k, v = (needl.randn(2, 3, 4, requires_grad=True) for _ in range(3))
    output = scaled_dot_product_attention(q, k, v)
    assert output.dtype == np.float32
    assert output.grad_fn.name() == "AttentionBackward"
    output.sum().backward()
    assert q.grad.dtype == k.grad.dtype == v.grad.dtype == np.float32


def test_sdpa_rows_far_below_the_matrix_maximum_and_fully_masked_rows():
    # the softmax shifts by each matrix's largest score; a row 200 below it must not underflow
    q, k, v = array(2, 3, 4), array(2, 5, 4, seed=1), array(2, 5, 3, seed=2)
    q[0, 1] -= 50.0 * k[0].sum(axis=0) / np.linalg.norm(k[0].sum(axis=0)) ** 2  # scores ~-100 lower
    additive = np.zeros((3, 5))
    additive[1] = -300.0
    for dtype in (np.float64, np.float32):
        expected = reference_attention(q, k, v, additive)[0]
        output = scaled_dot_product_attention(*(needl.tensor(x.astype(dtype)) for x in (q, k, v)),
                                              attn_mask=needl.tensor(additive.astype(dtype)))
        assert np.isfinite(output.detach().numpy()).all()
        np.testing.assert_allclose(output.detach().numpy(), expected, rtol=1e-4 if dtype == np.float32 else 1e-12)
    blocked = np.ones((3, 5), bool)
    blocked[2] = False  # the third query may attend to nothing: NaN, as in PyTorch
    output = scaled_dot_product_attention(needl.tensor(q), needl.tensor(k), needl.tensor(v),
                                          attn_mask=needl.tensor(blocked)).detach().numpy()
    assert np.isnan(output[:, 2]).all() and np.isfinite(output[:, :2]).all()
    np.testing.assert_allclose(output[:, :2], reference_attention(q[:, :2], k, v)[0], rtol=1e-12)


def test_sdpa_errors():
    q = needl.randn(2, 3, 4)
    with pytest.raises(RuntimeError, match="do not fit"):
        scaled_dot_product_attention(q, needl.randn(2, 5, 3), needl.randn(2, 5, 3))
    with pytest.raises(RuntimeError, match="either attn_mask or is_causal"):
        scaled_dot_product_attention(q, q, q, attn_mask=needl.ones(3, 3), is_causal=True)
    with pytest.raises(RuntimeError, match="does not broadcast"):
        scaled_dot_product_attention(q, q, q, attn_mask=needl.ones(2, 2))
    with pytest.raises(TypeError, match="bool or floating point"):
        scaled_dot_product_attention(q, q, q, attn_mask=needl.tensor(np.ones((3, 3), np.int64)))


# ---- MultiheadAttention -------------------------------------------------------------------

def reference_mha(module, query, key, value, additive_mask=None):
    """(L, N, E) inputs; the documented computation from the module's own parameters."""
    embed, heads = module.embed_dim, module.num_heads
    w_q, w_k, w_v = np.split(module.in_proj_weight.detach().numpy(), 3)
    b_q, b_k, b_v = np.split(module.in_proj_bias.detach().numpy(), 3)
    q, k, v = query @ w_q.T + b_q, key @ w_k.T + b_k, value @ w_v.T + b_v

    def split(x):  # (L, N, E) -> (N, heads, L, head_dim)
        return x.reshape(x.shape[0], x.shape[1], heads, embed // heads).transpose(1, 2, 0, 3)

    output, weights = reference_attention(split(q), split(k), split(v), additive_mask)
    output = output.transpose(2, 0, 1, 3).reshape(query.shape[0], query.shape[1], embed)
    return output @ module.out_proj.weight.detach().numpy().T + module.out_proj.bias.detach().numpy(), weights


def mha(**options):
    module = MultiheadAttention(4, 2, dtype=needl.float64, **options)
    for parameter in module.parameters():  # non-zero biases so that their gradients matter
        parameter.data[...] = array(*parameter.shape, seed=parameter.numel())
    return module


def test_mha_matches_reference_with_masks():
    module = mha()
    query, key, value = array(3, 2, 4), array(5, 2, 4, seed=1), array(5, 2, 4, seed=2)
    padding = np.zeros((2, 5), bool)
    padding[0, 3:] = True
    attn_mask = array(3, 5, seed=3)
    output, weights = module(needl.tensor(query), needl.tensor(key), needl.tensor(value),
                             key_padding_mask=needl.tensor(padding), attn_mask=needl.tensor(attn_mask))
    additive = attn_mask + np.where(padding, -np.inf, 0.0)[:, None, None, :]
    expected_output, expected_weights = reference_mha(module, query, key, value, additive)
    np.testing.assert_allclose(output.detach().numpy(), expected_output, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weights.detach().numpy(), expected_weights.mean(axis=1), rtol=1e-10, atol=1e-12)
    assert weights.shape == (2, 3, 5)
    np.testing.assert_array_equal(weights.detach().numpy()[0, :, 3:], 0.0)
    np.testing.assert_allclose(weights.detach().numpy().sum(axis=-1), 1.0, rtol=1e-12)
    per_head = module(needl.tensor(query), needl.tensor(key), needl.tensor(value), average_attn_weights=False)[1]
    assert per_head.shape == (2, 2, 3, 5)
    assert module(needl.tensor(query), needl.tensor(key), needl.tensor(value), need_weights=False)[1] is None


def test_mha_bool_attn_mask_true_means_masked_out():
    module = mha()
    x = needl.tensor(array(3, 1, 4))
    blocked = np.triu(np.ones((3, 3), bool), k=1)
    weights = module(x, x, x, attn_mask=needl.tensor(blocked))[1]
    np.testing.assert_array_equal(weights.detach().numpy()[0][blocked], 0.0)
    per_item = needl.tensor(np.broadcast_to(blocked, (2, 3, 3)).copy())  # (N * heads, L, S)
    np.testing.assert_allclose(module(x, x, x, attn_mask=per_item)[1].detach().numpy(), weights.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("options", [dict(), dict(batch_first=True), dict(kdim=3, vdim=5), dict(bias=False),
                                     dict(add_bias_kv=True, add_zero_attn=True)], ids=str)
def test_mha_gradcheck_inputs_parameters_and_weights(options):
    module = mha(**options)
    source_features = (options.get("kdim", 4), options.get("vdim", 4))
    if options.get("batch_first"):
        query, key, value = leaf(2, 3, 4), leaf(2, 4, source_features[0], seed=1), leaf(2, 4, source_features[1], seed=2)
    else:
        query, key, value = leaf(3, 2, 4), leaf(4, 2, source_features[0], seed=1), leaf(4, 2, source_features[1], seed=2)
    padding = needl.tensor(np.array([[False, False, True, False], [False, False, False, False]]))
    mask = leaf(3, 4, seed=4)
    parameters = list(module.parameters())
    assert gradcheck(lambda q, k, v, mask, *p: module(q, k, v, key_padding_mask=padding, attn_mask=mask),
                     [query, key, value, mask, *parameters])


def test_mha_self_attention_gradcheck_one_input():
    module = mha()
    x = leaf(3, 2, 4)
    assert gradcheck(lambda x, *p: module(x, x, x, average_attn_weights=False), [x, *module.parameters()])


def test_mha_dropout_only_in_training():
    module = mha(dropout=0.5)
    x = needl.tensor(array(3, 2, 4))
    module.eval()
    evaluated = module(x, x, x)[0].detach().numpy()
    np.testing.assert_array_equal(module(x, x, x)[0].detach().numpy(), evaluated)
    module.train()
    assert not np.allclose(module(x, x, x)[0].detach().numpy(), evaluated)


def test_mha_unbatched_equals_batch_of_one():
    module = mha(batch_first=True)
    x, memory = array(3, 4), array(5, 4, seed=1)
    padding = np.array([False, True, False, False, False])
    single = module(needl.tensor(x), needl.tensor(memory), needl.tensor(memory),
                    key_padding_mask=needl.tensor(padding))
    batched = module(needl.tensor(x[None]), needl.tensor(memory[None]), needl.tensor(memory[None]),
                     key_padding_mask=needl.tensor(padding[None]))
    assert single[0].shape == (3, 4) and single[1].shape == (3, 5)
    np.testing.assert_allclose(single[0].detach().numpy(), batched[0].detach().numpy()[0], rtol=1e-12)
    np.testing.assert_allclose(single[1].detach().numpy(), batched[1].detach().numpy()[0], rtol=1e-12)


def test_mha_parameter_names_shapes_and_init_like_pytorch():
    module = MultiheadAttention(8, 2)
    assert [(name, tuple(p.shape)) for name, p in module.named_parameters()] == [
        ("in_proj_weight", (24, 8)), ("in_proj_bias", (24,)), ("out_proj.weight", (8, 8)), ("out_proj.bias", (8,))]
    assert module.head_dim == 4 and module.batch_first is False
    np.testing.assert_array_equal(module.in_proj_bias.detach().numpy(), 0.0)
    np.testing.assert_array_equal(module.out_proj.bias.detach().numpy(), 0.0)
    bound = math.sqrt(6 / (8 + 24))  # xavier_uniform_ over the (3E, E) matrix
    assert np.all(np.abs(module.in_proj_weight.detach().numpy()) <= bound)
    assert module.in_proj_weight.detach().numpy().max() > 0.8 * bound
    separate = MultiheadAttention(8, 2, kdim=3, vdim=5, bias=False, add_bias_kv=True)
    assert [(name, tuple(p.shape)) for name, p in separate.named_parameters()] == [
        ("q_proj_weight", (8, 8)), ("k_proj_weight", (8, 3)), ("v_proj_weight", (8, 5)),
        ("bias_k", (1, 1, 8)), ("bias_v", (1, 1, 8)), ("out_proj.weight", (8, 8))]
    assert separate.in_proj_weight is None and separate.in_proj_bias is None


def test_mha_errors():
    with pytest.raises(ValueError, match="divisible by num_heads"):
        MultiheadAttention(6, 4)
    module = MultiheadAttention(4, 2)
    x = needl.randn(3, 2, 4)
    with pytest.raises(RuntimeError, match=r"attn_mask is \(2, 2\), but should be \(3, 3\) or \(4, 3, 3\)"):
        module(x, x, x, attn_mask=needl.zeros(2, 2))
    with pytest.raises(RuntimeError, match=r"key_padding_mask shape of \(2, 3\), but got \(3, 2\)"):
        module(x, x, x, key_padding_mask=needl.tensor(np.zeros((3, 2), bool)))
    with pytest.raises(RuntimeError, match=r"query must be .* got shape \(3, 2, 5\)"):
        module(needl.randn(3, 2, 5), x, x)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        module(x, x, x, is_causal=True)


def test_functional_multi_head_attention_forward_matches_module():
    module = mha()
    query, key = needl.tensor(array(3, 2, 4)), needl.tensor(array(5, 2, 4, seed=1))
    expected = module(query, key, key)
    output, weights = multi_head_attention_forward(
        query, key, key, 4, 2, module.in_proj_weight, module.in_proj_bias, None, None, False, 0.0,
        module.out_proj.weight, module.out_proj.bias, training=False)
    np.testing.assert_array_equal(output.detach().numpy(), expected[0].detach().numpy())
    np.testing.assert_array_equal(weights.detach().numpy(), expected[1].detach().numpy())


# ---- TransformerEncoderLayer ---------------------------------------------------------------

def test_encoder_layer_submodules_and_parameters_as_pytorch():
    layer = TransformerEncoderLayer(8, 2, dim_feedforward=16)
    assert [name for name, _ in layer.named_children()] == [
        "self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1", "dropout2"]
    assert [(name, tuple(p.shape)) for name, p in layer.named_parameters()] == [
        ("self_attn.in_proj_weight", (24, 8)), ("self_attn.in_proj_bias", (24,)),
        ("self_attn.out_proj.weight", (8, 8)), ("self_attn.out_proj.bias", (8,)),
        ("linear1.weight", (16, 8)), ("linear1.bias", (16,)), ("linear2.weight", (8, 16)), ("linear2.bias", (8,)),
        ("norm1.weight", (8,)), ("norm1.bias", (8,)), ("norm2.weight", (8,)), ("norm2.bias", (8,))]
    assert layer.dropout.p == 0.1 and layer.norm1.eps == 1e-5


@pytest.mark.parametrize("options", [dict(), dict(norm_first=True, activation="gelu", batch_first=True)], ids=str)
def test_encoder_layer_gradcheck(options):
    layer = TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0, dtype=needl.float64, **options)
    for parameter in layer.parameters():
        parameter.data[...] = array(*parameter.shape, seed=parameter.numel()) * 0.5
    src = leaf(2, 3, 4) if options.get("batch_first") else leaf(3, 2, 4)  # S = 3, N = 2
    padding = needl.tensor(np.array([[False, False, True], [False, False, False]]))  # (N, S)
    mask = leaf(3, 3, seed=9)
    assert gradcheck(lambda src, mask, *p: layer(src, src_mask=mask, src_key_padding_mask=padding),
                     [src, mask, *layer.parameters()])


def test_encoder_layer_post_norm_matches_composition():
    layer = TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0, dtype=needl.float64)
    src = needl.tensor(array(3, 2, 4))
    attended = src + layer.self_attn(src, src, src)[0]
    first = layer.norm1(attended)
    expected = layer.norm2(first + layer.linear2(needl.relu(layer.linear1(first))))
    np.testing.assert_allclose(layer(src).detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    out = layer(src).detach().numpy()
    np.testing.assert_allclose(out.mean(axis=-1), 0.0, atol=1e-12)  # LayerNorm last


def test_encoder_layer_dropout_and_eval():
    layer = TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.5)
    src = needl.randn(3, 2, 4)
    layer.eval()
    np.testing.assert_array_equal(layer(src).detach().numpy(), layer(src).detach().numpy())
    evaluated = layer(src).detach().numpy()
    layer.train()
    assert not np.allclose(layer(src).detach().numpy(), evaluated)


def test_encoder_stack_copies_layers():
    layer = TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0)
    encoder = TransformerEncoder(layer, num_layers=2)
    names = [name for name, _ in encoder.named_parameters()]
    assert names[0] == "layers.0.self_attn.in_proj_weight" and "layers.1.norm2.bias" in names
    assert encoder.layers[0].linear1.weight is not encoder.layers[1].linear1.weight
    src = needl.randn(3, 2, 4)
    np.testing.assert_allclose(encoder(src).detach().numpy(), layer(layer(src)).detach().numpy(), rtol=1e-5)


def test_encoder_layer_bad_activation():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        TransformerEncoderLayer(4, 2, activation="tanh")


# ---- optional: against PyTorch ------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_mha_and_encoder_layer_match_pytorch(dtype):
    torch = pytest.importorskip("torch")
    tolerance = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=1e-5, atol=1e-5)
    padding = np.array([[False, False, True, False], [False] * 4])
    for ours, theirs in (
            (MultiheadAttention(8, 2, batch_first=True, dtype=getattr(needl, dtype)),
             torch.nn.MultiheadAttention(8, 2, batch_first=True)),
            (TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True,
                                     dtype=getattr(needl, dtype)),
             torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True))):
        theirs = theirs.to(getattr(torch, dtype))
        ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
        x = array(2, 4, 8).astype(dtype)
        ours_x, theirs_x = needl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        if isinstance(ours, MultiheadAttention):
            ours_out = ours(ours_x, ours_x, ours_x, key_padding_mask=needl.tensor(padding))[0]
            theirs_out = theirs(theirs_x, theirs_x, theirs_x, key_padding_mask=torch.tensor(padding))[0]
        else:
            ours_out = ours(ours_x, src_key_padding_mask=needl.tensor(padding))
            theirs_out = theirs(theirs_x, src_key_padding_mask=torch.tensor(padding))
        np.testing.assert_allclose(ours_out.detach().numpy(), theirs_out.detach().numpy(), **tolerance)
        weight = array(2, 4, 8, seed=3).astype(dtype)
        (ours_out * needl.tensor(weight)).sum().backward()
        (theirs_out * torch.tensor(weight)).sum().backward()
        np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), **tolerance)
        for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), err_msg=name, **tolerance)


def test_sdpa_and_mha_second_order():
    from needl.autograd import gradgradcheck
    q, k, v, mask = leaf(2, 3, 2), leaf(2, 4, 2, seed=1), leaf(2, 4, 3, seed=2), leaf(3, 4, seed=3)
    assert gradgradcheck(lambda q, k, v, mask: scaled_dot_product_attention(q, k, v, attn_mask=mask), [q, k, v, mask])
    module = mha()
    x = leaf(2, 1, 4)
    assert gradgradcheck(lambda x, weight: module(x, x, x)[0], [x, module.in_proj_weight])


# ---- decoder and the full Transformer ------------------------------------------------------------

def test_decoder_layer_names_and_gradcheck():
    layer = TransformerDecoderLayer(4, 2, dim_feedforward=6, dropout=0.0, dtype=needl.float64)
    assert [name for name, _ in layer.named_children()] == [
        "self_attn", "multihead_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "norm3",
        "dropout1", "dropout2", "dropout3"]
    for parameter in layer.parameters():
        parameter.data[...] = array(*parameter.shape, seed=parameter.numel()) * 0.5
    tgt, memory = leaf(3, 2, 4), leaf(4, 2, 4, seed=1)
    causal = Transformer.generate_square_subsequent_mask(3, dtype=needl.float64)
    padding = needl.tensor(np.array([[False, False, False, True], [False] * 4]))
    assert gradcheck(lambda tgt, memory, *p: layer(tgt, memory, tgt_mask=causal, memory_key_padding_mask=padding),
                     [tgt, memory, *layer.parameters()])


def test_decoder_layer_causal_mask_hides_the_future():
    layer = TransformerDecoderLayer(4, 2, dim_feedforward=6, dropout=0.0, norm_first=True, batch_first=True)
    tgt, memory = needl.randn(1, 3, 4), needl.randn(1, 5, 4)
    causal = Transformer.generate_square_subsequent_mask(3)
    first = layer(tgt, memory, tgt_mask=causal).detach().numpy()[0, 0]
    changed = tgt.detach().numpy().copy()
    changed[0, 2] += 5.0  # a later position must not change an earlier output
    np.testing.assert_allclose(layer(needl.tensor(changed), memory, tgt_mask=causal).detach().numpy()[0, 0], first, rtol=1e-5)


def test_transformer_names_init_and_shapes():
    model = Transformer(8, 2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16)
    names = [name for name, _ in model.named_parameters()]
    assert names[:2] == ["encoder.layers.0.self_attn.in_proj_weight", "encoder.layers.0.self_attn.in_proj_bias"]
    assert "encoder.norm.weight" in names and "decoder.layers.0.multihead_attn.out_proj.weight" in names
    assert names[-2:] == ["decoder.norm.weight", "decoder.norm.bias"]
    weight = model.encoder.layers[1].linear1.weight.detach().numpy()
    assert np.all(np.abs(weight) <= math.sqrt(6 / (8 + 16)))  # xavier_uniform_ on every matrix
    assert model.encoder.layers[0].linear1.weight is not model.encoder.layers[1].linear1.weight
    output = model(needl.randn(5, 2, 8), needl.randn(3, 2, 8))
    assert output.shape == (3, 2, 8)
    mask = Transformer.generate_square_subsequent_mask(3)
    np.testing.assert_array_equal(mask.detach().numpy(), [[0, -np.inf, -np.inf], [0, 0, -np.inf], [0, 0, 0]])
    with pytest.raises(RuntimeError, match="batch number of src and tgt must be equal"):
        model(needl.randn(5, 2, 8), needl.randn(3, 4, 8))


def test_transformer_matches_pytorch():
    torch = pytest.importorskip("torch")
    reference = torch.nn.Transformer(8, 2, 2, 1, 16, dropout=0.0, batch_first=True).double()
    model = Transformer(8, 2, 2, 1, 16, dropout=0.0, batch_first=True, dtype=needl.float64)
    assert [(n, tuple(p.shape)) for n, p in model.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in reference.named_parameters()]
    model.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
    src, tgt = array(2, 5, 8), array(2, 3, 8, seed=1)
    padding = np.zeros((2, 5), bool)
    padding[1, 4] = True
    ours = model(needl.tensor(src), needl.tensor(tgt), tgt_mask=Transformer.generate_square_subsequent_mask(
        3, dtype=needl.float64), src_key_padding_mask=needl.tensor(padding), memory_key_padding_mask=needl.tensor(padding))
    theirs = reference(torch.tensor(src), torch.tensor(tgt), tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(
        3, dtype=torch.float64), src_key_padding_mask=torch.tensor(padding), memory_key_padding_mask=torch.tensor(padding))
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_decoder_stack_copies_layers_and_applies_norm():
    layer = TransformerDecoderLayer(4, 2, dim_feedforward=6, dropout=0.0)
    norm = needl.nn.LayerNorm(4)
    decoder = TransformerDecoder(layer, num_layers=2, norm=norm)
    assert decoder.layers[0].multihead_attn.in_proj_weight is not decoder.layers[1].multihead_attn.in_proj_weight
    tgt, memory = needl.randn(3, 2, 4), needl.randn(5, 2, 4)
    np.testing.assert_allclose(decoder(tgt, memory).detach().numpy(), norm(layer(layer(tgt, memory), memory)).detach().numpy(), rtol=1e-5)
