"""needl.backends.mkl: whether NumPy's BLAS is Intel's MKL."""


def is_available() -> bool:
    import numpy as np
    try:
        name = np.__config__.CONFIG["Build Dependencies"]["blas"]["name"]
    except (AttributeError, KeyError, TypeError):
        return False
    return "mkl" in str(name).lower()
