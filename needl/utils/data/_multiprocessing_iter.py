"""The main process's side of `num_workers > 0`: start the workers, hand them index batches in the
sampler's order, and yield their batches in that order (or as they come, with in_order=False).

Each worker has one socket pair to the main process: tasks go one way, replies the other, and a
worker handles its tasks first come first served, so the reply to the oldest task in flight is the
next message on its worker's socket. Every worker has `prefetch_factor` tasks in flight; each batch
taken is replaced by a new task to the same worker (to the next one still streaming, when an
IterableDataset's share has ended). While waiting, the main process also watches every worker's
process sentinel, so a worker that dies (killed by a signal, os._exit...) is an error at once,
not a hang. Workers are daemonic and are stopped (asked, then terminated) when the iterator ends,
is dropped, or the program exits.
"""
import collections
import multiprocessing
import multiprocessing.connection
import os
import signal
import time
import warnings
from typing import Any, List

import numpy as np

from . import _worker
from ._fetch import BaseDataLoaderIter

SHUTDOWN_SECONDS = 5.0  # how long workers get to finish their current batch and leave


class _KeyErrorMessage(str):
    """A KeyError's text printed as it is (KeyError shows the repr of its argument)."""

    def __repr__(self) -> str:
        return self


class _Worker:
    """One worker as the main process sees it: its process, its socket, the mappings of its
    shared-memory segments, its tasks in flight, and whether its stream still has batches."""
    __slots__ = ("process", "connection", "reader", "pending", "active")

    def __init__(self, process, connection):
        self.process, self.connection = process, connection
        self.reader = _worker._shared_memory.SegmentReader()
        self.pending, self.active = 0, True


def _warn_if_too_many(num_workers: int) -> None:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    if num_workers > cores:
        warnings.warn(f"This DataLoader will create {num_workers} worker processes in total. "
                      f"Our suggested max number of worker in current system is {cores}, which is "
                      f"smaller than what this DataLoader is going to create. Please be aware that "
                      f"excessive worker creation might get DataLoader running slow or even freeze, "
                      f"lower the worker number to avoid potential slowness/freeze if necessary.",
                      stacklevel=4)


class MultiProcessingDataLoaderIter(BaseDataLoaderIter):
    """Batches from `loader.num_workers` worker processes (see the module docstring)."""

    def __init__(self, loader):
        super().__init__(loader)
        context = loader.multiprocessing_context or multiprocessing.get_context()
        self._prefetch = loader.prefetch_factor
        self._in_order = loader.in_order
        self._timeout = loader.timeout
        self._persistent = loader.persistent_workers
        self._owner = os.getpid()
        self._workers: List[_Worker] = []
        self._shutdown = False
        self._next_task = 0
        self._epoch_start = 0                 # replies to older tasks are a previous epoch's
        self._order = collections.deque()     # (task id, worker) in flight, oldest first
        self._in_flight = 0
        _warn_if_too_many(loader.num_workers)
        if context.get_start_method() == "fork":
            _worker.blas_controller()  # found here once rather than in every worker
        try:
            for worker_id in range(loader.num_workers):
                parent_end, child_end = context.Pipe(duplex=True)
                process = context.Process(
                    target=_worker.worker_loop, daemon=True,
                    args=(self._dataset, self._iterable, self._batch_size, self._auto_collation,
                          self._collate_fn, self._drop_last, child_end, worker_id,
                          loader.num_workers, self._base_seed, loader.worker_init_fn, self._owner))
                self._workers.append(_Worker(process, parent_end))
                process.start()
                child_end.close()
        except BaseException:
            self._shutdown_workers()
            raise
        self._prime()

    def _prime(self) -> None:
        for _ in range(self._prefetch):
            for worker in self._workers:
                self._dispatch(worker)

    def _dispatch(self, worker: _Worker) -> None:
        """Send the next index batch to `worker` (nothing once the sampler has run out)."""
        try:
            index = self._next_index()
        except StopIteration:
            return
        task_id, self._next_task = self._next_task, self._next_task + 1
        if isinstance(index, np.ndarray):
            index = index.astype(np.int64, copy=False).tobytes()  # cheaper than a pickled array
        worker.connection.send((task_id, index, worker.reader.take_released()))
        worker.pending += 1
        self._in_flight += 1
        if self._in_order:
            self._order.append((task_id, worker))

    def _refill(self, worker: _Worker) -> None:
        """A new task for `worker`, or for the next worker whose stream has not ended."""
        start = self._workers.index(worker)
        for step in range(len(self._workers)):
            candidate = self._workers[(start + step) % len(self._workers)]
            if candidate.active:
                self._dispatch(candidate)
                return

    def _next_data(self) -> Any:
        while True:
            if self._shutdown:  # after an error that stopped the workers
                raise StopIteration
            if not self._in_flight:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            if self._in_order:
                task_id, worker = self._order.popleft()
            else:
                worker = self._wait([w for w in self._workers if w.pending])[0]
            task_id, kind, body = self._receive(worker)
            worker.pending -= 1
            self._in_flight -= 1
            if kind == _worker.EXHAUSTED:
                worker.active = False
                self._refill(worker)
                continue
            self._refill(worker)
            if kind == _worker.ERROR:
                self._raise_worker_error(*body)
            return body

    def _receive(self, worker: _Worker):
        """The reply to `worker`'s oldest task of this epoch: (task id, kind, batch or error)."""
        while True:
            self._wait([worker])
            try:
                task_id, kind, body = worker.connection.recv()
            except (EOFError, OSError):  # its socket closed: the worker has died
                self._raise_worker_death()
            stale = task_id < self._epoch_start
            if kind == _worker.BATCH:
                if stale:
                    worker.reader.discard(body, worker.connection)
                    continue
                body = worker.reader.unpack(body, worker.connection)
            if not stale:
                return task_id, kind, body

    def _wait(self, workers: List[_Worker]) -> List[_Worker]:
        """The workers among `workers` with a reply ready; an error on timeout or if any worker
        has died."""
        connections = {worker.connection: worker for worker in workers}
        sentinels = [worker.process.sentinel for worker in self._workers]
        ready = multiprocessing.connection.wait(list(connections) + sentinels,
                                                self._timeout if self._timeout > 0 else None)
        answered = [connections[item] for item in ready if item in connections]
        if answered:
            return answered
        if not ready:
            self._shutdown_workers(patient=False)
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
        self._raise_worker_death()

    def _raise_worker_death(self):
        sentinels = [worker.process.sentinel for worker in self._workers]
        ended = multiprocessing.connection.wait(sentinels, SHUTDOWN_SECONDS)
        dead = [worker.process for worker in self._workers if worker.process.sentinel in ended]
        for process in dead:  # its sentinel closes a moment before its exit code can be read
            process.join(SHUTDOWN_SECONDS)
        self._shutdown_workers(patient=False)
        killed = [process for process in dead if process.exitcode < 0]
        if killed:
            process = killed[0]
            raise RuntimeError(f"DataLoader worker (pid {process.pid}) is killed by signal: "
                               f"{signal.strsignal(-process.exitcode)}.")
        pids = ", ".join(str(process.pid) for process in dead)
        codes = ", ".join(str(process.exitcode) for process in dead)
        raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly "
                           f"(exit code(s) {codes})")

    @staticmethod
    def _raise_worker_error(error_type, text: str):
        if error_type is KeyError:
            text = _KeyErrorMessage(text)
        try:
            error = error_type(text) if error_type is not None else RuntimeError(text)
        except Exception:
            error = RuntimeError(text)
        raise error

    def _reset(self, loader) -> None:
        """A new epoch for persistent workers: replies to older tasks are skipped, streams start
        again."""
        self._start_epoch(loader)
        self._epoch_start = self._next_task
        self._order.clear()
        self._in_flight = 0
        for worker in self._workers:
            worker.pending, worker.active = 0, True
            if self._iterable:
                worker.connection.send((_worker.RESUME, None, worker.reader.take_released()))
        self._prime()

    def _shutdown_workers(self, patient: bool = True) -> None:
        """Ask every worker to leave, give them SHUTDOWN_SECONDS to finish their batch (none when
        something went wrong), then terminate (then kill) the rest."""
        if getattr(self, "_shutdown", True) or os.getpid() != self._owner:
            return
        self._shutdown = True
        for worker in self._workers:
            try:
                worker.connection.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + (SHUTDOWN_SECONDS if patient else 0.0)
        for worker in self._workers:
            if worker.process.pid is not None:
                worker.process.join(max(0.0, deadline - time.monotonic()))
        for worker in self._workers:
            if worker.process.pid is not None and worker.process.is_alive():
                worker.process.terminate()
                worker.process.join(1.0)
                if worker.process.is_alive():
                    worker.process.kill()
                    worker.process.join()
        for worker in self._workers:
            worker.connection.close()

    def __del__(self):
        try:
            self._shutdown_workers()
        except Exception:  # at interpreter exit, modules may already be gone
            pass
