"""pad (PyTorch's torch.nn.functional.pad): constant, reflect, replicate and circular, as one tape node.

`pad` lists (left, right) pairs from the last dimension backwards, as in PyTorch. Constant
padding may be negative (it crops). pad_op and its adjoint pad_backward are each other's vjp,
so gradients of any order work.
"""
import numpy as np

from ..function import op
from ..tensor import Tensor
from .windows import show

_NUMPY_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _widths(ndim, pad):
    """[(before, after)] for every axis of the input, from PyTorch's last-dimension-first tuple."""
    widths = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        widths[ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return widths


def _inside(shape, widths):
    """Where the (possibly cropped) input lands in the padded output."""
    return tuple(slice(max(before, 0), max(before, 0) + size + min(before, 0) + min(after, 0))
                 for size, (before, after) in zip(shape, widths))


def _source(shape, widths):
    """The part of the input that survives negative (cropping) padding."""
    return tuple(slice(max(-before, 0), size - max(-after, 0)) for size, (before, after) in zip(shape, widths))


def _slice(ndim, axis, part):
    index = [slice(None)] * ndim
    index[axis] = part
    return tuple(index)


@op
def pad_op(input, pad=(), mode="constant", value=0.0):
    widths = _widths(input.ndim, pad)
    if mode != "constant":
        return np.pad(input, widths, mode=_NUMPY_MODES[mode])
    shape = tuple(size + before + after for size, (before, after) in zip(input.shape, widths))
    out = np.full(shape, value, dtype=input.dtype)
    out[_inside(input.shape, widths)] = input[_source(input.shape, widths)]
    return out


@pad_op.vjp
def pad_vjp(grad, out, input, pad=(), mode="constant", value=0.0):
    return pad_backward(grad, input_shape=tuple(input.shape), pad=pad, mode=mode)


@op
def pad_backward(grad, input_shape=(), pad=(), mode="constant"):
    """The adjoint of pad: the inside of `grad`, plus (not constant mode) each border folded back
    onto the input positions it copied, one dimension at a time."""
    ndim = len(input_shape)
    widths = _widths(ndim, pad)
    if mode == "constant":
        inside = _inside(input_shape, widths)
        if all(before >= 0 and after >= 0 for before, after in widths):
            return grad[inside]
        grad_input = np.zeros(input_shape, grad.dtype)
        grad_input[_source(input_shape, widths)] = grad[inside]
        return grad_input
    for axis, (before, after) in enumerate(widths):
        if not (before or after):
            continue
        size = input_shape[axis]
        core = grad[_slice(ndim, axis, slice(before, before + size))].copy()
        head = grad[_slice(ndim, axis, slice(0, before))]
        tail = grad[_slice(ndim, axis, slice(before + size, None))]
        if mode == "replicate":
            core[_slice(ndim, axis, slice(0, 1))] += head.sum(axis=axis, keepdims=True)
            core[_slice(ndim, axis, slice(size - 1, size))] += tail.sum(axis=axis, keepdims=True)
        elif mode == "reflect":
            core[_slice(ndim, axis, slice(1, before + 1))] += np.flip(head, axis)
            core[_slice(ndim, axis, slice(size - 1 - after, size - 1))] += np.flip(tail, axis)
        else:  # circular
            core[_slice(ndim, axis, slice(size - before, size))] += head
            core[_slice(ndim, axis, slice(0, after))] += tail
        grad = core
    return grad


@pad_backward.vjp
def pad_backward_vjp(grad_input, out, grad, input_shape=(), pad=(), mode="constant"):
    return pad_op(grad_input, pad=pad, mode=mode, value=0.0)


def pad(input: Tensor, pad, mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad `input`; `pad` = (left, right) of the last dimension, then of the one before, and so on."""
    pad = tuple(pad)
    if len(pad) % 2 or not all(isinstance(p, (int, np.integer)) for p in pad):
        raise ValueError(f"pad: the padding must be an even number of ints, got {pad}")
    if len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: padding {pad} pads {len(pad) // 2} dimensions, but the input of shape "
                         f"{show(input.shape)} has only {input.ndim}")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got '{mode}'")
    pad = tuple(int(p) for p in pad)
    padded_dims = len(pad) // 2
    if mode != "constant" and not (1 <= padded_dims <= 3 and input.ndim in (padded_dims + 1, padded_dims + 2)):
        raise ValueError(f"pad: {mode} padding of {padded_dims} dimensions needs a {padded_dims + 1}-D or "
                         f"{padded_dims + 2}-D input, got input of shape {show(input.shape)} and padding {pad}")
    widths = _widths(input.ndim, pad)
    for axis, ((before, after), size) in enumerate(zip(widths, input.shape)):
        if mode == "constant":
            if size + before + after < 0:
                raise ValueError(f"pad: padding {pad} makes dimension {axis} of input {show(input.shape)} negative")
            continue
        if before < 0 or after < 0:
            raise ValueError(f"pad: negative padding {pad} is only supported in 'constant' mode")
        if mode == "reflect" and (before or after) and max(before, after) >= size:
            raise ValueError(f"pad: reflect padding ({before}, {after}) of dimension {axis} must be smaller "
                             f"than its size, input of shape {show(input.shape)}")
        if mode == "circular" and max(before, after) > size:
            raise ValueError(f"pad: circular padding ({before}, {after}) of dimension {axis} must be at most "
                             f"its size, input of shape {show(input.shape)}")
        if mode == "replicate" and (before or after) and size == 0:
            raise ValueError(f"pad: cannot replicate-pad the empty dimension {axis} of input {show(input.shape)}")
    return pad_op(input, pad=pad, mode=mode, value=0.0 if value is None else value)
