"""Train a small ResNet (ResNet-20 of He et al. 2015, built from torchvision's BasicBlock) on
CIFAR-10 with the standard augmentation: random crops of the padded image and mirroring.

The data: cifar-10-batches-py/ (or cifar-10-batches-bin/) under --data / $NEEDL_DATA, as
torchvision downloads it (--download fetches it). --fake-data trains on random images instead,
which only shows that the pipeline runs.

    python examples/cifar10_resnet.py --epochs 30
    python examples/cifar10_resnet.py --fake-data --epochs 1 --fake-size 256

(The paper reports 91.25% test accuracy for ResNet-20 after 64,000 iterations of batch 128; this
script's accuracy on the real data has not been measured here.)
"""
import argparse
import sys
import time

import needl
import needl.nn as nn
import needl.nn.functional as F
from needl.utils.data import DataLoader
from needl.vision import datasets, transforms
from needl.vision.models.resnet import BasicBlock, conv1x1, conv3x3

try:
    from tqdm import tqdm
except ImportError:  # the progress bar is optional: pip install "needl-numpy[examples]"
    tqdm = None

MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)  # of CIFAR-10's training images


class CifarResNet(nn.Module):
    """A 3x3 stem, three stages of `blocks` BasicBlocks (width, 2 width, 4 width channels; the
    later two halve the resolution), global average pooling and a linear classifier."""

    def __init__(self, blocks: int = 3, width: int = 16, num_classes: int = 10):
        super().__init__()
        self.conv1 = conv3x3(3, width)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        stages, channels = [], width
        for stage in range(3):
            out_channels, stride = width * 2 ** stage, 1 if stage == 0 else 2
            downsample = None
            if stride != 1 or channels != out_channels:
                downsample = nn.Sequential(conv1x1(channels, out_channels, stride),
                                           nn.BatchNorm2d(out_channels))
            layers = [BasicBlock(channels, out_channels, stride, downsample)]
            layers += [BasicBlock(out_channels, out_channels) for _ in range(blocks - 1)]
            stages.append(nn.Sequential(*layers))
            channels = out_channels
        self.layer1, self.layer2, self.layer3 = stages
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels, num_classes)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(needl.flatten(self.avgpool(x), 1))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.1, help="peak learning rate (OneCycle)")
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    parser.add_argument("--blocks", type=int, default=3, help="blocks per stage (3: ResNet-20)")
    parser.add_argument("--width", type=int, default=16, help="channels of the first stage")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None, help="folder holding cifar-10-batches-py/ "
                        "(default: $NEEDL_DATA, then ~/.cache/needl)")
    parser.add_argument("--download", action="store_true", help="download CIFAR-10 if missing")
    parser.add_argument("--fake-data", action="store_true", help="random images (FakeData)")
    parser.add_argument("--fake-size", type=int, default=512, help="images per fake split")
    parser.add_argument("--checkpoint", default="cifar10_resnet.npz")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser.parse_args()


def load_data(args):
    augment = transforms.Compose([transforms.RandomCrop(32, padding=4),
                                  transforms.RandomHorizontalFlip(), transforms.ToTensor(),
                                  transforms.Normalize(MEAN, STD)])
    plain = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    if args.fake_data:
        return (datasets.FakeData(args.fake_size, (3, 32, 32), 10, transform=augment),
                datasets.FakeData(args.fake_size // 4, (3, 32, 32), 10, transform=plain,
                                  random_offset=args.fake_size))
    return (datasets.CIFAR10(args.data, train=True, transform=augment, download=args.download),
            datasets.CIFAR10(args.data, train=False, transform=plain))


def train_epoch(model, loader, optimizer, scheduler, epoch, args):
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    bar = None
    if not args.no_progress and tqdm is not None:
        bar = tqdm(total=len(loader.dataset), desc=f"epoch {epoch}/{args.epochs}", unit="img",
                   unit_scale=True, leave=False, file=sys.stdout)
    for images, targets in loader:
        optimizer.zero_grad()
        logits = model(images)
        loss = F.cross_entropy(logits, targets)
        loss.backward()
        optimizer.step()
        scheduler.step()
        total_loss += loss.item() * len(targets)
        correct += int((logits.argmax(dim=1) == targets).sum().item())
        seen += len(targets)
        if bar is not None:
            bar.update(len(targets))
            bar.set_postfix(loss=f"{total_loss / seen:.3f}", acc=f"{100 * correct / seen:.1f}%")
    if bar is not None:
        bar.close()
    return total_loss / seen, correct / seen


@needl.no_grad()
def evaluate(model, loader) -> float:
    model.eval()
    correct = 0
    for images, targets in loader:
        correct += int((model(images).argmax(dim=1) == targets).sum().item())
    return correct / len(loader.dataset)


def main():
    args = parse_args()
    needl.manual_seed(args.seed)
    start = time.perf_counter()
    train_set, test_set = load_data(args)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              drop_last=True)
    test_loader = DataLoader(test_set, batch_size=500)
    model = CifarResNet(args.blocks, args.width)
    optimizer = needl.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True,
                                weight_decay=args.weight_decay)
    scheduler = needl.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=len(train_loader))
    parameters = sum(p.numel() for p in model.parameters())
    print(f"ResNet-{6 * args.blocks + 2} (width {args.width}): {parameters:,} parameters; "
          f"{len(train_set):,} training and {len(test_set):,} test images"
          f"{' (fake)' if args.fake_data else ''}", flush=True)
    for epoch in range(1, args.epochs + 1):
        epoch_start = time.perf_counter()
        train_loss, train_accuracy = train_epoch(model, train_loader, optimizer, scheduler,
                                                 epoch, args)
        accuracy = evaluate(model, test_loader)
        print(f"epoch {epoch}: train loss {train_loss:.4f}, train accuracy "
              f"{100 * train_accuracy:.2f}%, test accuracy {100 * accuracy:.2f}%, "
              f"{time.perf_counter() - epoch_start:.1f} s", flush=True)
        needl.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "epoch": epoch, "accuracy": accuracy}, args.checkpoint)
    print(f"wall time {time.perf_counter() - start:.1f} s; checkpoint saved to {args.checkpoint}")


if __name__ == "__main__":
    main()
