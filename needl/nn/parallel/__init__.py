"""needl.nn.parallel: DistributedDataParallel (several processes, on MPI) and DataParallel
(one process: needl computes on the CPU). Importing it does not import mpi4py."""
from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel", "DataParallel", "data_parallel"]
