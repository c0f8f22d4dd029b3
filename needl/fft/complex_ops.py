"""Complex tensors in and out of the real world: real imag view_as_real view_as_complex complex
conj angle polar abs, with PyTorch's complex gradient convention (dL/dx + i dL/dy for z = x + iy).

They are the core ops of needl/autograd/ops/complex.py (whose vjps the core ops use), named here
too so that this module's API stays.
"""
from ..autograd.ops.complex import (_COMPLEX_OF, _REAL_OF, _array, _complex, _imag, _real,  # noqa: F401
                                    angle, complex, complex_dtype, conj, conj_physical, imag,
                                    is_complex, polar, real, view_as_complex, view_as_real)
from ..autograd.ops.elementwise import abs  # noqa: F401  (|z|: a real tensor, gradient g z / |z|)
