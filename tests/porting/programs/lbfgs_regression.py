"""Sine-wave sequence prediction with LSTMCells and LBFGS, as PyTorch's time_sequence_prediction."""
import json
import sys

import numpy as np
import needl as torch
import needl.nn as nn
import needl.optim as optim


class Sequence(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm1 = nn.LSTMCell(1, 12)
        self.lstm2 = nn.LSTMCell(12, 12)
        self.linear = nn.Linear(12, 1)

    def forward(self, input, future=0):
        outputs = []
        h_t = torch.zeros(input.size(0), 12, dtype=torch.double)
        c_t = torch.zeros(input.size(0), 12, dtype=torch.double)
        h_t2 = torch.zeros(input.size(0), 12, dtype=torch.double)
        c_t2 = torch.zeros(input.size(0), 12, dtype=torch.double)
        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for _ in range(future):
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        return torch.cat(outputs, dim=1)


rng = np.random.default_rng(2)
x = np.arange(30)[None, :] + rng.integers(-20, 20, (8, 1))
data = np.sin(x / 4.0)
input = torch.from_numpy(data[3:, :-1])
target = torch.from_numpy(data[3:, 1:])
torch.manual_seed(0)
seq = Sequence()
seq.double()
init = np.random.default_rng(3)
for p in seq.parameters():
    p.data.copy_(torch.from_numpy(init.uniform(-0.3, 0.3, tuple(p.shape))))
criterion = nn.MSELoss()
optimizer = optim.LBFGS(seq.parameters(), lr=0.8)
losses = []
for i in range(int(sys.argv[1]) if len(sys.argv) > 1 else 4):
    def closure():
        optimizer.zero_grad()
        out = seq(input)
        loss = criterion(out, target)
        losses.append(loss.item())
        loss.backward()
        return loss
    optimizer.step(closure)
with torch.no_grad():
    future = seq(input[:2], future=5)
    assert future.shape == (2, 29 + 5)
print(json.dumps({"first": losses[0], "last": losses[-1]}))
