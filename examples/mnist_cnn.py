"""PyTorch's official MNIST example (pytorch/examples, mnist/main.py) on needl: a two-convolution
network trained with Adadelta; 98.35% test accuracy after one epoch (295 s on a busy 2-core
machine).

The program is PyTorch's with `torch` changed to `needl` and `torchvision` to `needl.vision`,
minus the accelerator lines (needl runs on the CPU), plus --data and --no-progress.

    NEEDL_DATA=/path/holding/mnist python examples/mnist_cnn.py --epochs 1
"""
import argparse
import sys
import time

import needl
import needl.nn as nn
import needl.nn.functional as F
import needl.optim as optim
from needl.optim.lr_scheduler import StepLR
from needl.vision import datasets, transforms

try:
    from tqdm import tqdm
except ImportError:  # the progress bar is optional: pip install "needl-numpy[examples]"
    tqdm = None


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = needl.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def train(args, model, train_loader, optimizer, epoch):
    model.train()
    bar = None
    if not args.no_progress and tqdm is not None:
        bar = tqdm(total=len(train_loader.dataset), desc=f"epoch {epoch}", unit="img",
                   unit_scale=True, leave=False, file=sys.stdout)
    for batch_idx, (data, target) in enumerate(train_loader):
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if bar is not None:
            bar.update(len(data))
            bar.set_postfix(loss=f"{loss.item():.4f}")
        elif batch_idx % args.log_interval == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))
        if args.dry_run:
            break
    if bar is not None:
        bar.close()


def test(model, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with needl.no_grad():
        for data, target in test_loader:
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction='sum').item()  # sum up batch loss
            pred = output.argmax(dim=1, keepdim=True)  # get the index of the max log-probability
            correct += pred.eq(target.view_as(pred)).sum().item()

    test_loss /= len(test_loader.dataset)

    print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.2f}%)\n'.format(
        test_loss, correct, len(test_loader.dataset),
        100. * correct / len(test_loader.dataset)))
    return correct / len(test_loader.dataset)


def main():
    # Training settings
    parser = argparse.ArgumentParser(description='needl MNIST Example')
    parser.add_argument('--batch-size', type=int, default=64, metavar='N',
                        help='input batch size for training (default: 64)')
    parser.add_argument('--test-batch-size', type=int, default=1000, metavar='N',
                        help='input batch size for testing (default: 1000)')
    parser.add_argument('--epochs', type=int, default=14, metavar='N',
                        help='number of epochs to train (default: 14)')
    parser.add_argument('--lr', type=float, default=1.0, metavar='LR',
                        help='learning rate (default: 1.0)')
    parser.add_argument('--gamma', type=float, default=0.7, metavar='M',
                        help='Learning rate step gamma (default: 0.7)')
    parser.add_argument('--dry-run', action='store_true',
                        help='quickly check a single pass')
    parser.add_argument('--seed', type=int, default=1, metavar='S',
                        help='random seed (default: 1)')
    parser.add_argument('--log-interval', type=int, default=10, metavar='N',
                        help='how many batches to wait before logging training status')
    parser.add_argument('--save-model', action='store_true',
                        help='For Saving the current Model')
    parser.add_argument('--data', default=None,
                        help='folder holding mnist/ or MNIST/raw/ (default: $NEEDL_DATA, '
                             'then ~/.cache/needl)')
    parser.add_argument('--no-progress', action='store_true',
                        help='log lines instead of a progress bar')
    args = parser.parse_args()

    needl.manual_seed(args.seed)
    start = time.perf_counter()

    train_kwargs = {'batch_size': args.batch_size, 'shuffle': True}
    test_kwargs = {'batch_size': args.test_batch_size}

    transform = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize((0.1307,), (0.3081,))
        ])
    dataset1 = datasets.MNIST(args.data, train=True, download=True, transform=transform)
    dataset2 = datasets.MNIST(args.data, train=False, transform=transform)
    train_loader = needl.utils.data.DataLoader(dataset1, **train_kwargs)
    test_loader = needl.utils.data.DataLoader(dataset2, **test_kwargs)

    model = Net()
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)

    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    for epoch in range(1, args.epochs + 1):
        epoch_start = time.perf_counter()
        train(args, model, train_loader, optimizer, epoch)
        accuracy = test(model, test_loader)
        print(f"epoch {epoch}: test accuracy {100 * accuracy:.2f}%, "
              f"{time.perf_counter() - epoch_start:.1f} s", flush=True)
        scheduler.step()

    if args.save_model:
        needl.save(model.state_dict(), "mnist_cnn.pt")
    print(f"wall time {time.perf_counter() - start:.1f} s")


if __name__ == '__main__':
    main()
