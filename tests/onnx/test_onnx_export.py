"""needl.onnx.export: a traced model as an ONNX file that onnxruntime runs with the same outputs."""
import io

import numpy as np
import pytest

import needl
import needl.nn as nn
import needl.nn.functional as F

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def run_exported(model, *inputs, **options):
    buffer = io.BytesIO()
    needl.onnx.export(model, inputs, buffer, input_names=[f"x{i}" for i in range(len(inputs))], **options)
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    return session.run(None, {f"x{i}": x.numpy() for i, x in enumerate(inputs)}), onnx.load_from_string(buffer.getvalue())


class Blocks(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, stride=2), nn.BatchNorm2d(4), nn.ReLU(),
                                      nn.MaxPool2d(2), nn.Conv2d(4, 6, 1), nn.AvgPool2d(2, padding=1),
                                      nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(6, 5)

    def forward(self, x, y):
        z = self.head(self.features(x))
        z = F.leaky_relu(z * 2 - z / 3 + 1, 0.1) @ y
        return F.log_softmax(z.tanh().transpose(0, 1), dim=1).sigmoid().sum(1, keepdim=True), z.mean()


def test_a_cnn_exports_and_onnxruntime_agrees():
    dtype = np.float32
    model = Blocks()
    model.eval()
    x = needl.tensor(np.random.default_rng(0).standard_normal((2, 3, 16, 16)).astype(dtype))
    y = needl.tensor(np.random.default_rng(1).standard_normal((5, 4)).astype(dtype))
    (first, second), proto = run_exported(model, x, y)
    expected = model(x, y)
    np.testing.assert_allclose(first, expected[0].detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(second, expected[1].detach().numpy(), rtol=1e-5, atol=1e-6)
    names = {init.name for init in proto.graph.initializer}
    assert {"features.0.weight", "features.1.running_mean", "head.bias"} <= names


def test_float64_stays_float64():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2), nn.Softmax(dim=1)).double()
    x = needl.randn(5, 3, dtype=needl.float64)
    (output,), proto = run_exported(model, x)
    assert output.dtype == np.float64
    np.testing.assert_allclose(output, model(x).detach().numpy(), rtol=1e-12)


def test_tracing_leaves_running_statistics_alone():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    before = model[1].running_mean.numpy().copy()
    model.eval()
    run_exported(model, needl.randn(2, 3))
    np.testing.assert_array_equal(model[1].running_mean.numpy(), before)


def test_unmapped_ops_and_options_raise_clear_errors():
    with pytest.raises(NotImplementedError, match="the op 'batch_norm_train' has no ONNX mapping"):
        run_exported(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)), needl.randn(2, 3))
    with pytest.raises(NotImplementedError, match="dynamic_axes"):
        run_exported(nn.Linear(2, 2), needl.randn(1, 2), dynamic_axes={"x0": {0: "batch"}})
