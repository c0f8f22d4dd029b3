"""End-to-end training epochs with a DataLoader: the MLP of mlp.py over MNIST-sized images from a
map-style dataset with a per-sample transform in NumPy (the same code for all); batch 64,
shuffled, SGD. Data loading counts: the program waits for it.

- dataloader_epoch: 10,000 images, a light transform (~15 us: scale to float, normalize, flip
  left-right with probability 1/2).
- dataloader_python_heavy: 3,200 images, an augmentation pipeline of ~100 us per image (reflect
  pad and random crop, brightness and contrast jitter, cutout, noise, gamma, normalize, flip):
  the case worker processes are for.
- dataloader_heavy_load_only: the same dataset without the training step: the loader alone.

Contenders: needl's DataLoader and PyTorch's at their defaults with num_workers=0 and with
num_workers=2 (both start two worker processes every epoch), and for dataloader_epoch a plain
NumPy loop (a permutation, the same transform per sample, np.stack, the hand-written MLP step).
The orders differ (each shuffles with its own generator), so the epochs' mean losses are compared
loosely. Workers pay off only with cores to spare: on a machine shared with other sessions, Linux
(sched_autogroup) gives a session its share of the CPU however many processes it starts, and the
wall times say little; `--cpu-time` shows what the main process itself spends (the workers' CPU is
not in it). Run: python benchmarks/dataloader_epoch.py [--quick] [--cpu-time] [names]
"""
import numpy as np

from common import Contender, StepWorkload, main
from mlp import NumpyMLP, initial_weights, mlp

SAMPLES, HEAVY_SAMPLES, BATCH, LR = 10_000, 3_200, 64, 0.01
MEAN, STD = 0.1307, 0.3081


def images_and_labels(samples=SAMPLES):
    rng = np.random.default_rng(2)
    return rng.integers(0, 256, (samples, 28, 28), dtype=np.uint8), rng.integers(0, 10, samples)


class NormalizeAndFlip:
    """uint8 (28, 28) -> float32 (1, 28, 28): scaled to [0, 1], normalized, flipped with p = 1/2."""

    def __init__(self, seed=0):
        self.rng = np.random.default_rng(seed)

    def __call__(self, image):
        x = image.astype(np.float32)
        x *= np.float32(1 / (255 * STD))
        x -= np.float32(MEAN / STD)
        if self.rng.random() < 0.5:
            x = np.ascontiguousarray(x[:, ::-1])
        return x[None]


class Augment:
    """uint8 (28, 28) -> float32 (1, 28, 28) through a Python-level augmentation pipeline of ~100 us:
    reflect-pad by 4 and crop 28x28 at random, jitter contrast and brightness, cut out an 8x8
    square, add noise, clip, random gamma, normalize, flip with p = 1/2."""

    def __init__(self, seed=0):
        self.rng = np.random.default_rng(seed)

    def __call__(self, image):
        rng = self.rng
        x = np.pad(image, 4, mode="reflect").astype(np.float32)
        top, left = rng.integers(0, 9, 2)
        x = x[top:top + 28, left:left + 28] * np.float32(1 / 255)
        mean = x.mean()
        x = (x - mean) * np.float32(rng.uniform(0.8, 1.2)) + mean + np.float32(rng.uniform(-0.1, 0.1))
        row, column = rng.integers(0, 28, 2)
        x[max(row - 4, 0):row + 4, max(column - 4, 0):column + 4] = 0
        x += rng.standard_normal(x.shape, dtype=np.float32) * np.float32(0.05)
        np.clip(x, 0, 1, out=x)
        x **= np.float32(rng.uniform(0.8, 1.25))
        x -= np.float32(MEAN)
        x *= np.float32(1 / STD)
        if rng.random() < 0.5:
            x = x[:, ::-1]
        return np.ascontiguousarray(x)[None]


def image_dataset(library, heavy=False):
    class Images(library.utils.data.Dataset):
        """A map-style dataset: one transformed sample per index, as a user writes one."""

        def __init__(self, images, labels, transform):
            self.images, self.labels, self.transform = images, labels, transform

        def __len__(self):
            return len(self.images)

        def __getitem__(self, index):
            return self.transform(self.images[index]), int(self.labels[index])

    if heavy:
        return Images(*images_and_labels(HEAVY_SAMPLES), Augment())
    return Images(*images_and_labels(), NormalizeAndFlip())


def framework_epoch(library, num_workers=0, heavy=False):
    if library.__name__ == "torch":
        import torch.utils.data  # noqa: F401  (PyTorch programs import it too)
    loader = library.utils.data.DataLoader(image_dataset(library, heavy), batch_size=BATCH,
                                           shuffle=True, num_workers=num_workers)
    model = mlp(library, initial_weights())
    optimizer = library.optim.SGD(model.parameters(), lr=LR)
    cross_entropy = library.nn.functional.cross_entropy

    def epoch():
        total = 0.0
        for images, labels in loader:
            loss = cross_entropy(model(images.flatten(1)), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        return total / len(loader)
    return epoch


def loader_only_epoch(library, num_workers=0):
    """An epoch of the heavy dataset's loader alone; returns the mean label (a check)."""
    if library.__name__ == "torch":
        import torch.utils.data  # noqa: F401
    loader = library.utils.data.DataLoader(image_dataset(library, heavy=True), batch_size=BATCH,
                                           shuffle=True, num_workers=num_workers)

    def epoch():
        total = 0
        for images, labels in loader:
            total += int(labels.sum())
        return total / len(loader.dataset)
    return epoch


def numpy_epoch(np_module):
    images, labels = images_and_labels()
    transform = NormalizeAndFlip()
    model = NumpyMLP(initial_weights(), lr=LR)
    rng = np.random.default_rng(0)

    def epoch():
        order = rng.permutation(SAMPLES)
        total, batches = 0.0, 0
        for start in range(0, SAMPLES, BATCH):
            indices = order[start:start + BATCH]
            x = np.stack([transform(images[i]) for i in indices]).reshape(len(indices), -1)
            total += model.step(x, labels[indices])
            batches += 1
        return total / batches
    return epoch


WORKLOADS = {"dataloader_epoch": StepWorkload(
    label=f"epoch: DataLoader (map-style, transform) + MLP, {SAMPLES} images",
    title=f"one epoch: DataLoader over a map-style dataset ({SAMPLES} 28x28 images, per-sample "
          f"normalize + random flip) + MLP step, batch {BATCH}, SGD",
    contenders={"needl": Contender("needl", framework_epoch),
                "numpy by hand": Contender("numpy", numpy_epoch),
                "pytorch": Contender("torch", framework_epoch),
                "needl workers=2": Contender("needl", lambda library: framework_epoch(library, 2)),
                "pytorch workers=2": Contender("torch", lambda library: framework_epoch(library, 2))},
    rounds=5, repeat=1, warmup=1, tolerance=0.05,
    targets=(("needl", "pytorch", ""), ("needl workers=2", "pytorch workers=2", ""),
             ("needl", "numpy by hand", ""))),
    "dataloader_python_heavy": StepWorkload(
    label=f"epoch: DataLoader (map-style, ~100 us augmentation) + MLP, {HEAVY_SAMPLES} images",
    title=f"one epoch: DataLoader over a map-style dataset ({HEAVY_SAMPLES} 28x28 images, a "
          f"Python-level augmentation of ~100 us per image) + MLP step, batch {BATCH}, SGD",
    contenders={"needl": Contender("needl", lambda library: framework_epoch(library, 0, True)),
                "pytorch": Contender("torch", lambda library: framework_epoch(library, 0, True)),
                "needl workers=2": Contender("needl", lambda library: framework_epoch(library, 2, True)),
                "pytorch workers=2": Contender("torch", lambda library: framework_epoch(library, 2, True))},
    rounds=5, repeat=1, warmup=1, tolerance=0.05,
    targets=(("needl workers=2", "needl", ""), ("needl workers=2", "pytorch workers=2", ""),
             ("needl", "pytorch", ""))),
    "dataloader_heavy_load_only": StepWorkload(
    label=f"epoch of the loader alone (~100 us augmentation), {HEAVY_SAMPLES} images",
    title=f"one epoch of the DataLoader alone over the map-style dataset with the ~100 us "
          f"augmentation ({HEAVY_SAMPLES} 28x28 images), batch {BATCH}",
    contenders={"needl": Contender("needl", lambda library: loader_only_epoch(library, 0)),
                "pytorch": Contender("torch", lambda library: loader_only_epoch(library, 0)),
                "needl workers=2": Contender("needl", lambda library: loader_only_epoch(library, 2)),
                "pytorch workers=2": Contender("torch", lambda library: loader_only_epoch(library, 2))},
    rounds=5, repeat=1, warmup=1, tolerance=0.05,
    targets=(("needl workers=2", "needl", ""), ("needl workers=2", "pytorch workers=2", ""),
             ("needl", "pytorch", "")))}


if __name__ == "__main__":
    main("dataloader_epoch")
