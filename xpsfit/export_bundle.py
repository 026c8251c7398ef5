"""Every output of a fitted depth profile in one folder.

``fits.csv``, ``fractions.csv`` (long form), ``fractions_wide.csv``, ``atomic_percent.csv``,
``report.tsv``, ``profile.xlsx`` (all of these plus the curves), ``curves/<spectrum>.csv``,
any extra table (e.g. ``sensitivity.csv``, also a sheet of the workbook) and ``plots/``
(fraction against depth per fraction, stacked spectra and a binding energy x depth map per
sample and region, each as PNG and SVG). Each file is written atomically; the same inputs
give byte-identical files.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from xpsfit.atomic import write_text_atomic
from xpsfit.export import (
    Table,
    atomic_table,
    curve_tables,
    fit_table,
    fraction_table,
    fraction_wide_table,
    peak_table,
    report_text,
    write_csv,
    write_workbook,
)
from xpsfit.plots import plot_fraction_vs_depth, plot_intensity_map, plot_stacked_spectra
from xpsfit.profile_result import ProfileResult
from xpsfit.quantify import (
    AtomicRow,
    FractionRow,
    QuantSettings,
    atomic_rows,
    fraction_rows,
    line_quant,
    missing_sensitivity,
)

__all__ = ["write_bundle"]

log = logging.getLogger(__name__)


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "+-." else "_" for c in text).strip("_")


def _atomic(results: Sequence[ProfileResult], settings: QuantSettings) -> list[AtomicRow]:
    missing = missing_sensitivity(results, settings)
    if missing:
        log.warning(
            "atomic %% leaves out %s: no sensitivity factor (give one as a user RSF)",
            ", ".join(missing),
        )
    return atomic_rows(results, settings, exclude=missing)


def write_bundle(
    out: str | Path,
    results: Sequence[ProfileResult],
    *,
    quant: QuantSettings | None = None,
    plots: bool = True,
    extra: Sequence[tuple[str, Table]] = (),
) -> list[Path]:
    """Write every table, curve and plot of ``results`` into ``out``; returns the paths.

    Atomic percentages leave out regions without a sensitivity factor, with a logged
    warning naming them (fractions do not need factors). Each ``(name, table)`` of
    ``extra`` is written as ``<name>.csv`` and as a sheet of ``profile.xlsx`` after the
    standard ones.
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    fr_rows = fraction_rows(results)
    quant = quant or QuantSettings()
    at_rows = _atomic(results, quant)
    tables = [
        ("fits", fit_table(results)),
        ("fractions", fraction_table(fr_rows)),
        ("fractions_wide", fraction_wide_table(fr_rows)),
        ("atomic_percent", atomic_table(at_rows)),
        ("peak_table", peak_table(line_quant(results, quant))),
        *extra,
    ]
    paths = [write_csv(folder / f"{name}.csv", table) for name, table in tables]
    report = folder / "report.tsv"
    write_text_atomic(report, report_text(results, quant))
    paths.append(report)
    curves = curve_tables(results)
    for stem, table in curves:
        paths.append(write_csv(folder / "curves" / f"{stem}.csv", table))
    paths.append(write_workbook(folder / "profile.xlsx", tables, curves))
    if plots:
        paths += _plots(folder / "plots", results, fr_rows)
    return paths


def _plots(folder: Path, results: Sequence[ProfileResult], rows: list[FractionRow]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for region, fraction in dict.fromkeys((r.region, r.fraction) for r in rows):
        stem = folder / f"fraction_{_safe(region)}_{_safe(fraction)}"
        paths += plot_fraction_vs_depth(rows, results, fraction, stem, region=region)
    for pr in results:
        for region in pr.regions():
            if sum(f.result is not None for f in pr.region_fits(region)) < 2:
                continue
            base = f"{_safe(pr.sample)}_{_safe(region)}"
            paths += plot_stacked_spectra(pr, region, folder / f"stacked_{base}")
            paths += plot_intensity_map(pr, region, folder / f"map_{base}")
    return paths
