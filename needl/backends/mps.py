"""needl.backends.mps: Apple's GPU backend is not available on needl."""


def is_available() -> bool:
    return False


def is_built() -> bool:
    return False
