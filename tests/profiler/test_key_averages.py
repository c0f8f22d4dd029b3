"""key_averages(): rows per op (and input shapes, stack), PyTorch's attribute names and sort
keys, self times, memory, FLOPs, the table's options."""
import pytest

import needl
from needl.profiler import profile, record_function


def two_shapes(record_shapes=True):
    a, b = needl.randn(3, 4, requires_grad=True), needl.randn(4, 5, requires_grad=True)
    c = needl.randn(6, 4, requires_grad=True)
    with profile(record_shapes=record_shapes) as prof:
        for _ in range(2):
            (a @ b).sum().backward()
        (c @ b).sum().backward()
    return prof


def test_group_by_input_shape_gives_a_row_per_shape_with_its_backward():
    prof = two_shapes()
    rows = {(row.name, str(row.input_shapes)): row for row in prof.key_averages(group_by_input_shape=True)}
    assert rows[("matmul", "[[3, 4], [4, 5]]")].count == 2
    assert rows[("matmul", "[[3, 4], [4, 5]]")].backward_count == 2
    assert rows[("matmul", "[[6, 4], [4, 5]]")].count == 1
    assert rows[("sum", "[[3, 5]]")].count == 2
    table = prof.key_averages(group_by_input_shape=True).table(sort_by="cpu_time_total")
    assert "Input Shapes" in table and "[[6, 4], [4, 5]]" in table
    merged = {row.name: row for row in prof.key_averages()}
    assert merged["matmul"].count == 3 and merged["matmul"].input_shapes == []
    assert "Input Shapes" not in prof.key_averages().table()


def test_without_record_shapes_the_grouping_changes_nothing():
    prof = two_shapes(record_shapes=False)
    assert [row.name for row in prof.key_averages(group_by_input_shape=True)] == [
        row.name for row in prof.key_averages()]


def test_rows_have_pytorch_names_in_microseconds():
    prof = two_shapes()
    row = prof.statistics["matmul"]
    assert row.key == "matmul" and row.count == 3
    assert row.cpu_time_total == pytest.approx((row.forward_ns + row.backward_ns) / 1e3)
    assert row.self_cpu_time_total == row.cpu_time_total  # nothing recorded inside an op
    assert row.cpu_time == pytest.approx(row.cpu_time_total / 3)
    assert row.cuda_time_total == 0 and row.device_time_total == 0 and row.self_cuda_time_total == 0
    assert row.cpu_time_total_str.endswith(("us", "ms"))
    total = prof.key_averages().total_average()
    assert total.count == 6 and total.total_ns == sum(row.total_ns for row in prof.key_averages())
    assert prof.events().total_average().count == total.count


@pytest.mark.parametrize("sort_by", ["cpu_time_total", "self_cpu_time_total", "cpu_time", "count",
                                     "cpu_memory_usage", "self_cpu_memory_usage", "flops", "cuda_time_total",
                                     "self_cuda_time_total", "xpu_time_total", "device_time_total",
                                     "total", "forward", "backward", "saved"])
def test_every_sort_key_is_accepted(sort_by):
    table = two_shapes().key_averages().table(sort_by=sort_by, row_limit=10)
    assert "matmul" in table


def test_sorting_by_count_orders_the_rows():
    with profile() as prof:
        for _ in range(3):
            needl.ones(2).exp()
        needl.ones(2000, 200).tanh()
    rows = prof.key_averages().table(sort_by="count").splitlines()
    assert rows[3].split()[0] == "exp"


def test_table_options():
    prof = two_shapes()
    averages = prof.key_averages()
    table = averages.table(header="my header", time_unit="ms", max_name_column_width=6)
    lines = table.splitlines()
    assert lines[1] == "my header"
    assert "mat..." in table and "matmul" not in table
    assert all(cell.endswith("ms") for cell in lines[5].split()[2:3])
    with pytest.raises(ValueError, match="time_unit"):
        averages.table(time_unit="minutes")
    assert averages.table(row_limit=0).count("more rows") == 1


def test_a_range_self_time_leaves_out_the_ops_inside():
    x = needl.randn(50, 50)
    with profile() as prof:
        with record_function("outer"):
            with record_function("inner"):
                x.tanh()
            x.exp()
    rows = prof.statistics
    outer, inner = rows["outer"], rows["inner"]
    assert outer.total_ns >= inner.total_ns + rows["exp"].total_ns
    assert outer.self_ns == outer.total_ns - inner.total_ns - rows["exp"].total_ns
    assert inner.self_ns == inner.total_ns - rows["tanh"].total_ns
    assert prof.events().self_cpu_time_total == pytest.approx(outer.total_ns / 1e3)
    top = prof.key_averages().table(top_level_events_only=True)
    assert "outer" in top and "tanh" not in top and "top-level" in top


def test_profile_memory_counts_the_new_arrays_returned():
    x = needl.randn(3, 2, requires_grad=True)
    with profile(profile_memory=True) as prof:
        with record_function("block"):
            y = x.tanh()                 # a new float32 (3, 2) array: 24 bytes
            y.reshape(6)                 # a view: no new memory
            y.sum().backward()
    rows = prof.statistics
    assert rows["tanh"].self_cpu_memory_usage >= 24
    assert prof.events()[1].own_memory == 24  # the tanh forward
    assert rows["reshape"].cpu_memory_usage == 0
    assert rows["block"].self_cpu_memory_usage == 0
    assert rows["block"].cpu_memory_usage == sum(row.self_cpu_memory_usage for row in rows.values())
    assert "CPU Mem" in prof.key_averages().table()
    with profile() as prof:
        x.tanh()
    assert prof.statistics["tanh"].cpu_memory_usage == 0 and "CPU Mem" not in prof.key_averages().table()


def test_with_flops_counts_matmul_linear_and_convolution():
    a, b = needl.randn(3, 4), needl.randn(4, 5)
    image, kernel = needl.randn(2, 3, 8, 8), needl.randn(6, 3, 3, 3)
    linear = needl.nn.Linear(4, 7)
    with profile(with_flops=True) as prof:
        a @ b
        needl.nn.functional.conv2d(image, kernel, padding=1)
        linear(a)
        a.exp()
    rows = prof.statistics
    assert rows["matmul"].flops == 2 * 3 * 4 * 5
    assert rows["conv2d"].flops == 2 * (2 * 6 * 8 * 8) * (3 * 3 * 3)
    assert rows["linear"].flops == 2 * 3 * 7 * 4
    assert rows["exp"].flops == 0
    assert "Total KFLOPs" in prof.key_averages().table() or "Total FLOPs" in prof.key_averages().table()


def test_group_by_stack_n_points_at_the_calling_lines():
    x = needl.randn(3)
    with profile(with_stack=True) as prof:
        x.exp()  # first line
        x.exp()  # second line
    rows = [row for row in prof.key_averages(group_by_stack_n=1) if row.name == "exp"]
    assert len(rows) == 2
    assert all(row.stack[0].startswith(__file__) and "test_group_by_stack_n" in row.stack[0] for row in rows)
    assert len({row.stack[0] for row in rows}) == 2
    table = prof.key_averages(group_by_stack_n=1).table()
    assert "Source Location" in table
    assert len(prof.key_averages()) == 1
