"""VAMAS (ISO 14976) reader.

A VAMAS file is a file header followed by blocks; every line holds one value whose meaning
comes from its position and from values read before it (experiment mode, scan mode,
technique, the parameter inclusion list). This module walks that structure with a
:class:`~xpsfit.io.textlines.LineCursor`; :mod:`xpsfit.io.vamas_block` turns each raw block
into a :class:`~xpsfit.spectrum.Spectrum`.

Robustness rules: the identifier line is matched by prefix after blank lines; BOM, NUL,
latin-1 bytes and any line ending are accepted; every declared count is checked against the
lines that remain before anything is allocated; a block that cannot be read is skipped with
a warning recorded on the next readable block (the reader re-synchronises on the next block
start), so one broken block never discards the others; a file without any readable block is
a :class:`~xpsfit.errors.ParseError` naming the line.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar, cast

import numpy as np
from numpy.typing import NDArray

from xpsfit.errors import ParseError
from xpsfit.io.registry import MAX_FILE_BYTES, Reader, register
from xpsfit.io.textlines import LineCursor, decode_text, split_lines
from xpsfit.io.vamas_header import (
    HUGE,
    IDENTIFIER,
    MAX_CORRESPONDING,
    SCALAR_GROUPS,
    TECH_BY_UPPER,
    VamasHeader,
    find_identifier,
    read_header,
    regular_axis,
)
from xpsfit.spectrum import Spectrum

log = logging.getLogger(__name__)

__all__ = [
    "HUGE", "IDENTIFIER", "SCALAR_GROUPS", "RawBlock", "VamasHeader", "load_vamas",
    "parse_vamas_bytes", "read_blocks", "regular_axis", "sniff_vamas",
]  # fmt: skip

T = TypeVar("T")
#: How many candidate lines are tried when re-synchronising after a broken block.
MAX_RESYNC_TRIES = 400


@dataclass
class RawBlock:
    """One block as read, before conversion: raw strings plus the value matrix.

    ``fields`` holds scalar parameters by name (raw text), ``values`` the ordinate values as
    an ``(n_points, n_corresponding)`` array in file order.
    """

    line: int
    fields: dict[str, str]
    comment: tuple[str, ...]
    variable_values: tuple[str, ...]
    corresponding: tuple[tuple[str, str], ...]
    parameters: tuple[tuple[str, str, str], ...]
    future: tuple[str, ...]
    axis: NDArray[np.float64]
    ordinate: NDArray[np.float64]
    warnings: list[str] = field(default_factory=list)
    groups: dict[int, object] = field(default_factory=dict)


def _included(hdr: VamasHeader, first: RawBlock | None, group: int) -> bool:
    return first is None or hdr.included[group]


def _read_comment(cur: LineCursor, warnings: list[str], verify: bool) -> tuple[str, ...]:
    """Read the block comment; a wrong line count is repaired from the technique line."""
    start = cur.pos
    declared = cur.integer("number of lines in block comment", minimum=0)
    if not verify:
        return tuple(cur.skip(declared, "block comment"))
    if declared <= cur.remaining:
        after = cur.peek(declared)
        if after is not None and after.upper() in TECH_BY_UPPER:
            return tuple(cur.skip(declared, "block comment"))
    for k in range(0, min(cur.remaining, 10000)):
        text = cur.peek(k)
        if text is not None and text.upper() in TECH_BY_UPPER:
            warnings.append(
                f"block comment at line {start + 1} declares {declared} line(s) but the "
                f"technique follows after {k}; comment read up to the technique"
            )
            return tuple(cur.skip(k, "block comment"))
    raise cur.error(f"block comment line count {declared} is inconsistent", "block comment")


def _read_technique(cur: LineCursor) -> str:
    raw = cur.text("technique")
    tech = TECH_BY_UPPER.get(raw.upper())
    if tech is None:
        raise cur.error(f"unknown technique {raw[:30]!r}", "technique")
    return tech


def _read_scalars(
    cur: LineCursor, hdr: VamasHeader, first: RawBlock | None, group: int, tech: str
) -> dict[str, str]:
    out: dict[str, str] = {}
    for index, names, cond in SCALAR_GROUPS:
        if index != group or not cond(hdr.experiment_mode, tech):
            continue
        if _included(hdr, first, index):
            out.update({name: cur.text(name.replace("_", " ")) for name in names})
        elif first is not None:
            out.update({name: first.fields.get(name, "") for name in names})
    return out


def _group(
    index: int,
    read: Callable[[], T],
    hdr: VamasHeader,
    first: RawBlock | None,
    groups: dict[int, object],
) -> T:
    """Read a parameter group, or take it from the first block when it is excluded."""
    value = read() if _included(hdr, first, index) else cast(T, first.groups[index])  # type: ignore[union-attr]
    groups[index] = value
    return value


def _read_block(cur: LineCursor, hdr: VamasHeader, first: RawBlock | None) -> RawBlock:
    """Read one block at the cursor; excluded parameters come from ``first``."""
    line = cur.line_number
    fields = {"block_id": cur.text("block identifier"), "sample": cur.text("sample identifier")}
    warnings: list[str] = []
    groups: dict[int, object] = {}
    for g in range(7):
        fields.update(_read_scalars(cur, hdr, first, g, ""))
    verify = _included(hdr, first, 8)
    comment = _group(7, lambda: _read_comment(cur, warnings, verify), hdr, first, groups)
    tech = _group(8, lambda: _read_technique(cur), hdr, first, groups)
    fields["technique"] = tech
    fields.update(_read_scalars(cur, hdr, first, 9, tech))
    n_var = len(hdr.variables)
    var_values = _group(
        10, lambda: tuple(cur.skip(n_var, "experimental variable values")), hdr, first, groups
    )
    for g in range(11, 30):
        fields.update(_read_scalars(cur, hdr, first, g, tech))
    if hdr.scan_mode == "REGULAR":
        absc = _group(30, lambda: _read_regular_abscissa(cur), hdr, first, groups)
        fields.update(absc)
    corresponding = _group(31, lambda: _read_corresponding(cur), hdr, first, groups)
    for g in range(32, 39):
        fields.update(_read_scalars(cur, hdr, first, g, tech))
    parameters = _group(39, lambda: _read_parameters(cur), hdr, first, groups)
    future = tuple(cur.skip(hdr.n_future_block, "future upgrade block entries"))
    values_line = cur.line_number
    values = _read_values(cur, len(corresponding), warnings)
    axis, ordinate = _split_axis(cur, hdr, fields, values, values_line)
    return RawBlock(
        line,
        fields,
        comment,
        var_values,
        corresponding,
        parameters,
        future,
        axis,
        ordinate,
        warnings,
        groups,
    )


def _read_regular_abscissa(cur: LineCursor) -> dict[str, str]:
    out = {"abscissa_label": cur.text("abscissa label"), "abscissa_units": cur.text("units")}
    for name in ("abscissa_start", "abscissa_increment"):
        value = cur.number(name.replace("_", " "))
        if not math.isfinite(value) or abs(value) >= HUGE:
            raise cur.error(f"{name.replace('_', ' ')} {value!r} is not a usable number", name)
        out[name] = repr(value)
    return out


def _split_axis(
    cur: LineCursor,
    hdr: VamasHeader,
    fields: dict[str, str],
    values: NDArray[np.float64],
    line: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return the abscissa and the ordinate columns (IRREGULAR: the first column is x)."""
    n = values.shape[0]
    if hdr.scan_mode == "REGULAR":
        axis = regular_axis(float(fields["abscissa_start"]), float(fields["abscissa_increment"]), n)
        ordinate = values
    else:
        if values.shape[1] < 2:
            raise cur.error(
                "an IRREGULAR block needs the abscissa and at least one ordinate variable",
                "corresponding variables",
                line,
            )
        axis, ordinate = values[:, 0].copy(), values[:, 1:]
    if not np.all(np.isfinite(axis)) or np.any(np.abs(axis) >= HUGE):
        raise cur.error("the abscissa holds non-finite or huge values", "abscissa", line)
    return axis, ordinate


def _read_corresponding(cur: LineCursor) -> tuple[tuple[str, str], ...]:
    n = cur.count("number of corresponding variables", per_item=2, limit=MAX_CORRESPONDING)
    if n < 1:
        raise cur.error("a block needs at least one corresponding variable", "corresponding")
    return tuple((cur.text("corresponding variable label"), cur.text("unit")) for _ in range(n))


def _read_parameters(cur: LineCursor) -> tuple[tuple[str, str, str], ...]:
    n = cur.count("number of additional numerical parameters", per_item=3)
    return tuple(
        (cur.text("parameter label"), cur.text("parameter unit"), cur.text("parameter value"))
        for _ in range(n)
    )


def _read_values(cur: LineCursor, n_corr: int, warnings: list[str]) -> NDArray[np.float64]:
    """Read the ordinate count, the min/max pairs and the values (checked before allocating)."""
    n_values = cur.integer("number of ordinate values", minimum=0)
    needed = n_values + 2 * n_corr
    if needed > cur.remaining:
        raise cur.error(
            f"declares {n_values} ordinate values but only {cur.remaining} line(s) remain",
            "number of ordinate values",
        )
    if n_values == 0 or n_values % n_corr:
        raise cur.error(
            f"{n_values} ordinate values are not a whole number of points for {n_corr} "
            "corresponding variable(s)",
            "number of ordinate values",
        )
    cur.skip(2 * n_corr, "ordinate minimum and maximum")
    start = cur.pos
    chunk = cur.lines[start : start + n_values]
    try:
        flat = np.array(chunk, dtype=np.float64)
    except ValueError:
        flat = np.empty(n_values, dtype=np.float64)
        for i, text in enumerate(chunk):
            try:
                flat[i] = float(text)
            except ValueError:
                raise cur.error(
                    f"expected a number, found {text.strip()[:40]!r}",
                    "ordinate value",
                    start + i + 1,
                ) from None
    cur.pos = start + n_values
    return flat.reshape(n_values // n_corr, n_corr)


def _looks_like_block(lines: Sequence[str], p: int, hdr: VamasHeader) -> bool:
    """Cheap test whether a block could start at line index ``p`` (used to re-synchronise)."""
    if not all(hdr.included[:9]) or p + 11 >= len(lines):
        return False
    try:
        for k in range(2, 9):
            int(lines[p + k])
        n_comment = int(lines[p + 9])
    except ValueError:
        return False
    q = p + 10 + n_comment
    return n_comment >= 0 and q < len(lines) and lines[q].strip().upper() in TECH_BY_UPPER


def read_blocks(lines: Sequence[str], name: str) -> tuple[VamasHeader, list[RawBlock]]:
    """Parse the header and every readable block of a VAMAS file given as lines.

    Raises
    ------
    ParseError
        If the header is unreadable or no block can be read.
    """
    start = find_identifier(lines)
    if start < 0:
        raise ParseError("not a VAMAS file (identifier line not found)", file=name, line=1)
    cur = LineCursor(lines, name, start + 1)
    hdr = read_header(cur)
    blocks: list[RawBlock] = []
    pending: list[str] = []
    first_error: ParseError | None = None
    tries = skipped = 0
    while cur.remaining and len(blocks) + skipped < hdr.n_blocks:
        if (cur.peek() or "").lower().startswith("end of experiment"):
            break
        at = cur.pos
        try:
            block = _read_block(cur, hdr, blocks[0] if blocks else None)
        except ParseError as exc:
            first_error = first_error or exc
            skipped += 1
            pending.append(f"block at line {at + 1} skipped: {exc}")
            cur.pos = at + 1
            while cur.remaining and tries < MAX_RESYNC_TRIES:
                if _looks_like_block(lines, cur.pos, hdr):
                    break
                cur.pos += 1
                tries += 1
            else:
                break
            continue
        block.warnings[:0] = pending
        pending = []
        blocks.append(block)
    if not blocks:
        if first_error is not None:
            raise first_error
        raise ParseError("the file holds no block", file=name, line=cur.line_number)
    if pending:
        blocks[-1].warnings.extend(pending)
    if len(blocks) + skipped < hdr.n_blocks:
        blocks[-1].warnings.append(
            f"file declares {hdr.n_blocks} blocks but only {len(blocks)} could be read"
        )
    return hdr, blocks


def parse_vamas_bytes(data: bytes, name: str = "<memory>") -> list[Spectrum]:
    """Read every spectrum of a VAMAS file held in memory.

    Parameters
    ----------
    data
        The file content.
    name
        File name used in messages and in :attr:`Spectrum.source_file`.

    Returns
    -------
    list of Spectrum
        One per readable block, in file order (binding-energy axes ascending, eV).

    Raises
    ------
    ParseError
        If the content is not VAMAS or holds no readable block.
    """
    from xpsfit.io.vamas_block import block_to_spectrum

    lines = split_lines(decode_text(data))
    hdr, blocks = read_blocks(lines, name)
    return [block_to_spectrum(hdr, block, name) for block in blocks]


def load_vamas(path: Path) -> list[Spectrum]:
    """Read a VAMAS file from disk (see :func:`parse_vamas_bytes`).

    Raises
    ------
    ParseError
        If the file cannot be opened or read.
    """
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ParseError(f"cannot open file: {exc.strerror or exc}", file=str(path)) from exc
    if len(data) > MAX_FILE_BYTES:
        raise ParseError(f"file is larger than {MAX_FILE_BYTES} bytes", file=str(path))
    return parse_vamas_bytes(data, str(path))


def sniff_vamas(head: bytes, path: Path) -> int:
    """Score 100 when the first non-blank line starts with the VAMAS identifier."""
    lines = split_lines(decode_text(head[:4096]))
    return 100 if find_identifier(lines) >= 0 else 0


VAMAS_READER = register(Reader("vamas", (".vms", ".npl", ".vamas"), sniff_vamas, load_vamas))
