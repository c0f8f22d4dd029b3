"""needl.hub: checkpoints downloaded once into a cache directory, as torch.hub's are.

`load_state_dict_from_url(url)` downloads `url` into `<hub dir>/checkpoints/<file name>` unless
the file is already there, checks the SHA-256 prefix that PyTorch's file names carry
(`resnet18-f37072fd.pth`) when `check_hash=True`, and loads it with needl.load (PyTorch's and
needl's formats, safetensors). The hub directory is `$NEEDL_HOME/hub`, by default
`~/.cache/needl/hub`, or what `set_dir` set. Offline, a missing file fails with a message that
says where to put it. `needl.hub.load` (running a repository's hubconf.py) is not supported.
"""
import hashlib
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

__all__ = ["get_dir", "set_dir", "download_url_to_file", "load_state_dict_from_url", "load",
           "list", "help"]

HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")  # the hash prefix in PyTorch's checkpoint names
_hub_dir = None


def get_dir() -> str:
    """The directory checkpoints are cached in."""
    if _hub_dir is not None:
        return _hub_dir
    home = os.environ.get("NEEDL_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "needl")
    return os.path.join(home, "hub")


def set_dir(directory) -> None:
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(directory))


def download_url_to_file(url: str, dst, hash_prefix: str | None = None, progress: bool = True) -> None:
    """Download `url` to the path `dst`, checking that its SHA-256 starts with `hash_prefix`.

    The file appears at `dst` only once complete and checked.
    """
    dst = os.fspath(dst)
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    temporary = f"{dst}.partial{os.getpid()}"
    digest = hashlib.sha256()
    if progress:
        print(f'Downloading: "{url}" to {dst}', file=sys.stderr)
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(temporary, "wb") as file:
            for chunk in iter(lambda: response.read(1 << 20), b""):
                file.write(chunk)
                digest.update(chunk)
        if hash_prefix and not digest.hexdigest().startswith(hash_prefix):
            raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got '
                               f'"{digest.hexdigest()}") for {url}')
        os.replace(temporary, dst)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise RuntimeError(f"could not download {url} ({getattr(error, 'reason', error)}). If this "
                           f"machine is offline, download the file elsewhere and put it at {dst}"
                           ) from None
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def load_state_dict_from_url(url: str, model_dir=None, map_location=None, progress: bool = True,
                             check_hash: bool = False, file_name: str | None = None,
                             weights_only: bool = False) -> Any:
    """needl.load of the checkpoint at `url`, downloaded into `model_dir` (default
    `<hub dir>/checkpoints`) the first time. Nothing in the file is ever executed."""
    model_dir = os.fspath(model_dir) if model_dir is not None else os.path.join(get_dir(), "checkpoints")
    name = file_name or os.path.basename(urllib.parse.urlparse(url).path)
    if not name:
        raise ValueError(f"cannot tell a file name from the URL {url!r}: pass file_name=")
    cached = os.path.join(model_dir, name)
    if not os.path.exists(cached):
        match = HASH_REGEX.search(name) if check_hash else None
        download_url_to_file(url, cached, match.group(1) if match else None, progress)
    from .serialization import load as load_checkpoint
    return load_checkpoint(cached, map_location=map_location, weights_only=weights_only)


def _not_supported(*args, **kwargs):
    raise RuntimeError("needl.hub.load/list/help run a repository's hubconf.py downloaded from "
                       "GitHub, which needl does not do. Build the model from its code and load "
                       "its weights with needl.hub.load_state_dict_from_url(url) instead")


load = list = help = _not_supported
