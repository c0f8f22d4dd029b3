"""Attention: scaled_dot_product_attention (one fused tape node) and multi_head_attention_forward.

The fused op computes softmax(Q K^T * scale + mask) (with dropout) @ V and returns the
attention weights too; its vjp goes straight from the output gradient to dQ, dK, dV (and the
gradient of a float mask) without recording the softmax and matmuls separately.
"""
import functools
import math

import numpy as np

from ...autograd import random
from ...autograd.function import op
from ...autograd.functional import cat
from ...autograd.tensor import Tensor
from ._second_order import composed_vjp, is_create_graph
from .linear import linear


def _array(value):
    return value._data if isinstance(value, Tensor) else value


# exp(scores - c) with c the largest score of each (L, S) matrix, not of each row: one fast
# contiguous reduction instead of a slow one along short rows. A row whose own maximum lies far
# below c would underflow; its sum of exponentials says so, and then the scores are recomputed
# and shifted row by row (the result is the same softmax either way, only slower).
_SMALLEST_ROW_SUM = math.exp(-60.0)


def _row_sums(array):
    """array.sum(axis=-1) as a matrix-vector product (a BLAS call, several times faster for short rows)."""
    return np.matmul(array, np.ones(array.shape[-1], array.dtype))


def _softmax_of_scores(query, key, mask, scale, rowwise):
    """softmax(query @ key^T * scale + mask) along the last axis, in one buffer."""
    scores = np.matmul(query, key.swapaxes(-1, -2))
    scores *= scale
    if mask is not None:
        scores = np.add(scores, mask, out=scores) if np.broadcast_shapes(scores.shape, mask.shape) == scores.shape \
            else scores + mask  # a mask with more batch dimensions broadcasts the scores up
    matrices = scores.reshape(-1, scores.shape[-2] * scores.shape[-1])
    with np.errstate(invalid="ignore", over="ignore"):  # rows masked everywhere: NaN, as in PyTorch
        if rowwise:
            scores -= scores.max(axis=-1, keepdims=True)
        elif matrices.size:
            matrices -= matrices.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        sums = _row_sums(scores)
        if not rowwise and not (sums >= _SMALLEST_ROW_SUM).all():  # underflow (or NaN): row by row
            return _softmax_of_scores(query, key, mask, scale, rowwise=True)
        scores *= np.reciprocal(sums, out=sums)[..., None]
    return scores


@op
def _attention(query, key, value, mask, dropout_multiplier, scale=1.0):
    probabilities = _softmax_of_scores(query, key, mask, scale, rowwise=False)
    weights = probabilities if dropout_multiplier is None else probabilities * dropout_multiplier
    output = np.matmul(weights, value)
    # the third output is what the vjp needs; the public functions drop it
    return output, weights, probabilities


def _attention_composed(query, key, value, mask, dropout_multiplier, scale=1.0):
    """The same maths from needl's primitives, for create_graph=True (higher order)."""
    scores = (query @ key.transpose(-1, -2)) * scale
    if mask is not None:
        scores = scores + mask
    probabilities = scores.softmax(-1)
    weights = probabilities if dropout_multiplier is None else probabilities * dropout_multiplier
    return weights @ value, weights, probabilities


@_attention.vjp
def _attention_vjp(grads, out, query, key, value, mask, dropout_multiplier, scale=1.0,
                   needs_input_grad=None):
    if is_create_graph(out):
        return composed_vjp(_attention_composed, (query, key, value, mask, dropout_multiplier), grads[:2],
                            scale=scale)
    grad_output, grad_weights = _array(grads[0]), _array(grads[1])
    output, weights, probabilities = _array(out[0]), _array(out[1]), _array(out[2])
    query, key, value = _array(query), _array(key), _array(value)
    dropout_multiplier = _array(dropout_multiplier)
    grad_query = grad_key = grad_value = grad_mask = None
    if grad_output is not None and needs_input_grad[2]:
        grad_value = np.matmul(weights.swapaxes(-1, -2), grad_output)
    if not (needs_input_grad[0] or needs_input_grad[1] or needs_input_grad[3]) or \
            (grad_output is None and grad_weights is None):
        return grad_query, grad_key, grad_value, None, None
    # softmax backward: dS = P * (dP - rowsum(dP * P)), dP the gradient of the probabilities
    if grad_weights is None:
        # rowsum(dP * P) = rowsum(dO * O) (O = weights @ V): a sum over the Ev output features
        # instead of the S scores, and no product temporary of the scores' size
        grad_scores = np.matmul(grad_output, value.swapaxes(-1, -2))
        if dropout_multiplier is not None:
            grad_scores *= dropout_multiplier
        grad_scores -= np.einsum("...i,...i->...", grad_output, output)[..., None]
        grad_scores *= probabilities
    else:
        grad_probabilities = grad_weights if grad_output is None else \
            np.matmul(grad_output, value.swapaxes(-1, -2)) + grad_weights
        if dropout_multiplier is not None:
            grad_probabilities = grad_probabilities * dropout_multiplier
        grad_scores = grad_probabilities * probabilities
        grad_scores -= probabilities * _row_sums(grad_scores)[..., None]
    if needs_input_grad[3]:
        grad_mask = grad_scores
    if needs_input_grad[0]:
        grad_query = np.matmul(grad_scores, key)
        grad_query *= scale
    if needs_input_grad[1]:
        grad_key = np.matmul(grad_scores.swapaxes(-1, -2), query)
        grad_key *= scale
    return grad_query, grad_key, grad_value, grad_mask, None


def _float_mask(mask, dtype, allowed_when_true):
    """A mask as an additive float array (or a float Tensor, kept on the tape): -inf where a
    position may not attend. `allowed_when_true`: SDPA's bool convention (True = attend) vs
    MultiheadAttention's (True = masked out)."""
    if mask is None:
        return None
    data = _array(mask)
    if data.dtype == np.bool_:
        blocked = ~data if allowed_when_true else data
        return np.where(blocked, np.array(-np.inf, dtype), np.array(0, dtype))
    if data.dtype.kind != "f":
        raise TypeError(f"attention mask must be bool or floating point, got dtype {data.dtype}")
    if isinstance(mask, Tensor) and mask.requires_grad:
        return mask if mask.dtype == dtype else mask.astype(dtype)
    return data.astype(dtype, copy=False)


@functools.lru_cache(maxsize=16)
def _causal_mask(length, source, dtype):
    """The additive (L, S) mask of is_causal (-inf above the diagonal), read-only and cached:
    a training loop asks for the same one at every layer and step."""
    mask = _float_mask(np.tri(length, source, dtype=np.bool_), dtype, allowed_when_true=True)
    mask.flags.writeable = False
    return mask


def _dropout_multiplier(shape, dropout_p, dtype):
    if dropout_p == 0.0:
        return None
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if dropout_p == 1.0:
        return np.zeros(shape, dtype)
    keep = random.generator().random(shape, dtype=np.float32 if dtype == np.float32 else np.float64) >= dropout_p
    multiplier = keep.astype(dtype)
    multiplier *= 1.0 / (1.0 - dropout_p)
    return multiplier


def _attend(query, key, value, mask, dropout_p, scale):
    """(output, weights) of the fused op; mask additive (array, Tensor or None)."""
    batch = np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    shape = tuple(batch) + (query.shape[-2], key.shape[-2])
    multiplier = _dropout_multiplier(shape, dropout_p, query.dtype)
    output, weights, _ = _attention(query, key, value, mask, multiplier, scale=scale)
    return output, weights


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask=None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value, as one tape node.

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev); scale defaults to
    1/sqrt(E). attn_mask broadcasts to (..., L, S): bool True = may attend (PyTorch's SDPA
    convention), or a float added to the scores. is_causal masks j > i. Dropout is applied with
    dropout_p whenever it is non-zero (pass 0.0 in eval mode).
    """
    for name, tensor in (("query", query), ("key", key), ("value", value)):
        if tensor.ndim < 2:
            raise RuntimeError(f"scaled_dot_product_attention: {name} must have at least 2 dimensions, "
                               f"got shape {tuple(tensor.shape)}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention: query {tuple(query.shape)}, key {tuple(key.shape)} "
                           f"and value {tuple(value.shape)} do not fit (..., L, E), (..., S, E), (..., S, Ev)")
    if not query.dtype == key.dtype == value.dtype:
        raise RuntimeError(f"scaled_dot_product_attention: query ({query.dtype}), key ({key.dtype}) and "
                           f"value ({value.dtype}) must have the same dtype")
    if enable_gqa:
        raise NotImplementedError("scaled_dot_product_attention: enable_gqa is not implemented in needl")
    if is_causal and attn_mask is not None:
        raise RuntimeError("scaled_dot_product_attention: pass either attn_mask or is_causal, not both")
    length, source = query.shape[-2], key.shape[-2]
    mask = _causal_mask(length, source, query.dtype) if is_causal else \
        _float_mask(attn_mask, query.dtype, allowed_when_true=True)
    if mask is not None:
        try:
            np.broadcast_shapes(mask.shape, query.shape[:-2] + (length, source))
        except ValueError:
            raise RuntimeError(f"scaled_dot_product_attention: attn_mask of shape {tuple(mask.shape)} does not "
                               f"broadcast to the scores' shape {tuple(query.shape[:-2]) + (length, source)}") from None
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    return _attend(query, key, value, mask, dropout_p, scale)[0]


# ---- multi-head attention ------------------------------------------------------------------

def _split_heads(x, num_heads, batch_first):
    """(L, N, E) or (N, L, E) -> (N, heads, L, E / heads), as a view."""
    if batch_first:
        batch, length, embed = x.shape
        return x.reshape(batch, length, num_heads, embed // num_heads).permute(0, 2, 1, 3)
    length, batch, embed = x.shape
    return x.reshape(length, batch, num_heads, embed // num_heads).permute(1, 2, 0, 3)


def _packed_heads_view(projection, num_heads, batch_first):
    """(N, L, 3E) (or (L, N, 3E)) -> a (3, N, heads, L, E / heads) view: query, key, value heads."""
    if batch_first:
        batch, length, packed = projection.shape
        return projection.reshape(batch, length, 3, num_heads, -1).transpose(2, 0, 3, 1, 4)
    length, batch, packed = projection.shape
    return projection.reshape(length, batch, 3, num_heads, -1).transpose(2, 1, 3, 0, 4)


@op
def _packed_heads(projection, num_heads=1, batch_first=False):
    # self-attention's packed in-projection split into query, key and value heads as views: one
    # tape node whose vjp writes the three head gradients into one array (chunk(3) would make three
    # getitem nodes, each scattering into its own zero array of the full projection's size)
    heads = _packed_heads_view(projection, num_heads, batch_first)
    return heads[0], heads[1], heads[2]


def _packed_heads_composed(projection, num_heads=1, batch_first=False):
    """The same split from needl's primitives, for create_graph=True (higher order)."""
    return tuple(_split_heads(part, num_heads, batch_first) for part in projection.chunk(3, dim=-1))


@_packed_heads.vjp
def _packed_heads_vjp(grads, out, projection, num_heads=1, batch_first=False):
    if is_create_graph(out):
        return composed_vjp(_packed_heads_composed, (projection,), grads, num_heads=num_heads,
                            batch_first=batch_first)
    grad_projection = np.empty(projection.shape, projection.dtype)
    grad_heads = _packed_heads_view(grad_projection, num_heads, batch_first)
    for index, grad in enumerate(grads):
        grad_heads[index] = 0 if grad is None else _array(grad)
    return grad_projection


def _merge_heads(x, batch_first):
    """(N, heads, L, head_dim) -> (L, N, E) or (N, L, E)."""
    batch, heads, length, head_dim = x.shape
    if batch_first:
        return x.permute(0, 2, 1, 3).reshape(batch, length, heads * head_dim)
    return x.permute(2, 0, 1, 3).reshape(length, batch, heads * head_dim)


def _attention_mask(attn_mask, key_padding_mask, batch, num_heads, length, source, dtype):
    """attn_mask ((L, S) or (N * heads, L, S)) and key_padding_mask ((N, S)) merged into one
    additive mask broadcastable to (N, heads, L, S); bool True = masked out, as PyTorch's MHA."""
    mask = None
    if attn_mask is not None:
        if tuple(attn_mask.shape) == (length, source):
            mask = _float_mask(attn_mask, dtype, allowed_when_true=False)
        elif tuple(attn_mask.shape) == (batch * num_heads, length, source):
            mask = _float_mask(attn_mask, dtype, allowed_when_true=False).reshape(batch, num_heads, length, source)
        else:
            raise RuntimeError(f"The shape of attn_mask is {tuple(attn_mask.shape)}, but should be "
                               f"{(length, source)} or {(batch * num_heads, length, source)}.")
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (batch, source):
            raise RuntimeError(f"expecting key_padding_mask shape of {(batch, source)}, but got "
                               f"{tuple(key_padding_mask.shape)}")
        padding = _float_mask(key_padding_mask, dtype, allowed_when_true=False).reshape(batch, 1, 1, source)
        mask = padding if mask is None else mask + padding
    return mask


def _append_key_value_bias(key, value, bias_k, bias_v, attn_mask, key_padding_mask, batch_first):
    """add_bias_kv: one learnt key and value appended to the source sequence of every batch item."""
    if bias_k is None or bias_v is None:
        return key, value, attn_mask, key_padding_mask
    batch = key.shape[0] if batch_first else key.shape[1]
    seq_dim = 1 if batch_first else 0
    shape = (batch, 1, key.shape[-1]) if batch_first else (1, batch, key.shape[-1])
    key = cat([key, bias_k.reshape(1, 1, -1).expand(*shape)], dim=seq_dim)
    value = cat([value, bias_v.reshape(1, 1, -1).expand(*shape)], dim=seq_dim)
    return key, value, _pad_mask(attn_mask), _pad_mask(key_padding_mask)


def _append_zero_attention(key, value, attn_mask, key_padding_mask, batch_first):
    """add_zero_attn: a zero key and value appended to the source sequence."""
    batch = key.shape[0] if batch_first else key.shape[1]
    seq_dim = 1 if batch_first else 0
    shape = (batch, 1, key.shape[-1]) if batch_first else (1, batch, key.shape[-1])
    zeros = Tensor._make(np.zeros(shape, key.dtype))
    key = cat([key, zeros], dim=seq_dim)
    value = cat([value, Tensor._make(np.zeros(shape[:-1] + (value.shape[-1],), value.dtype))], dim=seq_dim)
    return key, value, _pad_mask(attn_mask), _pad_mask(key_padding_mask)


def _pad_mask(mask):
    """One more source column that lets everything attend (False / 0.0)."""
    if mask is None:
        return None
    pad = np.zeros(tuple(mask.shape[:-1]) + (1,), _array(mask).dtype)
    if isinstance(mask, Tensor):
        return cat([mask, Tensor._make(pad)], dim=-1)
    return np.concatenate([mask, pad], axis=-1)


def multi_head_attention_forward(query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int,
                                 num_heads: int, in_proj_weight, in_proj_bias, bias_k, bias_v,
                                 add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
                                 out_proj_bias, training: bool = True, key_padding_mask=None,
                                 need_weights: bool = True, attn_mask=None,
                                 use_separate_proj_weight: bool = False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None, static_v=None,
                                 average_attn_weights: bool = True, is_causal: bool = False,
                                 batch_first: bool = False) -> tuple:
    """PyTorch's multi_head_attention_forward: inputs (L, N, E) (or (N, L, E) with needl's extra
    batch_first=True, or unbatched (L, E)); returns (attn_output, attn_weights or None), the weights
    averaged over heads unless average_attn_weights=False."""
    if static_k is not None or static_v is not None:
        raise NotImplementedError("multi_head_attention_forward: static_k / static_v are not implemented in needl")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer "
                           "module method `generate_square_subsequent_mask` to create this mask.")
    batched = query.ndim == 3
    self_attention = query is key and key is value
    if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
        raise RuntimeError(f"multi_head_attention_forward: query, key and value must all be 3-D (batched) or "
                           f"2-D (unbatched), got {tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}")
    if not batched:
        batch_first = False
        query = query.unsqueeze(1)
        key = query if self_attention else key.unsqueeze(1)
        value = query if self_attention else value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.reshape(1, -1) if isinstance(key_padding_mask, Tensor) \
                else np.asarray(key_padding_mask).reshape(1, -1)
    if batch_first:
        batch, length, embed_dim = query.shape
        source = key.shape[1]
    else:
        length, batch, embed_dim = query.shape
        source = key.shape[0]
    if embed_dim != embed_dim_to_check:
        raise RuntimeError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    if embed_dim % num_heads:
        raise RuntimeError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    key_batch = key.shape[0] if batch_first else key.shape[1]
    if key.shape[:2] != value.shape[:2] or key_batch != batch:
        raise RuntimeError(f"key shape {tuple(key.shape)} and value shape {tuple(value.shape)} do not match "
                           f"each other or the query's batch of {batch}")

    # input projections: one matmul for self-attention, three otherwise
    heads = None
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise RuntimeError("use_separate_proj_weight is False but in_proj_weight is None")
        if self_attention:
            projection = linear(query, in_proj_weight, in_proj_bias)
            if (bias_k is None or bias_v is None) and not add_zero_attn:
                heads = _packed_heads(projection, num_heads=num_heads, batch_first=batch_first)
            else:
                q, k, v = projection.chunk(3, dim=-1)
        else:
            weights = in_proj_weight.chunk(3, dim=0)
            biases = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3, dim=0)
            q, k, v = (linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases))
    else:
        biases = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3, dim=0)
        q = linear(query, q_proj_weight, biases[0])
        k = linear(key, k_proj_weight, biases[1])
        v = linear(value, v_proj_weight, biases[2])

    if heads is None:
        k, v, attn_mask, key_padding_mask = _append_key_value_bias(k, v, bias_k, bias_v, attn_mask,
                                                                   key_padding_mask, batch_first)
        if add_zero_attn:
            k, v, attn_mask, key_padding_mask = _append_zero_attention(k, v, attn_mask, key_padding_mask,
                                                                       batch_first)
        source = k.shape[1] if batch_first else k.shape[0]
        heads = [_split_heads(x, num_heads, batch_first) for x in (q, k, v)]
    mask = _attention_mask(attn_mask, key_padding_mask, batch, num_heads, length, source, query.dtype)
    scale = 1.0 / math.sqrt(embed_dim // num_heads)
    output, weights = _attend(*heads, mask, dropout_p if training else 0.0, scale)
    output = linear(_merge_heads(output, batch_first), out_proj_weight, out_proj_bias)
    if not need_weights:
        weights = None
    elif average_attn_weights:
        weights = weights.mean(dim=1)
    if not batched:
        output = output.squeeze(1)
        if weights is not None:
            weights = weights.squeeze(0)
    return output, weights
