"""DistributedSampler: PyTorch's split of a dataset's indices over the ranks (no MPI needed)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from needl.utils.data import DataLoader, DistributedSampler, TensorDataset
import needl


@settings(max_examples=60, deadline=None, derandomize=True)
@given(length=st.integers(0, 40), replicas=st.integers(1, 7), shuffle=st.booleans(),
       drop_last=st.booleans(), epoch=st.integers(0, 3))
def test_the_ranks_share_one_padded_or_cut_epoch(length, replicas, shuffle, drop_last, epoch):
    samplers = [DistributedSampler(range(length), replicas, rank, shuffle=shuffle, seed=3,
                                   drop_last=drop_last) for rank in range(replicas)]
    for sampler in samplers:
        sampler.set_epoch(epoch)
    parts = [list(sampler) for sampler in samplers]
    assert len({len(part) for part in parts}) <= 1 and all(len(p) == len(s) for p, s in zip(parts, samplers))
    order = [index for step in zip(*parts) for index in step]  # rank r holds every replicas-th from r
    if drop_last or length % replicas == 0:
        assert len(set(order)) == len(order)  # nothing repeated
    elif length:
        assert set(order) == set(range(length))  # everything, padded with repeats
    if not shuffle:
        assert order == (list(range(length)) * (1 + len(order) // max(length, 1)))[:len(order)]


def test_the_split_is_pytorchs():
    pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
    for length, replicas, drop_last in ((10, 3, False), (10, 3, True), (11, 4, False), (2, 5, False),
                                       (7, 7, True), (0, 2, False)):
        for rank in range(replicas):
            ours = DistributedSampler(range(length), replicas, rank, shuffle=False, drop_last=drop_last)
            theirs = TorchSampler(range(length), replicas, rank, shuffle=False, drop_last=drop_last)
            assert list(ours) == list(theirs) and len(ours) == len(theirs)


def test_set_epoch_reshuffles_the_same_way_on_every_rank():
    first, second = (DistributedSampler(range(20), 2, rank, seed=1) for rank in range(2))
    before = list(first)
    first.set_epoch(1)
    second.set_epoch(1)
    assert list(first) != before and not set(first) & set(second)
    assert list(DistributedSampler(range(20), 2, 0, seed=1)) == before  # deterministic


def test_it_feeds_a_dataloader():
    dataset = TensorDataset(needl.arange(10))
    loader = DataLoader(dataset, batch_size=2, sampler=DistributedSampler(dataset, 2, 1, shuffle=False))
    assert [batch[0].tolist() for batch in loader] == [[1, 3], [5, 7], [9]]


def test_bad_ranks_are_refused():
    with pytest.raises(ValueError, match="Invalid rank 2"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="num_replicas"):
        DistributedSampler(range(4), num_replicas=0, rank=0)
    assert np.asarray(DistributedSampler(range(4), 2, 0).index_array()).dtype == np.int64
