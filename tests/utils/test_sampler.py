import itertools

import numpy as np
import pytest

import needl
from needl.utils.data import (BatchSampler, DataLoader, RandomSampler, Sampler, SequentialSampler,
                              SubsetRandomSampler, TensorDataset, WeightedRandomSampler)


def dataset(n=10):
    return TensorDataset(needl.arange(n))


def test_sequential_and_random_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    sampler = RandomSampler(range(20), generator=0)
    first, second = list(sampler), list(sampler)
    assert sorted(first) == list(range(20)) and first != second and len(sampler) == 20
    assert all(isinstance(i, int) for i in first)


def test_random_sampler_num_samples_with_and_without_replacement():
    more = RandomSampler(range(5), num_samples=12, generator=1).index_array()
    assert len(more) == 12 and sorted(more[:5].tolist()) == list(range(5))
    drawn = RandomSampler(range(3), replacement=True, num_samples=50, generator=1).index_array()
    assert len(drawn) == 50 and set(drawn.tolist()) <= {0, 1, 2}
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(3), num_samples=0)


def test_subset_random_sampler_permutes_only_its_indices():
    assert sorted(SubsetRandomSampler([7, 3, 5], generator=0)) == [3, 5, 7]


def test_weighted_sampler_follows_the_weights():
    draws = WeightedRandomSampler([0.0, 1.0, 3.0], num_samples=4000, generator=0).index_array()
    counts = np.bincount(draws, minlength=3)
    assert counts[0] == 0 and 2.6 < counts[2] / counts[1] < 3.4
    with pytest.raises(ValueError, match="without replacement"):
        WeightedRandomSampler([0.0, 1.0], num_samples=2, replacement=False)
    with pytest.raises(ValueError, match="non-negative"):
        WeightedRandomSampler([-1.0, 1.0], num_samples=2)


def test_batch_sampler_groups_indices():
    assert list(BatchSampler(SequentialSampler(range(5)), 2, drop_last=False)) == [[0, 1], [2, 3], [4]]
    assert list(BatchSampler(range(5), 2, drop_last=True)) == [[0, 1], [2, 3]]
    assert len(BatchSampler(range(5), 2, drop_last=False)) == 3


def test_dataloader_with_sampler_and_batch_sampler():
    loader = DataLoader(dataset(), batch_size=4, sampler=SubsetRandomSampler([1, 3, 5, 7, 9], 0))
    labels = sorted(sum((batch[0].tolist() for batch in loader), []))
    assert labels == [1, 3, 5, 7, 9] and len(loader) == 2
    loader = DataLoader(dataset(), batch_sampler=[[0, 9], [4]])
    assert [batch[0].tolist() for batch in loader] == [[0, 9], [4]] and len(loader) == 2
    with pytest.raises(ValueError, match="mutually exclusive with batch_size"):
        DataLoader(dataset(), batch_size=2, batch_sampler=[[0]])


def test_a_pytorch_style_sampler_subclass_works():
    class EvenFirst(Sampler):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(list(range(0, self.n, 2)) + list(range(1, self.n, 2)))

        def __len__(self):
            return self.n

    loader = DataLoader(dataset(6), batch_size=3, sampler=EvenFirst(6))
    assert [batch[0].tolist() for batch in loader] == [[0, 2, 4], [1, 3, 5]]
    with pytest.raises(NotImplementedError):
        iter(Sampler())


def test_worker_options_are_accepted():
    loader = DataLoader(dataset(4), batch_size=2, num_workers=2, pin_memory=True,
                        persistent_workers=True, prefetch_factor=2)
    assert [batch[0].tolist() for batch in loader] == [[0, 1], [2, 3]]


def test_an_endless_random_sampler_draws_lazily():
    # the "infinite loader" idiom: 1e10 draws would be 74.5 GiB if drawn at once
    sampler = RandomSampler(range(10), replacement=True, num_samples=int(1e10), generator=0)
    assert len(sampler) == int(1e10)
    first = list(itertools.islice(iter(sampler), 200_000))  # crosses several chunks
    assert len(first) == 200_000 and set(first) == set(range(10))
    loader = DataLoader(dataset(), batch_size=3, sampler=sampler)
    batches = list(itertools.islice(iter(loader), 5))
    assert all(batch[0].shape == (3,) and 0 <= int(batch[0].min()) <= int(batch[0].max()) < 10
               for batch in batches)
    assert len(loader) == -(-int(1e10) // 3)


def test_an_endless_weighted_sampler_draws_lazily():
    sampler = WeightedRandomSampler([0.0, 1.0, 3.0], num_samples=int(1e10), generator=0)
    first = np.array(list(itertools.islice(iter(sampler), 100_000)))
    counts = np.bincount(first, minlength=3)
    assert len(sampler) == int(1e10) and counts[0] == 0 and 2.8 < counts[2] / counts[1] < 3.2


def test_batches_are_cut_across_chunk_boundaries():
    class Chunks(Sampler):
        def index_chunks(self):
            yield from (np.arange(0, 5), np.arange(5, 6), np.arange(6, 11))

        def __len__(self):
            return 11

    assert list(Chunks()) == list(range(11))
    assert list(BatchSampler(Chunks(), 4, drop_last=False)) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10]]
    assert list(BatchSampler(Chunks(), 4, drop_last=True)) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    endless = BatchSampler(itertools.count(), 2, drop_last=False)  # any iterable, consumed lazily
    assert list(itertools.islice(endless, 3)) == [[0, 1], [2, 3], [4, 5]]


def test_permutation_rounds_are_drawn_one_at_a_time():
    sampler = RandomSampler(range(4), num_samples=10, generator=3)
    chunks = list(sampler.index_chunks())
    assert [len(c) for c in chunks] == [4, 4, 2] and all(sorted(c.tolist()) == [0, 1, 2, 3] for c in chunks[:2])
    with pytest.raises(ValueError, match="empty data_source"):
        list(RandomSampler([], replacement=True, num_samples=3))
