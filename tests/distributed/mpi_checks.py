"""Run under mpirun: every check_* of checks_collectives.py and checks_ddp.py, on every rank.

    mpirun -n 2 python tests/distributed/mpi_checks.py OUT_DIR

Each rank writes OUT_DIR/results-RANK.json: {check name: None, or the traceback}. A check's
collectives complete before it compares anything, so a failing comparison on one rank leaves
the ranks in step for the next check.
"""
import json
import sys
import traceback
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import checks_collectives  # noqa: E402
import checks_ddp  # noqa: E402
import needl.distributed as dist  # noqa: E402


def check_names(module) -> list:
    return [name for name in vars(module) if name.startswith("check_")]


def main(out: Path) -> None:
    dist.init_process_group("mpi", timeout=timedelta(seconds=40))
    rank = dist.get_rank()
    results = {}
    for module in (checks_collectives, checks_ddp):
        for name in check_names(module):
            try:
                getattr(module, name)(rank, dist.get_world_size())
                results[name] = None
            except Exception:
                results[name] = traceback.format_exc()
            dist.barrier()
    (out / f"results-{rank}.json").write_text(json.dumps(results, indent=1))
    dist.destroy_process_group()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
