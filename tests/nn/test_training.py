"""End to end: models built PyTorch-style train on synthetic data until the loss drops."""
import numpy as np

import needl
import needl.nn as nn
import needl.nn.functional as F


def train(model, inputs, targets, loss_fn, steps, lr):
    optimizer = needl.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_mlp_learns_a_classification_task():
    generator = np.random.default_rng(0)
    x = generator.standard_normal((128, 4)).astype(np.float32)
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64) + (x[:, 2] > 0.5)
    model = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 32), nn.GELU(),
                          nn.LayerNorm(32), nn.Linear(32, 3))
    losses = train(model, needl.tensor(x), needl.tensor(y), nn.CrossEntropyLoss(), steps=150, lr=1e-2)
    assert losses[-1] < 0.5 * losses[0]
    model.eval()
    accuracy = (model(needl.tensor(x)).argmax(1).detach().numpy() == y).mean()
    assert accuracy > 0.85
    assert all(p.dtype == np.float32 for p in model.parameters())


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.classifier = nn.Linear(8, 2)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


def test_cnn_learns_to_tell_vertical_from_horizontal_bars():
    generator = np.random.default_rng(1)
    images = generator.standard_normal((64, 1, 8, 8)).astype(np.float32) * 0.3
    labels = generator.integers(0, 2, 64)
    rows = generator.integers(1, 7, 64)
    for i in range(64):
        if labels[i]:
            images[i, 0, :, rows[i]] += 2.0
        else:
            images[i, 0, rows[i], :] += 2.0
    model = SmallCNN()
    losses = train(model, needl.tensor(images), needl.tensor(labels), F.cross_entropy, steps=60, lr=2e-2)
    assert losses[-1] < 0.5 * losses[0]
    model.eval()
    assert (model(needl.tensor(images)).argmax(1).detach().numpy() == labels).mean() > 0.9
    assert model.features[1].num_batches_tracked.item() == 60


def test_regression_with_mse_and_sgd():
    generator = np.random.default_rng(2)
    x = generator.standard_normal((64, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)) + 0.3
    model = nn.Linear(3, 1)
    optimizer = needl.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(100):
        optimizer.zero_grad()
        loss = nn.MSELoss()(model(needl.tensor(x)), needl.tensor(y))
        loss.backward()
        optimizer.step()
    assert loss.item() < 1e-3
    np.testing.assert_allclose(model.weight.detach().numpy(), [[1.0, -2.0, 0.5]], atol=0.02)
