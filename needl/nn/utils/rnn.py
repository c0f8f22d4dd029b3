"""Variable-length sequences: pad_sequence / unpad_sequence (one padded batch tensor and back) and
PackedSequence with pack_padded_sequence, pad_packed_sequence, pack_sequence, unpack_sequence.

A PackedSequence holds the valid time steps only, time-major: `data` stacks, for t = 0, 1, ...,
the rows of the sequences still running at t (longest first), and `batch_sizes[t]` says how
many they are. RNN, LSTM and GRU take and return it, as in PyTorch. Packing and unpacking are
indexing ops, so gradients flow through them.
"""
from collections import namedtuple
from typing import Optional, Sequence

import numpy as np

from ...autograd import op
from ...autograd.functional import cat
from ...autograd.tensor import Tensor
from ...device import check_device


def _place(length, longest, padding_side):
    return slice(0, length) if padding_side == "right" else slice(longest - length, longest)


@op
def _pad_sequence(*sequences, padding_value=0.0, padding_side="right"):
    longest = max(len(sequence) for sequence in sequences)
    trailing = sequences[0].shape[1:]
    output = np.full((len(sequences), longest) + trailing, padding_value,
                     dtype=np.result_type(*sequences))
    for row, sequence in enumerate(sequences):  # one copy per sequence (the list is ragged)
        output[row, _place(len(sequence), longest, padding_side)] = sequence
    return output


@_pad_sequence.vjp
def _pad_sequence_vjp(g, out, *sequences, padding_value=0.0, padding_side="right"):
    longest = out.shape[1]
    return tuple(g[row, _place(len(sequence), longest, padding_side)] for row, sequence in enumerate(sequences))


def pad_sequence(sequences: Sequence[Tensor], batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack tensors of shapes (L_i, *) into (max L, B, *) (or (B, max L, *) with batch_first), padded."""
    sequences = list(sequences)
    if not sequences:
        raise ValueError("pad_sequence: received an empty list of sequences")
    if padding_side not in ("right", "left"):
        raise ValueError(f"padding_side must be 'left' or 'right', got {padding_side!r}")
    trailing = tuple(sequences[0].shape[1:])
    for index, sequence in enumerate(sequences):
        if sequence.ndim == 0 or tuple(sequence.shape[1:]) != trailing:
            raise ValueError(f"pad_sequence: sequence {index} has shape {tuple(sequence.shape)}, but every "
                             f"sequence must be (L, {', '.join(str(s) for s in trailing)}) like sequence 0")
    output = _pad_sequence(*sequences, padding_value=padding_value, padding_side=padding_side)
    if not isinstance(output, Tensor):
        output = Tensor._make(output)
    return output if batch_first else output.transpose(0, 1)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list:
    """The list of (L_i, *) tensors that pad_sequence packed into padded_sequences."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lengths = lengths.tolist() if isinstance(lengths, Tensor) else list(lengths)
    return [padded_sequences[row, :int(length)] for row, length in enumerate(lengths)]


def invert_permutation(permutation: Optional[Tensor]) -> Optional[Tensor]:
    """The permutation that undoes `permutation` (None stays None)."""
    if permutation is None:
        return None
    order = np.asarray(permutation._data if isinstance(permutation, Tensor) else permutation, dtype=np.int64)
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size)
    return Tensor._make(inverse)


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """(data, batch_sizes, sorted_indices, unsorted_indices), as torch.nn.utils.rnn.PackedSequence.

    sorted_indices[i] is the original batch position of the i-th longest sequence (None when the
    batch came sorted); unsorted_indices is its inverse.
    """
    __slots__ = ()

    def __new__(cls, data: Tensor, batch_sizes: Optional[Tensor] = None, sorted_indices: Optional[Tensor] = None,
                unsorted_indices: Optional[Tensor] = None):
        if batch_sizes is None:
            raise ValueError("PackedSequence: batch_sizes is required (build one with pack_padded_sequence)")
        if not isinstance(batch_sizes, Tensor):
            batch_sizes = Tensor._make(np.asarray(batch_sizes, dtype=np.int64))
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _with_data(self, data: Tensor) -> "PackedSequence":
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def to(self, *args, **kwargs) -> "PackedSequence":
        """data.to(...) (a dtype, or the CPU); the index tensors stay int64."""
        return self._with_data(self.data.to(*args, **kwargs))

    def cpu(self) -> "PackedSequence":
        return self

    def cuda(self, *args, **kwargs) -> "PackedSequence":
        check_device("cuda")
        return self

    def float(self) -> "PackedSequence":
        return self._with_data(self.data.float())

    def double(self) -> "PackedSequence":
        return self._with_data(self.data.double())

    def half(self) -> "PackedSequence":
        return self._with_data(self.data.astype(np.float16))

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def _integers(values, name: str) -> np.ndarray:
    array = np.asarray(values._data if isinstance(values, Tensor) else values)
    if array.dtype.kind not in "iu" and not (array.dtype.kind == "f" and np.all(array == np.round(array))):
        raise TypeError(f"{name} must be integers, got {array.dtype}")
    return array.astype(np.int64).reshape(-1)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *) with batch_first) of sequences of the given lengths.

    With enforce_sorted, lengths must be non-increasing; otherwise the batch is sorted by length
    (longest first) and the permutation is kept in sorted_indices.
    """
    lengths = _integers(lengths, "lengths")
    batch_dim = 0 if batch_first else 1
    if input.ndim < 2 or lengths.size != input.shape[batch_dim]:
        raise ValueError(f"pack_padded_sequence: expected {input.shape[batch_dim] if input.ndim >= 2 else '?'} "
                         f"lengths for input of shape {tuple(input.shape)} (batch_first={batch_first}), got "
                         f"{lengths.size}")
    if lengths.size and lengths.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    sorted_indices = None
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence "
                               "to sidestep this requirement if you do not need ONNX exportability.")
    else:
        order = np.argsort(-lengths, kind="stable")
        sorted_indices = Tensor._make(order)
        lengths = lengths[order]
        input = input[order] if batch_first else input[:, order]
    steps = input.shape[1 if batch_first else 0]
    if lengths.size and lengths[0] > steps:
        raise RuntimeError(f"pack_padded_sequence: a length of {lengths[0]} exceeds the input's {steps} time steps")
    series = input.transpose(0, 1) if batch_first else input
    longest = int(lengths[0]) if lengths.size else 0
    running = np.arange(longest)[:, None] < lengths[None, :]  # (T, B): time-major order is packed order
    data = series[:longest][running]
    batch_sizes = Tensor._make(running.sum(axis=1).astype(np.int64))
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def _packed_lengths(batch_sizes: np.ndarray) -> np.ndarray:
    """The length of each sorted sequence: how many time steps have it running."""
    batch = int(batch_sizes[0]) if batch_sizes.size else 0
    return (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(axis=1).astype(np.int64)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: Optional[int] = None) -> tuple:
    """(padded, lengths): the inverse of pack_padded_sequence, in the original batch order;
    total_length pads to that many time steps (for DataParallel-style fixed shapes)."""
    data, batch_sizes = sequence.data, _integers(sequence.batch_sizes, "batch_sizes")
    steps = batch_sizes.size
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {steps}")
        steps = total_length
    batch = int(batch_sizes[0]) if batch_sizes.size else 0
    starts = np.concatenate(([0], np.cumsum(batch_sizes)[:-1])) if batch_sizes.size else np.zeros(0, np.int64)
    where = np.full((steps, batch), data.shape[0], dtype=np.int64)  # the padding row
    rows = np.arange(batch)[None, :]
    running = rows < batch_sizes[:, None]
    where[:batch_sizes.size][running] = (starts[:, None] + rows)[running]
    padding = Tensor._make(np.full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype))
    padded = cat([data, padding])[where]
    lengths = _packed_lengths(batch_sizes)
    if sequence.unsorted_indices is not None:
        order = _integers(sequence.unsorted_indices, "unsorted_indices")
        padded = padded[:, order]
        lengths = lengths[order]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, Tensor._make(lengths)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of (L_i, *) tensors (longest first with enforce_sorted)."""
    sequences = list(sequences)
    lengths = [len(sequence) for sequence in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of (L_i, *) tensors packed in `packed_sequences`, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
