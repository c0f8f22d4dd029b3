"""PyTorch's official Hogwild example (pytorch/examples, mnist_hogwild/main.py and train.py) on
needl: the model's parameters are put in shared memory, several processes train them at once
without locks (each its own SGD over its own shuffle of MNIST), then the parent tests the model
they trained together.

The program is PyTorch's with `torch` changed to `needl` and `torchvision` to `needl.vision`,
minus the accelerator lines (needl runs on the CPU), with --data and --num-batches (each process
stops after that many batches; 0: whole epochs) and a line saying how far the parent's parameters
moved. The data is read from --data or $NEEDL_DATA (it is not downloaded):

    NEEDL_DATA=/path/holding/mnist python examples/mnist_hogwild.py --num-batches 0
"""
import argparse
import os
import time

import needl
import needl.multiprocessing as mp
import needl.nn as nn
import needl.nn.functional as F
import needl.optim as optim
from needl.vision import datasets, transforms

# Training settings
parser = argparse.ArgumentParser(description='needl MNIST Hogwild Example')
parser.add_argument('--batch-size', type=int, default=64, metavar='N',
                    help='input batch size for training (default: 64)')
parser.add_argument('--test-batch-size', type=int, default=1000, metavar='N',
                    help='input batch size for testing (default: 1000)')
parser.add_argument('--epochs', type=int, default=1, metavar='N',
                    help='number of epochs to train (default: 1)')
parser.add_argument('--lr', type=float, default=0.01, metavar='LR',
                    help='learning rate (default: 0.01)')
parser.add_argument('--momentum', type=float, default=0.5, metavar='M',
                    help='SGD momentum (default: 0.5)')
parser.add_argument('--seed', type=int, default=1, metavar='S',
                    help='random seed (default: 1)')
parser.add_argument('--log-interval', type=int, default=10, metavar='N',
                    help='how many batches to wait before logging training status')
parser.add_argument('--num-processes', type=int, default=2, metavar='N',
                    help='how many training processes to use (default: 2)')
parser.add_argument('--num-batches', type=int, default=20, metavar='N',
                    help='batches each process trains on per epoch, 0 for all (default: 20)')
parser.add_argument('--save_model', action='store_true', default=False,
                    help='save the trained model to state_dict')
parser.add_argument('--dry-run', action='store_true', default=False,
                    help='quickly check a single pass')
parser.add_argument('--data', default=None,
                    help='folder holding mnist/ or MNIST/raw/ (default: $NEEDL_DATA, '
                         'then ~/.cache/needl)')


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 320)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, training=self.training)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def train(rank, args, model, dataset, dataloader_kwargs):
    needl.manual_seed(args.seed + rank)

    train_loader = needl.utils.data.DataLoader(dataset, **dataloader_kwargs)

    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    for epoch in range(1, args.epochs + 1):
        train_epoch(epoch, args, model, train_loader, optimizer)


def test(args, model, dataset, dataloader_kwargs):
    needl.manual_seed(args.seed)

    test_loader = needl.utils.data.DataLoader(dataset, **dataloader_kwargs)

    test_epoch(model, test_loader)


def train_epoch(epoch, args, model, data_loader, optimizer):
    model.train()
    pid = os.getpid()
    for batch_idx, (data, target) in enumerate(data_loader):
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print('{}\tTrain Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                pid, epoch, batch_idx * len(data), len(data_loader.dataset),
                100. * batch_idx / len(data_loader), loss.item()), flush=True)
            if args.dry_run:
                break
        if batch_idx + 1 == args.num_batches:
            break


def test_epoch(model, data_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with needl.no_grad():
        for data, target in data_loader:
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction='sum').item()  # sum up batch loss
            pred = output.max(1)[1]  # get the index of the max log-probability
            correct += pred.eq(target).sum().item()

    test_loss /= len(data_loader.dataset)
    print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
        test_loss, correct, len(data_loader.dataset),
        100. * correct / len(data_loader.dataset)))


if __name__ == '__main__':
    args = parser.parse_args()
    start = time.perf_counter()

    transform = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize((0.1307,), (0.3081,))
        ])
    dataset1 = datasets.MNIST(args.data, train=True, download=False, transform=transform)
    dataset2 = datasets.MNIST(args.data, train=False, download=False, transform=transform)
    kwargs = {'batch_size': args.batch_size,
              'shuffle': True}

    needl.manual_seed(args.seed)
    mp.set_start_method('spawn', force=True)

    model = Net()
    model.share_memory()  # gradients are allocated lazily, so they are not shared here
    initial = [parameter.detach().clone() for parameter in model.parameters()]

    processes = []
    for rank in range(args.num_processes):
        p = mp.Process(target=train, args=(rank, args, model, dataset1, kwargs))
        # We first train the model across `num_processes` processes
        p.start()
        processes.append(p)
    for p in processes:
        p.join()

    moved = sum(float((parameter.detach() - before).square().sum())
                for parameter, before in zip(model.parameters(), initial)) ** 0.5
    print(f"the {args.num_processes} processes moved the shared parameters by {moved:.4f} (L2)")

    if args.save_model:
        needl.save(model.state_dict(), "MNIST_hogwild.pt")

    # Once training is complete, we can test the model
    test(args, model, dataset2, {'batch_size': args.test_batch_size})
    print(f"wall time {time.perf_counter() - start:.1f} s")
