"""needl.utils.tensorboard.SummaryWriter writes event files TensorBoard reads (via tensorboardX)."""
import struct
import sys

import numpy as np
import pytest

import needl
import needl.nn as nn

pytest.importorskip("tensorboardX")
from needl.utils.tensorboard import SummaryWriter  # noqa: E402


def read_events(log_dir):
    """Every Event in the TFRecord files under log_dir (length, CRC, data, CRC per record)."""
    from tensorboardX.proto.event_pb2 import Event
    events = []
    for path in sorted(log_dir.rglob("events.out.tfevents.*")):
        data = path.read_bytes()
        position = 0
        while position < len(data):
            length, = struct.unpack("<Q", data[position:position + 8])
            event = Event()
            event.ParseFromString(data[position + 12:position + 12 + length])
            events.append(event)
            position += 12 + length + 4
    return events


def test_scalars_histograms_images_text_and_hparams(tmp_path):
    with SummaryWriter(log_dir=str(tmp_path)) as writer:
        assert writer.log_dir == str(tmp_path)
        for step in range(3):
            writer.add_scalar("loss", needl.tensor(1.0 / (step + 1)), step)
        writer.add_scalars("run", {"train": 0.5, "test": needl.tensor(0.25)}, 1)
        writer.add_histogram("weights", needl.randn(100), 0)
        writer.add_image("digit", needl.rand(1, 8, 8), 0)
        writer.add_images("batch", np.zeros((2, 3, 4, 4), np.float32), 0)
        writer.add_text("notes", "hello", 0)
        writer.add_hparams({"lr": 0.1, "batch": 32}, {"hparam/accuracy": 0.9}, run_name="trial")
        writer.flush()
    tags = {value.tag: value for event in read_events(tmp_path) for value in event.summary.value}
    assert tags["loss"].simple_value == pytest.approx(1 / 3)
    assert {"weights", "digit", "batch", "notes/text_summary", "hparam/accuracy", "run"} <= set(tags)
    assert tags["weights"].histo.num == 100 and tags["digit"].image.height == 8
    assert (tmp_path / "run").exists() and (tmp_path / "trial").exists()


def test_add_graph_draws_the_tape_scoped_by_module(tmp_path):
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3))
    running_mean = model[1].running_mean.numpy().copy()
    with SummaryWriter(log_dir=str(tmp_path)) as writer:
        writer.add_graph(model, needl.randn(2, 1, 4, 4))
    from tensorboardX.proto.graph_pb2 import GraphDef
    graphs = [event.graph_def for event in read_events(tmp_path) if event.graph_def]
    graph = GraphDef()
    graph.ParseFromString(graphs[0])
    nodes = {node.name: node for node in graph.node}
    conv = next(name for name in nodes if name.startswith("Sequential/Conv2d[0]/conv2d"))
    assert list(nodes[conv].input) == ["input/input.0", "Sequential/Conv2d[0]/weight",
                                       "Sequential/Conv2d[0]/bias"]
    linear = next(name for name in nodes if name.startswith("Sequential/Linear[4]/linear"))
    assert list(nodes["output/output.0"].input) == [linear]
    np.testing.assert_array_equal(model[1].running_mean.numpy(), running_mean)


def test_without_tensorboardx_the_error_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match="pip install tensorboardX"):
        SummaryWriter(log_dir=str(tmp_path))


def test_import_needl_does_not_import_tensorboardx():
    import subprocess
    code = "import needl, needl.utils, sys; print('tensorboardX' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
