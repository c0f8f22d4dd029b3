"""Batch, layer, group and instance normalisation; batch and layer norm are single fused nodes."""
import math

import numpy as np

from ...autograd import op
from ...autograd.tensor import Tensor
from .activation import BLOCK


def _channel_shape(ndim: int) -> tuple:
    """Shape that puts a per-channel vector (C,) on axis 1 of an ndim input."""
    return (1, -1) + (1,) * (ndim - 2)


def _batch_axes(ndim: int) -> tuple:
    return (0,) + tuple(range(2, ndim))


def _row_blocks(count: int, width: int, multiple: int = 1):
    """Slices of rows whose blocks hold about BLOCK elements (a multiple of `multiple` rows but
    the last), and the rows of the largest: a kernel's passes over one block run in L2, its
    temporaries are block-sized buffers reused from block to block."""
    step = max(multiple, BLOCK // max(width, 1) // multiple * multiple)
    return [slice(start, min(start + step, count)) for start in range(0, count, step)], min(step, count)


def _rows(array: np.ndarray, leading_ndim: int) -> np.ndarray:
    """The array as a C-contiguous matrix of (its first leading_ndim axes, the others) (a view
    when the array is C-contiguous already)."""
    shape = array.shape
    return np.ascontiguousarray(array).reshape(math.prod(shape[:leading_ndim]), math.prod(shape[leading_ndim:]))


_CHUNK = 256  # rows: channels-last column sums run in chunks of this many rows, then pairwise


class _ChannelRows:
    """An (N, C, *) array as a C-contiguous matrix whose per-channel sums are BLAS products: (N*L, C), channels as columns, when the channels are the last memory axis
    (channels-last, as convolutions leave it; also (N, C)); otherwise (N*C, L), row r in channel
    r % C (copied to NCHW first if strided otherwise). Sums are per row (NCHW) or per chunk of
    _CHUNK rows (channels-last), then added pairwise, which keeps float32 rounding near NumPy's
    pairwise sums (one BLAS sum down a long column loses a digit)."""

    def __init__(self, array: np.ndarray):
        self.shape = array.shape
        self.batch, self.channels = array.shape[:2]
        self.last = np.moveaxis(array, 1, -1).flags.c_contiguous
        self.matrix = self.matrix_of(array)
        self.count = self.matrix.size // max(self.channels, 1)
        self.blocks, self.block_rows = _row_blocks(*self.matrix.shape, multiple=_CHUNK if self.last else 1)
        # row blocks for a scratch; channels-last elementwise steps see `fold` rows as one (inner
        # loops of ~2048 elements, not C: NumPy's per-row overhead dominates short rows)
        rows, self.fold = self.matrix.shape[0], 1
        while self.last and self.fold * 2 * self.channels <= 2048 and rows % (self.fold * 2) == 0 \
                and self.fold * 2 <= _CHUNK:
            self.fold *= 2
        self.ones = np.ones(_CHUNK if self.last else self.matrix.shape[1], self.matrix.dtype)

    def matrix_of(self, array: np.ndarray) -> np.ndarray:
        """An array of the input's shape (e.g. its gradient) as a matrix of this layout."""
        if self.last:
            return np.ascontiguousarray(np.moveaxis(array, 1, -1)).reshape(-1, self.channels)
        return _rows(array, 2)

    def empty(self, array: np.ndarray):
        """A fresh array of the input's shape and layout (a gradient the tape may keep without a
        copy) and its matrix view; `array` is the input this layout was made from."""
        if not self.last:
            result = np.empty(self.shape, array.dtype)
            return result, result.reshape(self.matrix.shape)
        result = np.empty_like(array)  # channels-last like the input, and not a view
        moved = np.moveaxis(result, 1, -1)
        if not moved.flags.c_contiguous:  # not expected: then a view, which the tape copies
            moved = np.empty(moved.shape, array.dtype)
            result = np.moveaxis(moved, -1, 1)
        return result, moved.reshape(-1, self.channels)

    def sums(self, values: np.ndarray, other: np.ndarray | None = None) -> np.ndarray:
        """(C,): the per-channel sums of a matrix of this layout (of values * other, without a
        product temporary): per row or per chunk of rows, then pairwise."""
        rows = values.shape[0]
        if not self.last:
            partials = np.matmul(values, self.ones) if other is None else np.einsum("ij,ij->i", values, other)
            return partials.reshape(self.batch, self.channels).sum(axis=0)
        whole = rows - rows % _CHUNK
        partials = np.empty((-(-rows // _CHUNK), self.channels), values.dtype)
        pieces = [(values[:whole].reshape(-1, _CHUNK, self.channels),
                   None if other is None else other[:whole].reshape(-1, _CHUNK, self.channels),
                   partials[:whole // _CHUNK])] if whole else []
        if whole < rows:
            pieces.append((values[whole:], None if other is None else other[whole:], partials[-1]))
        for piece, other_piece, out in pieces:
            if other_piece is None:
                np.matmul(self.ones[:piece.shape[-2]], piece, out=out)
            else:
                np.einsum("...ij,...ij->...j", piece, other_piece, out=out)
        return partials.sum(axis=0)

    def expand(self, vector: np.ndarray) -> np.ndarray:
        """A (C,) vector shaped to broadcast against wide() views (one value per row when not last)."""
        if self.last:
            return np.tile(vector, self.fold) if self.fold > 1 else vector
        expanded = np.empty((self.batch, self.channels), vector.dtype)
        expanded[...] = vector
        return expanded.reshape(-1, 1)

    def at(self, expanded: np.ndarray, block: slice) -> np.ndarray:
        """The part of an expanded vector that broadcasts against the wide() view of a block."""
        return expanded if self.last else expanded[block]

    def wide(self, matrix: np.ndarray) -> np.ndarray:
        """A matrix of this layout (or a block of it) with `fold` rows per row, for elementwise steps."""
        return matrix.reshape(-1, self.fold * self.channels) if self.fold > 1 else matrix


@op
def _batch_norm_train(input, weight, bias, eps=1e-5):
    """Normalise with the batch statistics; returns (output, mean, biased variance) per channel.
    The centred values are written into the output, whose sums correct the first mean (and
    the variance), then scaled and shifted there; the output keeps the input's memory layout."""
    layout = _ChannelRows(input)
    matrix = layout.matrix
    count = max(layout.count, 1)
    first_mean = layout.sums(matrix)
    first_mean *= 1.0 / count
    output, centred = layout.empty(input)
    np.subtract(layout.wide(matrix), layout.expand(first_mean), out=layout.wide(centred))
    correction = layout.sums(centred)
    correction *= 1.0 / count
    variance = layout.sums(centred, centred)
    variance *= 1.0 / count
    variance -= correction * correction
    np.maximum(variance, 0, out=variance)
    scale = 1.0 / np.sqrt(variance + eps)
    if weight is not None:
        scale *= weight
    wide = layout.wide(centred)
    wide *= layout.expand(scale)
    wide += layout.expand(-correction * scale if bias is None else bias - correction * scale)
    return output, first_mean + correction, variance


def _normalised_recorded(input, axes, eps):
    """(x - mean) / sqrt(var + eps) over axes, from recorded ops (mean and var depend on x)."""
    centred = input - input.mean(dim=axes, keepdim=True)
    inverse_std = ((centred * centred).mean(dim=axes, keepdim=True) + eps) ** -0.5
    return centred * inverse_std, inverse_std


def _normalisation_grads_recorded(grad_output, input, weight, bias, axes, parameter_shape, eps, needs_input_grad):
    """Gradients of (x - mean) / std * weight + bias from ops, for backward(create_graph=True)."""
    normalised, inverse_std = _normalised_recorded(input, axes, eps)
    grad_input = grad_weight = grad_bias = None
    if needs_input_grad[0]:
        grad_normalised = grad_output if weight is None else grad_output * weight.reshape(parameter_shape)
        grad_input = (grad_normalised - grad_normalised.mean(dim=axes, keepdim=True)
                      - normalised * (grad_normalised * normalised).mean(dim=axes, keepdim=True)) * inverse_std
    reduce_axes = tuple(i for i, size in enumerate(parameter_shape) if size == 1)
    if needs_input_grad[1]:
        grad_weight = (grad_output * normalised).sum(dim=reduce_axes).reshape(weight.shape)
    if needs_input_grad[2]:
        grad_bias = grad_output.sum(dim=reduce_axes).reshape(bias.shape)
    return grad_input, grad_weight, grad_bias


@_batch_norm_train.vjp
def _batch_norm_train_vjp(grads, outputs, input, weight, bias, eps=1e-5, needs_input_grad=None):
    grad_output = grads[0]
    if isinstance(grad_output, Tensor):
        shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
        return _normalisation_grads_recorded(grad_output, input, weight, bias, _batch_axes(input.ndim), shape, eps,
                                             needs_input_grad)
    _, mean, variance = outputs
    layout = _ChannelRows(input)
    matrix = layout.matrix
    grad = layout.matrix_of(grad_output)
    count = max(layout.count, 1)
    inverse_std = 1.0 / np.sqrt(variance + eps)
    # the centred values are written into grad_input's memory (or a scratch when it is not needed)
    grad_input, centred = layout.empty(input) if needs_input_grad[0] else (None, np.empty_like(matrix))
    np.subtract(layout.wide(matrix), layout.expand(mean), out=layout.wide(centred))
    sum_grad = layout.sums(grad)
    sum_grad_normalised = layout.sums(grad, centred)
    sum_grad_normalised *= inverse_std
    if needs_input_grad[0]:
        # dx = k (g - sum(g) / n - x_hat sum(g x_hat) / n), k = rstd * weight, x_hat = (x - mean) rstd
        scale = inverse_std if weight is None else inverse_std * weight
        wide = layout.wide(centred)
        wide *= layout.expand(-scale * inverse_std * sum_grad_normalised * (1.0 / count))
        wide -= layout.expand(scale * sum_grad * (1.0 / count))
        scale = layout.expand(scale)
        scaled_buffer = np.empty((layout.block_rows, matrix.shape[1]), matrix.dtype)
        for block in layout.blocks:  # + g * k, through an L2-sized scratch
            scaled = np.multiply(layout.wide(grad[block]), layout.at(scale, block),
                                 out=layout.wide(scaled_buffer[:block.stop - block.start]))
            layout.wide(centred[block])[...] += scaled
    grad_weight = sum_grad_normalised if needs_input_grad[1] else None
    grad_bias = sum_grad if needs_input_grad[2] else None
    return grad_input, grad_weight, grad_bias


@op
def _batch_norm_eval(input, running_mean, running_var, weight, bias, eps=1e-5):
    shape = _channel_shape(input.ndim)
    scale = 1.0 / np.sqrt(running_var + eps)
    if weight is not None:
        scale = scale * weight
    shift = -running_mean * scale
    if bias is not None:
        shift = shift + bias
    output = input * scale.reshape(shape).astype(input.dtype, copy=False)
    output += shift.reshape(shape).astype(input.dtype, copy=False)
    return output


@_batch_norm_eval.vjp
def _batch_norm_eval_vjp(g, out, input, running_mean, running_var, weight, bias, eps=1e-5, needs_input_grad=None):
    shape = _channel_shape(input.ndim)
    axes = _batch_axes(input.ndim)
    inverse_std = 1.0 / np.sqrt(running_var + eps)
    grad_input = grad_weight = grad_bias = None
    if needs_input_grad[0]:
        scale = inverse_std if weight is None else inverse_std * weight
        grad_input = g * scale.reshape(shape)
    if needs_input_grad[3]:
        normalised = (input - running_mean.reshape(shape)) * inverse_std.reshape(shape)
        grad_weight = (g * normalised).sum(axis=axes)
    if needs_input_grad[4]:
        grad_bias = g.sum(axis=axes)
    return grad_input, None, None, grad_weight, grad_bias


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (axis 1) of an (N, C, *) input.

    training: batch statistics, and the running ones (if given) move by `momentum` (the variance
    unbiased); otherwise the running statistics are used.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of shape (N, C, *), got shape {tuple(input.shape)}")
    channels = input.shape[1]
    for name, tensor in (("running_mean", running_mean), ("running_var", running_var),
                         ("weight", weight), ("bias", bias)):
        if tensor is not None and tuple(tensor.shape) != (channels,):
            raise RuntimeError(f"batch_norm: {name} should have shape ({channels},) for an input of shape "
                               f"{tuple(input.shape)} ({channels} channels), got {tuple(tensor.shape)}")
    if not training:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are required when training=False")
        return _batch_norm_eval(input, running_mean, running_var, weight, bias, eps=eps)
    count = input._data.size // max(channels, 1)
    if count <= 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {tuple(input.shape)}")
    output, mean, variance = _batch_norm_train(input, weight, bias, eps=eps)
    if running_mean is not None:
        running_mean._data *= 1.0 - momentum
        running_mean._data += mean._data * momentum
    if running_var is not None:
        running_var._data *= 1.0 - momentum
        running_var._data += variance._data * (momentum * count / (count - 1))
    return output


@op
def _layer_norm(input, weight, bias, normalized_ndim=1, eps=1e-5):
    """Normalise over the last normalized_ndim axes (as rows of a 2-D view); returns (output,
    mean, rstd) per row. One pass of L2-sized row blocks: row sums as BLAS matrix-vector
    products, the centred rows written into the output and scaled there; only the output is a
    full-size array (the vjp recomputes x_hat from mean and rstd, as PyTorch's does)."""
    rows = _rows(input, input.ndim - normalized_ndim)
    count, width = rows.shape
    output = np.empty(input.shape, rows.dtype)
    output_rows = output.reshape(count, width)
    mean = np.empty(count, rows.dtype)
    inverse_std = np.empty(count, rows.dtype)
    ones = np.ones(width, rows.dtype)
    weight = None if weight is None else weight.reshape(-1)
    bias = None if bias is None else bias.reshape(-1)
    for block in _row_blocks(count, width)[0]:
        x, out, block_mean, block_rstd = rows[block], output_rows[block], mean[block], inverse_std[block]
        np.matmul(x, ones, out=block_mean)
        block_mean *= 1.0 / max(width, 1)
        np.subtract(x, block_mean[:, None], out=out)
        np.einsum("ij,ij->i", out, out, out=block_rstd)
        block_rstd *= 1.0 / max(width, 1)
        block_rstd += eps
        np.sqrt(block_rstd, out=block_rstd)
        np.reciprocal(block_rstd, out=block_rstd)
        out *= block_rstd[:, None]
        if weight is not None:
            out *= weight
        if bias is not None:
            out += bias
    return output, mean, inverse_std


@_layer_norm.vjp
def _layer_norm_vjp(grads, outputs, input, weight, bias, normalized_ndim=1, eps=1e-5, needs_input_grad=None):
    grad_output = grads[0]
    if isinstance(grad_output, Tensor):
        axes = tuple(range(input.ndim - normalized_ndim, input.ndim))
        shape = (1,) * (input.ndim - normalized_ndim) + tuple(input.shape[input.ndim - normalized_ndim:])
        return _normalisation_grads_recorded(grad_output, input, weight, bias, axes, shape, eps, needs_input_grad)
    _, mean, inverse_std = outputs
    rows = _rows(input, input.ndim - normalized_ndim)
    count, width = rows.shape
    grad_rows = grad_output.reshape(count, width)  # may be strided (e.g. a sum's stride-0 gradient)
    dtype = rows.dtype
    blocks, block_rows = _row_blocks(count, width)
    weight_rows = None if weight is None else weight.reshape(-1)
    need_input, need_weight, need_bias = needs_input_grad[0], needs_input_grad[1], needs_input_grad[2]
    grad_input = np.empty(input.shape, dtype) if need_input else None
    grad_input_rows = grad_input.reshape(count, width) if need_input else None
    # per block: the weight and bias gradients' partial sums (summed at the end, pairwise)
    weight_partials = np.empty((len(blocks), width), dtype) if need_weight else None
    bias_partials = np.empty((len(blocks), width), dtype) if need_bias else None
    centred_buffer = np.empty((block_rows, width), dtype)
    product_buffer = np.empty((block_rows, width), dtype)
    ones_rows = np.ones(block_rows, dtype)
    ones_width = np.ones(width, dtype)
    for index, block in enumerate(blocks):
        g = grad_rows[block]
        if not g.flags.c_contiguous:
            g = np.ascontiguousarray(g)
        size = g.shape[0]
        rstd = inverse_std[block]
        if need_bias:
            np.matmul(ones_rows[:size], g, out=bias_partials[index])
        if not (need_input or need_weight):
            continue
        centred = np.subtract(rows[block], mean[block, None], out=centred_buffer[:size])
        product = np.multiply(g, centred, out=product_buffer[:size])  # g (x - mean) = g x_hat / rstd
        if need_weight:
            np.matmul(rstd, product, out=weight_partials[index])
        if not need_input:
            continue
        # dx = rstd (gn - mean(gn)) - (x - mean) rstd^3 mean(gn (x - mean)) per row, gn = g * weight
        grad_input_block = grad_input_rows[block]
        if weight_rows is None:
            sum_grad = np.matmul(g, ones_width)
            sum_product = np.matmul(product, ones_width)
            np.multiply(g, rstd[:, None], out=grad_input_block)
        else:
            sum_grad = np.matmul(g, weight_rows)
            sum_product = np.matmul(product, weight_rows)
            np.multiply(g, weight_rows, out=grad_input_block)
            grad_input_block *= rstd[:, None]
        centred *= (sum_product * (rstd * rstd * rstd * (1.0 / width)))[:, None]
        grad_input_block -= centred
        sum_grad *= rstd * (1.0 / width)
        grad_input_block -= sum_grad[:, None]
    grad_weight = weight_partials.sum(axis=0).reshape(weight.shape) if need_weight else None
    grad_bias = bias_partials.sum(axis=0).reshape(bias.shape) if need_bias else None
    return grad_input, grad_weight, grad_bias


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing `normalized_shape` axes of each sample, then scale and shift."""
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    count = len(normalized_shape)
    if count == 0 or tuple(input.shape[input.ndim - count:]) != normalized_shape or input.ndim < count:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(str(s) for s in normalized_shape)}], but got input of size "
                           f"{list(input.shape)}")
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tuple(tensor.shape) != normalized_shape:
            raise RuntimeError(f"layer_norm: {name} should have shape {normalized_shape}, got {tuple(tensor.shape)}")
    return _layer_norm(input, weight, bias, normalized_ndim=count, eps=eps)[0]


def _scale_and_shift_channels(output: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    """output * weight + bias with the (C,) parameters along axis 1 (the affine step of group/instance norm)."""
    if weight is not None:
        output = output * weight.reshape(_channel_shape(output.ndim))
    if bias is not None:
        output = output + bias.reshape(_channel_shape(output.ndim))
    return output


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise each sample's channels in num_groups groups, then scale and shift per channel."""
    if input.ndim < 2:
        raise RuntimeError(f"group_norm: expected an input of shape (N, C, *), got shape {tuple(input.shape)}")
    batch, channels = input.shape[:2]
    if channels % num_groups:
        raise RuntimeError(f"group_norm: Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {tuple(input.shape)} and num_groups={num_groups}")
    grouped = input.reshape(batch, num_groups, -1)
    output = _layer_norm(grouped, None, None, normalized_ndim=1, eps=eps)[0]
    return _scale_and_shift_channels(output.reshape(input.shape), weight, bias)


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each (sample, channel) over its spatial axes; running statistics as batch_norm keeps them."""
    if input.ndim < 3:
        raise RuntimeError(f"instance_norm: expected an input of shape (N, C, L...), got {tuple(input.shape)}")
    batch, channels = input.shape[:2]
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    output, mean, inverse_std = _layer_norm(input.reshape(batch * channels, -1), None, None,
                                               normalized_ndim=1, eps=eps)
    if running_mean is not None:
        count = input._data.size // (batch * channels)
        variance = (1.0 / inverse_std._data.reshape(batch, channels) ** 2 - eps) * (count / max(count - 1, 1))
        running_mean._data *= 1.0 - momentum
        running_mean._data += mean._data.reshape(batch, channels).mean(axis=0) * momentum
        running_var._data *= 1.0 - momentum
        running_var._data += variance.mean(axis=0) * momentum
    return _scale_and_shift_channels(output.reshape(input.shape), weight, bias)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """input / max(||input||_p along dim, eps)."""
    norm = input.norm(p=p, dim=dim, keepdim=True)  # its gradient at a zero row is 0, as PyTorch's
    return input / norm.clamp(min=eps)
