"""The reader registry and the format sniffer behind :func:`read`."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from xpsfit.errors import ParseError
from xpsfit.spectrum import Spectrum

#: Reader modules imported on first use, in sniffing priority order.
_READER_MODULES: tuple[str, ...] = (
    "xpsfit.io.vamas",
    "xpsfit.io.phi",
    "xpsfit.io.specs",
    "xpsfit.io.scienta",
    "xpsfit.io.text",
    "xpsfit.io.avantage",
    "xpsfit.io.unsupported",
)

#: Largest file any reader accepts, bytes.
MAX_FILE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class Reader:
    """One file format.

    Parameters
    ----------
    name
        Short format key, e.g. ``"vamas"``.
    extensions
        Lower-case extensions with the dot, used as a hint only.
    sniff
        ``sniff(head, path) -> score`` from the first 64 KiB of the file; 0 means "not mine",
        higher wins.
    load
        ``load(path) -> list[Spectrum]``; raises :class:`~xpsfit.errors.ParseError` on bad input.
    """

    name: str
    extensions: tuple[str, ...]
    sniff: Callable[[bytes, Path], int]
    load: Callable[[Path], list[Spectrum]]


FORMATS: dict[str, Reader] = {}


def register(reader: Reader) -> Reader:
    """Add a reader to the registry (replacing one of the same name) and return it."""
    FORMATS[reader.name] = reader
    return reader


def _load_readers() -> None:
    for module in _READER_MODULES:
        importlib.import_module(module)


def sniff(path: str | os.PathLike[str]) -> Reader:
    """Pick the reader for a file from its content.

    Raises
    ------
    ParseError
        If the file cannot be opened or no reader recognises it.
    """
    p = Path(path)
    _load_readers()
    try:
        with p.open("rb") as fh:
            head = fh.read(65536)
    except OSError as exc:
        raise ParseError(f"cannot open file: {exc.strerror or exc}", file=str(p)) from exc
    scored = sorted(
        ((r.sniff(head, p), r) for r in FORMATS.values()), key=lambda t: t[0], reverse=True
    )
    if not scored or scored[0][0] <= 0:
        raise ParseError("unknown file format", file=str(p), line=1)
    return scored[0][1]


def read(path: str | os.PathLike[str], format: str | None = None) -> list[Spectrum]:
    """Read every spectrum in an instrument file.

    Parameters
    ----------
    path
        The file.
    format
        Force a reader by name (see :data:`FORMATS`) instead of sniffing.

    Returns
    -------
    list of Spectrum
        In file order; binding-energy axes ascending.

    Raises
    ------
    ParseError
        Naming the file and, where possible, the line and field.
    """
    p = Path(path)
    if format is not None:
        _load_readers()
        if format not in FORMATS:
            raise ParseError(f"unknown format {format!r}; known: {sorted(FORMATS)}", file=str(p))
        reader = FORMATS[format]
    else:
        reader = sniff(p)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise ParseError(f"cannot open file: {exc.strerror or exc}", file=str(p)) from exc
    if size > MAX_FILE_BYTES:
        raise ParseError(
            f"file is {size} bytes, more than the {MAX_FILE_BYTES} accepted", file=str(p)
        )
    return reader.load(p)
