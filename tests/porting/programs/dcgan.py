"""A DCGAN pair as in PyTorch's examples/dcgan, on 16x16 random "images" (tiny)."""
import json
import sys

import numpy as np
import needl as torch
import needl.nn as nn
import needl.optim as optim

torch.manual_seed(999)
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
nz, ngf, ndf, nc, batch = 8, 8, 8, 1, 16
rng = np.random.default_rng(0)
real_images = torch.from_numpy((rng.random((64, nc, 16, 16)) > 0.7).astype(np.float32) * 2 - 1)


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, input):
        return self.main(input).view(-1, 1).squeeze(1)


def numpy_init(model, seed):
    """The same starting weights under any framework (the comparison test needs them)."""
    generator = np.random.default_rng(seed)
    for p in model.parameters():
        p.data.copy_(torch.tensor(generator.normal(0.0, 0.02, tuple(p.shape)), dtype=torch.float32))


netG, netD = Generator().to(device), Discriminator().to(device)
netG.apply(weights_init)
netD.apply(weights_init)
numpy_init(netG, 1)
numpy_init(netD, 2)
criterion = nn.BCELoss()
fixed_noise = torch.from_numpy(rng.standard_normal((batch, nz, 1, 1)).astype(np.float32))
real_label, fake_label = 1.0, 0.0
optimizerD = optim.Adam(netD.parameters(), lr=2e-3, betas=(0.5, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=2e-3, betas=(0.5, 0.999))
d_losses = []
for i in range(int(sys.argv[1]) if len(sys.argv) > 1 else 30):
    real_cpu = real_images[(i * batch) % 64:(i * batch) % 64 + batch].to(device)
    netD.zero_grad()
    label = torch.full((batch,), real_label, dtype=torch.float, device=device)
    output = netD(real_cpu)
    errD_real = criterion(output, label)
    errD_real.backward()
    noise = fixed_noise if i == 0 else torch.randn(batch, nz, 1, 1, device=device)
    fake = netG(noise)
    label.fill_(fake_label)
    output = netD(fake.detach())
    errD_fake = criterion(output, label)
    errD_fake.backward()
    errD = errD_real + errD_fake
    optimizerD.step()
    netG.zero_grad()
    label.fill_(real_label)
    output = netD(fake)
    errG = criterion(output, label)
    errG.backward()
    optimizerG.step()
    d_losses.append(errD.item())
# the discriminator learns to tell the fixed pattern from the generator's early output
print(json.dumps({"first": d_losses[0], "last": min(d_losses[-10:])}))
