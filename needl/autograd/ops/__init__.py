"""The built-in ops, each a forward on NumPy arrays plus its vjp, written with `needl.autograd.op`."""
