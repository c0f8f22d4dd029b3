"""needl.nn.utils.rnn: pad_sequence and unpad_sequence."""
import numpy as np
import pytest

import needl
from needl.autograd import gradcheck
from needl.nn.utils.rnn import pad_sequence, unpad_sequence


def sequences():
    generator = np.random.default_rng(0)
    return [needl.tensor(generator.standard_normal((length, 2)), requires_grad=True) for length in (3, 1, 2)]


def test_pad_sequence_shapes_and_values():
    a, b, c = sequences()
    padded = pad_sequence([a, b, c], batch_first=True, padding_value=-1.0)
    assert padded.shape == (3, 3, 2)
    np.testing.assert_array_equal(padded.detach().numpy()[1, 1:], -1.0)
    np.testing.assert_array_equal(padded.detach().numpy()[2, :2], c.detach().numpy())
    assert pad_sequence([a, b, c]).shape == (3, 3, 2)
    left = pad_sequence([a, b], batch_first=True, padding_side="left")
    np.testing.assert_array_equal(left.detach().numpy()[1, 2], b.detach().numpy()[0])
    back = unpad_sequence(padded, needl.tensor([3, 1, 2]), batch_first=True)
    assert [tuple(t.shape) for t in back] == [(3, 2), (1, 2), (2, 2)]


def test_pad_sequence_gradcheck():
    assert gradcheck(lambda *s: pad_sequence(list(s), padding_value=0.5) * 2, tuple(sequences()))


def test_pad_sequence_errors():
    with pytest.raises(ValueError, match="sequence 1 has shape \\(2, 3\\)"):
        pad_sequence([needl.zeros(2, 2), needl.zeros(2, 3)])
    with pytest.raises(ValueError, match="empty list"):
        pad_sequence([])
