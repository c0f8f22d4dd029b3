"""PackedSequence: packing and unpacking (orders, batch_first, total_length, errors, gradients), and
RNN/LSTM/GRU on packed input, checked against running each sequence alone (and against PyTorch)."""
import numpy as np
import pytest

import needl
import needl.nn as nn
from needl.autograd import gradcheck
from needl.nn.utils.rnn import (PackedSequence, invert_permutation, pack_padded_sequence, pack_sequence,
                                pad_packed_sequence, pad_sequence, unpack_sequence)

rng = np.random.default_rng(0)
LENGTHS = [3, 6, 1, 4, 3]


def _padded(steps=6, batch=5, features=3):
    return needl.tensor(rng.standard_normal((steps, batch, features)), requires_grad=True)


def test_pack_layout_and_round_trip():
    x = _padded()
    packed = pack_padded_sequence(x, LENGTHS, enforce_sorted=False)
    assert isinstance(packed, PackedSequence) and isinstance(packed, tuple)
    np.testing.assert_array_equal(packed.batch_sizes.numpy(), [5, 4, 4, 2, 1, 1])
    np.testing.assert_array_equal(packed.sorted_indices.numpy(), [1, 3, 0, 4, 2])
    np.testing.assert_array_equal(invert_permutation(packed.sorted_indices).numpy(), packed.unsorted_indices.numpy())
    np.testing.assert_array_equal(packed.data.detach().numpy()[:5], x.detach().numpy()[0, [1, 3, 0, 4, 2]])
    padded, lengths = pad_packed_sequence(packed, batch_first=True, padding_value=-1.0, total_length=7)
    assert padded.shape == (5, 7, 3)
    np.testing.assert_array_equal(lengths.numpy(), LENGTHS)
    for row, length in enumerate(LENGTHS):
        np.testing.assert_array_equal(padded.detach().numpy()[row, :length], x.detach().numpy()[:length, row])
        np.testing.assert_array_equal(padded.detach().numpy()[row, length:], -1.0)
    assert packed.double().data.dtype == np.float64 and packed.to(needl.float32).data.dtype == np.float32


def test_pack_sequence_unpack_and_gradients():
    sequences = [needl.tensor(rng.standard_normal((n, 2)), requires_grad=True) for n in (2, 4, 1)]
    packed = pack_sequence(sequences, enforce_sorted=False)
    assert [tuple(s.shape) for s in unpack_sequence(packed)] == [(2, 2), (4, 2), (1, 2)]
    assert gradcheck(lambda *s: pad_packed_sequence(pack_sequence(list(s), enforce_sorted=False))[0],
                     tuple(sequences))
    batch_first = pad_sequence(sequences, batch_first=True)
    repacked = pack_padded_sequence(batch_first, needl.tensor([2, 4, 1]), batch_first=True, enforce_sorted=False)
    np.testing.assert_array_equal(repacked.data.detach().numpy(), packed.data.detach().numpy())


def test_pack_errors():
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        pack_padded_sequence(_padded(), LENGTHS)
    with pytest.raises(RuntimeError, match="greater than 0"):
        pack_padded_sequence(_padded(batch=2), [3, 0], enforce_sorted=False)
    with pytest.raises(ValueError, match="total_length"):
        pad_packed_sequence(pack_padded_sequence(_padded(batch=2), [6, 2]), total_length=3)


def _alone(module, x, row, length, states):
    """Run one sequence by itself (batch of one), the reference for packed runs."""
    sequence = x[:length, row:row + 1]
    if states is None:
        return module(sequence)
    if isinstance(states, tuple):
        return module(sequence, tuple(s[:, row:row + 1] for s in states))
    return module(sequence, states[:, row:row + 1])


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_rnn_equals_each_sequence_alone(kind, bidirectional):
    module = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=bidirectional).double()
    x = _padded()
    layers = 2 * (2 if bidirectional else 1)
    h0 = needl.tensor(rng.standard_normal((layers, 5, 4)))
    states = (h0, needl.tensor(rng.standard_normal((layers, 5, 4)))) if kind == "LSTM" else h0
    output, final = module(pack_padded_sequence(x, LENGTHS, enforce_sorted=False), states)
    assert isinstance(output, PackedSequence)
    padded, lengths = pad_packed_sequence(output)
    assert padded.shape == (6, 5, 4 * (2 if bidirectional else 1))
    for row, length in enumerate(LENGTHS):
        alone_output, alone_final = _alone(module, x, row, length, states)
        np.testing.assert_allclose(padded.detach().numpy()[:length, row], alone_output.detach().numpy()[:, 0],
                                   rtol=1e-12, atol=1e-12)
        for mine, reference in zip(final if kind == "LSTM" else (final,),
                                   alone_final if kind == "LSTM" else (alone_final,)):
            np.testing.assert_allclose(mine.detach().numpy()[:, row], reference.detach().numpy()[:, 0],
                                       rtol=1e-12, atol=1e-12)


def test_packed_rnn_gradients_dtype_and_batch_first():
    module = nn.GRU(2, 3, bidirectional=True, batch_first=True).double()
    x = needl.tensor(rng.standard_normal((3, 4, 2)), requires_grad=True)
    call = lambda t: pad_packed_sequence(module(pack_padded_sequence(t, [2, 4, 1], batch_first=True,
                                                                     enforce_sorted=False))[0], batch_first=True)[0]
    assert call(x).shape == (3, 4, 6)
    assert gradcheck(call, (x,))
    layer = nn.LSTM(2, 3)
    output, (h, c) = layer(pack_sequence([needl.randn(3, 2), needl.randn(2, 2)]))
    assert output.data.dtype == np.float32 and h.shape == (1, 2, 3) and c.dtype == np.float32


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_packed_rnn_matches_pytorch(kind):
    torch = pytest.importorskip("torch")
    mine = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True).double()
    theirs = getattr(torch.nn, kind)(3, 4, num_layers=2, bidirectional=True).double()
    theirs.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in mine.state_dict().items()})
    x = rng.standard_normal((6, 5, 3))
    a, b = needl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_mine, final_mine = mine(pack_padded_sequence(a, LENGTHS, enforce_sorted=False))
    out_theirs, final_theirs = theirs(torch.nn.utils.rnn.pack_padded_sequence(b, LENGTHS, enforce_sorted=False))
    h_mine = final_mine[0] if kind == "LSTM" else final_mine
    h_theirs = final_theirs[0] if kind == "LSTM" else final_theirs
    np.testing.assert_allclose(out_mine.data.detach().numpy(), out_theirs.data.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(h_mine.detach().numpy(), h_theirs.detach().numpy(), atol=1e-12)
    np.testing.assert_array_equal(out_mine.sorted_indices.numpy(), out_theirs.sorted_indices.numpy())
    (out_mine.data.sum() + h_mine.sum()).backward()
    (out_theirs.data.sum() + h_theirs.sum()).backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-12)
