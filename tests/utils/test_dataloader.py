from collections import namedtuple

import numpy as np
import pytest

import needl
from needl.utils.data import (DataLoader, Dataset, IterableDataset, Subset, TensorDataset,
                              default_collate, default_convert, random_split)


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
    with pytest.raises(TypeError, match="found <class 'object'>"):
        default_collate([object()])


def test_default_collate_follows_pytorchs_dtype_rules():
    assert default_collate([1.5, 2.0]).dtype == np.float64  # Python floats: float64
    assert default_collate([1, 2]).dtype == np.int64
    assert default_collate([True, False]).dtype == np.bool_
    assert default_collate([np.float32(1), np.float32(2)]).dtype == np.float32
    assert default_collate([np.array(1.0), np.array(2.0)]).shape == (2,)
    batch = default_collate([(1, "a"), (2, "b")])
    assert isinstance(batch, list) and batch[1] == ["a", "b"]  # a tuple of fields: a list
    with pytest.raises(TypeError, match="found <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(RuntimeError, match=r"equal size, but got \[2\] at entry 0 and \[3\] at entry 1"):
        default_collate([np.zeros(2), np.zeros(3)])
    stacked = default_collate([needl.ones(2, requires_grad=True), needl.zeros(2)])
    assert stacked.requires_grad and stacked.grad_fn is not None  # recorded, as torch.stack


def test_default_convert_turns_arrays_into_tensors_and_keeps_the_rest():
    Point = namedtuple("Point", "x y")
    converted = default_convert((np.arange(3), 1, np.float32(2), "s", Point(np.zeros(1), 2.0)))
    assert isinstance(converted, list) and converted[1] == 1 and converted[3] == "s"
    assert isinstance(converted[0], needl.Tensor) and converted[0].dtype == np.int64
    assert converted[2].shape == () and converted[2].dtype == np.float32
    assert isinstance(converted[4], Point) and isinstance(converted[4].x, needl.Tensor)
    assert default_convert({"a": np.ones(2)})["a"].tolist() == [1.0, 1.0]
    strings = np.array(["a", "b"])
    assert default_convert(strings) is strings


def test_collate_matches_pytorch():
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate, default_convert as torch_convert
    Point = namedtuple("Point", "x y")
    samples = [{"i": 1, "f": 0.5, "b": True, "n": np.float32(3), "a": np.ones((2, 2), np.int32),
                "s": "x", "t": (1, 2.5), "p": Point(1, [2, 3])} for _ in range(3)]
    ours, theirs = default_collate(samples), torch_collate(samples)
    converted_ours, converted_theirs = default_convert(samples[0]), torch_convert(samples[0])

    def same(mine, reference):
        assert type(mine).__name__ == type(reference).__name__ or (
            isinstance(mine, needl.Tensor) and isinstance(reference, torch.Tensor))
        if isinstance(reference, torch.Tensor):
            assert str(mine.dtype).split(".")[-1] == str(reference.dtype).split(".")[-1]
            np.testing.assert_array_equal(mine.numpy(), reference.numpy())
        elif isinstance(reference, dict):
            assert list(mine) == list(reference)
            for key in reference:
                same(mine[key], reference[key])
        elif isinstance(reference, (list, tuple)):
            assert len(mine) == len(reference)
            for a, b in zip(mine, reference):
                same(a, b)
        else:
            assert mine == reference

    same(ours, theirs)
    same(converted_ours, converted_theirs)


def test_getitems_gets_a_batch_of_indices_at_once():
    class Batched(Dataset):
        calls = []

        def __len__(self):
            return 6

        def __getitem__(self, index):
            raise AssertionError("one sample at a time")

        def __getitems__(self, indices):
            self.calls.append(indices)
            return [(index, -index) for index in indices]

    batches = [[field.tolist() for field in batch] for batch in DataLoader(Batched(), batch_size=4)]
    assert batches == [[[0, 1, 2, 3], [0, -1, -2, -3]], [[4, 5], [-4, -5]]]
    assert Batched.calls == [[0, 1, 2, 3], [4, 5]] and isinstance(Batched.calls[0][0], int)
    subset = Subset(Batched(), [5, 1])
    assert next(iter(DataLoader(subset, batch_size=2)))[0].tolist() == [5, 1]


def test_needl_generator_and_the_workers_base_seed():
    generator = needl.Generator().manual_seed(4)
    first = labels_of(DataLoader(labelled(30), batch_size=30, shuffle=True, generator=generator))
    generator.manual_seed(4)
    assert labels_of(DataLoader(labelled(30), batch_size=30, shuffle=True, generator=generator)) \
        == first
    loader = DataLoader(labelled(30), batch_size=30, shuffle=True, generator=4)
    assert labels_of(loader) == first  # an int seed: the same stream (base seed, then order)


def test_iterator_length_and_iterable_dataset_length():
    class Sized(IterableDataset):
        def __iter__(self):
            return iter(range(7))

        def __len__(self):
            return 7

    assert len(DataLoader(Sized(), batch_size=3)) == 3
    assert len(DataLoader(Sized(), batch_size=3, drop_last=True)) == 2
    assert len(iter(DataLoader(labelled(), batch_size=4))) == 3
    with pytest.raises(TypeError):
        len(DataLoader(IterableStream(), batch_size=2))


class IterableStream(IterableDataset):
    def __iter__(self):
        return iter(range(3))


@pytest.mark.parametrize("kwargs,message", [
    (dict(shuffle=True), "expected unspecified shuffle option"),
    (dict(sampler=[0]), "expected unspecified sampler option"),
    (dict(batch_sampler=[[0]]), "expected unspecified batch_sampler option")])
def test_iterable_dataset_refuses_samplers(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(IterableStream(), **kwargs)


def test_options_pytorch_refuses():
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(labelled(), batch_size=None, drop_last=True)
    loader = DataLoader(labelled(), batch_size=2, pin_memory=True)  # accepted: needl is on the CPU
    with pytest.raises(ValueError, match="batch_size attribute should not be set"):
        loader.batch_size = 3
    loader.num_workers = 0  # not frozen, as in PyTorch
    assert loader.collate_fn is default_collate
    assert DataLoader(labelled(), batch_size=None).collate_fn is default_convert


def test_tensor_dataset_batches_are_lists_like_collated_tuples():
    batch = next(iter(DataLoader(labelled(), batch_size=3)))
    assert isinstance(batch, list) and len(batch) == 2
