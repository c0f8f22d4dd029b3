"""A variational autoencoder as in PyTorch's examples/vae (tiny random binary data)."""
import json
import sys

import numpy as np
import needl as torch
from needl import nn, optim
from needl.nn import functional as F

torch.manual_seed(1)
rng = np.random.default_rng(0)
prototypes = rng.random((4, 64)) > 0.5
images = torch.from_numpy(np.concatenate([prototypes[rng.integers(0, 4, 128)] ^ (rng.random((128, 64)) < 0.05)])
                          .astype(np.float32))


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 32)
        self.fc21 = nn.Linear(32, 4)
        self.fc22 = nn.Linear(32, 4)
        self.fc3 = nn.Linear(4, 32)
        self.fc4 = nn.Linear(32, 64)
        init = np.random.default_rng(1)
        for p in self.parameters():
            p.data = torch.from_numpy(init.uniform(-0.2, 0.2, tuple(p.shape)).astype(np.float32))

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 64))
        z = self.reparameterize(mu, logvar) if self.training else mu
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


model = VAE()
optimizer = optim.Adam(model.parameters(), lr=1e-2)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images), batch_size=32, shuffle=True)
model.eval()
with torch.no_grad():
    recon, mu, logvar = model(images)
    first = loss_function(recon, images, mu, logvar).item() / len(images)
model.train()
losses = []
for epoch in range(int(sys.argv[1]) if len(sys.argv) > 1 else 15):
    train_loss = 0
    for (data,) in loader:
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    losses.append(train_loss / len(loader.dataset))
print(json.dumps({"first": first, "last": losses[-1]}))
