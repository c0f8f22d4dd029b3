"""PyTorch's names for dtypes and storage classes, as its checkpoints spell them, and NumPy's.

NumPy has no bfloat16: bfloat16 storages load as float32 (exactly: a bfloat16 is the top half of
a float32), and needl never writes bfloat16.
"""
import numpy as np


class TorchDtype:
    """A PyTorch dtype with no NumPy equivalent (bfloat16, float8...), as a checkpoint names it."""
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name}"

    def __eq__(self, other):
        return isinstance(other, TorchDtype) and other.name == self.name

    def __hash__(self):
        return hash(self.name)


BFLOAT16 = TorchDtype("bfloat16")

# torch.<name> -> NumPy dtype (or TorchDtype); aliases included, as torch.save writes either
DTYPES = {
    "float32": np.dtype(np.float32), "float": np.dtype(np.float32),
    "float64": np.dtype(np.float64), "double": np.dtype(np.float64),
    "float16": np.dtype(np.float16), "half": np.dtype(np.float16),
    "bfloat16": BFLOAT16,
    "complex64": np.dtype(np.complex64), "cfloat": np.dtype(np.complex64),
    "complex128": np.dtype(np.complex128), "cdouble": np.dtype(np.complex128),
    "int64": np.dtype(np.int64), "long": np.dtype(np.int64),
    "int32": np.dtype(np.int32), "int": np.dtype(np.int32),
    "int16": np.dtype(np.int16), "short": np.dtype(np.int16),
    "int8": np.dtype(np.int8), "uint8": np.dtype(np.uint8),
    "uint16": np.dtype(np.uint16), "uint32": np.dtype(np.uint32), "uint64": np.dtype(np.uint64),
    "bool": np.dtype(np.bool_),
}
# dtypes a checkpoint may name but whose data needl cannot represent
UNSUPPORTED_DTYPES = ("float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz",
                      "float8_e8m0fnu", "float4_e2m1fn_x2", "complex32", "chalf", "qint8",
                      "quint8", "qint32", "quint4x2", "quint2x4", "bits8", "bits16", "bits1x8",
                      "bits2x4", "bits4x2", "uint1", "uint2", "uint3", "uint4", "uint5", "uint6",
                      "uint7", "int1", "int2", "int3", "int4", "int5", "int6", "int7")

# the legacy typed storage classes: torch.<Name>Storage -> dtype name
STORAGES = {
    "FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16", "ComplexFloatStorage": "complex64",
    "ComplexDoubleStorage": "complex128", "LongStorage": "int64", "IntStorage": "int32",
    "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool",
}
QUANTIZED_STORAGES = ("QInt8Storage", "QUInt8Storage", "QInt32Storage", "QUInt4x2Storage",
                      "QUInt2x4Storage")

# what needl writes: NumPy dtype -> (storage class, torch dtype name)
STORAGE_OF_DTYPE = {np.dtype(DTYPES[dtype]): name for name, dtype in STORAGES.items()
                    if dtype != "bfloat16"}
TORCH_NAME_OF_DTYPE = {dtype: name for name, dtype in reversed(DTYPES.items())
                       if isinstance(dtype, np.dtype)}


def storage_itemsize(dtype) -> int:
    return 2 if dtype is BFLOAT16 else dtype.itemsize


def from_raw(raw: np.ndarray, dtype, big_endian: bool) -> np.ndarray:
    """A storage's bytes (uint8) as a 1-D array of `dtype` in native order (bfloat16: float32)."""
    if dtype is BFLOAT16:
        bits = raw.view(">u2" if big_endian else "<u2").astype(np.uint32)
        return (bits << 16).view(np.float32)
    array = raw.view(dtype.newbyteorder(">" if big_endian else "<"))
    return array if array.dtype.isnative else array.astype(dtype)
