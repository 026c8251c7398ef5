"""Guarded access to Excel ``.xlsx`` workbooks for the readers (openpyxl is optional).

An ``.xlsx`` file is a ZIP archive. Before anything is decompressed the ZIP directory is
checked: file size, directory size, total uncompressed size of the members, compression
methods and the presence of ``xl/workbook.xml``, so that a ZIP bomb or a forged directory
fails fast with :class:`~xpsfit.errors.ParseError`; XML parts declaring a DTD (the vehicle of
entity-expansion bombs, never needed by a workbook) are refused. Worksheets are then read with openpyxl in
read-only, values-only mode, never more rows and columns than asked for. Without openpyxl a
``ParseError`` says how to install it (``pip install "xpsfit[xlsx]"``).
"""

from __future__ import annotations

import io
import re
import struct
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xpsfit.io.readutil import Source

#: Largest workbook file accepted, bytes.
MAX_XLSX_BYTES = 64 * 1024 * 1024
#: Largest ZIP central directory accepted, bytes (about 20,000 members).
MAX_DIRECTORY_BYTES = 1024 * 1024
#: Largest total uncompressed size of all members, bytes.
MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024
#: Largest uncompressed shared-strings table (loaded whole by openpyxl), bytes.
MAX_SHARED_STRINGS_BYTES = 16 * 1024 * 1024
#: Most worksheets read from one workbook.
MAX_SHEETS = 256
#: The message given when openpyxl is missing.
INSTALL_HINT = 'reading .xlsx workbooks needs openpyxl: pip install "xpsfit[xlsx]"'

_ZIP_MAGIC = b"PK\x03\x04"
_END_OF_DIRECTORY = b"PK\x05\x06"
_END_RECORD_BYTES = 22
_SNIFF_MEMBER_BYTES = 256 * 1024
_PROLOG_BYTES = 64 * 1024
_SNIFF_SHEETS = 16
_SHEET_MEMBER_RE = re.compile(r"^xl/worksheets/sheet\d+\.xml$")


def is_zip(head: bytes) -> bool:
    """Whether bytes start with a ZIP local-file signature."""
    return head.startswith(_ZIP_MAGIC)


def _check_directory(data: bytes, src: Source) -> None:
    tail = data[-(_END_RECORD_BYTES + 65535) :]
    at = tail.rfind(_END_OF_DIRECTORY)
    if at < 0 or len(tail) - at < _END_RECORD_BYTES:
        raise src.error("damaged .xlsx workbook: ZIP directory not found", 1, "zip")
    (directory_bytes,) = struct.unpack_from("<I", tail, at + 12)
    if directory_bytes > MAX_DIRECTORY_BYTES:
        raise src.error(
            f"ZIP directory of {directory_bytes} bytes is larger than the "
            f"{MAX_DIRECTORY_BYTES} accepted for a workbook",
            1,
            "zip",
        )


def open_zip(data: bytes, src: Source) -> zipfile.ZipFile:
    """Open a workbook's ZIP archive after checking that it cannot exhaust memory.

    Raises
    ------
    ParseError
        If the bytes are not a ZIP archive holding ``xl/workbook.xml``, are damaged, or are
        larger (compressed or uncompressed) than the limits of this module.
    """
    if len(data) > MAX_XLSX_BYTES:
        raise src.error(f"workbook is larger than the {MAX_XLSX_BYTES} bytes accepted", 1, "zip")
    if not is_zip(data):
        raise src.error("not an .xlsx workbook (no ZIP signature)", 1, "zip")
    _check_directory(data, src)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # zipfile raises many types on forged directories
        raise src.error(f"damaged .xlsx workbook: {_describe(exc)}", 1, "zip") from None
    infos = archive.infolist()
    total = sum(info.file_size for info in infos)
    shared = sum(i.file_size for i in infos if i.filename.lower() == "xl/sharedstrings.xml")
    if total > MAX_UNCOMPRESSED_BYTES or shared > MAX_SHARED_STRINGS_BYTES:
        raise src.error(
            f"workbook would expand to {total} bytes, more than the accepted "
            f"{MAX_UNCOMPRESSED_BYTES} (shared strings {shared} of {MAX_SHARED_STRINGS_BYTES})",
            1,
            "zip",
        )
    if any(i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for i in infos):
        raise src.error("workbook uses a ZIP compression method other than deflate", 1, "zip")
    if "xl/workbook.xml" not in archive.namelist():
        raise src.error("ZIP archive is not an Excel workbook (no xl/workbook.xml)", 1, "zip")
    _refuse_doctype(archive, src)
    return archive


def _refuse_doctype(archive: zipfile.ZipFile, src: Source) -> None:
    """Refuse XML parts declaring a DTD: workbooks never need one, entity bombs do."""
    for info in archive.infolist():
        if not info.filename.lower().endswith((".xml", ".rels")):
            continue
        try:
            with archive.open(info) as member:
                prolog = member.read(_PROLOG_BYTES)
        except Exception as exc:  # zlib/zipfile errors on damaged members
            raise src.error(f"damaged .xlsx workbook: {_describe(exc)}", 1, info.filename) from None
        if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
            raise src.error(
                "workbook XML holds a document type declaration (entity definitions), refused",
                1,
                info.filename,
            )


def _describe(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def workbook_text(data: bytes) -> str:
    """The start of the shared strings and of the first worksheets' XML, for sniffing.

    Returns an empty string for anything that is not a readable workbook; never raises.
    """
    try:
        archive = open_zip(data, Source("<sniff>"))
    except Exception:  # sniffing must never fail: "not mine" is the answer
        return ""
    parts: list[str] = []
    with archive:
        names = archive.namelist()
        sheets = sorted(n for n in names if _SHEET_MEMBER_RE.match(n))[:_SNIFF_SHEETS]
        strings = [n for n in names if n.lower() == "xl/sharedstrings.xml"]
        for name in strings + sheets:
            try:
                with archive.open(name) as member:
                    parts.append(member.read(_SNIFF_MEMBER_BYTES).decode("utf-8", "replace"))
            except Exception:  # a damaged member says nothing about the format
                continue
    return "\n".join(parts)


def sniff_workbook_text(head: bytes, path: Path) -> str:
    """:func:`workbook_text` of a file from its first bytes (reading the rest when needed)."""
    if not is_zip(head):
        return ""
    data = head
    if len(head) >= 65536:
        try:
            if path.stat().st_size > MAX_XLSX_BYTES:
                return ""
            data = path.read_bytes()
        except OSError:
            return ""
    return workbook_text(data)


@dataclass(frozen=True)
class Sheet:
    """One worksheet of an open workbook: its title and a bounded row reader."""

    title: str
    worksheet: Any
    src: Source

    def rows(self, first: int, last: int, columns: int) -> Iterator[tuple[object, ...]]:
        """Cell values of rows ``first..last`` (1-based), each cut or padded to ``columns``.

        Raises
        ------
        ParseError
            If the worksheet XML is damaged.
        """
        row = first
        try:
            for values in self.worksheet.iter_rows(
                min_row=first, max_row=last, max_col=columns, values_only=True
            ):
                yield tuple(values)
                row += 1
        except Exception as exc:  # openpyxl/XML parser errors on damaged sheets
            raise self.src.error(
                f"damaged worksheet: {_describe(exc)}", row, f"{self.title}!A{row}"
            ) from None


@contextmanager
def open_workbook(data: bytes, src: Source) -> Iterator[list[Sheet]]:
    """Open a workbook read-only (values of formulas as last saved) and yield its worksheets.

    Raises
    ------
    ParseError
        If openpyxl is not installed, or the workbook fails the checks of :func:`open_zip` or
        cannot be opened.
    """
    open_zip(data, src).close()
    try:
        import openpyxl
    except ImportError:
        raise src.error(INSTALL_HINT, 1, "openpyxl") from None
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="openpyxl")
        try:
            book = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
        except Exception as exc:  # openpyxl raises many types on damaged workbooks
            raise src.error(f"damaged .xlsx workbook: {_describe(exc)}", 1, "workbook") from None
        try:
            worksheets = list(book.worksheets)
            if len(worksheets) > MAX_SHEETS:
                raise src.error(
                    f"workbook has {len(worksheets)} sheets, more than the {MAX_SHEETS} read",
                    1,
                    "workbook",
                )
            yield [Sheet(str(ws.title), ws, src) for ws in worksheets]
        finally:
            book.close()
