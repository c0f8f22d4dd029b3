"""pad_sequence / unpad_sequence: variable-length sequences to one padded batch tensor and back."""
from typing import Sequence

import numpy as np

from ...autograd import op
from ...autograd.tensor import Tensor


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
