"""render: write the drawing of a tape to svg/png/pdf, or its DOT source when Graphviz is missing."""
import sys
from pathlib import Path

from .graph import import_graphviz, make_dot

FORMATS = ("svg", "png", "pdf")

INSTALL_DOT = ("Graphviz's `dot` program was not found on PATH, so the graph was written as DOT "
               "source to {source}.\nInstall Graphviz to render it (Debian/Ubuntu: "
               "apt-get install graphviz; macOS: brew install graphviz; conda: conda install "
               "graphviz; Windows: https://graphviz.org/download/), then run:\n"
               "    dot -T{format} {source} -o {target}")


def render(tensor, path, format: str | None = None, **options) -> Path:
    """Draw the tape behind `tensor` (see `make_dot`, which gets `options`) into the file `path`.

    `format` is 'svg', 'png' or 'pdf' (default: the suffix of `path`, else svg). Returns the
    path written; without the `dot` program that is `path` with the suffix .dot, and a note on
    how to install Graphviz is printed to stderr.
    """
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if format is None:
        format = suffix if suffix in FORMATS else "svg"
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    if suffix in FORMATS and suffix != format:
        raise ValueError(f"path '{path}' ends with .{suffix} but format is {format!r}")
    if suffix != format:
        path = path.with_name(path.name + "." + format)
    graphviz = import_graphviz()
    dot = make_dot(tensor, **options)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        image = dot.pipe(format=format)
    except graphviz.ExecutableNotFound:
        source = path.with_suffix(".dot")
        source.write_text(dot.source)
        print(INSTALL_DOT.format(source=source, format=format, target=path), file=sys.stderr)
        return source
    path.write_bytes(image)
    return path
