"""Line-oriented text input shared by the text-based readers.

:func:`decode_text` turns the bytes of an instrument file into text whatever the writer did
(byte-order mark, NUL bytes, latin-1 bytes, UTF-16), :func:`split_lines` splits on CR, LF and
CRLF only, and :class:`LineCursor` walks the lines with the 1-based line number always known,
so every failure is a :class:`~xpsfit.errors.ParseError` naming the file, the line and the field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from xpsfit.errors import ParseError

_NEWLINE = re.compile(r"\r\n|\r|\n")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode_text(data: bytes) -> str:
    """Decode file bytes to text.

    A UTF-8 byte-order mark is dropped, UTF-16 (with a BOM) is decoded as such, NUL bytes are
    removed, and bytes that are not valid UTF-8 are read as latin-1 (every byte maps to one
    character, so decoding never fails).

    Parameters
    ----------
    data
        The raw file content.

    Returns
    -------
    str
        The text, without BOM and NUL characters.
    """
    if data[:2] in _UTF16_BOMS:
        try:
            return data.decode("utf-16").replace("\x00", "")
        except UnicodeDecodeError:
            pass
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    data = data.replace(b"\x00", b"")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def split_lines(text: str) -> list[str]:
    """Split on CRLF, CR or LF only (not on the other Unicode line breaks ``str.splitlines`` uses).

    A final line break does not produce an empty last line.
    """
    lines = _NEWLINE.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def parse_float(text: str) -> float:
    """Parse a decimal number, also accepting Fortran ``D`` exponents (``1.5D+03``).

    Raises
    ------
    ValueError
        If ``text`` is not a number.
    """
    s = text.strip()
    try:
        return float(s)
    except ValueError:
        return float(s.replace("D", "E").replace("d", "e"))


class LineCursor:
    """A position in a list of text lines that reports where it failed.

    Parameters
    ----------
    lines
        The lines of the file (see :func:`split_lines`).
    file
        File name used in error messages.
    start
        0-based index of the first line to read.
    """

    def __init__(self, lines: Sequence[str], file: str, start: int = 0) -> None:
        self.lines = lines
        self.file = file
        self.pos = start

    @property
    def line_number(self) -> int:
        """1-based number of the next line to be read."""
        return self.pos + 1

    @property
    def remaining(self) -> int:
        """Number of lines not read yet."""
        return max(len(self.lines) - self.pos, 0)

    def error(self, message: str, field: str | None = None, line: int | None = None) -> ParseError:
        """A :class:`ParseError` at ``line`` (default: the line just read)."""
        at = line if line is not None else max(self.pos, 1)
        return ParseError(message, file=self.file, line=at, field=field)

    def peek(self, offset: int = 0) -> str | None:
        """The stripped line ``offset`` lines ahead without consuming it, or ``None`` past the end."""
        i = self.pos + offset
        return self.lines[i].strip() if 0 <= i < len(self.lines) else None

    def text(self, field: str) -> str:
        """Consume one line and return it stripped.

        Raises
        ------
        ParseError
            At the end of the input.
        """
        if self.pos >= len(self.lines):
            raise self.error("unexpected end of file", field=field, line=max(len(self.lines), 1))
        value = self.lines[self.pos].strip()
        self.pos += 1
        return value

    def integer(self, field: str, minimum: int | None = None, maximum: int | None = None) -> int:
        """Consume one line holding an integer (``"5"``, ``"5.0"``, ``"+5"``).

        Raises
        ------
        ParseError
            If the line is not an integer or lies outside ``[minimum, maximum]``.
        """
        raw = self.text(field)
        try:
            value_f = parse_float(raw)
        except ValueError:
            raise self.error(f"expected an integer, found {raw[:40]!r}", field) from None
        if not math.isfinite(value_f) or value_f != int(value_f):
            raise self.error(f"expected an integer, found {raw[:40]!r}", field)
        value = int(value_f)
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise self.error(f"{value} is outside the allowed range", field)
        return value

    def number(self, field: str) -> float:
        """Consume one line holding a number (may be ``nan`` or ``inf``; the caller decides).

        Raises
        ------
        ParseError
            If the line is not a number.
        """
        raw = self.text(field)
        try:
            return parse_float(raw)
        except ValueError:
            raise self.error(f"expected a number, found {raw[:40]!r}", field) from None

    def count(self, field: str, per_item: int = 1, limit: int | None = None) -> int:
        """Consume a declared count and check the input can hold that many items.

        Parameters
        ----------
        field
            Name used in messages.
        per_item
            Lines each item occupies at least.
        limit
            Largest count accepted regardless of the input size.

        Raises
        ------
        ParseError
            If the count is negative or claims more lines than remain (checked before anything
            is allocated).
        """
        value = self.integer(field, minimum=0)
        needed = value * max(per_item, 0)
        if needed > self.remaining or (limit is not None and value > limit):
            raise self.error(
                f"declares {value} item(s) but only {self.remaining} line(s) remain", field
            )
        return value

    def skip(self, n: int, field: str) -> list[str]:
        """Consume ``n`` lines and return them stripped (checked against the remaining lines)."""
        if n > self.remaining:
            raise self.error(f"needs {n} line(s) but only {self.remaining} remain", field=field)
        out = [line.strip() for line in self.lines[self.pos : self.pos + n]]
        self.pos += n
        return out
