"""Two process-wide settings needl could make at import, measured: a workload's needl step as is,
with glibc keeping freed memory, and with that plus OpenBLAS's AVX-512 kernels, against PyTorch.

- Freed memory kept: NumPy allocates every array with malloc. glibc serves blocks above its mmap
  threshold (128 KiB, raised on the fly up to 32 MiB) with fresh mmaps and trims the heap top
  when more than twice that is free, so a training step's activations (hundreds of KiB to a few
  MiB each) are faulted in page by page at every step: 12-23% of needl's CPU time is the kernel's
  page-fault handling in the LSTM, Transformer and GPT steps (profile_needl.py --perf). Two
  mallopt calls (blocks up to 32 MiB from the heap, the heap never trimmed) stop that.
- AVX-512 GEMMs: NumPy's OpenBLAS 0.3.31 does not know AMD family 26 (Zen 5) and runs its
  Haswell (AVX2) kernels. Its kernel table can be switched after load (OPENBLAS_CORETYPE, then
  gotoblas_dynamic_quit / gotoblas_dynamic_init, exported by the library) when /proc/cpuinfo
  lists AVX-512: sgemm goes from ~97 to ~180 GFLOP/s on one core.

Run: python benchmarks/process_settings.py gpt transformer lstm [--threads N] [--cpu-time] [--quick]
(any workload id: module or module:name, e.g. kernels:layer_norm)
"""
import ctypes
import glob
import os

from variants import Variants

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3


def keep_freed_memory():
    """glibc: serve blocks up to 32 MiB from the heap and never give its top back to the kernel."""
    libc = ctypes.CDLL("libc.so.6")
    if not (libc.mallopt(M_MMAP_THRESHOLD, 32 << 20) and libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)):
        raise RuntimeError("mallopt refused the thresholds")


def avx512_gemms():
    """Switch NumPy's bundled OpenBLAS to its SkylakeX (AVX-512) kernels if the CPU has AVX-512."""
    import numpy
    with open("/proc/cpuinfo") as info:
        flags = next((line for line in info if line.startswith("flags")), "").split()
    if not {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= set(flags):
        raise RuntimeError("this CPU has no AVX-512")
    path = glob.glob(os.path.join(os.path.dirname(numpy.__file__), "..", "numpy.libs", "*openblas*.so"))[0]
    openblas = ctypes.CDLL(path)
    openblas.gotoblas_corename.restype = ctypes.c_char_p
    os.environ["OPENBLAS_CORETYPE"] = "SKYLAKEX"
    openblas.gotoblas_dynamic_quit()
    openblas.gotoblas_dynamic_init()
    if openblas.gotoblas_corename() != b"SkylakeX":
        raise RuntimeError(f"OpenBLAS kept its {openblas.gotoblas_corename()} kernels")


def _setting(function):
    def change(library):
        function()
        return library
    return change


WORKLOADS = Variants("process_settings", {
    "needl, memory kept": (_setting(keep_freed_memory),),
    "needl, memory kept, AVX-512": (_setting(keep_freed_memory), _setting(avx512_gemms))})


if __name__ == "__main__":
    WORKLOADS.main(__doc__)
