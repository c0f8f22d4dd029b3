"""skip_init: build a module without spending time on a meaningful initialisation."""


def skip_init(module_cls, *args, **kwargs):
    """module_cls(*args, **kwargs) with parameters and buffers in uninitialised memory, to be filled by
    the caller (as PyTorch's skip_init promises; needl builds the module, then empties its tensors)."""
    if "device" not in module_cls.__init__.__code__.co_varnames:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    device = kwargs.pop("device", "cpu")
    return module_cls(*args, device=device, **kwargs).to_empty(device=device)
