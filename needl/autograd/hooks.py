"""RemovableHandle (as torch.utils.hooks): what every register_*_hook returns."""


class RemovableHandle:
    """Returned by register_*_hook; `handle.remove()` unregisters the hook (also as a context)."""
    _next_id = 0

    def __init__(self, hooks: dict):
        self.hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.remove()
