"""needl.autograd.profiler: torch.autograd.profiler's profile (enabled=, use_cuda=) and record_function."""
import warnings

import pytest

import needl
import needl.autograd.profiler as autograd_profiler
import needl.profiler


def test_aliases():
    assert autograd_profiler.record_function is needl.profiler.record_function
    assert issubclass(autograd_profiler.profile, needl.profiler.profile)


def test_the_older_profile_records_like_the_new_one():
    x = needl.randn(2, 3, requires_grad=True)
    with autograd_profiler.profile(use_cuda=False, record_shapes=True) as prof:
        with autograd_profiler.record_function("label-z"):
            y = x ** 2
        y.sum().backward()
    table = prof.key_averages(group_by_input_shape=True).table(sort_by="self_cpu_time_total")
    assert "label-z" in table and "[[2, 3], []]" in table
    assert prof.self_cpu_time_total == pytest.approx(prof.function_events.self_cpu_time_total)
    assert prof.total_average().count == len([e for e in prof.function_events if e.kind != "backward"])


def test_enabled_false_records_nothing():
    with autograd_profiler.profile(enabled=False) as prof:
        needl.ones(2).exp()
    assert len(prof.key_averages()) == 0 and len(prof.function_events) == 0


def test_asking_for_a_gpu_warns_and_profiles_the_cpu():
    needl.profiler.activities._warned.clear()
    with pytest.warns(UserWarning, match="needl has no GPU: CUDA"):
        prof = autograd_profiler.profile(use_cuda=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        autograd_profiler.profile(use_device="cuda:0")
    with prof:
        needl.ones(2).exp()
    assert prof.statistics["exp"].count == 1


def test_nesting_with_the_new_profile_is_refused():
    with needl.profiler.profile():
        with pytest.raises(RuntimeError, match="cannot nest"):
            with autograd_profiler.profile():
                pass
