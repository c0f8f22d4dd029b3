"""Work: the handle of a collective or point-to-point operation that may still be running."""
import threading
import time
from datetime import timedelta


class DistError(RuntimeError):
    """Base of the errors needl.distributed raises (as torch.distributed.DistError)."""


class DistBackendError(DistError):
    """A collective failed or timed out in the communication layer (MPI)."""


def as_seconds(timeout) -> float:
    """A timeout given as a `datetime.timedelta` (PyTorch's type) or a number of seconds."""
    seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)
    if not seconds > 0:
        raise ValueError(f"timeout must be positive, got {timeout!r}")
    return seconds


class Work:
    """Returned by an `async_op=True` call: `wait()` blocks until the operation is done.

    The operation runs on its group's thread; `wait()` re-raises what it raised there, and
    raises DistBackendError if the group's timeout passes first (some rank did not take part).
    """

    def __init__(self, group, name: str, run, outputs=()):
        self.group = group
        self.name = name
        self._run = run
        self._outputs = outputs
        self._done = threading.Event()
        self._error = None
        self._finished = False
        self.submitted = time.perf_counter()
        self.started = self.ended = None  # when the group's thread ran it (perf_counter seconds)
        self.sequence = 0  # position among the group's collectives, for error messages

    def _execute(self, comm) -> None:
        """Run the operation (on the group's thread) and record how it ended."""
        self.started = time.perf_counter()
        try:
            self._run(comm)
        except BaseException as error:  # handed to the waiting thread, raised there
            self._error = error
        self.ended = time.perf_counter()
        self._done.set()

    def _wait_done(self, seconds: float) -> bool:
        return self._done.wait(seconds)

    def wait(self, timeout=None) -> bool:
        """Block until done (at most `timeout`, else the group's timeout from the call); True."""
        if not self.is_completed():
            limit = (as_seconds(timeout) if timeout is not None
                     else self.group.timeout - (time.perf_counter() - self.submitted))
            if not self._wait_done(max(limit, 0.0)):
                raise self.group.timed_out(self, limit if timeout is not None else self.group.timeout)
        if self._error is not None:
            raise self._error
        if not self._finished:  # the arrays were written outside the tape: count the writes
            self._finished = True
            for tensor in self._outputs:
                tensor._bump_version()
        return True

    def is_completed(self) -> bool:
        return self._done.is_set()

    def is_success(self) -> bool:
        return self.is_completed() and self._error is None

    def exception(self):
        return self._error

    def result(self) -> list:
        """The tensors the operation wrote."""
        return list(self._outputs)

    def __repr__(self) -> str:
        state = "done" if self.is_completed() else "pending"
        return f"<Work {self.name} #{self.sequence} {state}>"


class RequestWork(Work):
    """Point-to-point work: an MPI request started on the caller's thread, polled until done.

    `finish(status)` runs once it completes, on the waiting thread (checks and copies).
    """

    def __init__(self, group, name: str, request, finish, outputs=(), keep=None):
        super().__init__(group, name, None, outputs)
        self._request = request
        self._finish_request = finish
        self._keep = keep  # the arrays MPI reads or writes, alive until the request is done
        self.source = None

    def is_completed(self) -> bool:
        if not self._done.is_set() and self._test():
            self._done.set()
        return self._done.is_set()

    def _test(self) -> bool:
        MPI = self.group.MPI
        status = MPI.Status()
        try:
            done = self._request.Test(status)
        except MPI.Exception as error:
            done, self._error = True, DistBackendError(f"{self.name}: {error}")
        if done and self._error is None:
            try:
                self.source = self._finish_request(status)
            except BaseException as error:
                self._error = error
        if done:
            self._keep = None
            self.ended = time.perf_counter()
        return done

    def _wait_done(self, seconds: float) -> bool:
        deadline = time.perf_counter() + seconds
        pause = 1e-6
        while not self.is_completed():
            if time.perf_counter() > deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 1e-3)  # poll fast at first, then let the cores compute
        return True

    def source_rank(self) -> int:
        """The global rank a `irecv` received from."""
        if self.source is None:
            raise RuntimeError("source_rank() is known once the receive has completed")
        return self.source
