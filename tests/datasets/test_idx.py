import gzip

import numpy as np
import pytest

from needl.datasets import IDXError, read_idx, write_idx


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip(tmp_path, dtype, suffix):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    path = tmp_path / f"array-idx3{suffix}"
    write_idx(array, path)
    loaded = read_idx(path)
    assert loaded.dtype == np.dtype(dtype).newbyteorder("=") and loaded.shape == (2, 3, 4)
    np.testing.assert_array_equal(loaded, array)
    assert loaded.flags.writeable


def test_layout_is_the_standard_big_endian_one(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    write_idx(np.array([7, 2, 1], dtype=np.uint8), path)
    assert path.read_bytes() == bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1])
    write_idx(np.array([[1]], dtype=np.int32), path)
    assert path.read_bytes() == bytes([0, 0, 0x0C, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1])


def test_gzip_is_detected_from_content_not_name(tmp_path):
    path = tmp_path / "images-idx1-ubyte"
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 2, 5, 6])))
    assert read_idx(path).tolist() == [5, 6]


@pytest.mark.parametrize("content,message", [
    (b"", "too short for an IDX header"),
    (bytes([0, 0, 8]), "too short"),
    (bytes([0x1f, 0x00, 8, 1, 0, 0, 0, 1, 0]), "bad IDX magic number 0x1f000801"),
    (bytes([0, 0, 0x42, 1, 0, 0, 0, 1, 0]), "bad IDX magic number"),
    (bytes([0, 0, 8, 3, 0, 0, 0, 2]), "truncated header: 3 dimensions need 16 bytes"),
    (bytes([0, 0, 8, 1, 0, 0, 0, 4, 1, 2]), r"truncated: a uint8 array of shape \(4,\) needs 12 bytes"),
    (bytes([0, 0, 8, 1, 0, 0, 0, 1, 1, 2]), "extra bytes at the end"),
])
def test_malformed_files_name_the_file_and_the_problem(tmp_path, content, message):
    path = tmp_path / "broken-idx1-ubyte"
    path.write_bytes(content)
    with pytest.raises(IDXError, match=message) as info:
        read_idx(path)
    assert "broken-idx1-ubyte" in str(info.value)


def test_truncated_and_fake_gzip(tmp_path):
    full = gzip.compress(bytes([0, 0, 8, 1, 0, 0, 3, 0]) + bytes(768))
    path = tmp_path / "cut-idx1-ubyte.gz"
    path.write_bytes(full[: len(full) // 2])
    with pytest.raises(IDXError, match="cut-idx1-ubyte.gz: the gzip stream is truncated"):
        read_idx(path)
    fake = tmp_path / "fake-idx1-ubyte.gz"
    fake.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 0]))
    with pytest.raises(IDXError, match="named .gz but is not gzip-compressed"):
        read_idx(fake)


def test_unsupported_dtype_is_refused(tmp_path):
    with pytest.raises(TypeError, match="IDX cannot store int64"):
        write_idx(np.zeros(2, dtype=np.int64), tmp_path / "x")
