"""DataLoader with num_workers > 0: worker processes, their seeds and errors, shared memory, and
no process left behind (every test checks that it leaves no child, alive or zombie)."""
import gc
import os
import random
import signal
import subprocess
import sys
import time
from collections import namedtuple

import numpy as np
import pytest

import needl
from needl.utils.data import (DataLoader, Dataset, IterableDataset, Subset, TensorDataset,
                              get_worker_info)
from needl.utils.data import _shared_memory, _worker

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc"), reason="counts children in /proc")
Pair = namedtuple("Pair", "image label")


def children():
    """This process's children (pid -> state, Z for a zombie), except multiprocessing's helpers."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                state, parent = stat.read().rsplit(")", 1)[1].split()[:2]
            if int(parent) != os.getpid():
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read()
        except OSError:
            continue
        if b"resource_tracker" not in command and b"forkserver" not in command:
            found[int(entry)] = state
    return found


@pytest.fixture(autouse=True)
def no_process_left():
    before = children()
    yield
    if set(children()) - set(before):
        gc.collect()  # iterators kept in reference cycles (by a caught exception) die here
    left = {pid: state for pid, state in children().items() if pid not in before}
    assert not left, f"processes left behind (pid: state): {left}"


class Squares(Dataset):
    """A Python-level dataset: every sample made by __getitem__; which process made it is kept."""

    def __init__(self, n=23):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        info = get_worker_info()
        return np.full((2, 3), index * index, dtype=np.float32), index, -1 if info is None else info.id


class Draws(Dataset):
    """Each sample: the worker's seed and a draw from NumPy's, Python's and needl's generators."""

    def __len__(self):
        return 4

    def __getitem__(self, index):
        info = get_worker_info()
        return np.array([info.seed, np.random.randint(2 ** 31), random.randrange(2 ** 31),
                         needl.randint(0, 2 ** 31, (1,)).item(), os.getpid()])


class Failing(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, index):
        if index == 3:
            raise ValueError(f"sample {index} is broken")
        if index == 5:
            raise KeyError("no such key")
        return index


class Dying(Dataset):
    def __init__(self, how):
        self.how = how

    def __len__(self):
        return 8

    def __getitem__(self, index):
        if index == 5:
            if self.how == "signal":
                os.kill(os.getpid(), signal.SIGKILL)
            os._exit(3)
        return index


class Sleepy(Dataset):
    def __init__(self, seconds):
        self.seconds = seconds

    def __len__(self):
        return 4

    def __getitem__(self, index):
        if index == 0:
            time.sleep(self.seconds)
        return index


class Range(IterableDataset):
    """0..n-1, each worker taking every num_workers-th from its id, as PyTorch's docs shard."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))


class ArrayBacked(Dataset):
    """A get_batch that does per-sample work (not vectorized): workers make these batches."""

    def __len__(self):
        return 10

    def __getitem__(self, index):
        return index

    def get_batch(self, indices):
        return needl.tensor(indices * 10 + (get_worker_info() is not None))


def collected(loader):
    return [[field.tolist() if isinstance(field, needl.Tensor) else field for field in batch]
            for batch in loader]


def test_batches_equal_the_main_process_ones_in_sampler_order():
    in_main = DataLoader(Squares(), batch_size=4, shuffle=True, generator=3)
    in_workers = DataLoader(Squares(), batch_size=4, shuffle=True, generator=3, num_workers=2)
    main_batches, worker_batches = collected(in_main), collected(in_workers)
    assert [b[:2] for b in worker_batches] == [b[:2] for b in main_batches]
    assert {id for b in worker_batches for id in b[2]} == {0, 1}  # made by both workers
    assert all(set(b[2]) == {-1} for b in main_batches)
    images, labels, _ = next(iter(in_workers))
    assert isinstance(images, needl.Tensor) and images.dtype == np.float32
    assert images.shape == (4, 2, 3) and labels.dtype == np.int64
    assert len(iter(in_workers)) == len(in_workers) == 6


def test_arrays_live_in_shared_memory_reused_and_outlive_the_iterator():
    loader = DataLoader(Squares(64), batch_size=2, num_workers=2, drop_last=True)
    iterator = iter(loader)
    kept = next(iterator)
    for _ in iterator:
        pass
    mapped = [len(worker.reader._maps) for worker in iterator._workers]
    del iterator
    assert max(mapped) <= loader.prefetch_factor + 3  # segments came back and were reused
    images = kept[0].numpy()
    assert images.flags.writeable and images.base is not None  # a view of the segment
    images += 1  # still mapped after the workers have gone
    np.testing.assert_array_equal(kept[0].numpy()[:, 0, 0], [1, 2])


def test_arrays_inside_the_pickle_where_descriptors_cannot_pass(monkeypatch):
    monkeypatch.setattr(_shared_memory, "SHARED", False)  # forked workers inherit it
    batches = collected(DataLoader(Squares(6), batch_size=4, num_workers=1))
    assert [b[1] for b in batches] == [[0, 1, 2, 3], [4, 5]]


def test_structures_collate_fn_and_batch_size_none_in_workers():
    class Records(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, index):
            return {"pair": Pair(np.float64(index), index), "name": f"n{index}"}

    batch = next(iter(DataLoader(Records(), batch_size=3, num_workers=1)))
    assert isinstance(batch["pair"], Pair) and batch["name"] == ["n0", "n1", "n2"]
    assert batch["pair"].image.dtype == np.float64 and batch["pair"].label.tolist() == [0, 1, 2]

    def with_grad(samples):
        return {"sum": sum(label for _, label, _ in samples),
                "weight": needl.ones(2, requires_grad=True)}

    custom = list(DataLoader(Squares(4), batch_size=2, num_workers=1, collate_fn=with_grad))
    assert [b["sum"] for b in custom] == [1, 5] and custom[0]["weight"].requires_grad
    singles = list(DataLoader(Squares(3), batch_size=None, num_workers=2))
    assert [sample[1] for sample in singles] == [0, 1, 2]  # default_convert: ints stay ints
    assert isinstance(singles[0][0], needl.Tensor) and singles[0][0].shape == (2, 3)


def test_worker_info_and_seeds_as_pytorch():
    assert get_worker_info() is None
    needl.manual_seed(5)
    first = np.stack([batch.numpy()[0] for batch in DataLoader(Draws(), num_workers=2)])
    needl.manual_seed(5)
    again = np.stack([batch.numpy()[0] for batch in DataLoader(Draws(), num_workers=2)])
    np.testing.assert_array_equal(first[:, :4], again[:, :4])  # reproducible from manual_seed
    seeds = first[:, 0]
    assert seeds[1] == seeds[0] + 1 and seeds[2] == seeds[0]  # base_seed + worker id
    assert first[0, 1] != first[1, 1] and first[0, 2] != first[1, 2] and first[0, 3] != first[1, 3]
    later = np.stack([batch.numpy()[0] for batch in DataLoader(Draws(), num_workers=2)])
    assert later[0, 0] != seeds[0]  # a new base seed for every iterator
    with pytest.raises(RuntimeError, match="Cannot assign"):
        _worker.WorkerInfo(id=0, num_workers=1, seed=0, dataset=None).id = 1


def test_numpy_seed_is_pytorchs_hash():
    # torch.utils.data._utils.worker._generate_state(base_seed, worker_id) of PyTorch 2.13
    assert _worker.numpy_seed(123456789012345, 0).tolist() == \
        [2559321155, 1715343867, 28660248, 1748417355]
    assert _worker.numpy_seed(2 ** 62 + 5, 3).tolist() == \
        [3243380485, 319250075, 2406052488, 2716599019]


def test_worker_init_fn_runs_in_each_worker_and_its_errors_reach_the_main_process():
    def init(worker_id):
        np.random.seed(100 + worker_id)

    draws = [batch.numpy()[0, 1] for batch in DataLoader(Draws(), num_workers=2,
                                                        worker_init_fn=init)]
    assert draws[0] == np.random.RandomState(100).randint(2 ** 31)
    assert draws[1] == np.random.RandomState(101).randint(2 ** 31)

    def broken(worker_id):
        raise OSError(f"cannot open shard {worker_id}")

    with pytest.raises(OSError, match="(?s)Caught OSError in DataLoader worker process 0.*"
                                      "cannot open shard 0"):
        next(iter(DataLoader(Squares(), num_workers=1, worker_init_fn=broken)))


def test_a_dataset_error_is_raised_with_the_worker_traceback_and_iteration_goes_on():
    iterator = iter(DataLoader(Failing(), batch_size=2, num_workers=2))
    assert next(iterator).tolist() == [0, 1]
    with pytest.raises(ValueError) as error:
        next(iterator)
    text = str(error.value)
    assert "Caught ValueError in DataLoader worker process 1." in text
    assert "Traceback (most recent call last)" in text and "sample 3 is broken" in text
    assert "raise ValueError" in text  # the line of the dataset that raised
    with pytest.raises(KeyError) as error:
        next(iterator)
    assert "\n" in str(error.value) and "no such key" in str(error.value)  # printed readably
    assert next(iterator).tolist() == [6, 7]


@pytest.mark.parametrize("how,message", [("signal", "is killed by signal: Killed"),
                                         ("exit", "exited unexpectedly")])
def test_a_dead_worker_is_an_error_not_a_hang(how, message):
    started = time.monotonic()
    with pytest.raises(RuntimeError, match=message):
        list(DataLoader(Dying(how), batch_size=2, num_workers=2))
    assert time.monotonic() - started < 5


def test_timeout():
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.2 seconds"):
        list(DataLoader(Sleepy(30), batch_size=2, num_workers=1, timeout=0.2))
    assert time.monotonic() - started < 5  # the stuck worker was terminated, not awaited


def test_in_order_false_yields_batches_as_they_come():
    loader = DataLoader(Sleepy(0.3), batch_size=2, num_workers=2, in_order=False)
    assert [batch.tolist() for batch in loader] == [[2, 3], [0, 1]]
    assert [b.tolist() for b in DataLoader(Sleepy(0.01), batch_size=2, num_workers=2)] == \
        [[0, 1], [2, 3]]


def test_iterable_dataset_sharded_by_worker_info():
    loader = DataLoader(Range(11), batch_size=2, num_workers=2)
    # worker 0 streams 0 2 4 6 8 10, worker 1 streams 1 3 5 7 9; batches alternate, as PyTorch's
    assert [b.tolist() for b in loader] == [[0, 2], [1, 3], [4, 6], [5, 7], [8, 10], [9]]
    assert [b.tolist() for b in DataLoader(Range(11), batch_size=2, num_workers=2,
                                           drop_last=True)] == [[0, 2], [1, 3], [4, 6], [5, 7],
                                                                [8, 10]]
    assert sorted(DataLoader(Range(5), batch_size=None, num_workers=2)) == [0, 1, 2, 3, 4]


def test_persistent_workers_keep_their_processes_and_restart_streams():
    loader = DataLoader(Draws(), batch_size=1, num_workers=2, persistent_workers=True)
    first = [batch.numpy()[0] for batch in loader]
    iterator = iter(loader)
    next(iterator)  # an epoch left half-way...
    second = [batch.numpy()[0] for batch in loader]  # ...then a whole new one
    assert len(second) == 4
    assert {row[4] for row in first} == {row[4] for row in second}  # the same two processes
    assert first[0][1] != second[0][1]  # their generators went on
    streams = DataLoader(Range(5), batch_size=2, num_workers=2, persistent_workers=True)
    assert [b.tolist() for b in streams] == [b.tolist() for b in streams] == \
        [[0, 2], [1, 3], [4]]
    del loader, iterator, streams  # persistent workers leave with their loader


def test_dropping_the_iterator_stops_its_workers_at_once():
    iterator = iter(DataLoader(Squares(), batch_size=2, num_workers=2))
    next(iterator)
    pids = [worker.process.pid for worker in iterator._workers]
    assert set(pids) <= set(children())
    del iterator  # no gc.collect(): reference counting is enough
    assert not set(pids) & set(children())


def test_spawn_context_with_a_picklable_dataset():
    loader = DataLoader(Squares(5), batch_size=2, num_workers=1, multiprocessing_context="spawn")
    assert [b[1].tolist() for b in loader] == [[0, 1], [2, 3], [4]]


def test_vectorized_array_datasets_stay_in_the_main_process_others_use_workers():
    data = TensorDataset(needl.arange(10.0), needl.arange(10))
    for dataset in (data, Subset(data, [3, 1, 4])):
        loader = DataLoader(dataset, batch_size=4, num_workers=2)
        iterator = iter(loader)
        assert not children() and next(iterator)[1].tolist()[:2] in ([0, 1], [3, 1])
    batches = [b.tolist() for b in DataLoader(ArrayBacked(), batch_size=5, num_workers=2)]
    assert batches == [[1, 11, 21, 31, 41], [51, 61, 71, 81, 91]]  # get_batch ran in workers


def test_the_program_exits_cleanly_with_an_iterator_alive():
    script = ("import os, numpy as np\n"
              "from needl.utils.data import DataLoader, Dataset\n"
              "class D(Dataset):\n"
              "    def __len__(self): return 100\n"
              "    def __getitem__(self, i): return np.zeros(3)\n"
              "it = iter(DataLoader(D(), batch_size=2, num_workers=2, persistent_workers=True))\n"
              "next(it)\n"
              "print(' '.join(str(w.process.pid) for w in it._workers))\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "PYTHONPATH": root})
    assert result.returncode == 0 and result.stderr == "", result.stderr
    for pid in map(int, result.stdout.split()):
        assert not os.path.exists(f"/proc/{pid}"), f"worker {pid} outlived its program"


@pytest.mark.parametrize("kwargs,error,message", [
    (dict(prefetch_factor=2), ValueError, "prefetch_factor option could only be specified"),
    (dict(num_workers=2, prefetch_factor=0), ValueError, "positive integer"),
    (dict(persistent_workers=True), ValueError, "persistent_workers option needs num_workers"),
    (dict(timeout=-1), ValueError, "timeout option should be non-negative"),
    (dict(num_workers=-1), ValueError, "num_workers option should be non-negative"),
    (dict(multiprocessing_context="fork"), ValueError, "num_workers > 0"),
    (dict(num_workers=1, multiprocessing_context="thread"), ValueError, "valid start method"),
    (dict(num_workers=1, multiprocessing_context=3), TypeError, "valid context object"),
])
def test_worker_argument_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        DataLoader(Squares(), **kwargs)
