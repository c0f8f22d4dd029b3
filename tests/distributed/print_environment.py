"""Prints what a launched process sees, before and after init_process_group (test_launch.py)."""
import json
import os
import sys

before = {name: os.environ.get(name) for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE")}
import needl.distributed as dist  # noqa: E402

dist.init_process_group("gloo")
print(json.dumps({"before": before, "rank": dist.get_rank(), "argv": sys.argv[1:],
                  "launched": dist.is_torchelastic_launched()}), flush=True)
dist.destroy_process_group()
