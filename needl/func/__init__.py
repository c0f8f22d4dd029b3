"""needl.func: torch.func's functional_call and transforms (grad, vjp, jvp, jacrev, jacfwd,
hessian, vmap), on needl's tape."""
from ..nn.utils.stateless import functional_call
from .transforms import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, vjp, vmap

__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp", "vjp", "vmap"]
