"""Exports from the GUI: every depth-profile table and plot through :mod:`xpsfit.export` and
:mod:`xpsfit.plots`, the current fit's curves, and the spectrum view as an image."""

from __future__ import annotations

from pathlib import Path

import pyqtgraph.exporters as pg_exporters

from xpsfit import export
from xpsfit.errors import XpsfitError
from xpsfit.plots import plot_fraction_vs_depth, plot_intensity_map, plot_stacked_spectra
from xpsfit.quantify import atomic_rows, fraction_rows
from xpsfit_ui.document import Document
from xpsfit_ui.profile_data import profile_results

#: Table exports: key -> (menu text, file filter).
TABLES: dict[str, tuple[str, str]] = {
    "fractions": ("Fraction table", "CSV (*.csv);;TSV (*.tsv)"),
    "fractions_wide": ("Fraction table (wide, for Origin/Excel)", "CSV (*.csv);;TSV (*.tsv)"),
    "fits": ("Fit table", "CSV (*.csv);;TSV (*.tsv)"),
    "atomic": ("Atomic % table", "CSV (*.csv);;TSV (*.tsv)"),
    "report": ("CasaXPS-style report", "TSV (*.tsv)"),
    "workbook": ("Workbook with every table", "Excel (*.xlsx)"),
    "curves": ("Current fit curves", "CSV (*.csv);;TSV (*.tsv)"),
}


def _table(doc: Document, key: str) -> export.Table:
    results = profile_results(doc)
    if key == "fractions":
        return export.fraction_table(fraction_rows(results))
    if key == "fractions_wide":
        return export.fraction_wide_table(fraction_rows(results))
    if key == "fits":
        return export.fit_table(results)
    if key == "atomic":
        return export.atomic_table(atomic_rows(results))
    raise KeyError(key)


def _current_curves(doc: Document) -> export.Table:
    sid = doc.current
    for pr in profile_results(doc):
        for sf in pr.fits:
            if sf.spectrum is doc.spectrum(sid):
                return dict(export.curve_tables([pr]))[export.curve_name(sf)]
    raise XpsfitError("the current spectrum has no fit (or no etch level) to export")


def export_table(doc: Document, key: str, path: str | Path) -> Path:
    """Write one table export (the delimiter follows the extension: ``.tsv`` is tab-separated).

    Raises
    ------
    XpsfitError
        Nothing fitted, or no sensitivity factor for a region (atomic %).
    """
    p = Path(path)
    if not profile_results(doc):
        raise XpsfitError("no fitted depth-profile spectra to export yet")
    if key == "report":
        from xpsfit.atomic import write_text_atomic

        write_text_atomic(p, export.report_text(profile_results(doc)))
        return p
    if key == "workbook":
        results = profile_results(doc)
        sheets = [("fits", export.fit_table(results)),
                  ("fractions", export.fraction_table(fraction_rows(results))),
                  ("fractions_wide", export.fraction_wide_table(fraction_rows(results)))]  # fmt: skip
        return export.write_workbook(p, sheets, export.curve_tables(results))
    table = _current_curves(doc) if key == "curves" else _table(doc, key)
    return export.write_csv(p, table, delimiter="\t" if p.suffix.lower() == ".tsv" else ",")


def export_profile_plots(
    doc: Document, region: str, fraction: str, folder: str | Path
) -> list[Path]:
    """Fraction vs depth, stacked spectra and BE x depth map of ``region`` as PNG and SVG."""
    out = Path(folder)
    results = profile_results(doc)
    if not results:
        raise XpsfitError("no fitted depth-profile spectra to plot yet")
    safe = region.replace(" ", "_")
    written = plot_fraction_vs_depth(fraction_rows(results), results, fraction,
                                     out / f"fraction_{safe}", region=region)  # fmt: skip
    for pr in results:
        sample = pr.sample.replace(" ", "_")
        written += plot_stacked_spectra(pr, region, out / f"stacked_{sample}_{safe}")
        written += plot_intensity_map(pr, region, out / f"map_{sample}_{safe}")
    return written


def export_view_image(plot_item: object, path: str | Path) -> Path:
    """The spectrum or profile plot as PNG or SVG (by extension)."""
    p = Path(path)
    exporter_cls = (
        pg_exporters.SVGExporter if p.suffix.lower() == ".svg" else pg_exporters.ImageExporter
    )
    exporter_cls(plot_item).export(str(p))
    return p
