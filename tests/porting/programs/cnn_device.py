"""An MNIST-style CNN script in the official-example style: argparse, device selection boilerplate,
DataLoader kwargs for CUDA, log_softmax + nll_loss, StepLR, test accuracy with argmax/eq."""
import argparse
import json

import numpy as np
import needl as torch
import needl.nn as nn
import needl.nn.functional as F
import needl.optim as optim
from needl.optim.lr_scheduler import StepLR
from needl.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(0.0)
        self.fc1 = nn.Linear(16 * 2 * 2, 32)
        self.fc2 = nn.Linear(32, 4)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return F.log_softmax(self.fc2(x), dim=1)


def train(model, device, loader, optimizer, losses):
    model.train()
    for data, target in loader:
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())


def test(model, device, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for data, target in loader:
            data, target = data.to(device), target.to(device)
            pred = model(data).argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    return correct / len(loader.dataset)


parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=6)
parser.add_argument("--no-cuda", action="store_true", default=False)
parser.add_argument("--no-mps", action="store_true", default=False)
args = parser.parse_args()
use_cuda = not args.no_cuda and torch.cuda.is_available()
use_mps = not args.no_mps and torch.backends.mps.is_available()
torch.manual_seed(1)
if use_cuda:
    device = torch.device("cuda")
elif use_mps:
    device = torch.device("mps")
else:
    device = torch.device("cpu")
train_kwargs = {"batch_size": 16}
if use_cuda:
    train_kwargs.update({"num_workers": 1, "pin_memory": True, "shuffle": True})

rng = np.random.default_rng(0)
labels = rng.integers(0, 4, 128)
images = rng.normal(0, 0.3, (128, 1, 8, 8)).astype(np.float32)
for k in range(4):  # each class lights up one quadrant
    images[labels == k, :, (k // 2) * 4:(k // 2) * 4 + 4, (k % 2) * 4:(k % 2) * 4 + 4] += 1.0
dataset = TensorDataset(torch.from_numpy(images), torch.from_numpy(labels))
train_loader = DataLoader(dataset, **train_kwargs)
model = Net().to(device)
init = np.random.default_rng(5)
for p in model.parameters():
    p.data.copy_(torch.from_numpy(init.uniform(-0.3, 0.3, tuple(p.shape)).astype(np.float32)))
optimizer = optim.Adadelta(model.parameters(), lr=1.0)
scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
losses = []
for epoch in range(1, args.epochs + 1):
    train(model, device, train_loader, optimizer, losses)
    scheduler.step()
accuracy = test(model, device, train_loader)
assert accuracy > 0.5, accuracy
print(json.dumps({"first": losses[0], "last": sum(losses[-4:]) / 4, "accuracy": accuracy}))
