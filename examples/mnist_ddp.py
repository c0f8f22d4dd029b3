"""Data-parallel MNIST: the MLP of mnist_mlp.py (or `--model cnn`, PyTorch's MNIST network of
mnist_cnn.py) trained on several processes with DistributedDataParallel.

    mpirun -n 2 python examples/mnist_ddp.py --epochs 5
    python -m needl.distributed.run --nproc-per-node 2 examples/mnist_ddp.py --model cnn
    mpirun -np 8 --hostfile hosts python examples/mnist_ddp.py   # 8 processes on several machines

Each process trains on its share of each epoch (DistributedSampler) with --batch-size images
per step; DistributedDataParallel averages the gradients, so every process holds the same
model, the one a single process would train with batches N times larger. Rank 0 evaluates,
prints and saves. Started without mpirun it runs as one process.
"""
import argparse
import time
from pathlib import Path

import needl
import needl.distributed as dist
import needl.nn as nn
from needl.datasets import MNIST
from needl.nn.parallel import DistributedDataParallel
from needl.utils.data import DataLoader, DistributedSampler
from mnist_common import evaluate, normalize
from mnist_mlp import MLP


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64, help="per process (default 64)")
    parser.add_argument("--lr", type=float, default=2e-3, help="peak learning rate of Adam")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None,
                        help="folder holding mnist/ (default: $NEEDL_DATA, then ~/.cache/needl)")
    parser.add_argument("--checkpoint", default="mnist_ddp.npz", help="saved by rank 0")
    parser.add_argument("--max-steps", type=int, default=None, help="stop each epoch early")
    parser.add_argument("--no-progress", action="store_true",
                        help="accepted as by the other examples; this one prints one line per epoch")
    return parser.parse_args()


def make_model(name: str) -> nn.Module:
    if name == "mlp":
        return MLP()
    from mnist_cnn import Net  # PyTorch's MNIST example network (log-probabilities out)
    return Net()


def main() -> None:
    args = parse_args()
    dist.init_process_group("mpi")
    rank, world_size = dist.get_rank(), dist.get_world_size()
    needl.manual_seed(args.seed)  # the same on every rank; DDP copies rank 0's weights anyway
    if rank == 0:  # one process downloads (if needed); the others wait for the files
        MNIST(args.data, train=True, download=True)
        MNIST(args.data, train=False, download=True)
    dist.barrier()
    train_set, test_set = MNIST(args.data, train=True), MNIST(args.data, train=False)
    sampler = DistributedSampler(train_set, shuffle=True, seed=args.seed, drop_last=True)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, sampler=sampler, drop_last=True)
    steps = len(train_loader) if args.max_steps is None else min(args.max_steps, len(train_loader))
    model = DistributedDataParallel(make_model(args.model))
    optimizer = needl.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = needl.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, epochs=args.epochs,
                                                    steps_per_epoch=steps)
    loss_fn = nn.CrossEntropyLoss() if args.model == "mlp" else nn.NLLLoss()
    if rank == 0:
        parameters = sum(p.numel() for p in model.parameters())
        print(f"{args.model}: {parameters:,} parameters on {world_size} process"
              f"{'es' if world_size > 1 else ''}, {args.batch_size} images per process and step "
              f"({world_size * args.batch_size} per step in all)", flush=True)
    for epoch in range(1, args.epochs + 1):
        sampler.set_epoch(epoch)  # a new shuffle each epoch, the same on every rank
        model.train()
        start, total = time.perf_counter(), needl.zeros(2, dtype=needl.float64)
        for step, (images, targets) in enumerate(train_loader):
            if step == steps:
                break
            optimizer.zero_grad()
            loss = loss_fn(model(normalize(images)), targets)
            loss.backward()  # averages the gradients over the ranks
            optimizer.step()
            scheduler.step()
            total += needl.tensor([loss.item() * len(targets), len(targets)], dtype=needl.float64)
        elapsed = time.perf_counter() - start
        dist.all_reduce(total)  # every rank's loss sum and image count
        if rank == 0:
            accuracy = evaluate(model.module, DataLoader(test_set, batch_size=1000))
            print(f"epoch {epoch}: train loss {total[0].item() / total[1].item():.4f}, test accuracy "
                  f"{100 * accuracy:.2f}%, {elapsed:.1f} s ({total[1].item() / elapsed:,.0f} img/s "
                  f"on {world_size} processes)", flush=True)
            needl.save({"model": model.module.state_dict(), "epoch": epoch, "accuracy": accuracy},
                       Path(args.checkpoint))
        dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
