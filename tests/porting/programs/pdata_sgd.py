"""Old-style PyTorch: Variables, manual SGD through `.data` and `.grad.data.zero_()`."""
import json
import sys

import numpy as np
import needl as torch
from needl.autograd import Variable

rng = np.random.default_rng(0)
x = Variable(torch.from_numpy(rng.standard_normal((64, 5)).astype(np.float32)))
true_w = torch.from_numpy(rng.standard_normal((5, 1)).astype(np.float32))
y = Variable(x.data.mm(true_w) + 0.1, requires_grad=False)
w1 = Variable(torch.from_numpy(rng.standard_normal((5, 8)).astype(np.float32) * 0.3), requires_grad=True)
w2 = Variable(torch.from_numpy(rng.standard_normal((8, 1)).astype(np.float32) * 0.3), requires_grad=True)
b = Variable(torch.zeros(1), requires_grad=True)
learning_rate, losses = 1e-2, []
for t in range(int(sys.argv[1]) if len(sys.argv) > 1 else 200):
    y_pred = x.mm(w1).clamp(min=0).mm(w2) + b
    loss = (y_pred - y).pow(2).sum() / x.size(0)
    losses.append(loss.item())
    loss.backward()
    w1.data -= learning_rate * w1.grad.data
    w2.data.add_(-learning_rate * w2.grad)
    b.data.sub_(learning_rate * b.grad.data)
    w1.grad.data.zero_()
    w2.grad.zero_()
    b.grad.data.zero_()
print(json.dumps({"first": losses[0], "last": losses[-1]}))
