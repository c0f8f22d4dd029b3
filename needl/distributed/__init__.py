"""needl.distributed: PyTorch's torch.distributed on MPI (through mpi4py), for the CPU.

    mpirun -n 2 python train.py                                  # or srun, or:
    python -m needl.distributed.run --nproc-per-node 2 train.py  # needl's torchrun

    import needl.distributed as dist
    dist.init_process_group("mpi")            # "gloo" works too: served by MPI
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)

Importing this package does not import mpi4py; init_process_group does (and starts MPI).
`needl.nn.parallel.DistributedDataParallel` and
`needl.utils.data.distributed.DistributedSampler` build on it. The design (the group's thread,
buckets, overlap, failures, launching on several machines) is in docs/distributed.md.
"""
from .collectives import (all_gather, all_gather_into_tensor, all_reduce, all_to_all,
                          all_to_all_single, barrier, broadcast, gather, reduce, reduce_scatter,
                          reduce_scatter_tensor, scatter)
from .objects import all_gather_object, broadcast_object_list, gather_object, scatter_object_list
from .point_to_point import (P2POp, batch_isend_irecv, irecv, isend, monitored_barrier, recv,
                             send)
from .process_group import (Backend, GroupMember, ProcessGroup, default_pg_timeout,
                            destroy_process_group, get_backend, get_global_rank, get_group_rank,
                            get_node_local_rank, get_process_group_ranks, get_rank,
                            get_world_size, group, init_process_group, is_available,
                            is_backend_available, is_gloo_available, is_initialized,
                            is_mpi_available, is_nccl_available, is_torchelastic_launched,
                            is_ucc_available, new_group)
from .reduce_op import ReduceOp, reduce_op
from .work import DistBackendError, DistError, Work

__all__ = [
    "init_process_group", "destroy_process_group", "is_available", "is_initialized",
    "is_mpi_available", "is_gloo_available", "is_nccl_available", "is_ucc_available",
    "is_backend_available", "is_torchelastic_launched", "get_rank", "get_world_size",
    "get_backend", "get_global_rank", "get_group_rank", "get_process_group_ranks",
    "get_node_local_rank", "new_group", "group", "GroupMember", "ProcessGroup", "Backend",
    "default_pg_timeout", "ReduceOp", "reduce_op", "Work", "DistError", "DistBackendError",
    "all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor",
    "reduce_scatter", "reduce_scatter_tensor", "gather", "scatter", "all_to_all",
    "all_to_all_single", "barrier", "monitored_barrier", "send", "recv", "isend", "irecv",
    "P2POp", "batch_isend_irecv", "all_gather_object", "broadcast_object_list",
    "gather_object", "scatter_object_list",
]
