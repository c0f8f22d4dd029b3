"""How tensors print: PyTorch's set_printoptions (precision, threshold, edgeitems, linewidth, sci_mode)."""
import numpy as np

_PROFILES = {"default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
             "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
             "full": dict(precision=4, threshold=float("inf"), edgeitems=3, linewidth=80)}


class _Options:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None  # None: NumPy's choice; True / False: always / never scientific notation


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None) -> None:
    """Set how tensors print, as torch.set_printoptions; `profile` ('default', 'short', 'full') first."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {', '.join(_PROFILES)}, got {profile!r}")
        for name, value in _PROFILES[profile].items():
            setattr(_Options, name, value)
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            setattr(_Options, name, value)
    _Options.sci_mode = sci_mode


def array_string(data: np.ndarray, prefix: str) -> str:
    """The body of a tensor's repr: PyTorch's 4 decimals, integral floats as '1.', options applied."""
    integral = data.dtype.kind != "f" or not data.size or bool(np.all(np.mod(data, 1) == 0))
    formatter = None
    if _Options.sci_mode and data.dtype.kind == "f":
        formatter = {"float_kind": lambda value: f"{value:.{_Options.precision}e}"}
    threshold = _Options.threshold
    return np.array2string(data, separator=", ", prefix=prefix, precision=_Options.precision,
                           floatmode="maxprec_equal" if integral else "fixed", formatter=formatter,
                           threshold=int(min(threshold, np.iinfo(np.int64).max)), edgeitems=_Options.edgeitems,
                           max_line_width=_Options.linewidth, suppress_small=_Options.sci_mode is False)
