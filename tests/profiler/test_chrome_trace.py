"""export_chrome_trace and tensorboard_trace_handler: JSON that chrome://tracing and Perfetto load."""
import gzip
import json
import os
import re
import socket

import pytest

import needl
from needl.profiler import profile, record_function, schedule, tensorboard_trace_handler


def profiled():
    x = needl.randn(3, 4, requires_grad=True)
    w = needl.randn(4, 2, requires_grad=True)
    with profile(record_shapes=True, with_stack=True) as prof:
        with record_function("model_inference"):
            loss = (x @ w).tanh().sum()
        loss.backward()
    return prof


def complete_events(trace):
    return [event for event in trace["traceEvents"] if event["ph"] == "X"]


def test_the_trace_holds_complete_events_in_microseconds(tmp_path):
    prof = profiled()
    prof.add_metadata("run", "test")
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    assert trace["run"] == "test" and trace["record_shapes"] == 1 and trace["displayTimeUnit"] == "ms"
    events = complete_events(trace)
    names = [event["name"] for event in events]
    assert names == ["model_inference", "matmul", "tanh", "sum", "SumBackward", "TanhBackward", "MatmulBackward"]
    recorded = {event.trace_name: event for event in prof.events()}
    for event in events:
        assert {"cat", "pid", "tid", "ts", "dur", "args"} <= set(event)
        assert event["dur"] == recorded[event["name"]].duration_ns / 1e3
        assert event["ts"] == recorded[event["name"]].start_ns / 1e3
    by_name = {event["name"]: event for event in events}
    assert by_name["model_inference"]["cat"] == "user_annotation" and by_name["matmul"]["cat"] == "cpu_op"
    assert by_name["matmul"]["args"]["Input Dims"] == [[3, 4], [4, 2]]
    assert by_name["matmul"]["args"]["Stack"][0].startswith(__file__)
    outer = by_name["model_inference"]
    for name in ("matmul", "tanh", "sum"):  # the range contains its ops
        inner = by_name[name]
        assert outer["ts"] <= inner["ts"] and inner["ts"] + inner["dur"] <= outer["ts"] + outer["dur"]
    assert by_name["SumBackward"]["ts"] >= outer["ts"] + outer["dur"]


def test_flow_arrows_link_each_forward_to_its_backward(tmp_path):
    path = tmp_path / "trace.json"
    profiled().export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    events = {event["name"]: event for event in complete_events(trace)}
    flows = [event for event in trace["traceEvents"] if event.get("cat") == "fwdbwd"]
    assert len(flows) == 6
    starts = {event["id"]: event for event in flows if event["ph"] == "s"}
    ends = {event["id"]: event for event in flows if event["ph"] == "f"}
    assert starts.keys() == ends.keys()
    for forward, backward in (("matmul", "MatmulBackward"), ("tanh", "TanhBackward")):
        sequence = events[forward]["args"]["Sequence number"]
        assert events[backward]["args"]["Sequence number"] == sequence
        assert starts[sequence]["ts"] == events[forward]["ts"] and ends[sequence]["ts"] == events[backward]["ts"]


def test_a_gz_path_is_compressed(tmp_path):
    path = tmp_path / "trace.json.gz"
    profiled().export_chrome_trace(str(path))
    with gzip.open(path, "rt") as file:
        assert len(complete_events(json.load(file))) == 7


@pytest.mark.filterwarnings("ignore:Warning. Profiler clears events")
def test_tensorboard_handler_writes_one_named_file_per_span(tmp_path):
    log = tmp_path / "log" / "run"
    with profile(schedule=schedule(wait=0, warmup=1, active=1, repeat=2),
                 on_trace_ready=tensorboard_trace_handler(str(log), worker_name="worker0")) as prof:
        for _ in range(5):
            needl.ones(3).exp()
            prof.step()
    names = sorted(os.listdir(log))
    assert len(names) == 2
    assert all(re.fullmatch(r"worker0\.\d+\.pt\.trace\.json", name) for name in names)
    for name in names:
        events = complete_events(json.loads((log / name).read_text()))
        assert sorted(event["name"] for event in events)[0].startswith("ProfilerStep#")
        assert [event["name"] for event in events].count("exp") == 1


def test_tensorboard_handler_default_worker_and_gzip(tmp_path):
    with profile(on_trace_ready=tensorboard_trace_handler(str(tmp_path), use_gzip=True)):
        needl.ones(3).exp()
    (name,) = os.listdir(tmp_path)
    worker = re.escape(f"{socket.gethostname()}_{os.getpid()}")
    assert re.fullmatch(worker + r"\.\d+\.pt\.trace\.json\.gz", name)
    with gzip.open(tmp_path / name, "rt") as file:
        assert [event["name"] for event in complete_events(json.load(file))] == ["exp"]


def test_export_stacks_writes_flame_graph_lines(tmp_path):
    path = tmp_path / "stacks.txt"
    profiled().export_stacks(str(path))
    lines = path.read_text().splitlines()
    assert lines and all(re.fullmatch(r".+;\S+ \d+", line) for line in lines)
    assert any(line.rsplit(" ", 1)[0].endswith(";matmul") for line in lines)
