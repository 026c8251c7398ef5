"""Small helpers shared by the text-based readers: decoding, number parsing, sanity checks."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from xpsfit.errors import ParseError

#: Largest number of channels one spectrum may claim.
MAX_POINTS = 50_000_000


@dataclass(frozen=True)
class Source:
    """Where the bytes being parsed came from (for error messages)."""

    name: str

    def error(self, message: str, line: int | None = None, field: str | None = None) -> ParseError:
        """Build a :class:`ParseError` located in this source."""
        return ParseError(message, file=self.name, line=line, field=field)


def decode_text(data: bytes) -> str:
    """Decode file bytes: UTF-8 (with or without BOM), else latin-1; NUL bytes become spaces.

    UTF-16 files (recognised by their BOM) are decoded as such.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").replace("\x00", " ")
        except UnicodeDecodeError:
            pass
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.replace("\x00", " ")


def parse_float(token: str, src: Source, line: int | None, field: str) -> float:
    """Parse one finite number (a decimal comma is accepted) or raise :class:`ParseError`."""
    text = token.strip()
    try:
        value = float(text)
    except ValueError:
        try:
            value = float(text.replace(",", "."))
        except ValueError:
            raise src.error(f"expected a number, found {text[:40]!r}", line, field) from None
    if not math.isfinite(value):
        raise src.error(f"expected a finite number, found {text[:40]!r}", line, field)
    return value


def parse_int(token: str, src: Source, line: int | None, field: str, lo: int = 0) -> int:
    """Parse an integer ``>= lo`` (``"12.0"`` is accepted) or raise :class:`ParseError`."""
    value = parse_float(token, src, line, field)
    if value != int(value) or value < lo or value > 2**62:
        raise src.error(f"expected an integer >= {lo}, found {token.strip()[:40]!r}", line, field)
    return int(value)


def check_count(count: int, available: int, src: Source, line: int | None, field: str) -> None:
    """Reject a declared channel count larger than what the input can hold."""
    if count > MAX_POINTS or count > available:
        raise src.error(
            f"declares {count} values but the input holds at most {available}", line, field
        )


def nonfinite_warnings(intensity: NDArray[np.float64], what: str) -> tuple[str, ...]:
    """A warning (tuple of one message) when ``intensity`` holds NaN or infinite values."""
    bad = int(np.count_nonzero(~np.isfinite(intensity)))
    if bad:
        return (f"{what}: {bad} non-finite intensity value(s)",)
    return ()


def check_axis(energy: NDArray[np.float64], src: Source, line: int | None, field: str) -> None:
    """Reject an energy axis with non-finite values or fewer than one point."""
    if energy.size == 0:
        raise src.error("no data points", line, field)
    if not bool(np.all(np.isfinite(energy))):
        raise src.error("energy axis holds non-finite values", line, field)
