"""Writing a profile out: Chrome trace JSON (chrome://tracing, Perfetto, TensorBoard's profile
plugin), tensorboard_trace_handler, and flame-graph stacks."""
import gzip
import json
import os
import socket
import time

from .events import BACKWARD, CATEGORY, FORWARD

__all__ = ["tensorboard_trace_handler", "write_chrome_trace", "write_stacks"]


def chrome_trace(events, metadata=None) -> dict:
    """The trace as a dict: one complete ("X") event per recorded event, times in microseconds,
    and a flow arrow ("fwdbwd") from each forward op to the backward replay of its node."""
    pid = os.getpid()
    trace = []
    for thread in sorted({event.thread for event in events}):
        trace.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": thread,
                      "args": {"name": f"thread {thread} (python)"}})
    forward_of = {}
    for event in events:
        args = {}
        if event.input_shapes:
            args["Input Dims"] = event.input_shapes
        if event.sequence_nr >= 0:
            args["Sequence number"] = event.sequence_nr
        if event.saved_bytes:
            args["Saved for backward (bytes)"] = event.saved_bytes
        if event.own_memory:
            args["Bytes"] = event.own_memory
        if event.flops:
            args["FLOPs"] = event.flops
        if event.stack:
            args["Stack"] = event.stack
        if event.args is not None:
            args["Record function args"] = event.args
        trace.append({"ph": "X", "cat": CATEGORY[event.kind], "name": event.trace_name, "pid": pid,
                      "tid": event.thread, "ts": event.start_ns / 1e3, "dur": event.duration_ns / 1e3,
                      "args": args})
        if event.kind == FORWARD and event.sequence_nr >= 0:
            forward_of[event.sequence_nr] = event
    for event in events:  # the arrows, only where both ends were recorded
        forward = forward_of.get(event.sequence_nr) if event.kind == BACKWARD else None
        if forward is not None:
            flow = {"id": event.sequence_nr, "pid": pid, "cat": "fwdbwd", "name": "fwdbwd"}
            trace.append({**flow, "ph": "s", "tid": forward.thread, "ts": forward.start_ns / 1e3})
            trace.append({**flow, "ph": "f", "bp": "e", "tid": event.thread, "ts": event.start_ns / 1e3})
    return {"schemaVersion": 1, "deviceProperties": [], "displayTimeUnit": "ms", **(metadata or {}),
            "traceEvents": trace}


def write_chrome_trace(events, path: str, metadata=None) -> None:
    """Write the Chrome trace JSON of `events` to `path` (gzip-compressed if it ends in .gz)."""
    text = json.dumps(chrome_trace(events, {**(metadata or {}), "traceName": str(path)}))
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as file:
        file.write(text)


def tensorboard_trace_handler(dir_name: str, worker_name: str | None = None, use_gzip: bool = False,
                              use_python_export: bool = False):
    """An on_trace_ready handler that writes each trace to `dir_name` as
    `<worker_name>.<time_ns>.pt.trace.json[.gz]`, the names TensorBoard's profile plugin reads.

    worker_name defaults to `<hostname>_<pid>`; use_python_export is accepted for PyTorch's
    signature (needl always exports from Python).
    """
    def handler(prof) -> None:
        nonlocal worker_name
        try:
            os.makedirs(dir_name, exist_ok=True)
        except OSError as error:
            raise RuntimeError(f"Can't create directory: {dir_name}") from error
        if not worker_name:
            worker_name = f"{socket.gethostname()}_{os.getpid()}"
        # nanoseconds, as PyTorch 2.x: two traces of one worker never share a name
        file_name = f"{worker_name}.{time.time_ns()}.pt.trace.json" + (".gz" if use_gzip else "")
        prof.export_chrome_trace(os.path.join(dir_name, file_name))
    return handler


def write_stacks(events, path: str, metric: str = "self_cpu_time_total") -> None:
    """Flame-graph input (flamegraph.pl, speedscope): per event recorded with with_stack=True, the
    line `outermost;...;innermost;event name <metric in integer microseconds>`."""
    if metric not in ("self_cpu_time_total", "cpu_time_total"):
        raise ValueError(f"metric must be self_cpu_time_total or cpu_time_total (needl has no device "
                         f"times), got {metric!r}")
    with open(path, "w", encoding="utf-8") as file:
        for event in events:
            value = int(getattr(event, metric))
            if event.stack and value > 0:
                file.write(";".join([*reversed(event.stack), event.trace_name]) + f" {value}\n")
