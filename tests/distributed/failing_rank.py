"""A 2-rank job in which rank 1 fails; run by test_failures.py.

    mpirun -n 2 python failing_rank.py raise|stop|exit|mismatch
"""
import sys
import time
from datetime import timedelta

import needl
import needl.distributed as dist

how = sys.argv[1]
dist.init_process_group("mpi", timeout=timedelta(seconds=4))
rank = dist.get_rank()
dist.all_reduce(needl.ones(3))  # both ranks work together first
if rank == 1:
    if how == "raise":
        raise ValueError("rank 1 fails on purpose")
    if how == "stop":
        time.sleep(600)  # alive but never calls the next collective
    if how == "exit":
        sys.exit(0)  # leaves early without an error
dist.all_reduce(needl.ones(3))
print("rank", rank, "finished", flush=True)
