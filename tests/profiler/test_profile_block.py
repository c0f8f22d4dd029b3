"""needl.profiler.profile: counts match the ops run, saved bytes, nesting, restore on exit,
the table, in-place ops, modules and optimizers, threads, activities."""
import threading
import warnings

import pytest

import needl
from needl.autograd import Function
from needl.autograd.function import _FunctionBackward, op
from needl.autograd.tensor import Tensor
from needl.nn.module import Module
from needl.optim.optimizer import Optimizer
from needl.profiler import ProfilerActivity, profile, supported_activities


def run_step(x, w):
    loss = (x @ w).tanh().sum()
    loss.backward()
    return loss


def test_counts_match_the_ops_executed():
    x = needl.randn(3, 4, requires_grad=True)
    w = needl.randn(4, 2, requires_grad=True)
    with profile() as prof:
        for _ in range(3):
            run_step(x, w)
        with needl.no_grad():
            x.exp()
    stats = prof.statistics
    assert set(stats) == {"matmul", "tanh", "sum", "exp"}
    for name in ("matmul", "tanh", "sum"):
        assert stats[name].count == 3 and stats[name].backward_count == 3
        assert stats[name].forward_ns > 0 and stats[name].backward_ns > 0
    assert stats["exp"].count == 1 and stats["exp"].backward_count == 0
    assert stats["exp"].saved_bytes == 0  # nothing recorded under no_grad
    assert stats["matmul"].forward_mean_ns == stats["matmul"].forward_ns / 3


def test_saved_bytes_are_the_arrays_each_node_keeps():
    x = needl.randn(3, 4, requires_grad=True)
    w = needl.randn(4, 2, requires_grad=True)
    with profile() as prof:
        run_step(x, w)
    # matmul keeps its output (3, 2) and both inputs; tanh its output and input (3, 2)
    assert prof.statistics["matmul"].saved_bytes == 4 * (6 + 12 + 8)
    assert prof.statistics["tanh"].saved_bytes == 4 * (6 + 6)
    assert prof.statistics["sum"].saved_bytes == 4 * (1 + 6)


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return 3 * x * x * grad_output


def test_nested_ops_count_in_the_outermost_call():
    x = needl.randn(5, dtype=needl.float64, requires_grad=True)
    with profile() as prof:
        Cube.apply(x).sum().backward()
    assert set(prof.statistics) == {"Cube", "sum"}  # the muls inside forward/backward are Cube's
    assert prof.statistics["Cube"].count == 1 and prof.statistics["Cube"].backward_count == 1
    assert prof.statistics["Cube"].saved_bytes == 8 * 5 + 8 * 5  # ctx's x and the input x


def test_create_graph_backward_is_counted_once_per_node():
    x = needl.randn(4, dtype=needl.float64, requires_grad=True)
    with profile() as prof:
        (grad,) = needl.autograd.grad((x * x).sum(), [x], create_graph=True)
    assert prof.statistics["mul"].count == 1 and prof.statistics["mul"].backward_count == 1
    assert grad.requires_grad


def swapped_methods():
    return (op.__dict__["__call__"], op.__dict__["backward_node"], Function.__dict__["apply"],
            _FunctionBackward.__dict__["backward_node"], Tensor.__dict__["_write"], Module.__dict__["__call__"],
            Optimizer.__dict__["zero_grad"])


def test_originals_are_restored_even_after_an_error():
    originals = swapped_methods()
    with pytest.raises(ZeroDivisionError):
        with profile(with_modules=True):
            assert op.__dict__["__call__"] is not originals[0]
            assert Module.__dict__["__call__"] is not originals[5]
            1 / 0
    assert swapped_methods() == originals
    assert profile._active is None
    with profile():  # a later profile starts cleanly
        pass


def test_profiles_do_not_nest():
    with profile():
        with pytest.raises(RuntimeError, match="already running"):
            with profile():
                pass
    assert profile._active is None


def test_table_is_sorted_and_has_totals():
    x = needl.randn(64, 64, requires_grad=True)
    with profile() as prof:
        y = x
        for _ in range(20):
            y = y.tanh()
        (y @ x).sum().backward()
    rows = prof.key_averages()
    totals = [row.total_ns for row in rows]
    assert totals == sorted(totals, reverse=True)
    table = prof.table(sort_by="count")
    lines = table.splitlines()
    assert lines[1].split()[:4] == ["Name", "Self", "CPU", "%"]
    for title in ("CPU total", "CPU time avg", "# of Calls", "Forward total", "Backward calls", "Backward total",
                  "Saved for backward"):
        assert title in lines[1]
    assert lines[3].split()[0] == "tanh" and "20" in lines[3].split()
    total = next(line for line in lines if line.startswith("Total")).split()
    assert total[1] == "100.00%" and "22" in total
    assert lines[-2].startswith("Self CPU time total:")
    assert "Wall time of the profiled block" in table
    limited = rows.table(row_limit=1)
    assert "2 more rows (row_limit=1)" in limited
    assert "more rows" not in rows.table(row_limit=-1)  # PyTorch's "no limit"
    with pytest.raises(ValueError, match="sort_by must be one of"):
        rows.table(sort_by="speed")


def test_in_place_ops_are_recorded_with_a_trailing_underscore():
    x = needl.randn(4, 3, requires_grad=True)
    with profile() as prof:
        y = x * 2
        y.add_(1)
        y[0] = 0.0
        y.sum().backward()
        with needl.no_grad():
            x.mul_(0.5)
    stats = prof.statistics
    assert stats["add_"].count == 1 and stats["setitem_"].count == 1 and stats["mul_"].count == 1
    assert stats["add"].backward_count == 1  # the replay of the in-place add is the add's vjp
    assert stats["mul"].count == 1


def test_modules_and_optimizers_show_as_ranges_around_their_ops():
    model = needl.nn.Sequential(needl.nn.Linear(4, 8), needl.nn.ReLU(), needl.nn.Linear(8, 2))
    optimizer = needl.optim.SGD(model.parameters(), lr=0.1)
    with profile(with_modules=True) as prof:
        for _ in range(2):
            optimizer.zero_grad()
            model(needl.randn(3, 4)).sum().backward()
            optimizer.step()
    stats = prof.statistics
    assert stats["nn.Module: Linear_0"].count == 2 and stats["nn.Module: Linear_1"].count == 2
    assert stats["nn.Module: Sequential_0"].is_user_annotation
    assert stats["Optimizer.step#SGD.step"].count == 2
    assert stats["Optimizer.zero_grad#SGD.zero_grad"].count == 2
    events = prof.events()
    linear = [event for event in events if event.name == "linear" and event.kind == "forward"]
    assert {event.cpu_parent.name for event in linear} == {"nn.Module: Linear_0", "nn.Module: Linear_1"}
    assert {event.cpu_parent.cpu_parent.name for event in linear} == {"nn.Module: Sequential_0"}
    with profile() as prof:  # without with_modules, no module ranges
        model(needl.randn(3, 4))
    assert not any(name.startswith("nn.Module") for name in prof.statistics)


def test_only_the_profiling_thread_is_recorded():
    x = needl.randn(3)
    done = threading.Event()

    def other_thread():
        for _ in range(5):
            x.exp()
        done.set()

    with profile() as prof:
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
        x.tanh()
    assert done.is_set()
    assert set(prof.statistics) == {"tanh"}
    assert {event.thread for event in prof.events()} == {threading.get_native_id()}


def test_activities():
    assert supported_activities() == {ProfilerActivity.CPU}
    with pytest.raises(TypeError, match="ProfilerActivity"):
        profile(activities=["cpu"])
    with pytest.raises(ValueError, match="No valid profiler activities"):
        profile(activities=[])
    from needl.profiler import activities
    activities._warned.discard("needl has no GPU: CUDA activity records nothing; the CPU is profiled")
    with pytest.warns(UserWarning, match="needl has no GPU: CUDA"):
        prof = profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once only
        profile(activities={ProfilerActivity.CUDA: ["CUDA_RUNTIME"]})
    with prof:
        needl.ones(2).exp()
    assert prof.statistics["exp"].count == 1  # the CPU is profiled all the same


def test_results_before_running_and_what_needl_cannot_do():
    prof = profile()
    assert len(prof.key_averages()) == 0
    with pytest.raises(RuntimeError, match="recorded nothing yet"):
        prof.events()
    with prof:
        needl.ones(2).exp()
    with pytest.raises(RuntimeError, match="memory timeline"):
        prof.export_memory_timeline("memory.html")


def test_start_and_stop_without_a_block():
    prof = profile()
    prof.start()
    needl.ones(2).exp()
    prof.step()
    prof.stop()
    needl.ones(2).exp()
    assert prof.statistics["exp"].count == 1 and profile._active is None
    with pytest.raises(RuntimeError, match="outside the profile"):
        prof.step()  # would install the timed methods with nobody to take them out


def test_toggle_collection_pauses_recording():
    with profile() as prof:
        needl.ones(2).exp()
        prof.toggle_collection_dynamic(False, [ProfilerActivity.CPU])
        needl.ones(2).exp()
        prof.toggle_collection_dynamic(True, [ProfilerActivity.CPU])
        needl.ones(2).exp()
    assert prof.statistics["exp"].count == 2


def test_execution_trace_observer_brackets_each_recorded_span():
    class Observer:
        def __init__(self):
            self.calls = []

        def start(self):
            self.calls.append("start")

        def stop(self):
            self.calls.append("stop")

        def cleanup(self):
            self.calls.append("cleanup")

    observer = Observer()
    with profile(execution_trace_observer=observer):
        needl.ones(2).exp()
    assert observer.calls == ["start", "stop", "cleanup"]
