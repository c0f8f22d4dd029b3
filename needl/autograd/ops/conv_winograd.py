"""3x3 stride-1 convolutions by Winograd's F(2x2, 3x3): 2.25x fewer GEMM FLOPs than im2col.

Each 2x2 block of outputs ("tile") is A^T [(G w G^T) * (B^T d B)] A, with d the 4x4 input patch
under it; over all tiles and channels that is 16 GEMMs (tiles, C) @ (C, C_out), one per
position of the 4x4 transformed patch, against 9 * C multiply-adds per output for im2col. The
transforms B, A and G hold only 0, +-1 and 1/2, so they are a few adds and subtracts over
strided views of channels-last arrays (no copy of the patches), blocked over images so that
they stay in cache with the GEMMs. The input gradient of a stride-1 convolution is itself one
(conv_kernels.input_grad).

The transforms run on one core while the GEMMs use BLAS's threads, so the gain shrinks with the
threads: one thread, CPU time, forward (ms) im2col -> Winograd: 64x32x32x32 -> 32: 16.7 -> 15.6,
64x64x16x16 -> 64: 14.5 -> 10.3, 64x128x8x8 -> 128: 12.5 -> 9.5; with two threads (wall, medians
of a loaded machine) 32 channels were even, 64 even, 128 ~15% faster. The weight gradient
(the same contraction transposed, G^T [sum over tiles of (B^T d B)(A dY A^T)] G) was tried: its
16 GEMMs have (C, C_out) outputs and the tiles as inner dimension, which two BLAS threads split
badly, and it was 10-30% slower than im2col's at two threads; it stays im2col.
"""
import numpy as np

from .windows import channels_last_empty, channels_last_padded, image_chunks, scratch

# the weight transform G (4x3); B^T = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]] and
# A^T = [[1,1,1,0],[0,1,-1,-1]] are written out as adds in _input_transform and _output_transform
G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])

MIN_CHANNELS = 64  # below, the 16 GEMMs (inner dimension C) and the transforms do not pay at two threads


def applicable(weight_shape, stride, dilation, groups, dtype) -> bool:
    out_channels, channels, kh, kw = weight_shape
    return ((kh, kw) == (3, 3) and tuple(stride) == (1, 1) and tuple(dilation) == (1, 1) and groups == 1
            and channels >= MIN_CHANNELS and out_channels >= MIN_CHANNELS and np.dtype(dtype).kind == "f")


def _weight_transform(weight, dtype):
    """(C_out, C, 3, 3) -> (16, C, C_out): G w G^T per channel pair, as two thin GEMMs (einsum's
    loops take 5 ms for 128x128 channels)."""
    out_channels, channels = weight.shape[:2]
    g = G.astype(dtype)
    half = np.matmul(weight.reshape(-1, 3).astype(dtype, copy=False), g.T)       # (o, c, i, b)
    half = half.reshape(out_channels, channels, 3, 4).transpose(0, 1, 3, 2)
    full = np.matmul(half.reshape(-1, 3), g.T).reshape(out_channels, channels, 4, 4)  # (o, c, b, a)
    return np.ascontiguousarray(full.transpose(3, 2, 1, 0)).reshape(16, channels, out_channels)


def _tiles(out_hw):
    return (out_hw[0] + 1) // 2, (out_hw[1] + 1) // 2


def _padded_tiles(input, padding, tiles):
    """The channels-last padded input (a scratch buffer), with extra zeros at the bottom and right
    when the last tile reaches past the padded input (odd output sizes)."""
    _, _, h, w = input.shape
    top, bottom, left, right = padding
    extra = (max(0, 2 * tiles[0] + 2 - (h + top + bottom)), max(0, 2 * tiles[1] + 2 - (w + left + right)))
    return channels_last_padded(input, padding, extra=extra, temporary=True)


def _input_transform(padded, tiles, out):
    """out (4, 4, n, th, tw, C) = B^T d B of every 4x4 patch (stride 2) of padded (n, Hp, Wp, C).

    Columns first: their four strided views have runs of C only, and there are 4 of them; the
    16 row combinations that follow read whole rows of tw * C contiguous numbers."""
    th, tw = tiles
    n, _, _, c = padded.shape
    rows = 2 * th + 2
    columns = [padded[:, :rows, k:k + 2 * tw:2] for k in range(4)]
    mixed = scratch((4, n, rows, tw, c), padded.dtype, "winograd columns")
    np.subtract(columns[0], columns[2], out=mixed[0])
    np.add(columns[1], columns[2], out=mixed[1])
    np.subtract(columns[2], columns[1], out=mixed[2])
    np.subtract(columns[1], columns[3], out=mixed[3])
    for b in range(4):
        r = [mixed[b][:, k:k + 2 * th:2] for k in range(4)]
        np.subtract(r[0], r[2], out=out[0, b])
        np.add(r[1], r[2], out=out[1, b])
        np.subtract(r[2], r[1], out=out[2, b])
        np.subtract(r[1], r[3], out=out[3, b])


def _output_transform(products, out):
    """out (n, 2th, 2tw, C_out) = A^T m A of every tile of products (4, 4, n, th, tw, C_out),
    which is overwritten. Rows first, in place and contiguous; then each output phase once."""
    n, th, tw, c = products.shape[2:]
    products[0] += products[1]
    products[0] += products[2]                                   # row 0: m0 + m1 + m2
    np.subtract(products[1], products[3], out=products[3])
    products[3] -= products[2]                                   # row 1: m1 - m2 - m3
    phases = out.reshape(n, th, 2, tw, 2, c)
    for i, row in ((0, products[0]), (1, products[3])):
        row[0] += row[1]
        row[0] += row[2]
        np.copyto(phases[:, :, i, :, 0], row[0])
        np.subtract(row[1], row[3], out=row[3])
        row[3] -= row[2]
        np.copyto(phases[:, :, i, :, 1], row[3])


def _chunks(n, tiles, channels, out_channels, itemsize):
    """Blocks of images whose transformed input and products together are about CHUNK_BYTES."""
    return image_chunks(n, 16 * tiles[0] * tiles[1] * (channels + out_channels) * itemsize)


def forward(input, weight, bias, padding, out_hw):
    """conv2d(input, weight) + bias for a 3x3 weight, stride 1; `out_hw` as in conv_kernels.forward."""
    n, channels = input.shape[:2]
    out_channels = weight.shape[0]
    dtype = np.result_type(input, weight)
    tiles = _tiles(out_hw)
    padded = _padded_tiles(input, padding, tiles)
    transformed_weight = _weight_transform(weight, dtype)
    even = (2 * tiles[0], 2 * tiles[1]) == tuple(out_hw)
    result = channels_last_empty((n, out_channels, 2 * tiles[0], 2 * tiles[1]), dtype)
    out = result.transpose(0, 2, 3, 1)  # (N, 2th, 2tw, C_out), C-contiguous
    for start, stop in _chunks(n, tiles, channels, out_channels, out.itemsize):
        count = (stop - start) * tiles[0] * tiles[1]
        patches = scratch((4, 4, stop - start) + tiles + (channels,), dtype, "winograd input")
        _input_transform(padded[start:stop], tiles, patches)
        products = scratch((16, count, out_channels), dtype, "winograd products")
        np.matmul(patches.reshape(16, count, channels), transformed_weight, out=products)
        _output_transform(products.reshape((4, 4, stop - start) + tiles + (out_channels,)), out[start:stop])
        if bias is not None:
            out[start:stop] += bias
    if not even:  # odd sizes: the last tile's extra row/column is dropped (a compact copy)
        result = channels_last_empty((n, out_channels) + tuple(out_hw), dtype)
        np.copyto(result.transpose(0, 2, 3, 1), out[:, :out_hw[0], :out_hw[1]])
    return result
