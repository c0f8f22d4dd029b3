"""Optional: PyTorch's state_dict loads into the matching needl layer and gives the same outputs and gradients."""
import numpy as np
import pytest

import needl
import needl.nn as nn

torch = pytest.importorskip("torch")

# (constructor arguments, input shape); the same class name exists in both libraries
LAYERS = [
    ("Linear", (5, 3), (4, 5)),
    ("Bilinear", None, None),
    ("Conv1d", (3, 4, 3, 2, 1), (2, 3, 9)),
    ("Conv2d", (3, 4, 3, 1, "same"), (2, 3, 6, 6)),
    ("ConvTranspose2d", (3, 4, 3, 2, 1, 1), (2, 3, 4, 4)),
    ("ConvTranspose1d", (3, 4, 3, 2, 1, 1), (2, 3, 5)),
    ("BatchNorm1d", (3,), (6, 3, 4)),
    ("BatchNorm2d", (3,), (4, 3, 3, 3)),
    ("LayerNorm", ((3, 4),), (2, 3, 4)),
    ("GroupNorm", (2, 4), (3, 4, 5)),
    ("InstanceNorm2d", (3, 1e-5, 0.1, True), (2, 3, 4, 4)),
    ("PReLU", (3,), (2, 3, 4)),
    ("MaxPool2d", (2,), (2, 3, 4, 4)),
    ("AvgPool2d", (3, 2, 1), (2, 3, 5, 5)),
    ("AdaptiveAvgPool2d", ((2, 3),), (2, 3, 5, 7)),
    ("MaxPool1d", (3, 2), (2, 3, 8)),
    ("GELU", ("tanh",), (3, 4)),
    ("Softmax", (1,), (3, 4)),
    ("LogSoftmax", (0,), (3, 4)),
    ("Flatten", (), (2, 3, 4)),
    ("Softmax2d", (), (2, 3, 2, 2)),
    ("ZeroPad2d", ((1, 2, 0, 1),), (2, 3, 4, 4)),
    ("ConstantPad2d", (1, 2.5), (2, 3, 4, 4)),
    ("ReflectionPad2d", (1,), (2, 3, 4, 4)),
    ("ReplicationPad1d", ((1, 2),), (2, 3, 5)),
    ("CircularPad2d", (1,), (2, 3, 4, 4)),
]


@pytest.mark.parametrize("name, arguments, shape", [layer for layer in LAYERS if layer[1] is not None])
@pytest.mark.parametrize("training", [True, False])
def test_layer_matches_pytorch(name, arguments, shape, training):
    theirs = getattr(torch.nn, name)(*arguments).double().train(training)
    mine = getattr(nn, name)(*arguments).double().train(training)
    assert [(k, tuple(v.shape)) for k, v in mine.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert repr(mine) == repr(theirs)
    with torch.no_grad():
        for parameter in theirs.parameters():
            parameter.uniform_(0.5, 1.5)
    mine.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal(shape)
    a, b = needl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_mine, out_theirs = mine(a), theirs(b)
    np.testing.assert_allclose(out_mine.detach().numpy(), out_theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = np.random.default_rng(1).standard_normal(out_theirs.shape)
    out_mine.backward(needl.tensor(upstream))
    out_theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)
    for (key, p), q in zip(mine.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=key)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(mine.state_dict()[key].detach().numpy(), value.numpy(), rtol=1e-12, err_msg=key)


def test_embedding_matches_pytorch():
    theirs = torch.nn.Embedding(7, 3, padding_idx=2).double()
    mine = nn.Embedding(7, 3, padding_idx=2).double()
    mine.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    indices = np.array([[0, 2, 6], [2, 1, 1]])
    out_mine, out_theirs = mine(needl.tensor(indices)), theirs(torch.tensor(indices))
    np.testing.assert_array_equal(out_mine.detach().numpy(), out_theirs.detach().numpy())
    out_mine.sum().backward()
    out_theirs.sum().backward()
    np.testing.assert_allclose(mine.weight.grad.numpy(), theirs.weight.grad.numpy())


def test_mlp_state_dict_from_pytorch_gives_same_outputs_in_float32():
    theirs = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.BatchNorm1d(8),
                                 torch.nn.Linear(8, 3)).eval()
    mine = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.BatchNorm1d(8), nn.Linear(8, 3)).eval()
    mine.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)
    np.testing.assert_allclose(mine(needl.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)


def test_load_state_dict_takes_a_pytorch_state_dict_directly():
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2)).eval()
    mine = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2)).eval()
    mine.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(0).standard_normal((1, 1, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(mine(needl.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("channels_last", [False, True])
def test_float32_training_step_matches_pytorch(channels_last):
    """conv -> batch norm -> layer norm -> linear -> cross-entropy in float32, gradients to 1e-5."""
    theirs = torch.nn.ModuleDict({"conv": torch.nn.Conv2d(3, 4, 3), "bn": torch.nn.BatchNorm2d(4),
                                  "ln": torch.nn.LayerNorm(16), "fc": torch.nn.Linear(64, 5)})
    mine = nn.ModuleDict({"conv": nn.Conv2d(3, 4, 3), "bn": nn.BatchNorm2d(4), "ln": nn.LayerNorm(16),
                          "fc": nn.Linear(64, 5)})
    mine.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((6, 3, 6, 6)).astype(np.float32) * 3 + 1
    target = np.random.default_rng(1).integers(0, 5, 6)

    def run(m, lib, tensor):
        h = m["conv"](tensor)
        if lib is torch and channels_last:
            h = h.contiguous(memory_format=torch.channels_last)
        h = m["ln"](m["bn"](h).reshape(6, 4, 16)).reshape(6, 64)
        return lib.nn.functional.cross_entropy(m["fc"](h), lib.tensor(target), label_smoothing=0.1)

    loss_mine, loss_theirs = run(mine, needl, needl.tensor(x)), run(theirs, torch, torch.tensor(x))
    loss_mine.backward()
    loss_theirs.backward()
    assert loss_mine.item() == pytest.approx(loss_theirs.item(), rel=1e-5)
    for (name, p), q in zip(mine.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name)
    np.testing.assert_allclose(mine["bn"].running_var.detach().numpy(), theirs["bn"].running_var.numpy(), rtol=1e-5)
