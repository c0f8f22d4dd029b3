"""Array kernels of pooling: window geometry, max (with the first maximum's position), its
scatter/gather adjoints, average pooling and its adjoint, adaptive averaging matrices.

Windows are as_strided views of the (padded) input; loops run over the kernel's positions
only, each step one vectorized op over all windows (of a block of images that stays in cache),
so no window array is ever copied. Arrays are (N, C, H, W); results keep the memory layout of
their source (channels-last stays so) and, without padding, own their memory.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from .windows import channels_last_empty, image_chunks, output_size, show


def geometry(function, shape, kernel, stride, padding, dilation, ceil_mode):
    """Output sizes and the extra bottom/right rows that ceil_mode windows reach into; checks."""
    if len(shape) not in (3, 4):
        raise ValueError(f"{function}: expected a 3-D (unbatched) or 4-D (batched) input, "
                         f"got input of shape {show(shape)}")
    if any(k < 1 for k in kernel) or any(s < 1 for s in stride) or any(d < 1 for d in dilation):
        raise ValueError(f"{function}: kernel_size {kernel}, stride {stride} and dilation {dilation} "
                         f"must be positive")
    if any(p < 0 or p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(f"{function}: padding {padding} should be at most half of kernel_size {kernel}")
    sizes, extras = [], []
    for size, k, s, p, d in zip(shape[-2:], kernel, stride, padding, dilation):
        out = output_size(size, k, s, 2 * p, d, ceil_mode, p)
        sizes.append(out)
        extras.append(max(0, (out - 1) * s + d * (k - 1) + 1 - (size + 2 * p)))
    if min(sizes) < 1:
        raise ValueError(f"{function}: input of shape {show(shape)} is too small for kernel_size "
                         f"{kernel} (stride {stride}, padding {padding}, dilation {dilation}): "
                         f"calculated output size {show(sizes)}")
    return tuple(sizes), tuple(extras)


def channels_last(array) -> bool:
    return array.shape[1] > 1 and array.strides[1] < array.strides[3]


def empty_like_layout(like, shape, dtype=None):
    """An uninitialised (N, C, H, W) array in the memory order of `like`; it owns its memory (no
    transposed view), so the tape may keep it as a leaf's .grad without a copy."""
    dtype = like.dtype if dtype is None else dtype
    return channels_last_empty(shape, dtype) if channels_last(like) else np.empty(shape, dtype)


def same_layout(array, like):
    """`array` in the memory order of `like` (a copy only when they differ), so that they stream together."""
    if channels_last(array) == channels_last(like):
        return array
    out = empty_like_layout(like, array.shape, array.dtype)
    out[...] = array
    return out


def padded(input, padding, extra, value):
    """The input with `value` around it (padding plus ceil_mode's extra), or the input itself."""
    (top, left), (bottom, right) = padding, extra
    bottom += top
    right += left
    if not (top or left or bottom or right):
        return input
    n, c, h, w = input.shape
    out = empty_like_layout(input, (n, c, h + top + bottom, w + left + right))
    out.fill(value)
    out[:, :, top:top + h, left:left + w] = input
    return out


def windows(array, out_hw, kernel, stride, dilation, writeable=False):
    """(N, C, Ho, Wo, kh, kw) view of every window; no copy."""
    sn, sc, sh, sw = array.strides
    shape = array.shape[:2] + tuple(out_hw) + tuple(kernel)
    strides = (sn, sc, stride[0] * sh, stride[1] * sw, dilation[0] * sh, dilation[1] * sw)
    return as_strided(array, shape, strides, writeable=writeable)


def positions(kernel):
    return [(i, j) for i in range(kernel[0]) for j in range(kernel[1])]


def overlapping(kernel, stride, dilation):
    return any(s < d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))


def max_pool(x, kernel, stride, padding, dilation, ceil_mode):
    """Each window's maximum (NaN propagates, as in PyTorch), over blocks of images that stay in
    cache through the kernel positions."""
    out_hw, extra = geometry("max_pool2d", x.shape, kernel, stride, padding, dilation, ceil_mode)
    lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    out = empty_like_layout(x, x.shape[:2] + out_hw)
    spots = positions(kernel)
    for start, stop in image_chunks(x.shape[0], x[:1].nbytes):
        view = windows(padded(x[start:stop], padding, extra, lowest), out_hw, kernel, stride, dilation)
        best = out[start:stop]
        if len(spots) == 1:
            np.copyto(best, view[..., 0, 0])
            continue
        np.maximum(view[..., 0, 0], view[..., spots[1][0], spots[1][1]], out=best)
        for i, j in spots[2:]:
            np.maximum(best, view[..., i, j], out=best)
    return out


def first_max(x, best, kernel, stride, padding, dilation, ceil_mode):
    """The index (row-major in the kernel) of each window's first maximum: PyTorch's tie rule.

    Computed only when a gradient or the indices are asked for. The first maximum sits after
    the leading run of positions that differ from the maximum; counting that run is branch-free,
    unlike masked copies (which cost ~10x more here).
    """
    out_hw, extra = geometry("max_pool2d", x.shape, kernel, stride, padding, dilation, ceil_mode)
    lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    view = windows(padded(x, padding, extra, lowest), out_hw, kernel, stride, dilation)
    spots = positions(kernel)
    where = np.zeros_like(best, dtype=np.uint8 if len(spots) <= 256 else np.int32)
    before = np.ones_like(best, dtype=bool)
    differs = np.empty_like(before)
    for i, j in spots[:-1]:
        np.not_equal(view[..., i, j], best, out=differs)
        before &= differs
        where += before
    # a sum is the cheapest NaN test; an inf - inf false alarm only takes the exact slow path
    if x.dtype.kind == "f" and np.isnan(np.add.reduce(best, axis=None)):  # PyTorch points at the last NaN
        for position, (i, j) in enumerate(spots):
            np.copyto(where, position, where=np.isnan(view[..., i, j]))
    return where


def max_backward(grad, x, best, kernel, stride, padding, dilation, ceil_mode):
    """The gradient of max pooling from the input and the pooled values alone: kernel position by
    kernel position, `grad` where the input first equals its window's maximum (PyTorch's tie
    rule), written (or, where windows overlap, added) straight into the input's layout.

    One compare, two logic ops on bytes and one multiply per position, no index array;
    overlapping windows over blocks of images that stay in cache through all the positions
    (1.5x faster for 3x3 stride-2 windows than whole-batch passes). None when a maximum is NaN
    (the exact path, first_max, knows PyTorch's rule for those).
    """
    if x.dtype.kind == "f" and np.isnan(np.add.reduce(best, axis=None)):  # the cheapest NaN test
        return None
    out_hw, extra = geometry("max_pool2d", x.shape, kernel, stride, padding, dilation, ceil_mode)
    target = padded_target(x, x.shape, padding, extra, out_hw, kernel, stride, dilation, grad.dtype)
    grad = same_layout(grad, best)
    lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    overlap = overlapping(kernel, stride, dilation)
    # blocks pay where windows overlap (each element is read and added to several times);
    # disjoint windows touch each element once, and whole-batch passes are as fast
    blocks = image_chunks(x.shape[0], 2 * target[0].nbytes) if overlap else [(0, x.shape[0])]
    for start, stop in blocks:
        view = windows(padded(x[start:stop], padding, extra, lowest), out_hw, kernel, stride, dilation)
        into = windows(target[start:stop], out_hw, kernel, stride, dilation, writeable=True)
        _first_maximum_gradient(grad[start:stop], view, best[start:stop], into, overlap)
    return unpadded(target, padding, x.shape)


def _first_maximum_gradient(grad, view, best, into, overlap):
    """Each window's gradient into (or, overlapping, added to) `into` at its first maximum in `view`."""
    spots = positions(view.shape[4:])
    taken = np.zeros_like(best, dtype=bool)  # where an earlier position was the maximum
    first, equal = np.empty_like(taken), np.empty_like(taken)  # this position is the first maximum
    for index, (i, j) in enumerate(spots):
        if index == len(spots) - 1:  # the last position is the maximum wherever no earlier one was
            first = np.logical_not(taken, out=taken)
        else:
            np.equal(view[..., i, j], best, out=equal)
            np.greater(equal, taken, out=first)
            taken |= equal
        if overlap:
            into[..., i, j] += grad * first
        else:
            np.multiply(grad, first, out=into[..., i, j])


def padded_target(like, input_shape, padding, extra, out_hw, kernel, stride, dilation, dtype):
    """An array of the padded input's size in the memory order of `like`, for a gradient that the
    windows write into; zeroed unless the windows tile it (then each element is written once)."""
    n, c, h, w = input_shape
    shape = (n, c, h + 2 * padding[0] + extra[0], w + 2 * padding[1] + extra[1])
    target = empty_like_layout(like, shape, dtype)
    tiled = not overlapping(kernel, stride, dilation) and all(
        k == s and o * s == size for o, k, s, size in zip(out_hw, kernel, stride, shape[2:]))
    if not tiled:
        target.fill(0)
    return target


def unpadded(target, padding, input_shape):
    """The input's part of a padded target: the target itself when nothing was padded (an array
    that owns its memory, which the tape keeps as a leaf's .grad without a copy)."""
    h, w = input_shape[-2:]
    if target.shape[-2:] == (h, w):
        return target
    return target[:, :, padding[0]:padding[0] + h, padding[1]:padding[1] + w]


def max_scatter(grad, where, input_shape, kernel, stride, padding, dilation, ceil_mode):
    """The adjoint of taking each window's value at `where`: grad goes back to those positions only."""
    out_hw, extra = geometry("max_pool2d", input_shape, kernel, stride, padding, dilation, ceil_mode)
    overlap = overlapping(kernel, stride, dilation)
    target = padded_target(where, input_shape, padding, extra, out_hw, kernel, stride, dilation, grad.dtype)
    grad = same_layout(grad, where)
    view = windows(target, out_hw, kernel, stride, dilation, writeable=True)
    for position, (i, j) in enumerate(positions(kernel)):
        spot = view[..., i, j]
        if overlap:
            spot += grad * (where == position)
        else:
            np.multiply(grad, where == position, out=spot)
    return unpadded(target, padding, input_shape)


def max_gather(input, where, kernel, stride, padding, dilation, ceil_mode):
    """Each window's value at `where` (the adjoint of max_scatter)."""
    out_hw, extra = geometry("max_pool2d", input.shape, kernel, stride, padding, dilation, ceil_mode)
    view = windows(padded(input, padding, extra, 0), out_hw, kernel, stride, dilation)
    out = np.zeros(where.shape, input.dtype)
    for position, (i, j) in enumerate(positions(kernel)):
        out += view[..., i, j] * (where == position)
    return out


def divisor(input_hw, out_hw, kernel, stride, padding, count_include_pad, divisor_override, dtype):
    """What each window's sum is divided by: a number, or an (Ho, Wo) map (PyTorch's rule)."""
    if divisor_override:
        return float(divisor_override)
    counts = []
    for size, out, k, s, p in zip(input_hw, out_hw, kernel, stride, padding):
        start = np.arange(out) * s - p
        end = np.minimum(start + k, size + p)
        if not count_include_pad:
            end = np.minimum(end, size)
            start = np.maximum(start, 0)
        counts.append(end - start)
    counts = np.multiply.outer(counts[0], counts[1])
    if np.all(counts == kernel[0] * kernel[1]):
        return float(kernel[0] * kernel[1])
    return counts.astype(dtype)


def avg_pool(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    """Each window's mean by PyTorch's divisor rules, over blocks of images that stay in cache."""
    out_hw, extra = geometry("avg_pool2d", x.shape, kernel, stride, padding, (1, 1), ceil_mode)
    share = divisor(x.shape[-2:], out_hw, kernel, stride, padding, count_include_pad, divisor_override, x.dtype)
    out = empty_like_layout(x, x.shape[:2] + out_hw, np.result_type(x.dtype, np.float32) if x.dtype.kind != "f"
                            else x.dtype)
    spots = positions(kernel)
    for start, stop in image_chunks(x.shape[0], x[:1].nbytes):
        view = windows(padded(x[start:stop], padding, extra, 0), out_hw, kernel, stride, (1, 1))
        total = out[start:stop]
        if len(spots) == 1:
            np.copyto(total, view[..., 0, 0])
        else:
            np.add(view[..., 0, 0], view[..., spots[1][0], spots[1][1]], out=total)
        for i, j in spots[2:]:
            total += view[..., i, j]
        total /= share
    return out


def avg_scatter(grad, input_shape, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    """The adjoint of avg_pool: each window's share of the gradient spread over its positions, in
    the layout of `grad` (the vjp brings a first-order gradient to the input's layout first)."""
    out_hw, extra = geometry("avg_pool2d", input_shape, kernel, stride, padding, (1, 1), ceil_mode)
    share = grad / divisor(input_shape[-2:], out_hw, kernel, stride, padding, count_include_pad, divisor_override,
                           grad.dtype)
    overlap = overlapping(kernel, stride, (1, 1))
    target = padded_target(grad, input_shape, padding, extra, out_hw, kernel, stride, (1, 1), grad.dtype)
    view = windows(target, out_hw, kernel, stride, (1, 1), writeable=True)
    for i, j in positions(kernel):
        if overlap:
            view[..., i, j] += share
        else:
            np.copyto(view[..., i, j], share)
    return unpadded(target, padding, input_shape)


def averaging_matrix(size, out, dtype):
    """(out, size) matrix whose row i averages PyTorch's adaptive window [floor(i*size/out), ceil((i+1)*size/out))."""
    rows = np.arange(out)
    start = (rows * size) // out
    end = -((-(rows + 1) * size) // out)
    columns = np.arange(size)
    inside = (columns[None, :] >= start[:, None]) & (columns[None, :] < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def adaptive_windows(size, out):
    """PyTorch's adaptive window of output i: [floor(i*size/out), ceil((i+1)*size/out))."""
    rows = np.arange(out)
    return (rows * size) // out, -((-(rows + 1) * size) // out)


def adaptive_max(x, output_size):
    """(values, indices): each adaptive window's maximum and its first position as row * W + column.

    A loop over the offsets inside the largest window, each one gather of all windows; offsets
    past a window's end repeat its last element, which changes neither the maximum nor the
    first position of it.
    """
    h, w = x.shape[-2:]
    (row_start, row_end), (column_start, column_end) = adaptive_windows(h, output_size[0]), \
        adaptive_windows(w, output_size[1])
    best = indices = None
    for a in range(int((row_end - row_start).max())):
        rows = np.minimum(row_start + a, row_end - 1)[:, None]
        for b in range(int((column_end - column_start).max())):
            columns = np.minimum(column_start + b, column_end - 1)[None, :]
            candidate = x[..., rows, columns]
            flat = rows * w + columns
            if best is None:
                best, indices = candidate, np.broadcast_to(flat, candidate.shape).astype(np.int64)
                continue
            better = candidate > best
            if x.dtype.kind == "f":
                better |= np.isnan(candidate)  # PyTorch keeps the last NaN
            np.maximum(best, candidate, out=best)
            np.copyto(indices, flat, where=better)
    return best, indices


def flat_scatter(grad, indices, input_shape):
    """Sum each gradient into the input position `indices` names (row * W + column), per (N, C)."""
    planes = int(np.prod(input_shape[:-2], dtype=np.int64))
    size = input_shape[-2] * input_shape[-1]
    targets = indices.reshape(planes, -1) + (np.arange(planes) * size)[:, None]
    total = np.bincount(targets.ravel(), weights=grad.reshape(-1), minlength=planes * size)
    return total.astype(grad.dtype, copy=False).reshape(input_shape)


def flat_gather(input, indices):
    """The input at the positions `indices` names (the adjoint of flat_scatter)."""
    planes = input.reshape(input.shape[:-2] + (-1,))
    return np.take_along_axis(planes, indices.reshape(indices.shape[:-2] + (-1,)), axis=-1).reshape(indices.shape)
