"""The IDX file format; it lives in needl.vision.datasets.idx."""
from ..vision.datasets.idx import IDXError, parse_idx, read_idx, write_idx

__all__ = ["IDXError", "parse_idx", "read_idx", "write_idx"]
