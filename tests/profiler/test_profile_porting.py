"""PyTorch profiling code, as PyTorch's docs and recipes write it, with `torch` changed to `needl`."""
import json
import os

import pytest

import needl
import needl.autograd.profiler
import needl.nn as nn
from needl.profiler import ProfilerActivity, profile, record_function


class SmallNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 8 * 8, 10)

    def forward(self, x):
        return self.fc(needl.relu(self.conv(x)).flatten(1))


@pytest.mark.filterwarnings("ignore:Warning. Profiler clears events")
def test_training_loop_with_a_schedule(tmp_path):
    model = SmallNet()
    optimizer = needl.optim.SGD(model.parameters(), lr=0.01)
    criterion = nn.CrossEntropyLoss()
    inputs, labels = needl.randn(4, 1, 8, 8), needl.randint(0, 10, (4,))
    tables = []

    def trace_handler(prof):
        tables.append(prof.key_averages().table(sort_by="self_cuda_time_total", row_limit=-1))
        prof.export_chrome_trace(os.path.join(tmp_path, f"test_trace_{prof.step_num}.json"))

    with needl.profiler.profile(
        activities=[ProfilerActivity.CPU],
        record_shapes=True,
        schedule=needl.profiler.schedule(wait=1, warmup=1, active=2, repeat=1),
        on_trace_ready=trace_handler,
    ) as prof:
        for step in range(6):
            optimizer.zero_grad()
            with record_function("train_step"):
                loss = criterion(model(inputs), labels)
                loss.backward()
                optimizer.step()
            prof.step()
    table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=10)
    print(table)
    assert len(tables) == 1 and "conv2d" in tables[0] and "ProfilerStep*" in tables[0]
    rows = prof.statistics
    assert rows["train_step"].count == 2 and rows["ProfilerStep*"].count == 2
    assert rows["conv2d"].count == 2 and rows["conv2d"].backward_count == 2
    assert rows["Optimizer.step#SGD.step"].count == 2
    assert "cross_entropy" in "".join(rows) and rows["linear"].saved_bytes > 0
    assert len(table.splitlines()) <= 10 + 8
    shapes = prof.key_averages(group_by_input_shape=True).table(sort_by="cpu_time_total", row_limit=10)
    assert "[[4, 1, 8, 8], [4, 1, 3, 3], [4]]" in shapes
    trace = json.loads((tmp_path / "test_trace_4.json").read_text())  # step_num is already the next step, as in PyTorch
    assert any(event["name"] == "ProfilerStep#3" for event in trace["traceEvents"])


def test_profiler_recipe():
    model = SmallNet()
    inputs = needl.randn(5, 1, 8, 8)
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        with record_function("model_inference"):
            model(inputs)
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))
    print(prof.key_averages(group_by_input_shape=True).table(sort_by="cpu_time_total", row_limit=10))
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True, record_shapes=True) as prof:
        model(inputs)
    memory = prof.key_averages().table(sort_by="self_cpu_memory_usage", row_limit=10)
    assert "Self CPU Mem" in memory
    with profile(activities=[ProfilerActivity.CPU], with_stack=True) as prof:
        model(inputs)
    stacks = prof.key_averages(group_by_stack_n=5).table(sort_by="self_cpu_time_total", row_limit=2)
    assert os.path.basename(__file__) in stacks


def test_older_autograd_profiler():
    x = needl.randn((1, 1), requires_grad=True)
    with needl.autograd.profiler.profile() as prof:
        y = x ** 2
        with needl.autograd.profiler.record_function("label-z"):
            z = y ** 3
        y.backward()
    table = prof.key_averages().table(sort_by="self_cpu_time_total")
    assert "label-z" in table and "pow" in table
    assert z.shape == (1, 1)
