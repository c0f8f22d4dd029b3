from collections import namedtuple

import numpy as np
import pytest

import needl
from needl.utils.data import (DataLoader, Dataset, IterableDataset, TensorDataset,
                              default_collate, random_split)


def labelled(n=10):
    features = needl.tensor(np.arange(n * 2, dtype=np.float32).reshape(n, 2))
    return TensorDataset(features, needl.arange(n))


def labels_of(loader):
    return [batch[1].tolist() for batch in loader]


class Squares(Dataset):
    """A generic dataset: samples one by one, no get_batch."""

    def __len__(self):
        return 5

    def __getitem__(self, index):
        return np.full(2, index * index, dtype=np.float32), index


def test_sequential_batches_and_dtypes():
    loader = DataLoader(labelled(), batch_size=4)
    batches = list(loader)
    assert labels_of(batches) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    features, labels = batches[0]
    assert isinstance(features, needl.Tensor) and features.dtype == np.float32
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(features.detach().numpy(), [[0, 1], [2, 3], [4, 5], [6, 7]])
    assert len(loader) == 3


def test_drop_last():
    loader = DataLoader(labelled(), batch_size=4, drop_last=True)
    assert labels_of(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(loader) == 2


def test_shuffle_is_a_permutation_seeded_and_new_each_epoch():
    loader = DataLoader(labelled(50), batch_size=8, shuffle=True, generator=np.random.default_rng(3))
    first = sum(labels_of(loader), [])
    second = sum(labels_of(loader), [])
    assert sorted(first) == list(range(50)) and sorted(second) == list(range(50))
    assert first != second and first != list(range(50))
    again = DataLoader(labelled(50), batch_size=8, shuffle=True, generator=3)
    assert sum(labels_of(again), []) == first  # an int seed means default_rng(seed)
    assert sum(labels_of(again), []) == second


def test_manual_seed_drives_the_default_generator():
    needl.manual_seed(7)
    first = labels_of(DataLoader(labelled(20), batch_size=20, shuffle=True))
    needl.manual_seed(7)
    assert labels_of(DataLoader(labelled(20), batch_size=20, shuffle=True)) == first


def test_array_backed_datasets_are_batched_without_per_sample_work(monkeypatch):
    def no_single_samples(self, index):
        raise AssertionError("per-sample __getitem__ was called")

    monkeypatch.setattr(TensorDataset, "__getitem__", no_single_samples)
    train, _ = random_split(labelled(10), [6, 4], generator=0)
    loader = DataLoader(train, batch_size=4, shuffle=True, generator=1)
    labels = sum(labels_of(loader), [])
    assert sorted(labels) == sorted(train.indices.tolist())


def test_generic_dataset_uses_getitem_and_default_collate():
    features, labels = next(iter(DataLoader(Squares(), batch_size=3)))
    np.testing.assert_array_equal(features.detach().numpy(), [[0, 0], [1, 1], [4, 4]])
    assert features.dtype == np.float32 and labels.dtype == np.int64
    assert labels.tolist() == [0, 1, 2]


def test_custom_collate_fn_receives_the_list_of_samples():
    seen = []

    def collate(samples):
        seen.append(len(samples))
        return [label for _, label in samples]

    loader = DataLoader(labelled(5), batch_size=2, collate_fn=collate)
    assert [[label.item() for label in batch] for batch in loader] == [[0, 1], [2, 3], [4]]
    assert seen == [2, 2, 1]


def test_batch_size_none_gives_single_samples():
    samples = list(DataLoader(Squares(), batch_size=None))
    assert len(samples) == 5 and samples[2][1] == 2


def test_sampler_sets_the_order():
    loader = DataLoader(labelled(), batch_size=2, sampler=[9, 0, 5])
    assert labels_of(loader) == [[9, 0], [5]]
    assert len(loader) == 2
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(labelled(), sampler=[0], shuffle=True)


def test_iterable_dataset_is_streamed_in_batches():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [batch.tolist() for batch in DataLoader(Stream(), batch_size=3)] == \
        [[0, 1, 2], [3, 4, 5], [6]]
    assert len(list(DataLoader(Stream(), batch_size=3, drop_last=True))) == 2


@pytest.mark.parametrize("kwargs,message", [(dict(batch_size=0), "positive integer"),
                                            (dict(batch_size=2.5), "positive integer"),
                                            (dict(generator="seed"), "numpy.random.Generator")])
def test_bad_arguments(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        DataLoader(labelled(), **kwargs)


def test_default_collate_structures():
    Point = namedtuple("Point", "x y")
    batch = default_collate([{"a": 1.5, "b": Point(1, "u")}, {"a": 2.5, "b": Point(2, "v")}])
    assert batch["a"].dtype == np.float64 and batch["a"].tolist() == [1.5, 2.5]
    assert isinstance(batch["b"], Point) and batch["b"].x.tolist() == [1, 2]
    assert batch["b"].y == ["u", "v"]
    stacked = default_collate([needl.ones(2, dtype=needl.float64), needl.zeros(2, dtype=needl.float64)])
    assert stacked.shape == (2, 2) and stacked.dtype == np.float64
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object()])
