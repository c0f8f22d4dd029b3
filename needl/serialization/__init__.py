"""needl.save / needl.load: checkpoints in needl's .npz format, PyTorch's format and safetensors.

No format is read with pickle: needl's own format is JSON plus .npy arrays, PyTorch's pickles go
through a restricted interpreter that rebuilds tensors and plain containers only, and
safetensors has no code in it. Every reader checks what a file declares (sizes, shapes, CRCs)
before it allocates or trusts anything, and raises CheckpointError naming the entry at fault.

    save(obj, f)                          format from the suffix: .pt/.pth -> PyTorch's zip format,
                                          .safetensors -> safetensors, anything else (and file
                                          objects) -> needl's .npz; or say format="needl" |
                                          "torch" | "safetensors"
    load(f)                               any of them, told apart by their content
"""
import os
from typing import Any

from .errors import READ_ERRORS, CheckpointError
from .files import PathLike, open_source
from .safe_names import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals

__all__ = ["save", "load", "CheckpointError", "add_safe_globals", "safe_globals",
           "get_safe_globals", "clear_safe_globals", "FORMATS"]

FORMATS = ("needl", "torch", "safetensors")
_ALIASES = {"npz": "needl", "pytorch": "torch", "pt": "torch"}
_SUFFIXES = {".pt": "torch", ".pth": "torch", ".safetensors": "safetensors"}


def _format_for(f: PathLike, format: str | None) -> str:
    if format is not None:
        chosen = _ALIASES.get(format, format)
        if chosen not in FORMATS:
            raise ValueError(f"unknown checkpoint format {format!r}; needl writes "
                             f"{', '.join(repr(name) for name in FORMATS)}")
        return chosen
    if isinstance(f, (str, os.PathLike)):
        return _SUFFIXES.get(os.path.splitext(os.fspath(f))[1].lower(), "needl")
    return "needl"


def save(obj: Any, f: PathLike, pickle_module=None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True, *, format: str | None = None) -> None:
    """Write `obj` (a state_dict, nested containers of tensors, or a whole needl Module) to `f`.

    The format comes from `format=` or the path's suffix: `.pt`/`.pth` write PyTorch's zip
    format (torch.load reads it), `.safetensors` writes safetensors (a flat dict of tensors),
    anything else and file objects write needl's .npz format, which also holds whole modules.
    `pickle_module`, `pickle_protocol` and `_use_new_zipfile_serialization` are accepted for
    PyTorch compatibility; nothing is pickled, and PyTorch's format is always the zip one.
    """
    chosen = _format_for(f, format)
    if chosen == "torch":
        from . import torch_writer
        torch_writer.save(obj, f)
    elif chosen == "safetensors":
        from . import safetensors_format
        safetensors_format.save(obj, f)
    else:
        from . import npz
        npz.save(obj, f)


def load(f: PathLike, map_location=None, pickle_module=None, *, weights_only: bool | None = True,
         mmap: bool | None = None, **pickle_load_args) -> Any:
    """Read a checkpoint in any format needl knows; tensors come back as needl Tensors.

    `weights_only=False` is needed only to rebuild whole modules saved by needl.save(model, f)
    (only subclasses of needl.nn.Module are instantiated); pickled code never runs either way.
    `map_location`, `pickle_module`, `mmap` and extra unpickler arguments are accepted for
    PyTorch compatibility: needl is CPU-only and reads each file into memory, CRC-checked.
    """
    with open_source(f) as source:
        try:
            return _load(source, weights_only is not False)
        except CheckpointError:
            raise
        except READ_ERRORS as error:
            raise CheckpointError(f"{source.name}: corrupt checkpoint: {type(error).__name__}: "
                                  f"{error}") from None


def _load(source, weights_only: bool) -> Any:
    head = source.head(16)
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        import zipfile
        try:
            archive = zipfile.ZipFile(source.file)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            raise CheckpointError(f"{source.name} is not a needl checkpoint (a damaged zip "
                                  f"archive: {error})") from None
        with archive:
            names = archive.namelist()
            if not any(name.rpartition("/")[2] == "data.pkl" for name in names) \
                    or "__needl__.npy" in names:
                from . import npz
                return npz.load(archive, source, weights_only)
            from . import torch_reader
            return torch_reader.load_zip(archive, source)
    from . import safetensors_format, torch_reader
    if head[:6] == b"\x93NUMPY":
        raise CheckpointError(f"{source.name} is a single .npy array, not a needl checkpoint (an "
                              f".npz archive written by needl.save)")
    if torch_reader.is_legacy(head):
        return torch_reader.load_legacy(source)
    if safetensors_format.looks_like(head, source.size):
        return safetensors_format.load(source)
    if torch_reader.is_tar(source):
        raise CheckpointError(f"{source.name} is in PyTorch's pre-1.0 tar format, which needl does "
                              f"not read: load it with torch and save it again")
    raise CheckpointError(f"{source.name} is not a needl checkpoint: it is in none of the formats "
                          f"needl reads (needl's .npz, PyTorch's zip or legacy format, "
                          f".safetensors)")
