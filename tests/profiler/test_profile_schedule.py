"""needl.profiler.schedule and prof.step(): PyTorch's action sequence, on_trace_ready calls, what is recorded."""
import warnings

import pytest

import needl
from needl.autograd.function import op
from needl.profiler import ProfilerAction, profile, schedule

N, W, R, S = ProfilerAction.NONE, ProfilerAction.WARMUP, ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE

SCHEDULES = [dict(wait=1, warmup=1, active=2), dict(wait=0, warmup=2, active=1, repeat=2),
             dict(wait=2, warmup=1, active=3, repeat=1, skip_first=3), dict(wait=3, warmup=0, active=1, repeat=3),
             dict(wait=5, warmup=1, active=2, skip_first=2, skip_first_wait=1)]


def actions(arguments, steps=20):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # warmup=0 warns, as in PyTorch
        function = schedule(**arguments)
    return [function(step) for step in range(steps)]


def test_the_cycle_is_wait_warmup_active_the_last_active_step_saves():
    assert actions(dict(wait=1, warmup=1, active=2), 8) == [N, W, R, S, N, W, R, S]
    assert actions(dict(wait=1, warmup=1, active=2, repeat=1), 8) == [N, W, R, S, N, N, N, N]
    assert actions(dict(wait=0, warmup=1, active=1, skip_first=2), 6) == [N, N, W, S, W, S]
    assert actions(dict(wait=2, warmup=1, active=1, repeat=1, skip_first=1, skip_first_wait=1), 5) == [N, W, S, N, N]


@pytest.mark.parametrize("arguments", SCHEDULES)
def test_schedule_matches_torch(arguments):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.profiler.schedule(**arguments)
    assert [action.name for action in actions(arguments)] == [theirs(step).name for step in range(20)]


def test_bad_schedules_are_refused_and_no_warmup_warns():
    with pytest.raises(ValueError, match="active=0"):
        schedule(wait=1, warmup=1, active=0)
    with pytest.raises(ValueError, match="wait=-1"):
        schedule(wait=-1, warmup=1, active=1)
    with pytest.warns(UserWarning, match="won't be using warmup"):
        schedule(wait=1, warmup=0, active=1)
    with pytest.raises(ValueError, match="non-negative"):
        schedule(wait=1, warmup=1, active=1)(-1)


def run_steps(prof, steps):
    """One tanh per step, tagged by its size so that a trace tells which steps it holds."""
    recorded = []
    for step in range(steps):
        needl.ones(step + 1).tanh()
        recorded.append(op.__dict__["__call__"].__name__ != "__call__")  # swapped in only while recording
        prof.step()
    return recorded


def test_only_recorded_steps_are_swapped_in_and_each_span_is_handed_over():
    traces = []

    def on_trace_ready(prof):
        rows = prof.key_averages()
        traces.append(({row.name: row.count for row in rows},
                       sorted(event.shapes[0][0] for event in prof.events() if event.name == "tanh")))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the warning that cycles are cleared without acc_events
        with profile(schedule=schedule(wait=1, warmup=1, active=2, repeat=2), on_trace_ready=on_trace_ready,
                     record_shapes=True) as prof:
            recorded = run_steps(prof, 10)
    assert recorded == [False, False, True, True, False, False, True, True, False, False]
    assert traces == [({"tanh": 2, "ProfilerStep*": 2}, [3, 4]), ({"tanh": 2, "ProfilerStep*": 2}, [7, 8])]
    assert sorted(event.name for event in prof.events() if event.name.startswith("ProfilerStep#")) == [
        "ProfilerStep#6", "ProfilerStep#7"]


def test_a_span_open_at_exit_is_handed_over_a_warmup_is_not():
    calls = []
    with profile(schedule=schedule(wait=1, warmup=1, active=3), on_trace_ready=calls.append) as prof:
        run_steps(prof, 3)  # exits during the first active span
    assert calls == [prof]
    calls.clear()
    with profile(schedule=schedule(wait=1, warmup=2, active=1), on_trace_ready=calls.append) as prof:
        run_steps(prof, 2)  # exits while warming up
    assert calls == []


def test_without_a_schedule_everything_is_recorded_and_handed_over_at_exit():
    calls = []
    with profile(on_trace_ready=calls.append) as prof:
        run_steps(prof, 3)
        assert calls == []
    assert calls == [prof]
    assert {row.name: row.count for row in prof.key_averages()} == {"tanh": 3}  # no ProfilerStep ranges


def test_acc_events_keeps_every_cycle():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the warning that cycles are cleared without acc_events
        with profile(schedule=schedule(wait=0, warmup=1, active=1, repeat=3), acc_events=True) as prof:
            run_steps(prof, 6)
    assert prof.statistics["tanh"].count == 3


def test_on_trace_ready_counts_match_torch():
    torch = pytest.importorskip("torch")
    for arguments in (dict(wait=1, warmup=1, active=2, repeat=2), dict(wait=0, warmup=1, active=3),
                      dict(wait=1, warmup=1, active=1, skip_first=2)):
        counts = []
        for library, tensor in ((needl, needl.ones(2)), (torch, torch.ones(2))):
            calls = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with library.profiler.profile(schedule=library.profiler.schedule(**arguments),
                                              on_trace_ready=lambda prof: calls.append(prof.step_num)) as prof:
                    for _ in range(9):
                        tensor.tanh()
                        prof.step()
            counts.append(calls)
        assert counts[0] == counts[1], arguments
