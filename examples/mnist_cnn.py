"""Train a LeNet-style convolutional network on MNIST: about 99.4% test accuracy after 3 epochs.

    python examples/mnist_cnn.py --epochs 3 --batch-size 64 --lr 3e-3
"""
import needl
import needl.nn as nn
from mnist_common import main, parse_args


class LeNet(nn.Module):
    """Two 5x5 convolutions with ReLU and 2x2 max pooling, then two fully connected layers."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),    # 32 x 12 x 12
            nn.Conv2d(32, 64, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2))   # 64 x 4 x 4
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(64 * 4 * 4, 256), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(256, 10))

    def forward(self, images: needl.Tensor) -> needl.Tensor:
        return self.classifier(self.features(images))


if __name__ == "__main__":
    args = parse_args(__doc__.splitlines()[0], epochs=3, batch_size=64, lr=3e-3, name="mnist_cnn")
    needl.manual_seed(args.seed)
    main(LeNet(), args)
