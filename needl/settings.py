"""Process-wide settings PyTorch programs set: threads, float32 matmul precision, determinism.

needl's threads are NumPy's BLAS threads: `set_num_threads` sets them through threadpoolctl
when it is installed (`pip install threadpoolctl`), else it says how.
"""
import os
import warnings

_precision = {"value": "highest"}
_deterministic = {"enabled": False, "warn_only": False}
_PRECISIONS = ("highest", "high", "medium")


def get_num_threads() -> int:
    """The number of BLAS threads NumPy uses (the number of cores if it cannot be read)."""
    try:
        from threadpoolctl import threadpool_info
        counts = [pool["num_threads"] for pool in threadpool_info() if pool.get("user_api") == "blas"]
        if counts:
            return max(counts)
    except ImportError:
        pass
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name])
    return os.cpu_count() or 1


def set_num_threads(count: int) -> None:
    """Set the BLAS threads NumPy uses (needs threadpoolctl; a warning says so without it)."""
    if not isinstance(count, int) or count < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {count!r}")
    global _limiter
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        warnings.warn("needl.set_num_threads needs threadpoolctl (pip install threadpoolctl); "
                      "set OPENBLAS_NUM_THREADS/OMP_NUM_THREADS before starting Python instead",
                      stacklevel=2)
        return
    _limiter = threadpool_limits(limits=count, user_api="blas")


_limiter = None


def get_num_interop_threads() -> int:
    return 1


def set_num_interop_threads(count: int) -> None:
    """needl runs one op at a time: there are no inter-op threads to set."""


def set_float32_matmul_precision(precision: str) -> None:
    """Accepted for PyTorch programs; NumPy's float32 matmul is always full float32 precision."""
    if precision not in _PRECISIONS:
        raise RuntimeError(f"set_float32_matmul_precision: expected one of {_PRECISIONS}, got {precision!r}")
    _precision["value"] = precision


def get_float32_matmul_precision() -> str:
    return _precision["value"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """needl's ops are deterministic already (NumPy on the CPU); the flag is remembered."""
    _deterministic.update(enabled=bool(mode), warn_only=bool(warn_only))


def are_deterministic_algorithms_enabled() -> bool:
    return _deterministic["enabled"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _deterministic["warn_only"]
