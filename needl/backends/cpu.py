"""needl.backends.cpu: the CPU capability PyTorch reports (needl relies on NumPy's dispatch)."""


def get_cpu_capability() -> str:
    import numpy as np
    features = getattr(getattr(np, "_core", None), "_multiarray_umath", None)
    found = getattr(features, "__cpu_features__", {}) if features is not None else {}
    if found.get("AVX512F"):
        return "AVX512"
    if found.get("AVX2"):
        return "AVX2"
    return "DEFAULT"
