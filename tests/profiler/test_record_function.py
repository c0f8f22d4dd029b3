"""record_function: a named range as context manager and decorator, free outside a profile."""
import threading
import warnings

import needl
from needl.profiler import profile, record_function, schedule
from needl.profiler.recorder import Recorder


def test_a_range_is_a_row_and_contains_its_ops():
    x = needl.randn(4, 4, requires_grad=True)
    with profile() as prof:
        for _ in range(3):
            with record_function("forward_pass"):
                y = x.tanh().sum()
            y.backward()
    row = prof.statistics["forward_pass"]
    assert row.count == 3 and row.is_user_annotation and row.total_ns > 0
    ranges = [event for event in prof.events() if event.name == "forward_pass"]
    for event in ranges:
        assert [child.name for child in event.cpu_children] == ["tanh", "sum"]
        assert all(event.start_ns <= child.start_ns and child.end_ns <= event.end_ns for child in event.cpu_children)
    assert all(event.cpu_parent is None for event in prof.events() if event.kind == "backward")
    assert "forward_pass" in prof.key_averages().table(sort_by="cpu_time_total")


def test_decorator_records_each_call():
    @record_function("helper")
    def helper(x):
        """Doubles."""
        return x * 2

    assert helper.__name__ == "helper" and helper.__doc__ == "Doubles."
    with profile() as prof:
        helper(needl.ones(2))
        helper(needl.ones(2))
    assert prof.statistics["helper"].count == 2
    assert [child.name for child in prof.events()[0].cpu_children] == ["mul"]
    assert helper(needl.ones(1)).tolist() == [2.0]  # outside a profile: just the function


def test_a_range_that_raises_is_still_recorded():
    with profile() as prof:
        try:
            with record_function("failing", args="some args"):
                raise KeyError("x")
        except KeyError:
            pass
    event = prof.events()[0]
    assert event.name == "failing" and event.args == "some args"


def test_outside_a_recording_profile_nothing_is_kept():
    assert Recorder.current is None
    with record_function("alone") as recorded:
        needl.ones(2).exp()
    assert recorded._open is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with profile(schedule=schedule(wait=1, warmup=1, active=1)) as prof:
            with record_function("waiting"):   # step 0: wait, not recorded
                needl.ones(2).exp()
            prof.step()
            prof.step()
            with record_function("recorded"):  # step 2: recorded
                needl.ones(2).exp()
    assert "waiting" not in prof.statistics and prof.statistics["recorded"].count == 1


def test_a_range_left_open_when_recording_stops_is_dropped():
    with profile() as prof:
        open_range = record_function("spans_the_end")
        open_range.__enter__()
    open_range.__exit__(None, None, None)
    assert "spans_the_end" not in prof.statistics


def test_ranges_of_other_threads_are_not_recorded():
    def other_thread():
        with record_function("elsewhere"):
            needl.ones(2).exp()

    with profile() as prof:
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
    assert prof.statistics == {}
