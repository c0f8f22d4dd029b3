"""Train a multi-layer perceptron on MNIST: about 98.3% test accuracy after 5 epochs.

    python examples/mnist_mlp.py --epochs 5 --batch-size 128 --lr 2e-3
"""
import needl
import needl.nn as nn
from mnist_common import main, parse_args


class MLP(nn.Module):
    """784 pixels -> 512 -> 512 -> 10 class scores, ReLU and dropout between the layers."""

    def __init__(self, hidden: int = 512, dropout: float = 0.2):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Flatten(),
            nn.Linear(28 * 28, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, 10))

    def forward(self, images: needl.Tensor) -> needl.Tensor:
        return self.layers(images)


if __name__ == "__main__":
    args = parse_args(__doc__.splitlines()[0], epochs=5, batch_size=128, lr=2e-3, name="mnist_mlp")
    needl.manual_seed(args.seed)
    main(MLP(), args)
