import numpy as np
import pytest

import needl
from needl.utils.data import ConcatDataset, Subset, TensorDataset, random_split


def test_tensor_dataset_samples_and_batches():
    features = np.arange(12, dtype=np.float32).reshape(6, 2)
    dataset = TensorDataset(features, np.arange(6))
    assert len(dataset) == 6
    x, y = dataset[2]
    assert x.tolist() == [4.0, 5.0] and y.item() == 2
    xb, yb = dataset.get_batch(np.array([5, 0]))
    assert xb.tolist() == [[10.0, 11.0], [0.0, 1.0]] and yb.tolist() == [5, 0]


def test_tensor_dataset_size_mismatch_names_shapes():
    with pytest.raises(ValueError, match=r"\(3, 2\), \(4,\)"):
        TensorDataset(needl.zeros(3, 2), needl.zeros(4))


def test_random_split_lengths_are_disjoint_and_seeded():
    dataset = TensorDataset(needl.arange(10))
    first, second = random_split(dataset, [7, 3], generator=np.random.default_rng(0))
    assert len(first) == 7 and len(second) == 3
    assert sorted(first.indices.tolist() + second.indices.tolist()) == list(range(10))
    again, _ = random_split(dataset, [7, 3], generator=np.random.default_rng(0))
    assert again.indices.tolist() == first.indices.tolist()
    assert first[0][0].item() == first.indices[0]


def test_random_split_fractions_give_the_remainder_round_robin():
    parts = random_split(TensorDataset(needl.arange(10)), [0.34, 0.33, 0.33], generator=1)
    assert [len(part) for part in parts] == [4, 3, 3]


def test_random_split_wrong_total():
    with pytest.raises(ValueError, match=r"does not equal the length of the input dataset \(10\)"):
        random_split(TensorDataset(needl.arange(10)), [5, 6])


def test_subset_and_concat():
    dataset = TensorDataset(needl.arange(5))
    subset = Subset(dataset, [4, 1])
    assert [subset[i][0].item() for i in range(2)] == [4, 1]
    both = ConcatDataset([dataset, subset])
    assert len(both) == 7 and both[5][0].item() == 4 and both[-1][0].item() == 1
    with pytest.raises(IndexError, match="out of range"):
        both[7]
