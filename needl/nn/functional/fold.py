"""unfold (im2col: sliding blocks as columns) and fold (col2im: columns summed back), adjoint ops of each other."""
import numpy as np

from ...autograd import op
from ...autograd.tensor import Tensor


def _pair(value, name):
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair, got {value}")
        return tuple(int(v) for v in value)
    return (int(value), int(value))


def _blocks(size, kernel, dilation, padding, stride):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _unfold_array(input, kernel_size, dilation, padding, stride):
    n, c, h, w = input.shape
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel_size, dilation, padding, stride
    oh, ow = _blocks(h, kh, dh, ph, sh), _blocks(w, kw, dw, pw, sw)
    padded = np.pad(input, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else input
    columns = np.empty((n, c, kh, kw, oh, ow), dtype=input.dtype)
    for i in range(kh):  # a loop over the kernel's positions: each is one strided copy
        for j in range(kw):
            columns[:, :, i, j] = padded[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw]
    return columns.reshape(n, c * kh * kw, oh * ow)


def _fold_array(input, output_size, kernel_size, dilation, padding, stride):
    n, ckk, _ = input.shape
    (h, w), (kh, kw), (dh, dw), (ph, pw), (sh, sw) = output_size, kernel_size, dilation, padding, stride
    oh, ow = _blocks(h, kh, dh, ph, sh), _blocks(w, kw, dw, pw, sw)
    c = ckk // (kh * kw)
    columns = input.reshape(n, c, kh, kw, oh, ow)
    padded = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=input.dtype)
    for i in range(kh):
        for j in range(kw):
            padded[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw] += columns[:, :, i, j]
    return padded[:, :, ph:ph + h, pw:pw + w]


@op
def _unfold(input, kernel_size=(1, 1), dilation=(1, 1), padding=(0, 0), stride=(1, 1)):
    return _unfold_array(input, kernel_size, dilation, padding, stride)


@_unfold.vjp
def _unfold_vjp(g, out, input, kernel_size=(1, 1), dilation=(1, 1), padding=(0, 0), stride=(1, 1)):
    return _fold(g, output_size=tuple(input.shape[-2:]), kernel_size=kernel_size, dilation=dilation,
                 padding=padding, stride=stride)


@op
def _fold(input, output_size=(1, 1), kernel_size=(1, 1), dilation=(1, 1), padding=(0, 0), stride=(1, 1)):
    return _fold_array(input, output_size, kernel_size, dilation, padding, stride)


@_fold.vjp
def _fold_vjp(g, out, input, output_size=(1, 1), kernel_size=(1, 1), dilation=(1, 1), padding=(0, 0),
              stride=(1, 1)):
    return _unfold(g, kernel_size=kernel_size, dilation=dilation, padding=padding, stride=stride)


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """(N, C, H, W) -> (N, C * kh * kw, L): every sliding block as a column (L blocks)."""
    if input.ndim not in (3, 4):
        raise ValueError(f"unfold: expected a 3-D or 4-D input, got input of shape {tuple(input.shape)}")
    options = dict(kernel_size=_pair(kernel_size, "kernel_size"), dilation=_pair(dilation, "dilation"),
                   padding=_pair(padding, "padding"), stride=_pair(stride, "stride"))
    batched = input if input.ndim == 4 else input.unsqueeze(0)
    blocks = [_blocks(s, k, d, p, st) for s, k, d, p, st in zip(batched.shape[-2:], *options.values())]
    if min(blocks) < 1:
        raise ValueError(f"unfold: the kernel {options['kernel_size']} (dilation {options['dilation']}) does not fit "
                         f"in the padded input of shape {tuple(input.shape)} (padding {options['padding']})")
    output = _unfold(batched, **options)
    return output if input.ndim == 4 else output.squeeze(0)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """(N, C * kh * kw, L) -> (N, C, H, W): columns summed back into place (the adjoint of unfold)."""
    if input.ndim not in (2, 3):
        raise ValueError(f"fold: expected a 2-D or 3-D input, got input of shape {tuple(input.shape)}")
    options = dict(kernel_size=_pair(kernel_size, "kernel_size"), dilation=_pair(dilation, "dilation"),
                   padding=_pair(padding, "padding"), stride=_pair(stride, "stride"))
    output_size = _pair(output_size, "output_size")
    batched = input if input.ndim == 3 else input.unsqueeze(0)
    kh, kw = options["kernel_size"]
    blocks = [_blocks(s, k, d, p, st) for s, k, d, p, st in zip(output_size, *options.values())]
    if batched.shape[1] % (kh * kw) or batched.shape[2] != blocks[0] * blocks[1]:
        raise ValueError(f"fold: input of shape {tuple(input.shape)} does not match kernel_size {(kh, kw)} and "
                         f"output_size {output_size}: expected (N, C * {kh * kw}, {blocks[0] * blocks[1]})")
    output = _fold(batched, output_size=output_size, **options)
    return output if input.ndim == 3 else output.squeeze(0)
