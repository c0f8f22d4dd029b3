"""needl.backends.openmp: needl's threads are NumPy's BLAS threads, not OpenMP's."""


def is_available() -> bool:
    return False
