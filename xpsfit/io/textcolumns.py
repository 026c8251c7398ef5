"""Cut text into numeric tables: delimiter sniffing, numeric-line detection, column names."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: Candidate delimiters in order of preference; ``None`` means runs of whitespace.
DELIMITERS: tuple[str | None, ...] = (",", "\t", ";", None)
#: A numeric block needs at least this many rows to be a spectrum.
MIN_BLOCK_ROWS = 5
#: Lines examined when sniffing the delimiter.
SNIFF_LINES = 500


@dataclass(frozen=True)
class Block:
    """A run of numeric rows.

    Parameters
    ----------
    first_line
        1-based line number of the first row.
    context
        The non-numeric (or too short) lines between the previous block and this one.
    names
        Column names, one per column of ``data`` (empty strings when unknown).
    data
        Values, shape (rows, columns); missing fields are NaN.
    """

    first_line: int
    context: tuple[str, ...]
    names: tuple[str, ...]
    data: NDArray[np.float64]


def split_fields(line: str, delimiter: str | None) -> list[str]:
    """Split a line; trailing empty fields are dropped, fields are stripped."""
    fields = line.split() if delimiter is None else [f.strip() for f in line.split(delimiter)]
    while fields and not fields[-1]:
        fields.pop()
    return fields


def numeric_row(line: str, delimiter: str | None, continuation: bool = False) -> list[float] | None:
    """The numbers of a data row (empty fields -> NaN), or ``None`` if it is not a data row.

    A data row has at least two fields, only numbers (or empty fields) in it, and a non-empty
    first field unless it continues a block (``continuation``: column pairs of unequal length).
    """
    fields = split_fields(line, delimiter)
    if len(fields) < 2 or not (fields[0] or continuation):
        return None
    if sum(1 for f in fields if f) < 2:
        return None
    row: list[float] = []
    for field in fields:
        if not field:
            row.append(math.nan)
            continue
        try:
            row.append(float(field))
        except ValueError:
            if delimiter == "," or "," not in field:
                return None
            try:  # decimal comma
                row.append(float(field.replace(",", ".", 1)))
            except ValueError:
                return None
    return row


def sniff_delimiter(lines: Sequence[str]) -> str | None:
    """Pick the delimiter under which the most lines are data rows (ties: ``, \\t ;`` then spaces)."""
    sample = [ln for ln in lines[:SNIFF_LINES] if ln.strip()]
    best, best_score = None, 0
    for delimiter in DELIMITERS:
        score = sum(1 for ln in sample if numeric_row(ln, delimiter) is not None)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _names(context: Sequence[str], width: int, delimiter: str | None) -> tuple[str, ...]:
    """Column names: the nearest context line that splits into ``width`` fields.

    A leading ``#`` is ignored; ``Key: value`` lines are never taken as names.
    """
    for line in reversed(context):
        fields = split_fields(line.lstrip("#").strip(), delimiter)
        if any(f.endswith(":") for f in fields):  # "Key: value" lines are not headers
            continue
        if len(fields) == width and numeric_row(line, delimiter) is None:
            return tuple(fields)
    return ()


def _finish(
    rows: list[list[float]], first: int, context: list[str], delimiter: str | None,
    carried: tuple[str, ...],
) -> Block:  # fmt: skip
    width = max(len(r) for r in rows)
    data = np.full((len(rows), width), np.nan)
    for i, row in enumerate(rows):
        data[i, : len(row)] = row
    names = _names(context, width, delimiter) or (carried if len(carried) == width else ())
    names = names or ("",) * width
    used = ~np.all(np.isnan(data), axis=0)
    used[0] = True
    kept = tuple(n for n, u in zip(names, used, strict=True) if u)
    return Block(first, tuple(context), kept, data[:, used])


def cut_blocks(lines: Sequence[str], delimiter: str | None) -> list[Block]:
    """Cut lines into numeric blocks of at least :data:`MIN_BLOCK_ROWS` rows."""
    blocks: list[Block] = []
    context: list[str] = []
    rows: list[list[float]] = []
    first = 0
    carried: tuple[str, ...] = ()
    for number, line in enumerate([*lines, ""], start=1):
        row = numeric_row(line, delimiter, bool(rows)) if line.strip() else None
        if row is not None:
            if not rows:
                first = number
            rows.append(row)
            continue
        if len(rows) >= MIN_BLOCK_ROWS:
            block = _finish(rows, first, context, delimiter, carried)
            carried = block.names if any(block.names) else carried
            blocks.append(block)
            context = []
        elif rows:
            context.extend(lines[first - 1 : first - 1 + len(rows)])
        rows = []
        if line.strip():
            context.append(line)
    return blocks
