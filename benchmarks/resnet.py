"""ResNet-style CNN training step on 32x32 RGB images (CIFAR-sized), batch 64, float32.

A stem conv 3 -> 32 (3x3) + BatchNorm + ReLU, then three residual stages of one basic block each
(two 3x3 convs with BatchNorm, ReLU after the residual add) at widths 32, 64, 128, the last two
strided (stride-2 conv, 1x1 strided conv + BatchNorm on the shortcut), global average pooling and
Linear(128, 10); cross-entropy; SGD with momentum 0.9 and weight decay 5e-4 (the usual CIFAR
recipe). Written once for needl and PyTorch; the weights are drawn by parameter name in NumPy.
Run: python benchmarks/resnet.py [--quick]
"""
import numpy as np

from common import Contender, StepWorkload, training_step, load_parameters, main

BATCH, CLASSES, WIDTHS = 64, 10, (32, 64, 128)
LR, MOMENTUM, WEIGHT_DECAY = 0.1, 0.9, 5e-4


def resnet(library):
    nn, F = library.nn, library.nn.functional

    class BasicBlock(nn.Module):
        def __init__(self, inputs, outputs, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(inputs, outputs, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(outputs)
            self.conv2 = nn.Conv2d(outputs, outputs, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(outputs)
            self.shortcut = nn.Sequential()
            if stride != 1 or inputs != outputs:
                self.shortcut = nn.Sequential(nn.Conv2d(inputs, outputs, 1, stride, bias=False),
                                              nn.BatchNorm2d(outputs))

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return F.relu(out + self.shortcut(x))

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, WIDTHS[0], 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(WIDTHS[0])
            self.layer1 = BasicBlock(WIDTHS[0], WIDTHS[0], 1)
            self.layer2 = BasicBlock(WIDTHS[0], WIDTHS[1], 2)
            self.layer3 = BasicBlock(WIDTHS[1], WIDTHS[2], 2)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(WIDTHS[2], CLASSES)

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.layer3(self.layer2(self.layer1(out)))
            return self.fc(self.pool(out).flatten(1))

    return ResNet()


def initializer(name, shape, rng):
    """Convs and the head uniform(+-1/sqrt(fan_in)) (PyTorch's default bound); norms 1 and 0; fc bias 0."""
    if len(shape) == 1:
        return (np.ones if name.endswith("weight") else np.zeros)(shape, np.float32)
    bound = 1 / np.sqrt(np.prod(shape[1:]))
    return rng.uniform(-bound, bound, shape).astype(np.float32)


def batch():
    rng = np.random.default_rng(1)
    return rng.standard_normal((BATCH, 3, 32, 32), dtype=np.float32), rng.integers(0, CLASSES, BATCH)


def framework_step(library):
    model = resnet(library)
    load_parameters(library, model, initializer=initializer)
    optimizer = library.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
    images, labels = batch()
    return training_step(library, model, images, labels, LR, optimizer=optimizer)


WORKLOADS = {"resnet": StepWorkload(
    label=f"ResNet-style (3 basic blocks), 32x32, b{BATCH}, SGD momentum",
    title=f"ResNet-style CNN (stem + 3 basic blocks, widths {WIDTHS}, 32x32), batch {BATCH}, "
          f"SGD momentum, float32",
    contenders={"needl": Contender("needl", framework_step),
                "pytorch": Contender("torch", framework_step)},
    rounds=9, repeat=2,
    targets=(("needl", "pytorch", "(target <= 1.0x)"),))}


if __name__ == "__main__":
    main("resnet")
