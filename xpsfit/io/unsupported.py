"""Recognise formats xpsfit does not read, so that users get a clear message instead of a guess.

Binary containers (Thermo Avantage ``.VGD`` and legacy ``.xls`` are OLE2 compound documents),
ZIP archives other than the ``.xlsx`` workbooks of spectra read by :mod:`xpsfit.io.avantage`,
Igor Pro waves (``.ibw``, ``.pxt``), Kratos ``.dset``, and XML or JSON documents are identified
from their first bytes; loading them raises :class:`~xpsfit.errors.ParseError` naming the
format and suggesting an export.
"""

from __future__ import annotations

from pathlib import Path

from xpsfit.errors import ParseError
from xpsfit.io.avantage import is_spectrum_workbook
from xpsfit.io.registry import Reader, register
from xpsfit.io.xlsxbook import sniff_workbook_text
from xpsfit.spectrum import Spectrum

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SUGGESTION = "export the data as VAMAS (.vms) or text from the acquisition software"


def describe(head: bytes, path: Path) -> str | None:
    """Name the unsupported format of a file from its first bytes (and extension), or ``None``."""
    start = head.lstrip(b"\xef\xbb\xbf\r\n\t ")
    ext = path.suffix.lower()
    if head.startswith(_OLE2):
        if ext == ".xls":
            return "Excel .xls document (binary; an Avantage export saved as .xlsx is read)"
        kind = {".vgd": "Thermo Avantage .VGD"}.get(ext, "OLE2 compound")
        return f"{kind} document (binary)"
    if head.startswith(b"PK\x03\x04"):
        return _describe_zip(head, path)
    if start.startswith(b"<?xml") or start.startswith(b"<"):
        return "XML document (e.g. SpecsLab2 .xml)"
    if start.startswith((b"{", b"[{")):
        return "JSON document"
    if ext in (".ibw", ".pxt") or head[:2] in (b"\x05\x00", b"\x00\x05"):
        return "Igor Pro binary wave/experiment"
    if ext == ".dset":
        return "Kratos .dset dataset (binary)"
    if b"\x00" in head[:1024]:
        return f"binary file{f' ({ext})' if ext else ''}"
    return None


def _describe_zip(head: bytes, path: Path) -> str | None:
    """``None`` for a workbook of spectra (another reader's), else what the archive is."""
    if is_spectrum_workbook(head, path):
        return None
    if path.suffix.lower() in (".xlsx", ".xlsm") or sniff_workbook_text(head, path):
        return (
            "Excel .xlsx workbook without a Thermo Avantage export sheet (energy column "
            "'Binding Energy (E)') or a KherveFitting 'Raw Data' sheet"
        )
    return "ZIP archive"


def sniff(head: bytes, path: Path) -> int:
    """Score 5 for a recognised unsupported format: above plain text (2), below real readers."""
    return 5 if describe(head, path) is not None else 0


def load(path: Path) -> list[Spectrum]:
    """Always raise :class:`ParseError` naming the unsupported format."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise ParseError(f"cannot open file: {exc.strerror or exc}", file=str(p)) from exc
    kind = describe(head, p) or "unknown format"
    raise ParseError(f"unsupported format: {kind}; {_SUGGESTION}", file=str(p), line=1)


READER = register(Reader("unsupported", (), sniff, load))
