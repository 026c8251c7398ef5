"""Tables of a fitted depth profile: CSV, a CasaXPS-style report, one XLSX workbook.

Every file is UTF-8 with ``\\n`` newlines and ``.`` decimals whatever the locale (floats are
written with :func:`repr`, the shortest string that reads back to the same float, never with
locale formatting), and is written atomically. Missing values are empty cells. The same
inputs give byte-identical files.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

import xlsxwriter

from xpsfit.atomic import write_bytes_atomic, write_text_atomic
from xpsfit.profile_result import ProfileResult, SpectrumFit
from xpsfit.quant_settings import QuantSettings
from xpsfit.quantify import AtomicRow, FractionRow, LineQuant, line_quant
from xpsfit.region_integral import region_integral

__all__ = [
    "ATOMIC_COLUMNS",
    "FIT_COLUMNS",
    "FRACTION_COLUMNS",
    "PEAK_COLUMNS",
    "Cell",
    "Table",
    "atomic_table",
    "curve_name",
    "curve_tables",
    "fit_table",
    "format_cell",
    "fraction_table",
    "fraction_wide_table",
    "peak_table",
    "report_text",
    "write_csv",
    "write_workbook",
]

Cell = str | int | float | None
Table = tuple[tuple[str, ...], list[tuple[Cell, ...]]]

FIT_COLUMNS = (
    "file",
    "sample",
    "region",
    "level",
    "etch_time_s",
    "depth_nm",
    "component",
    "line",
    "species",
    "center",
    "center_err",
    "fwhm",
    "fwhm_err",
    "area",
    "area_err",
    "status",
    "reason",
)
FRACTION_COLUMNS = (
    "sample",
    "region",
    "level",
    "etch_time_s",
    "depth_nm",
    "fraction",
    "value",
    "err",
    "mc_err",
)
ATOMIC_COLUMNS = (
    "sample",
    "level",
    "etch_time_s",
    "depth_nm",
    "element",
    "region",
    "rsf",
    "atomic_percent",
    "err",
)
PEAK_COLUMNS = (
    "sample",
    "level",
    "etch_time_s",
    "depth_nm",
    "region",
    "line",
    "component",
    "position_ev",
    "fwhm_ev",
    "area",
    "rsf",
    "rsf_t_mfp",
    "corrected_area",
    "atomic_percent",
)
_FIXED_DATE = datetime(2000, 1, 1)
_UNSAFE = re.compile(r"[^A-Za-z0-9_.+-]+")


def format_cell(value: Cell) -> str:
    """A cell as text: floats by ``repr`` (locale-independent, round-trips), ``None`` empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _fits(results: Sequence[ProfileResult]) -> Iterable[SpectrumFit]:
    for pr in results:
        for region in pr.regions():
            yield from pr.region_fits(region)


def fit_table(results: Sequence[ProfileResult]) -> Table:
    """One row per drawn line per spectrum; a failed spectrum gets one row with its reason."""
    rows: list[tuple[Cell, ...]] = []
    for sf in _fits(results):
        head: tuple[Cell, ...] = (
            sf.spectrum.source_file,
            sf.sample,
            sf.region,
            sf.level,
            sf.etch_time,
            sf.depth,
        )
        reason = "" if sf.issue is None else f"{sf.issue.code}: {sf.issue.message}"
        if sf.result is None:
            rows.append((*head, "", "", "", None, None, None, None, None, None, sf.status, reason))
            continue
        for ln in sf.result.lines:
            rows.append(
                (
                    *head,
                    ln.component,
                    ln.role,
                    ln.species,
                    ln.center.value,
                    ln.center.stderr,
                    ln.fwhm.value,
                    ln.fwhm.stderr,
                    ln.area.value,
                    ln.area.stderr,
                    sf.status,
                    reason,
                )
            )
    return FIT_COLUMNS, rows


def fraction_table(rows: Sequence[FractionRow]) -> Table:
    """Fractions in long form (one row per sample, region, level and fraction)."""
    return FRACTION_COLUMNS, [
        (r.sample, r.region, r.level, r.etch_time, r.depth, r.fraction, r.value, r.err, r.mc_err)
        for r in rows
    ]


def fraction_wide_table(rows: Sequence[FractionRow]) -> Table:
    """Fractions in wide form for Origin/Excel: one row per sample and level, a value and an
    error column per ``region: fraction``."""
    names = list(dict.fromkeys(f"{r.region}: {r.fraction}" for r in rows))
    keys = list(dict.fromkeys((r.sample, r.level) for r in rows))
    cells: dict[tuple[str, int], dict[str, FractionRow]] = {k: {} for k in keys}
    for r in rows:
        cells[(r.sample, r.level)][f"{r.region}: {r.fraction}"] = r
    header: tuple[str, ...] = ("sample", "level", "etch_time_s", "depth_nm")
    header += tuple(c for n in names for c in (n, f"{n} err"))
    out: list[tuple[Cell, ...]] = []
    for key in keys:
        row = cells[key]
        first = next(iter(row.values()))
        values: list[Cell] = [key[0], key[1], first.etch_time, first.depth]
        for n in names:
            cell = row.get(n)
            values += [None, None] if cell is None else [cell.value, cell.err]
        out.append(tuple(values))
    return header, out


def atomic_table(rows: Sequence[AtomicRow]) -> Table:
    """Atomic % per element per level (long form)."""
    return ATOMIC_COLUMNS, [
        (r.sample, r.level, r.etch_time, r.depth, r.element, r.region, r.rsf, r.percent, r.err)
        for r in rows
    ]


def peak_table(rows: Sequence[LineQuant]) -> Table:
    """CasaXPS's peak table per level: each fitted line with its position, FWHM, area, RSF,
    RSF*T*MFP, corrected area and atomic % of the level (:func:`~xpsfit.quantify.line_quant`)."""
    return PEAK_COLUMNS, [
        (r.sample, r.level, r.etch_time, r.depth, r.region, r.label or r.component, r.component,
         r.center, r.fwhm, r.area, r.rsf, r.total_factor, r.corrected, r.percent)
        for r in rows
    ]  # fmt: skip


def curve_name(sf: SpectrumFit) -> str:
    """File-name stem of a spectrum's curves, e.g. ``"bare_LCO_Co_2p_L03"``."""
    return _UNSAFE.sub("_", f"{sf.sample}_{sf.region}_L{sf.level:02d}").strip("_")


def curve_tables(results: Sequence[ProfileResult]) -> list[tuple[str, Table]]:
    """Per fitted spectrum: BE, data, background, each line, envelope, residual."""
    out = []
    for sf in _fits(results):
        res = sf.result
        if res is None:
            continue
        labels = [
            f"{ln.component} {ln.role}" if ln.role != "single" else ln.component for ln in res.lines
        ]
        header = ("binding_energy", "data", "background", *labels, "envelope", "residual")
        columns = [res.binding_energy, res.data, res.background]
        columns += [ln.curve for ln in res.lines] + [res.envelope, res.residual]
        rows: list[tuple[Cell, ...]] = [
            tuple(float(c[i]) for c in columns) for i in range(res.binding_energy.size)
        ]
        out.append((curve_name(sf), (header, rows)))
    return out


def _csv_text(table: Table, delimiter: str = ",") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    header, rows = table
    writer.writerow(header)
    for row in rows:
        writer.writerow([format_cell(v) for v in row])
    return buf.getvalue()


def write_csv(path: str | Path, table: Table, *, delimiter: str = ",") -> Path:
    """Write a table as CSV (or TSV with ``delimiter="\\t"``) atomically; returns the path."""
    write_text_atomic(path, _csv_text(table, delimiter))
    return Path(path)


def _quant_cells(q: LineQuant | None) -> tuple[Cell, ...]:
    """RSF, RSF*T*MFP, corrected area and %At Conc of a report row (empty without a factor)."""
    return (None,) * 4 if q is None else (q.rsf, q.total_factor, q.corrected, q.percent)


def report_text(results: Sequence[ProfileResult], quant: QuantSettings | None = None) -> str:
    """A CasaXPS-style tab-separated report: one block per spectrum, one row per line with
    position, FWHM, area, % of the region's area and CasaXPS's peak-table quantities (RSF,
    RSF*T*MFP, Area/(RSF*T*MFP), %At Conc of the level, from :func:`line_quant` with
    ``quant``; empty for a region without a sensitivity factor), then the fit statistics
    (chi-square, reduced chi-square, status and the channel weights they were computed
    with)."""
    shares = {q.key: q for q in line_quant(results, quant)}
    lines: list[str] = []
    for sf in _fits(results):
        lines.append("\t".join(("Sample", sf.sample, "Region", sf.region, "Level", str(sf.level))))
        lines.append(
            "\t".join(
                ("Etch time (s)", format_cell(sf.etch_time), "Depth (nm)", format_cell(sf.depth))
            )
        )
        res = sf.result
        if res is None:
            issue = sf.issue
            lines.append(
                "Status\t"
                + sf.status
                + ("" if issue is None else f"\t{issue.code}\t{issue.message}")
            )
            lines.append("")
            continue
        total = sum(ln.area.value for ln in res.lines) or 1.0
        lines.append("Name\tSpecies\tLine shape\tPosition (eV)\tFWHM (eV)\tArea\t%Area\t"
                     "RSF\tRSF*T*MFP\tArea/(RSF*T*MFP)\t%At Conc")  # fmt: skip
        for ln in res.lines:
            q = shares.get((sf.sample, sf.level, sf.region, ln.component, ln.role))
            cells = (
                ln.label or ln.component,
                ln.species,
                ln.lineshape,
                ln.center.value,
                ln.fwhm.value,
                ln.area.value,
                100.0 * ln.area.value / total,
                *_quant_cells(q),
            )
            lines.append("\t".join(format_cell(c) for c in cells))
        if not res.lines:  # a region fitted without components: its integral
            whole = region_integral(res)
            q = shares.get((sf.sample, sf.level, sf.region, "", "single"))
            cells = ("integration region", "", "", whole.position, whole.fwhm, whole.area.value,
                     100.0, *_quant_cells(q))  # fmt: skip
            lines.append("\t".join(format_cell(c) for c in cells))
        for name, est in res.fractions.items():
            lines.append(
                "\t".join(("Fraction", name, format_cell(est.value), format_cell(est.stderr)))
            )
        lines.append(
            "\t".join(
                (
                    "Chi-square",
                    format_cell(res.chisqr),
                    "Reduced",
                    format_cell(res.redchi),
                    "Status",
                    res.status,
                    "Weights",
                    res.weights,
                )
            )
        )
        lines.append("")
    return "\n".join(lines) + "\n"


def write_workbook(
    path: str | Path,
    sheets: Sequence[tuple[str, Table]],
    curves: Sequence[tuple[str, Table]] = (),
) -> Path:
    """One XLSX workbook: each named table on its own sheet, then one sheet per curve table
    (``C0001``...) listed on a ``curves`` index sheet. Numbers stay numbers; written
    atomically with fixed document dates so equal inputs give equal bytes."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "nan_inf_to_errors": True})
    book.set_properties({"created": _FIXED_DATE, "title": "xpsfit depth profile"})
    for name, table in sheets:
        _sheet(book, name[:31], table)
    if curves:
        index_rows: list[tuple[Cell, ...]] = []
        for i, (stem, table) in enumerate(curves, start=1):
            sheet = f"C{i:04d}"
            index_rows.append((sheet, stem))
            _sheet(book, sheet, table)
        _sheet(book, "curves", (("sheet", "spectrum"), index_rows))
    book.close()
    write_bytes_atomic(path, buf.getvalue())
    return Path(path)


def _sheet(book: xlsxwriter.Workbook, name: str, table: Table) -> None:
    sheet = book.add_worksheet(name)
    header, rows = table
    sheet.write_row(0, 0, list(header))
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.write_number(r, c, float(value))
            else:
                sheet.write_string(r, c, str(value))
