"""Excel ``.xlsx`` workbooks of spectra: Thermo Avantage exports and KherveFitting workbooks.

**Avantage export** (one sheet per region, e.g. ``C1s Scan``): a few header rows (``Axis |
Energy | Elements= | 191``, the path of the source ``.VGD`` file, any ``label | value``
acquisition parameters), then a header row whose energy cell reads ``Binding Energy (E)`` (or
``Kinetic Energy (E)``), a units row (``eV``, ``Counts / s``) and the data. The measured
intensity is the first column right of the energy whose header cell is empty and whose unit is
``Counts`` or ``Counts / s``; named columns after it are Avantage's fit (components,
``Backgnd.``, ``Envelope``, ``Residuals``) and are listed in the metadata. A ``Quantifications``
sheet (name, peak BE, FWHM, area, atomic %) is attached to the spectra of the same region.

**KherveFitting workbook**: the first row names the columns, the energy column ``Binding
Energy``, ``Binding Energy (E)`` or ``BE`` and the intensity ``Raw Data`` (else ``Intensity``,
else ``Corrected Data``); data start on row 2. Every such sheet is read as it stands,
including the processed copies KherveFitting adds (``C1s1``, ``Ti2p2``...). An ``Experimental
description`` sheet (VAMAS header fields) gives source energy, pass energy, scans, collection
time and sample of the spectra of its region.

Sheets of other layouts are ignored; a sheet of a recognised layout that cannot be read becomes
a warning on the other spectra. Errors name the row as ``line`` and ``"sheet!cell"`` as field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Any, Literal

import numpy as np

from xpsfit.energy import kinetic_to_binding
from xpsfit.errors import ParseError, XpsfitError
from xpsfit.io.readutil import Source, check_axis, nonfinite_warnings
from xpsfit.io.regions import identify_region, parse_label
from xpsfit.io.registry import Reader, register
from xpsfit.io.sheetcells import (
    acquisition,
    cell_at,
    cell_name,
    cell_number,
    cell_text,
    first_number,
    label_pairs,
    peak_table,
)
from xpsfit.io.xlsxbook import MAX_XLSX_BYTES, Sheet, open_workbook, sniff_workbook_text
from xpsfit.spectrum import Spectrum

#: Rows searched for a sheet's header, and columns read there.
HEADER_ROWS = 64
MAX_COLUMNS = 128
#: Most data rows (channels) read from one sheet.
MAX_POINTS = 200_000
#: Rows read from the ``Quantifications`` and ``Experimental description`` sheets.
CONTEXT_ROWS = 1024

_AVANTAGE_ENERGY_RE = re.compile(r"^(binding|kinetic) energy \(e\)$", re.IGNORECASE)
_KHERVE_ENERGY_RE = re.compile(r"^(binding energy( \(e\))?|be)$", re.IGNORECASE)
_KHERVE_INTENSITY = ("raw data", "intensity", "corrected data")
_COUNTS_RE = re.compile(r"^counts\b", re.IGNORECASE)
_FIT_EXTRAS = frozenset({"backgnd.", "envelope", "residuals"})
_SNIFF_AVANTAGE_RE = re.compile(r">\s*(binding|kinetic) energy \(e\)\s*<", re.IGNORECASE)
_SNIFF_KHERVE_RE = re.compile(r">\s*raw data\s*<", re.IGNORECASE)
_SNIFF_KHERVE_ENERGY_RE = re.compile(r">\s*(binding energy|be)\s*<", re.IGNORECASE)


@dataclass(frozen=True)
class SheetLayout:
    """Where the spectrum of one worksheet sits (rows 1-based, columns 0-based)."""

    kind: Literal["avantage", "kherve"]
    header_row: int
    first_data_row: int
    energy_column: int
    intensity_column: int
    kinetic: bool
    columns: tuple[str, ...]
    intensity_unit: str


def _avantage_layout(rows: Sequence[Sequence[object]]) -> SheetLayout | None:
    for r, row in enumerate(rows[:-1]):
        for c, value in enumerate(row):
            match = _AVANTAGE_ENERGY_RE.match(cell_text(value))
            if match is None:
                continue
            units = rows[r + 1]
            counts = [
                j for j in range(c + 1, len(row)) if _COUNTS_RE.match(cell_text(cell_at(units, j)))
            ]
            if not counts:
                continue
            raw = [j for j in counts if not cell_text(row[j])]
            column = (raw or counts)[0]
            return SheetLayout(
                kind="avantage",
                header_row=r + 1,
                first_data_row=r + 3,
                energy_column=c,
                intensity_column=column,
                kinetic=match.group(1).lower() == "kinetic",
                columns=tuple(t for t in (cell_text(v) for v in row) if t),
                intensity_unit="c/s" if "/" in cell_text(cell_at(units, column)) else "counts",
            )
    return None


def _kherve_layout(rows: Sequence[Sequence[object]]) -> SheetLayout | None:
    if len(rows) < 2:
        return None
    names = [cell_text(v).lower() for v in rows[0]]
    energy = next((c for c, n in enumerate(names) if _KHERVE_ENERGY_RE.match(n)), None)
    if energy is None or cell_number(cell_at(rows[1], energy)) is None:
        return None
    for wanted in _KHERVE_INTENSITY:
        if wanted in names:
            return SheetLayout(
                kind="kherve",
                header_row=1,
                first_data_row=2,
                energy_column=energy,
                intensity_column=names.index(wanted),
                kinetic=False,
                columns=tuple(t for t in (cell_text(v) for v in rows[0]) if t),
                intensity_unit="",
            )
    return None


def find_layout(rows: Sequence[Sequence[object]]) -> SheetLayout | None:
    """The spectrum layout of a worksheet from its first rows (cell values), or ``None``."""
    return _avantage_layout(rows) or _kherve_layout(rows)


@dataclass(frozen=True)
class _Context:
    """Workbook-wide information: Avantage peak table, KherveFitting experiment description."""

    peaks: tuple[dict[str, Any], ...]
    description_region: str
    description: dict[str, Any]


def _context(sheets: Sequence[Sheet]) -> tuple[_Context, list[str]]:
    peaks: tuple[dict[str, Any], ...] = ()
    region, description = "", {}
    problems: list[str] = []
    for sheet in sheets:
        title = sheet.title.strip().lower()
        if title not in ("quantifications", "experimental description"):
            continue
        try:
            rows = list(sheet.rows(1, CONTEXT_ROWS, 16))
        except ParseError as exc:
            problems.append(f"sheet {sheet.title!r} skipped: {exc}")
            continue
        if title == "quantifications":
            peaks = peak_table(rows)
            continue
        pairs = label_pairs(rows)
        transition = next((str(v) for k, v in pairs if k.lower() == "species & transition"), "")
        region = identify_region(transition, math.nan, math.nan).region if transition else ""
        description = acquisition(pairs)
    return _Context(peaks, region, description), problems


def _read_columns(sheet: Sheet, layout: SheetLayout) -> tuple[list[float], list[float]]:
    energies: list[float] = []
    intensities: list[float] = []
    width = max(layout.energy_column, layout.intensity_column) + 1
    first = layout.first_data_row
    for row_number, values in enumerate(sheet.rows(first, first + MAX_POINTS, width), first):
        cell = cell_at(values, layout.energy_column)
        if cell is None or (isinstance(cell, str) and cell_text(cell) == ""):
            break  # the table ends at the first empty energy cell
        energy = cell_number(cell)
        where = f"{sheet.title}!{cell_name(layout.energy_column, row_number)}"
        if energy is None or not math.isfinite(energy):
            raise sheet.src.error(
                f"energy is not a finite number: {str(cell)[:40]!r}", row_number, where
            )
        if len(energies) == MAX_POINTS:
            raise sheet.src.error(f"more than {MAX_POINTS} data rows", row_number, where)
        intensity = cell_number(cell_at(values, layout.intensity_column))
        energies.append(energy)
        intensities.append(math.nan if intensity is None else intensity)
    return energies, intensities


def _header_facts(rows: Sequence[Sequence[object]]) -> tuple[dict[str, Any], int | None, str]:
    """Acquisition fields, declared point count and ``.VGD`` path from Avantage header rows."""
    pairs = label_pairs(rows)
    declared = next((first_number(v) for k, v in pairs if k.lower() == "elements"), None)
    vgd = next(
        (t for row in rows for t in map(cell_text, row) if t.lower().endswith(".vgd")),
        "",
    )
    fields = acquisition(pairs)
    if vgd and "sample" not in fields:
        folder = PureWindowsPath(vgd).parent.name
        if folder.lower().endswith(".data"):
            fields["sample"] = folder[: -len(".data")]
    count = int(declared) if declared is not None and declared == int(declared) else None
    return fields, count, vgd


def _peak_region(name: str) -> str | None:
    parsed = parse_label(name)
    return None if parsed is None else parsed.region


def _metadata(
    layout: SheetLayout, title: str, warnings: list[str], vgd: str, peaks: tuple[Any, ...]
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "format": f"{layout.kind}-xlsx",
        "label": title,
        "energy_axis": "kinetic" if layout.kinetic else "binding",
        "columns": layout.columns,
        "first_line": layout.first_data_row,
        "warnings": tuple(warnings),
    }
    if layout.intensity_unit:
        metadata["intensity_unit"] = layout.intensity_unit
    if layout.kind == "avantage":
        fit = tuple(c for c in layout.columns[1:] if c.lower() not in _FIT_EXTRAS)
        metadata.update(vgd_file=vgd, fit_curves=fit, peak_table=peaks)
    return metadata


def _spectrum(
    sheet: Sheet, head: Sequence[Sequence[object]], layout: SheetLayout, context: _Context
) -> Spectrum:
    src, title = sheet.src, sheet.title
    where = f"{title}!{cell_name(layout.energy_column, layout.first_data_row)}"
    energies, intensities = _read_columns(sheet, layout)
    if len(energies) < 2:
        raise src.error("fewer than 2 data rows below the header", layout.first_data_row, where)
    x, y = np.asarray(energies, dtype=np.float64), np.asarray(intensities, dtype=np.float64)
    check_axis(x, src, layout.first_data_row, where)
    warnings: list[str] = []
    fields: dict[str, Any] = {}
    declared: int | None = None
    vgd = ""
    if layout.kind == "avantage":
        fields, declared, vgd = _header_facts(head[: layout.header_row - 1])
    if declared is not None and declared != x.size:
        warnings.append(f"sheet {title!r}: header declares {declared} points, {x.size} read")
    if layout.kinetic:
        try:
            x = kinetic_to_binding(x, float(fields.get("source_energy", 0.0)))
        except XpsfitError as exc:
            header = f"{title}!{cell_name(layout.energy_column, layout.header_row)}"
            raise src.error(str(exc), layout.header_row, header) from None
    ident = identify_region(title, float(x.min()), float(x.max()))
    described = context.description_region
    if layout.kind == "kherve" and described and described == ident.region:
        fields = {**context.description, **fields}
    warnings.extend(nonfinite_warnings(y, f"sheet {title!r}"))
    peaks = tuple(p for p in context.peaks if _peak_region(p["name"]) == ident.region)
    return Spectrum(
        binding_energy=x,
        intensity=y,
        region=ident.region,
        element=ident.element,
        transition=ident.transition,
        source_file=src.name,
        block=f"sheet {title}",
        metadata=_metadata(layout, title, warnings, vgd, peaks),
        **fields,
    )


def parse_xlsx_bytes(data: bytes, name: str = "<memory>") -> list[Spectrum]:
    """Parse an Avantage export or a KherveFitting workbook held in memory.

    Parameters
    ----------
    data
        The whole ``.xlsx`` file.
    name
        Name used in messages and for ``Spectrum.source_file``.

    Returns
    -------
    list of Spectrum
        One per spectrum sheet in workbook order, binding-energy axes in eV (ascending).

    Raises
    ------
    ParseError
        If openpyxl is missing, the workbook is damaged or exceeds the size limits of
        :mod:`xpsfit.io.xlsxbook`, or no sheet holds a readable spectrum (the first sheet
        error is raised, naming the row and ``"sheet!cell"``).
    """
    src = Source(name)
    spectra: list[Spectrum] = []
    errors: list[ParseError] = []
    with open_workbook(data, src) as sheets:
        context, problems = _context(sheets)
        for sheet in sheets:
            try:
                head = list(sheet.rows(1, HEADER_ROWS, MAX_COLUMNS))
                layout = find_layout(head)
                if layout is not None:
                    spectra.append(_spectrum(sheet, head, layout, context))
            except ParseError as exc:
                errors.append(exc)
    if not spectra:
        if errors:
            raise errors[0]
        titles = ", ".join(repr(s.title) for s in sheets[:12])
        raise src.error(
            f"no Avantage or KherveFitting spectrum sheet in the workbook (sheets: {titles})",
            1,
            "workbook",
        )
    extra = (*problems, *(f"sheet skipped: {exc}" for exc in errors))
    if not extra:
        return spectra
    return [
        s.replace(metadata={**s.metadata, "warnings": (*s.metadata["warnings"], *extra)})
        for s in spectra
    ]


def sniff(head: bytes, path: Path) -> int:
    """Score 70 for a workbook with an Avantage energy header (``Binding Energy (E)``) or a
    KherveFitting ``Raw Data`` column beside a binding-energy column; 0 otherwise."""
    text = sniff_workbook_text(head, Path(path))
    if not text:
        return 0
    if _SNIFF_AVANTAGE_RE.search(text):
        return 70
    return 70 if _SNIFF_KHERVE_RE.search(text) and _SNIFF_KHERVE_ENERGY_RE.search(text) else 0


def is_spectrum_workbook(head: bytes, path: Path) -> bool:
    """Whether :func:`sniff` recognises the file (used to word the unsupported-format error)."""
    return sniff(head, path) > 0


def load(path: Path) -> list[Spectrum]:
    """Read an ``.xlsx`` workbook of spectra (see :func:`parse_xlsx_bytes`)."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_XLSX_BYTES:
            raise ParseError(
                f"workbook is {size} bytes, more than the {MAX_XLSX_BYTES} accepted", file=str(p)
            )
        data = p.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot open file: {exc.strerror or exc}", file=str(p)) from exc
    return parse_xlsx_bytes(data, str(p))


READER = register(Reader("xlsx", (".xlsx",), sniff, load))
