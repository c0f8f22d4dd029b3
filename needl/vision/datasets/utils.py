"""Downloading and unpacking dataset files: HTTPS only, MD5-checked, written atomically.

urllib (and with it ssl and http) is imported only when something is downloaded: importing a
dataset module stays cheap. Archives are unpacked member by member into the target folder,
never following a member's path outside it.
"""
import os
from pathlib import Path
from typing import Callable, Iterable, List, Optional, Union

PathLike = Union[str, os.PathLike]
DEFAULT_TIMEOUT = 10.0  # seconds per connection attempt, so an offline machine fails fast


def default_root() -> Path:
    """Where datasets live without an explicit root: $NEEDL_DATA if set, else ~/.cache/needl."""
    return Path(os.environ.get("NEEDL_DATA") or Path.home() / ".cache" / "needl")


def calculate_md5(fpath: PathLike, chunk_size: int = 1024 * 1024) -> str:
    import hashlib
    digest = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as file:
        for chunk in iter(lambda: file.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_integrity(fpath: PathLike, md5: Optional[str] = None) -> bool:
    """Whether `fpath` exists and, when `md5` is given, has that checksum."""
    if not os.path.isfile(fpath):
        return False
    return md5 is None or calculate_md5(fpath) == md5


def fetch(url: str, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """The bytes at an HTTPS `url`; plain HTTP is refused (a checksum is no defence against a
    man in the middle who also serves the page naming it)."""
    if not url.startswith("https://"):
        raise ValueError(f"refusing to download over a non-HTTPS URL: {url}")
    import urllib.request
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def download_first(urls: Iterable[str], destination: PathLike, md5: Optional[str] = None,
                   fetch: Callable[[str], bytes] = fetch) -> List[str]:
    """Download the first of `urls` that answers with the right checksum to `destination`.

    Returns the empty list on success, else one line per URL saying why it failed (the caller
    words the error: it knows where the user should put the file instead).
    """
    import hashlib
    import urllib.error
    destination = Path(destination)
    errors = []
    for url in urls:
        try:
            content = fetch(url)
        except (urllib.error.URLError, OSError, ValueError) as error:
            errors.append(f"{url}: {getattr(error, 'reason', error)}")
            continue
        digest = hashlib.md5(content, usedforsecurity=False).hexdigest()
        if md5 is not None and digest != md5:
            errors.append(f"{url}: checksum mismatch (md5 {digest}, expected {md5})")
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(destination.name + ".part")
        partial.write_bytes(content)
        os.replace(partial, destination)
        return []
    return errors


def download_url(url: str, root: PathLike, filename: Optional[str] = None,
                 md5: Optional[str] = None, timeout: float = DEFAULT_TIMEOUT) -> None:
    """torchvision's `download_url`: fetch `url` into `root/filename` unless a file with the
    right checksum is already there."""
    path = Path(root).expanduser() / (filename or url.rsplit("/", 1)[-1])
    if check_integrity(path, md5):
        return
    errors = download_first([url], path, md5, fetch=lambda link: fetch(link, timeout))
    if errors:
        raise RuntimeError(f"could not download {url} (offline?): {errors[0]}\nDownload it by "
                           f"other means and put it at {path}.")


def extract_archive(from_path: PathLike, to_path: Optional[PathLike] = None,
                    members: Optional[Iterable[str]] = None) -> List[Path]:
    """Unpack a .tar(.gz), .zip or single-file .gz archive into `to_path` (default: its folder).

    `members` (names inside the archive) limits what is unpacked. Paths are kept relative to
    `to_path`; a member that would land outside it (absolute, or with '..') is refused.
    Returns the paths written.
    """
    from_path = Path(from_path)
    to_path = Path(to_path) if to_path is not None else from_path.parent
    wanted = None if members is None else set(members)
    written = []

    def target_of(name: str) -> Path:
        target = (to_path / name).resolve()
        if not target.is_relative_to(to_path.resolve()):
            raise ValueError(f"{from_path}: refusing to unpack {name!r} outside {to_path}")
        return target

    def write(name: str, read: Callable[[], bytes]) -> None:
        target = target_of(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(read())
        written.append(target)

    name = from_path.name
    if name.endswith((".tar", ".tar.gz", ".tgz")):
        import tarfile
        with tarfile.open(from_path) as archive:
            for member in archive.getmembers():
                if member.isfile() and (wanted is None or member.name in wanted):
                    write(member.name, archive.extractfile(member).read)
    elif name.endswith(".zip"):
        import zipfile
        with zipfile.ZipFile(from_path) as archive:
            for member in archive.namelist():
                if not member.endswith("/") and (wanted is None or member in wanted):
                    write(member, lambda member=member: archive.read(member))
    elif name.endswith(".gz"):
        import gzip
        write(name[:-3], lambda: gzip.decompress(from_path.read_bytes()))
    else:
        raise ValueError(f"{from_path}: unknown archive type (expected .tar, .tar.gz, .tgz, "
                         f".zip or .gz)")
    return written
