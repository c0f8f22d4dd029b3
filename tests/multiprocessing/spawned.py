"""Functions the spawn tests run in child processes (a module they can import)."""
import sys
from pathlib import Path


def write_rank(index: int, folder: str) -> None:
    import needl
    Path(folder, f"{index}.txt").write_text(f"{index} {int(needl.tensor(7).item())}")


def fail_on_one(index: int, how: str = "raise") -> None:
    if index == 1:
        if how == "exit":
            sys.exit(3)
        raise ValueError("process 1 fails")


def hogwild_train(rank: int, model, steps: int, lock, barrier, results) -> None:
    """SGD on the shared model with input rank + 1 (steps are serialised so that none is lost),
    then, once every trainer is done, report the weights this process sees."""
    import needl
    optimizer = needl.optim.SGD(model.parameters(), lr=0.5)
    input = needl.full((1, 2), float(rank + 1), dtype=needl.float64)
    for _ in range(steps):
        optimizer.zero_grad()
        model(input).sum().backward()
        with lock:
            optimizer.step()
    barrier.wait()
    results.put((rank, model.weight.detach().numpy().copy(), model.bias.detach().numpy().copy(),
                 model.weight.is_shared()))


def add_one_and_send_back(inbox, outbox, done) -> None:
    """Add 1 to each tensor received (in place), then send them back with their is_shared()."""
    import needl
    tensors = inbox.get()
    with needl.no_grad():
        for tensor in tensors:
            tensor.add_(1)
    outbox.put((tensors, [tensor.is_shared() for tensor in tensors]))
    done.wait()  # the parent fetches the descriptors sent back from this process: stay alive


def fill(tensor, value: float) -> None:
    import needl
    with needl.no_grad():
        tensor.fill_(value)
