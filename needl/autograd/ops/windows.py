"""Sliding windows shared by convolution and pooling: sizes, argument checks, im2col and col2im.

Convolutions work in a channels-last layout: the padded input is (N, H, W, C), its column
matrix is (groups, N*Ho*Wo, kh*kw*C/groups) and the GEMM result lands as (N, Ho, Wo, C_out),
which is returned as an (N, C_out, Ho, Wo) view. No transposed copy of a big array is made.
"""
import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided


def pair(value, name: str, function: str, size: int = 2) -> tuple:
    """An int or a sequence of `size` ints as a tuple (PyTorch's `_pair`), checked."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * size
    value = tuple(value)
    if len(value) == 1:
        value = value * size
    if len(value) != size or not all(isinstance(v, (int, np.integer)) for v in value):
        raise ValueError(f"{function}: {name} must be an int or {size} ints, got {value}")
    return tuple(int(v) for v in value)


def output_size(size: int, kernel: int, stride: int, padding_total: int, dilation: int,
                ceil_mode: bool = False, padding_left: int = 0) -> int:
    """PyTorch's output length of a window sweep (with its ceil_mode rule for pooling)."""
    span = size + padding_total - dilation * (kernel - 1) - 1
    if ceil_mode:
        out = -(-span // stride) + 1
        if (out - 1) * stride >= size + padding_left:  # the last window must start inside
            out -= 1
        return out
    return span // stride + 1


def show(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


class _Workspace(threading.local):
    """One reusable scratch buffer per thread and dtype for column matrices.

    Fresh large arrays cost page faults on every step (as much as the copy into them);
    columns never outlive the op call that fills them, so one buffer serves every call.
    """

    def __init__(self):
        self.buffers = {}


_workspace = _Workspace()


KEEP_BYTES = 64 << 20  # larger scratch arrays (one huge image's columns) are not kept between calls


def scratch(shape, dtype, slot: str = "columns") -> np.ndarray:
    """A C-contiguous scratch array of `shape` (contents undefined), reused between calls; one
    buffer per `slot` (what it holds: columns, a padded copy...) so that a call can use several."""
    dtype = np.dtype(dtype)
    count = 1
    for s in shape:
        count *= s
    if count * dtype.itemsize > KEEP_BYTES:
        return np.empty(shape, dtype)
    buffer = _workspace.buffers.get((slot, dtype))
    if buffer is None or buffer.size < count:
        buffer = np.empty(count, dtype)
        _workspace.buffers[slot, dtype] = buffer
    return buffer[:count].reshape(shape)


def clear_workspace() -> None:
    """Free the scratch buffers of this thread (they are re-made on the next call)."""
    _workspace.buffers.clear()


CHUNK_BYTES = 4 << 20  # column blocks of ~4 MiB: 2 MiB per core of two, each core's share in its L2


def image_chunks(n: int, bytes_per_image: int) -> list:
    """[(start, stop)] blocks of whole images whose column matrix is about CHUNK_BYTES.

    Blocking (not a loop over items): im2col + GEMM run ~25% faster on columns still in cache,
    and the full column matrix never exists. sgemm on (rows, 288) @ (288, 32) runs at ~95 GFLOP/s
    on one core with 1-4 MiB of columns, ~75 with 8 MiB (this machine); blocks are not smaller
    because each multi-threaded BLAS call costs a thread hand-off.
    """
    per = max(1, CHUNK_BYTES // max(1, bytes_per_image))
    return [(start, min(n, start + per)) for start in range(0, n, per)]


def channels_last_empty(shape, dtype) -> np.ndarray:
    """An uninitialised (N, C, H, W) array with channels-last memory that owns it: not a transposed
    view, so that the tape keeps it as a leaf's .grad without a copy. `.transpose(0, 2, 3, 1)` of
    it is the C-contiguous (N, H, W, C) array to write into."""
    n, c, h, w = shape
    dtype = np.dtype(dtype)
    size = dtype.itemsize
    return np.ndarray(shape, dtype, strides=(h * w * c * size, size, w * c * size, c * size))


def channels_last_padded(input: np.ndarray, padding, value=0, extra=(0, 0), temporary=False) -> np.ndarray:
    """(N, C, H, W) -> (N, H+pads, W+pads, C) with `value` around; one copy, no np.pad.

    `padding` is (top, bottom, left, right); `extra` adds (bottom, right) rows of `value`.
    `temporary`: the copy is made in a scratch buffer that the next such call reuses (no fresh
    pages to fault in each step); the caller must not keep it.
    """
    n, c, h, w = input.shape
    top, bottom, left, right = padding
    bottom += extra[0]
    right += extra[1]
    if not (top or bottom or left or right):
        channels_last = input.transpose(0, 2, 3, 1)
        if channels_last.flags.c_contiguous or not temporary:
            return np.ascontiguousarray(channels_last)
        padded = scratch(channels_last.shape, input.dtype, "padded")
        np.copyto(padded, channels_last)
        return padded
    shape = (n, h + top + bottom, w + left + right, c)
    padded = scratch(shape, input.dtype, "padded") if temporary else np.empty(shape, input.dtype)
    if value == 0:
        padded[:, :top] = 0
        padded[:, top + h:] = 0
        padded[:, top:top + h, :left] = 0
        padded[:, top:top + h, left + w:] = 0
    else:
        padded[:, :top] = value
        padded[:, top + h:] = value
        padded[:, top:top + h, :left] = value
        padded[:, top:top + h, left + w:] = value
    padded[:, top:top + h, left:left + w] = input.transpose(0, 2, 3, 1)
    return padded


def im2col(padded: np.ndarray, groups: int, kernel, stride, dilation, out_hw, out=None) -> np.ndarray:
    """Columns (groups, N*Ho*Wo, kh*kw*C/groups) of a channels-last padded (N, Hp, Wp, C) array.

    One strided copy from an as_strided window view; written into `out` when given.
    """
    n, _, _, c = padded.shape
    kh, kw = kernel
    ho, wo = out_hw
    sn, sh, sw, sc = padded.strides
    channels = c // groups
    view = as_strided(padded, (groups, n, ho, wo, kh, kw, channels),
                      (channels * sc, sn, stride[0] * sh, stride[1] * sw,
                       dilation[0] * sh, dilation[1] * sw, sc), writeable=False)
    if out is None:
        out = np.empty((groups, n, ho, wo, kh, kw, channels), padded.dtype)
    else:
        out = out.reshape(groups, n, ho, wo, kh, kw, channels)
    if channels == 1:  # one copy per kernel position: NumPy's inner loop then spans a row, not 1 element
        for i in range(kh):
            for j in range(kw):
                out[:, :, :, :, i, j] = view[:, :, :, :, i, j]
    else:
        np.copyto(out, view)
    return out.reshape(groups, n * ho * wo, kh * kw * channels)


def _clipped(tap, count, stride, offset, size):
    """The window positions [first, stop) of one kernel tap that land inside [0, size) once the
    padding `offset` is cut off, and the slice of the target they hit (None when none do)."""
    first = max(0, -(-(offset - tap) // stride))
    stop = min(count, -(-(size + offset - tap) // stride))
    if stop <= first:
        return None
    start = tap + stride * first - offset
    return first, stop, slice(start, start + stride * (stop - first - 1) + 1, stride)


def col2im(columns: np.ndarray, target: np.ndarray, kernel, stride, dilation, in_hw, origin=(0, 0)) -> np.ndarray:
    """Add columns (groups, N*Hi*Wi, kh*kw*C/groups) back into a zeroed (N, Ht, Wt, C) array.

    `origin` (top, left) is the padding the windows start in: the parts of the columns that fall
    on it are skipped, so the target is the unpadded input (a compact result, no crop of a padded
    array). The loop runs over the kernel's positions only; each step is one strided add.
    """
    n, height, width, c = target.shape
    kh, kw = kernel
    hi, wi = in_hw
    groups = columns.shape[0]
    channels = c // groups
    columns = columns.reshape(groups, n, hi, wi, kh, kw, channels)
    grouped = target.reshape(target.shape[:3] + (groups, channels))
    for i in range(kh):
        vertical = _clipped(i * dilation[0], hi, stride[0], origin[0], height)
        for j in range(kw):
            horizontal = _clipped(j * dilation[1], wi, stride[1], origin[1], width)
            if vertical is None or horizontal is None:
                continue
            (y0, y1, rows), (x0, x1, cols) = vertical, horizontal
            part = columns[:, :, y0:y1, x0:x1, i, j, :]
            if groups == 1:
                grouped[:, rows, cols, 0, :] += part[0]
            else:
                grouped[:, rows, cols] += part.transpose(1, 2, 3, 0, 4)
    return target
