"""DCGAN training step on 32x32 RGB images, batch 64: the discriminator's step on a real and a fake
batch, then the generator's step (as pytorch/examples' dcgan/main.py), float32.

Generator: ConvTranspose2d(100 -> 256, 4) 1x1 -> 4x4, then ConvTranspose2d(4, stride 2, padding 1)
256 -> 128 -> 64 -> 3 up to 32x32, BatchNorm2d + ReLU between, Tanh at the end. Discriminator: the
mirror image with Conv2d(4, stride 2, padding 1), BatchNorm2d, LeakyReLU(0.2) and Sigmoid; BCELoss;
Adam(lr 2e-4, betas (0.5, 0.999)) for both. DCGAN's initialisation (normal(0, 0.02) convs,
normal(1, 0.02) batch-norm scales) is drawn by parameter name in NumPy; the noise and the real
batch are fixed. Run: python benchmarks/dcgan.py [--quick]
"""
import numpy as np

from common import Contender, StepWorkload, load_parameters, main

BATCH, NOISE, FEATURES, SIZE = 64, 100, 64, 32
LR, BETAS = 2e-4, (0.5, 0.999)


def generator(library):
    nn = library.nn
    return nn.Sequential(
        nn.ConvTranspose2d(NOISE, FEATURES * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(FEATURES * 4), nn.ReLU(True),
        nn.ConvTranspose2d(FEATURES * 4, FEATURES * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(FEATURES * 2), nn.ReLU(True),
        nn.ConvTranspose2d(FEATURES * 2, FEATURES, 4, 2, 1, bias=False), nn.BatchNorm2d(FEATURES), nn.ReLU(True),
        nn.ConvTranspose2d(FEATURES, 3, 4, 2, 1, bias=False), nn.Tanh())


def discriminator(library):
    nn = library.nn
    return nn.Sequential(
        nn.Conv2d(3, FEATURES, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(FEATURES, FEATURES * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(FEATURES * 2),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(FEATURES * 2, FEATURES * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(FEATURES * 4),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(FEATURES * 4, 1, 4, 1, 0, bias=False), nn.Sigmoid())


def initializer(name, shape, rng):
    """DCGAN's weights_init: convs normal(0, 0.02); batch norms scale normal(1, 0.02), shift 0."""
    if len(shape) == 1:
        if name.endswith("bias"):
            return np.zeros(shape, np.float32)
        return (1 + 0.02 * rng.standard_normal(shape)).astype(np.float32)
    return (0.02 * rng.standard_normal(shape)).astype(np.float32)


def batch():
    rng = np.random.default_rng(1)
    return (rng.uniform(-1, 1, (BATCH, 3, SIZE, SIZE)).astype(np.float32),
            rng.standard_normal((BATCH, NOISE, 1, 1), dtype=np.float32))


def framework_step(library):
    net_g, net_d = generator(library), discriminator(library)
    load_parameters(library, net_g, seed=0, initializer=initializer)
    load_parameters(library, net_d, seed=1, initializer=initializer)
    criterion = library.nn.BCELoss()
    optimizer_d = library.optim.Adam(net_d.parameters(), lr=LR, betas=BETAS)
    optimizer_g = library.optim.Adam(net_g.parameters(), lr=LR, betas=BETAS)
    real, noise = (library.from_numpy(array) for array in batch())
    real_label, fake_label = 1.0, 0.0

    def step():  # pytorch/examples dcgan/main.py, one iteration
        net_d.zero_grad()
        label = library.full((BATCH,), real_label, dtype=real.dtype)
        error_d_real = criterion(net_d(real).view(-1), label)
        error_d_real.backward()
        fake = net_g(noise)
        label.fill_(fake_label)
        error_d_fake = criterion(net_d(fake.detach()).view(-1), label)
        error_d_fake.backward()
        optimizer_d.step()
        net_g.zero_grad()
        label.fill_(real_label)
        error_g = criterion(net_d(fake).view(-1), label)
        error_g.backward()
        optimizer_g.step()
        return (error_d_real + error_d_fake).item(), error_g.item()
    return step


WORKLOADS = {"dcgan": StepWorkload(
    label=f"DCGAN G + D step, {SIZE}x{SIZE}, b{BATCH}, Adam",
    title=f"DCGAN step (discriminator + generator, {SIZE}x{SIZE}, width {FEATURES}), batch {BATCH}, Adam, float32",
    contenders={"needl": Contender("needl", framework_step),
                "pytorch": Contender("torch", framework_step)},
    rounds=9, repeat=2, tolerance=1e-3,
    targets=(("needl", "pytorch", "(target <= 1.0x)"),))}


if __name__ == "__main__":
    main("dcgan")
