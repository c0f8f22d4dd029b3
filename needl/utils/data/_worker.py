"""What runs inside a DataLoader worker process: its seeds, `get_worker_info()`, and the loop that
fetches the batches the main process asks for and sends them back through shared memory.

A worker is seeded as PyTorch seeds one: `seed = base_seed + worker_id` for Python's `random` and
needl's generator, and NumPy's global generator from the same hash of (worker_id, base_seed) that
PyTorch uses, so every worker draws different numbers and every epoch new ones. A dataset or a
`worker_init_fn` that raises does not kill the worker: the error and its traceback go to the main
process, which raises it. The worker leaves when told to, when its socket closes, or when its
parent has gone (it checks every second while idle).
"""
import os
import pickle
import random
import signal
import sys
import traceback
from typing import Any, Callable, Optional

import numpy as np

from ...autograd import random as needl_random
from . import _shared_memory
from ._fetch import IterableFetcher, MapFetcher

RESUME = -1                       # task id of "start the dataset's stream again" (persistent workers)
BATCH, EXHAUSTED, ERROR = 0, 1, 2  # kinds of replies
WATCHDOG_SECONDS = 1.0


class WorkerInfo:
    """What `get_worker_info()` tells code running in a worker: `id`, `num_workers`, `seed` and
    `dataset` (this worker's copy of it). Read-only, as PyTorch's."""

    def __init__(self, **fields):
        for name, value in fields.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_fields", tuple(fields))

    def __setattr__(self, name, value):
        raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)}" for name in self._fields)
        return f"{type(self).__name__}({fields})"


_worker_info: Optional[WorkerInfo] = None


def get_worker_info() -> Optional[WorkerInfo]:
    """In a DataLoader worker process, its WorkerInfo (id, num_workers, seed, dataset); in the
    main process, None. An IterableDataset uses it to give each worker its own share:

        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, len(data), step))
    """
    return _worker_info


def numpy_seed(base_seed: int, worker_id: int) -> np.ndarray:
    """The seed of NumPy's global generator in a worker: PyTorch's hash of (worker_id, base_seed),
    which is NumPy's SeedSequence of those words."""
    words = [worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]
    return np.random.SeedSequence(words).generate_state(4)


def _seed(base_seed: int, worker_id: int) -> int:
    seed = base_seed + worker_id
    random.seed(seed)
    needl_random.manual_seed(seed)
    np.random.seed(numpy_seed(base_seed, worker_id))
    return seed


_blas = {}  # "controller": threadpoolctl's view of the BLAS libraries, or None without it


def blas_controller():
    """threadpoolctl's controller of the BLAS libraries (None without threadpoolctl), found once
    per process: the main process finds it before forking, so that workers need not search."""
    if "controller" not in _blas:
        try:
            from threadpoolctl import ThreadpoolController
            _blas["controller"] = ThreadpoolController()
        except ImportError:
            _blas["controller"] = None
    return _blas["controller"]


def _one_blas_thread() -> None:
    """One BLAS thread per worker, as PyTorch's workers use one thread (needs threadpoolctl)."""
    controller = blas_controller()
    if controller is not None:
        controller.limit(limits=1, user_api="blas")


def _describe_error(worker_id: int) -> tuple:
    """The exception being handled, as the main process will raise it: (type or None when it
    cannot cross processes, message with the worker's traceback)."""
    error_type = sys.exc_info()[0]
    text = (f"Caught {error_type.__name__} in DataLoader worker process {worker_id}.\n"
            f"Original {traceback.format_exc()}")
    try:
        pickle.dumps(error_type)
    except Exception:
        error_type = None
    return error_type, text


def _next_task(connection, parent_pid: int):
    """The next message from the main process, or None once it has gone."""
    while not connection.poll(WATCHDOG_SECONDS):
        if os.getppid() != parent_pid:
            return None
    return connection.recv()


def worker_loop(dataset, iterable: bool, batch_size: Optional[int], auto_collation: bool,
                collate_fn: Optional[Callable], drop_last: bool, connection, worker_id: int,
                num_workers: int, base_seed: int, worker_init_fn: Optional[Callable[[int], Any]],
                parent_pid: int) -> None:
    """Serve the main process's tasks (task id, indices, released segment ids) until it says stop
    (None) or goes away; each reply is (task id, BATCH | EXHAUSTED | ERROR, body)."""
    global _worker_info
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    seed = _seed(base_seed, worker_id)
    _one_blas_thread()
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)

    def new_fetcher():
        if iterable:
            return IterableFetcher(dataset, batch_size, collate_fn, drop_last)
        return MapFetcher(dataset, auto_collation, collate_fn)

    writer = _shared_memory.SegmentWriter()
    fetcher, failure = None, None
    try:
        if worker_init_fn is not None:
            worker_init_fn(worker_id)
        fetcher = new_fetcher()
    except Exception:
        failure = _describe_error(worker_id)
    try:
        while True:
            task = _next_task(connection, parent_pid)
            if task is None:
                break
            task_id, index, released = task
            writer.release(released)
            if isinstance(index, bytes):
                index = np.frombuffer(index, dtype=np.int64)
            if task_id == RESUME:
                if failure is None and iterable:
                    try:
                        fetcher = new_fetcher()
                    except Exception:
                        failure = _describe_error(worker_id)
                continue
            if failure is not None:
                connection.send((task_id, ERROR, failure))
                continue
            try:
                message, descriptor = writer.pack(fetcher.fetch(index))
            except StopIteration:
                if not iterable:
                    connection.send((task_id, ERROR, _describe_error(worker_id)))
                else:
                    connection.send((task_id, EXHAUSTED, None))
                continue
            except Exception:
                connection.send((task_id, ERROR, _describe_error(worker_id)))
                continue
            _shared_memory.send(connection, (task_id, BATCH, message), descriptor)
    except (EOFError, OSError):
        pass  # the main process closed our socket: it has stopped listening
    finally:
        writer.close()
