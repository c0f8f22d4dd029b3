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
