"""ChainDataset and StackDataset, as torch.utils.data's."""
import pytest

import needl
from needl.utils.data import ChainDataset, DataLoader, IterableDataset, StackDataset, TensorDataset


class Counting(IterableDataset):
    def __init__(self, count):
        self.count = count

    def __iter__(self):
        return iter(range(self.count))

    def __len__(self):
        return self.count


def test_chain_dataset_streams_one_after_another():
    chain = ChainDataset([Counting(2), Counting(3)])
    assert list(chain) == [0, 1, 0, 1, 2] and len(chain) == 5
    assert list(Counting(1) + Counting(2)) == [0, 0, 1]
    with pytest.raises(AssertionError, match="IterableDataset"):
        list(ChainDataset([TensorDataset(needl.arange(2))]))


def test_stack_dataset_tuples_and_dicts():
    features, labels = needl.arange(4.0), needl.arange(4) * 10
    stacked = StackDataset(features, labels)
    assert len(stacked) == 4 and stacked[2][1].item() == 20
    named = StackDataset(x=features, y=labels)
    assert named[1]["y"].item() == 10
    batch = next(iter(DataLoader(named, batch_size=3)))
    assert batch["x"].shape == (3,) and batch["y"].tolist() == [0, 10, 20]
    with pytest.raises(ValueError, match="Size mismatch"):
        StackDataset(features, needl.arange(3))
    with pytest.raises(ValueError, match="both"):
        StackDataset(features, y=labels)
