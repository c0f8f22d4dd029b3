"""needl.backends: PyTorch's backend switches, readable and settable; needl's backend is NumPy.

The flags exist so that programs which set them (`cudnn.benchmark = True`,
`cuda.matmul.allow_tf32 = True`) run; none of them changes what needl computes.
"""
from . import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp, opt_einsum

__all__ = ["cpu", "cuda", "cudnn", "mkl", "mkldnn", "mps", "openmp", "opt_einsum"]
