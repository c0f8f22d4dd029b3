"""An end-to-end training epoch with a DataLoader: the MLP of mlp.py over 10,000 MNIST-sized images
from a map-style dataset whose per-sample transform (in NumPy, the same for all) scales the uint8
image to float, normalizes it and flips it left-right with probability 1/2; batch 64, shuffled,
SGD. Data loading counts: the program waits for it.

Contenders: needl's DataLoader and PyTorch's at their defaults with num_workers=0, the same with
num_workers=2 (PyTorch forks two loader processes every epoch; needl accepts the argument and loads
in the main process), and a plain NumPy loop (a permutation, the same transform per sample,
np.stack, the hand-written MLP step). The orders differ (each shuffles with its own generator), so
the epochs' mean losses are compared loosely. Run: python benchmarks/dataloader_epoch.py [--quick]
"""
import numpy as np

from common import Contender, StepWorkload, main
from mlp import NumpyMLP, initial_weights, mlp

SAMPLES, BATCH, LR = 10_000, 64, 0.01
MEAN, STD = 0.1307, 0.3081


def images_and_labels():
    rng = np.random.default_rng(2)
    return rng.integers(0, 256, (SAMPLES, 28, 28), dtype=np.uint8), rng.integers(0, 10, SAMPLES)


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


def image_dataset(library):
    class Images(library.utils.data.Dataset):
        """A map-style dataset: one transformed sample per index, as a user writes one."""

        def __init__(self, images, labels, transform):
            self.images, self.labels, self.transform = images, labels, transform

        def __len__(self):
            return len(self.images)

        def __getitem__(self, index):
            return self.transform(self.images[index]), int(self.labels[index])

    return Images(*images_and_labels(), NormalizeAndFlip())


def framework_epoch(library, num_workers=0):
    if library.__name__ == "torch":
        import torch.utils.data  # noqa: F401  (PyTorch programs import it too)
    loader = library.utils.data.DataLoader(image_dataset(library), batch_size=BATCH, shuffle=True,
                                           num_workers=num_workers)
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
             ("needl", "numpy by hand", "")))}


if __name__ == "__main__":
    main("dataloader_epoch")
