"""What the MNIST examples share: command-line options, the data, the train/test loop.

Each example (mnist_mlp.py, mnist_cnn.py, mnist_lstm.py) defines its model and calls `main`.
The loop is the one a PyTorch user writes; only `torch` became `needl`.

On a machine whose cores are busy with other jobs, OPENBLAS_NUM_THREADS=1 (or OMP_NUM_THREADS=1)
can make these scripts several times faster: a multi-threaded BLAS waits for cores it shares.
"""
import argparse
import sys
import time
from pathlib import Path

import needl
import needl.nn as nn
from needl.datasets import MNIST
from needl.utils.data import DataLoader

try:
    from tqdm import tqdm
except ImportError:  # the progress bar is optional: pip install "needl-numpy[examples]"
    tqdm = None

MEAN, STD = 0.1307, 0.3081  # of the MNIST training images, as in PyTorch's example


def parse_args(description: str, epochs: int, batch_size: int, lr: float, name: str):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--epochs", type=int, default=epochs, help=f"default {epochs}")
    parser.add_argument("--batch-size", type=int, default=batch_size, help=f"default {batch_size}")
    parser.add_argument("--lr", type=float, default=lr, help=f"peak learning rate, default {lr}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None,
                        help="folder holding mnist/ (default: $NEEDL_DATA, then ~/.cache/needl)")
    parser.add_argument("--checkpoint", default=f"{name}.npz",
                        help=f"where to save the model and optimizer (default {name}.npz)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser.parse_args()


def normalize(images: needl.Tensor) -> needl.Tensor:
    """(B, 1, 28, 28) in [0, 1] -> zero mean, unit variance (in place: the batch is ours)."""
    images.data -= MEAN
    images.data *= 1 / STD
    return images


def train_epoch(model, loader, optimizer, scheduler, loss_fn, epoch, epochs, show_progress):
    model.train()
    total_loss, seen = 0.0, 0
    bar = None
    if show_progress and tqdm is not None:
        bar = tqdm(total=len(loader.dataset), desc=f"epoch {epoch}/{epochs}", unit="img",
                   unit_scale=True, leave=False, file=sys.stdout)
    for images, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(normalize(images)), targets)
        loss.backward()
        optimizer.step()
        scheduler.step()
        total_loss += loss.item() * len(targets)
        seen += len(targets)
        if bar is not None:
            bar.update(len(targets))
            bar.set_postfix(loss=f"{total_loss / seen:.4f}")
    if bar is not None:
        bar.close()
    return total_loss / seen


@needl.no_grad()
def evaluate(model, loader) -> float:
    model.eval()
    correct = 0
    for images, targets in loader:
        predictions = model(normalize(images)).argmax(dim=1)
        correct += int((predictions == targets).sum().item())
    return correct / len(loader.dataset)


def main(model: nn.Module, args, optimizer=None) -> float:
    """Train `model` on MNIST with Adam + OneCycleLR; print the test accuracy after each epoch.

    Returns the final test accuracy; saves {model, optimizer, epoch, accuracy} to args.checkpoint.
    """
    start = time.perf_counter()
    train_set = MNIST(args.data, train=True, download=True)
    test_set = MNIST(args.data, train=False, download=True)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              drop_last=True, generator=args.seed)
    test_loader = DataLoader(test_set, batch_size=1000)
    optimizer = optimizer or needl.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = needl.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=len(train_loader))
    loss_fn = nn.CrossEntropyLoss()
    parameters = sum(p.numel() for p in model.parameters())
    print(f"{type(model).__name__}: {parameters:,} parameters; {len(train_set):,} training and "
          f"{len(test_set):,} test images; batch size {args.batch_size}, lr {args.lr}")
    accuracy = 0.0
    for epoch in range(1, args.epochs + 1):
        epoch_start = time.perf_counter()
        train_loss = train_epoch(model, train_loader, optimizer, scheduler, loss_fn, epoch,
                                 args.epochs, not args.no_progress)
        train_time = time.perf_counter() - epoch_start
        accuracy = evaluate(model, test_loader)
        print(f"epoch {epoch}: train loss {train_loss:.4f}, test accuracy {100 * accuracy:.2f}%, "
              f"{train_time:.1f} s ({len(train_loader) * args.batch_size / train_time:,.0f} img/s)",
              flush=True)
        needl.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "epoch": epoch, "accuracy": accuracy}, Path(args.checkpoint))
    print(f"final test accuracy {100 * accuracy:.2f}% after {args.epochs} epochs; wall time "
          f"{time.perf_counter() - start:.1f} s; checkpoint saved to {args.checkpoint}")
    return accuracy
