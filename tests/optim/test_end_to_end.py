"""A short training run on synthetic data: DataLoader -> model -> loss -> backward -> step."""
import numpy as np
import pytest

import needl
from needl.optim import SGD, Adam
from needl.optim.lr_scheduler import StepLR
from needl.utils.data import DataLoader, TensorDataset

nn = pytest.importorskip("needl.nn")


def blobs(n=256, classes=3, features=4, seed=0):
    """Gaussian blobs around random centres: learnable, not trivially separable at the start."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((classes, features)) * 2
    labels = rng.integers(0, classes, n)
    points = centres[labels] + rng.standard_normal((n, features))
    return TensorDataset(points.astype(np.float32), labels.astype(np.int64))


def train(model, optimizer, loader, epochs, scheduler=None):
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(epochs):
        total = 0.0
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(targets)
        if scheduler is not None:
            scheduler.step()
        losses.append(total / len(loader.dataset))
    return losses


@pytest.mark.parametrize("make_optimizer", [lambda p: SGD(p, lr=0.1, momentum=0.9),
                                            lambda p: Adam(p, lr=0.01)])
def test_loss_drops_and_accuracy_rises(make_optimizer):
    needl.manual_seed(0)
    dataset = blobs()
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    optimizer = make_optimizer(model.parameters())
    loader = DataLoader(dataset, batch_size=32, shuffle=True, generator=0)
    losses = train(model, optimizer, loader, epochs=8, scheduler=StepLR(optimizer, 4, 0.5))
    assert losses[-1] < 0.5 * losses[0]
    with needl.no_grad():
        features, labels = dataset.tensors
        accuracy = (model(features).argmax(dim=1) == labels).float().mean().item()
    assert accuracy > 0.85
    assert all(p.dtype == np.float32 for p in model.parameters())


def test_checkpoint_resume_continues_identically(tmp_path):
    dataset = blobs(n=64)

    def fresh():
        needl.manual_seed(1)
        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
        return model, Adam(model.parameters(), lr=0.01)

    model, optimizer = fresh()
    train(model, optimizer, DataLoader(dataset, batch_size=16), epochs=2)
    needl.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()},
               tmp_path / "checkpoint.npz")
    expected = train(model, optimizer, DataLoader(dataset, batch_size=16), epochs=2)

    resumed, resumed_optimizer = fresh()
    checkpoint = needl.load(tmp_path / "checkpoint.npz")
    resumed.load_state_dict(checkpoint["model"])
    resumed_optimizer.load_state_dict(checkpoint["optimizer"])
    assert train(resumed, resumed_optimizer, DataLoader(dataset, batch_size=16), epochs=2) == expected
