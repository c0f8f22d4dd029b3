"""needl.backends.mkldnn: needl does not use oneDNN; the flag is settable for programs that set it."""
enabled = True


def is_available() -> bool:
    return False
