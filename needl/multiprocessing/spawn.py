"""spawn and start_processes: run fn(i, *args) in nprocs processes, as torch.multiprocessing does."""
import multiprocessing
import multiprocessing.connection
import signal
import sys
import traceback
from typing import Optional


class ProcessException(Exception):
    def __init__(self, message: str, error_index: int, pid: int):
        super().__init__(message)
        self.msg = message
        self.error_index = error_index
        self.pid = pid


class ProcessRaisedException(ProcessException):
    """A spawned process raised; the message holds its traceback."""


class ProcessExitedException(ProcessException):
    """A spawned process exited with a non-zero code or was killed by a signal."""

    def __init__(self, message: str, error_index: int, error_pid: int, exit_code: int,
                 signal_name: Optional[str] = None):
        super().__init__(message, error_index, error_pid)
        self.exit_code = exit_code
        self.signal_name = signal_name


def _wrap(fn, index: int, args: tuple, errors) -> None:
    """The child's entry point: run fn(index, *args); send the traceback home if it raises."""
    try:
        fn(index, *args)
    except KeyboardInterrupt:
        pass  # the parent is stopping everything
    except Exception:
        errors.put(traceback.format_exc())
        sys.exit(1)


class ProcessContext:
    """The spawned processes; `join()` waits, and raises if one of them failed."""

    def __init__(self, processes, error_queues):
        self.processes = processes
        self.error_queues = error_queues
        self.sentinels = {process.sentinel: index for index, process in enumerate(processes)}

    def pids(self) -> list:
        return [process.pid for process in self.processes]

    def join(self, timeout: Optional[float] = None) -> bool:
        """Wait (at most `timeout` s) for the processes; True once all have ended without error.

        On the first failure the others are terminated and the failure is raised here.
        """
        if not self.sentinels:
            return True
        ready = multiprocessing.connection.wait(list(self.sentinels), timeout=timeout)
        failed = None
        for sentinel in ready:
            index = self.sentinels.pop(sentinel)
            process = self.processes[index]
            process.join()
            if process.exitcode != 0:
                failed = index
                break
        if failed is None:
            return not self.sentinels
        for process in self.processes:  # one failed: stop the others, as PyTorch does
            if process.is_alive():
                process.terminate()
            process.join()
        process = self.processes[failed]
        if not self.error_queues[failed].empty():
            trace = self.error_queues[failed].get()
            raise ProcessRaisedException(f"\n\n-- Process {failed} terminated with the following "
                                         f"error:\n{trace}", failed, process.pid)
        if process.exitcode < 0:
            name = signal.Signals(-process.exitcode).name
            raise ProcessExitedException(f"process {failed} terminated with signal {name}", failed,
                                         process.pid, process.exitcode, name)
        raise ProcessExitedException(f"process {failed} terminated with exit code "
                                     f"{process.exitcode}", failed, process.pid, process.exitcode)


def start_processes(fn, args: tuple = (), nprocs: int = 1, join: bool = True, daemon: bool = False,
                    start_method: str = "spawn"):
    """Run fn(i, *args) for i in range(nprocs), each in a new process started by `start_method`.

    With join=True, waits and raises ProcessRaisedException / ProcessExitedException if one
    failed; otherwise returns the ProcessContext.
    """
    context = multiprocessing.get_context(start_method)
    processes, error_queues = [], []
    for index in range(nprocs):
        errors = context.SimpleQueue()
        process = context.Process(target=_wrap, args=(fn, index, args, errors), daemon=daemon)
        process.start()
        processes.append(process)
        error_queues.append(errors)
    processes_context = ProcessContext(processes, error_queues)
    if not join:
        return processes_context
    while not processes_context.join():
        pass
    return None


def spawn(fn, args: tuple = (), nprocs: int = 1, join: bool = True, daemon: bool = False,
          start_method: str = "spawn"):
    """start_processes with the "spawn" start method (PyTorch's torch.multiprocessing.spawn)."""
    return start_processes(fn, args, nprocs, join, daemon, start_method)
