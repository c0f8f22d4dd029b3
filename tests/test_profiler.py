"""needl.profiler: counts match the ops run, saved bytes, nesting, restore on exit, the table."""
import pytest

import needl
from needl.autograd import Function
from needl.autograd.function import _FunctionBackward, op
from needl.profiler import profile


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


def test_originals_are_restored_even_after_an_error():
    originals = (op.__dict__["__call__"], op.__dict__["backward_node"], Function.__dict__["apply"],
                 _FunctionBackward.__dict__["backward_node"])
    with pytest.raises(ZeroDivisionError):
        with profile():
            assert op.__dict__["__call__"] is not originals[0]
            1 / 0
    assert (op.__dict__["__call__"], op.__dict__["backward_node"], Function.__dict__["apply"],
            _FunctionBackward.__dict__["backward_node"]) == originals
    assert profile._active is None


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
    assert lines[1].split()[:3] == ["Name", "Calls", "Forward"]
    assert lines[3].split()[:2] == ["tanh", "20"]
    assert any(line.startswith("Total") and line.split()[1] == "22" for line in lines)
    assert "Wall time of the profiled block" in table
    limited = rows.table(row_limit=1)
    assert "2 more op types (row_limit=1)" in limited
    with pytest.raises(ValueError, match="sort_by must be one of"):
        rows.table(sort_by="speed")
