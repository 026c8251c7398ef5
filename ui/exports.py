"""Exports from the GUI: every depth-profile table and plot through :mod:`xpsfit.export` and
:mod:`xpsfit.plots`, the current fit's curves, the spectra with their fits as VAMAS for
CasaXPS (:mod:`xpsfit.io.vamas_write`), and the spectrum view as an image."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyqtgraph.exporters as pg_exporters

from xpsfit import export
from xpsfit.errors import SpecError, XpsfitError
from xpsfit.io.vamas_write import format_vamas, write_vamas
from xpsfit.plots import plot_fraction_vs_depth, plot_intensity_map, plot_stacked_spectra
from xpsfit.profile_result import ProfileResult
from xpsfit.quantify import AtomicRow, atomic_rows, fraction_rows, line_quant
from xpsfit.rsf import sensitivity_factor
from xpsfit.spec import FitSpec
from xpsfit.spectrum import Spectrum
from xpsfit_ui.document import Document
from xpsfit_ui.profile_data import profile_results, quant_settings

#: Table exports: key -> (menu text, file filter).
TABLES: dict[str, tuple[str, str]] = {
    "fractions": ("Fraction table", "CSV (*.csv);;TSV (*.tsv)"),
    "fractions_wide": ("Fraction table (wide, for Origin/Excel)", "CSV (*.csv);;TSV (*.tsv)"),
    "fits": ("Fit table", "CSV (*.csv);;TSV (*.tsv)"),
    "atomic": ("Atomic % table", "CSV (*.csv);;TSV (*.tsv)"),
    "peak": ("Peak table (atomic % per line, as CasaXPS)", "CSV (*.csv);;TSV (*.tsv)"),
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
        return export.atomic_table(_atomic(doc, results))
    if key == "peak":
        return export.peak_table(line_quant(results, quant_settings(doc.project.settings)))
    raise KeyError(key)


def _atomic(doc: Document, results: Sequence[ProfileResult]) -> list[AtomicRow]:
    """Atomic % with the project's settings; a region without a factor is an error that
    says where to give one."""
    try:
        return atomic_rows(results, quant_settings(doc.project.settings))
    except SpecError as exc:
        raise XpsfitError(f"{exc.message} (Tools > Quantification settings...)") from None


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

        quant = quant_settings(doc.project.settings)
        write_text_atomic(p, export.report_text(profile_results(doc), quant))
        return p
    if key == "workbook":
        results = profile_results(doc)
        sheets = [("fits", export.fit_table(results)),
                  ("fractions", export.fraction_table(fraction_rows(results))),
                  ("fractions_wide", export.fraction_wide_table(fraction_rows(results)))]  # fmt: skip
        with contextlib.suppress(XpsfitError):  # only when every region has a factor
            sheets.append(("atomic_percent", export.atomic_table(_atomic(doc, results))))
            quant = quant_settings(doc.project.settings)
            sheets.append(("peak_table", export.peak_table(line_quant(results, quant))))
        return export.write_workbook(p, sheets, export.curve_tables(results))
    table = _current_curves(doc) if key == "curves" else _table(doc, key)
    return export.write_csv(p, table, delimiter="\t" if p.suffix.lower() == ".tsv" else ",")


@dataclass(frozen=True)
class VamasExport:
    """What :func:`export_vamas` wrote.

    Parameters
    ----------
    path
        The VAMAS file.
    spectra
        Number of spectra (blocks) written.
    fits
        Number of those written with their fit.
    skipped
        ``"<spectrum label>: <reason>"`` for each fit CasaXPS cannot express (its spectrum is
        written without the fit).
    """

    path: Path
    spectra: int
    fits: int
    skipped: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.path} ({self.spectra} spectra, {self.fits} with their fit)"


def vamas_scope(doc: Document, sids: Sequence[str]) -> list[str]:
    """Ids of every spectrum of the samples holding ``sids`` (all spectra when empty), in
    document order."""
    if not sids:
        return doc.ids()
    samples = {doc.spectrum(sid).sample for sid in sids}
    return [sid for sid in doc.ids() if doc.spectrum(sid).sample in samples]


def _casa_problem(spectrum: Spectrum, spec: FitSpec) -> str | None:
    """Why CasaXPS cannot hold this fit, or ``None`` when it can."""
    try:
        format_vamas([spectrum], fits={0: spec})
    except SpecError as exc:
        return str(exc)
    return None


def _factors(
    doc: Document, spectra: Sequence[Spectrum], fits: Mapping[int, FitSpec]
) -> dict[int, float]:
    """The sensitivity factor of each fitted spectrum with the project's settings, written
    with its CasaXPS region so that CasaXPS quantifies as xpsfit does (none: CasaXPS's 1)."""
    try:
        settings = quant_settings(doc.project.settings)
    except SpecError:
        return {}
    out = {}
    for i in fits:
        with contextlib.suppress(SpecError):
            out[i] = sensitivity_factor(spectra[i], settings)
    return out


def export_vamas(doc: Document, path: str | Path, sids: Sequence[str] = ()) -> VamasExport:
    """Write spectra and their fits to a VAMAS file CasaXPS opens (atomically).

    Parameters
    ----------
    doc
        The document.
    path
        Destination ``.vms`` file.
    sids
        Selected spectra: every spectrum of their samples is written (all spectra when
        empty). A spectrum with a stored fit carries that fit's specification
        (``FitResult.spec``: fitted values, binding energies in eV) as CasaXPS regions and
        components; fits CasaXPS cannot express are left out and listed in ``skipped``.

    Raises
    ------
    XpsfitError
        Nothing to write.
    """
    chosen = vamas_scope(doc, sids)
    if not chosen:
        raise XpsfitError("no spectra to export")
    spectra = [doc.spectrum(sid) for sid in chosen]
    fits: dict[int, FitSpec] = {}
    for i, sid in enumerate(chosen):
        res = doc.result(sid)
        if res is not None:
            fits[i] = res.spec
    rsf = _factors(doc, spectra, fits)
    skipped: list[str] = []
    try:
        write_vamas(path, spectra, fits=fits, rsf=rsf)
    except SpecError:
        for i in list(fits):
            problem = _casa_problem(spectra[i], fits[i])
            if problem is not None:
                skipped.append(f"{spectra[i].label}: {problem}")
                del fits[i]
        write_vamas(path, spectra, fits=fits, rsf=rsf)
    return VamasExport(Path(path), len(spectra), len(fits), tuple(skipped))


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
