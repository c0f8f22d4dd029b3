"""See the tape of a small CNN: its graph as SVG and PNG, a model summary and a profile.

    python examples/visualize.py --output-dir docs

Writes cnn_graph.svg and cnn_graph.png (needs `pip install graphviz` and the Graphviz `dot`
program; without `dot` the DOT source is written instead), then prints needl.nn.summary and
the profiler's table for one training step.
"""
import argparse
from pathlib import Path

import needl
from needl import nn


class SmallCNN(nn.Module):
    """Two conv blocks and a classifier, for 1x28x28 images (MNIST-sized)."""

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(16 * 7 * 7, 32), nn.ReLU(),
                                        nn.Linear(32, num_classes))

    def forward(self, input):
        return self.classifier(self.features(input))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=Path("."), help="where the pictures go")
    parser.add_argument("--batch-size", type=int, default=4)
    arguments = parser.parse_args()

    needl.manual_seed(0)
    model = SmallCNN()
    criterion = nn.CrossEntropyLoss()
    images = needl.randn(arguments.batch_size, 1, 28, 28)
    labels = needl.randint(0, 10, (arguments.batch_size,))

    # the graph: trace_modules groups each layer's ops in a box named after the layer
    with needl.viz.trace_modules(model) as trace:
        loss = criterion(model(images), labels)
    params = dict(model.named_parameters())
    for format in ("svg", "png"):
        written = needl.viz.render(loss, arguments.output_dir / "cnn_graph", format=format,
                                   params=params, modules=trace)
        print(f"wrote {written}")

    print(needl.nn.summary(model, (arguments.batch_size, 1, 28, 28), verbose=0))

    # one training step under the profiler
    optimizer = needl.optim.SGD(model.parameters(), lr=0.01)
    with needl.profiler.profile() as profile:
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
    print(profile.table())


if __name__ == "__main__":
    main()
