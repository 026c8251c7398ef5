"""``xpsfit fit FILE --template T.json [--region R] [--out DIR]``: fit and write a table.

Every spectrum of FILE whose region matches (``--region``, else the template's region) is
fitted with the template; the table ``<FILE stem>_fit.csv`` in DIR (default: the current
folder) has one row per drawn line: spectrum, region, component, species, center, center_err,
fwhm, fwhm_err, area, area_err, status. Errors that were not estimated are empty cells.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
from pathlib import Path
from typing import Any

from xpsfit.atomic import write_text_atomic
from xpsfit.errors import FitError
from xpsfit.fitting import fit
from xpsfit.io import read
from xpsfit.reference import normalize_region
from xpsfit.result import Estimate, FitResult
from xpsfit.spectrum import Spectrum
from xpsfit.templates import apply_template, load_template

__all__ = ["COLUMNS", "fit_table_rows", "register", "run"]

log = logging.getLogger(__name__)

#: Columns of the fit table.
COLUMNS = (
    "spectrum", "region", "component", "species", "center", "center_err",
    "fwhm", "fwhm_err", "area", "area_err", "status",
)  # fmt: skip


def register(subparsers: Any) -> None:
    """Add the ``fit`` sub-command to the ``xpsfit`` parser."""
    parser = subparsers.add_parser("fit", help="fit spectra of a file with a template")
    parser.add_argument("file", help="instrument file")
    parser.add_argument("--template", required=True, help="template JSON file")
    parser.add_argument("--region", help="fit spectra of this region (default: the template's)")
    parser.add_argument("--out", default=".", help="folder for the fit table (default: .)")
    parser.set_defaults(func=run)


def _err(est: Estimate) -> str:
    return "" if est.stderr is None else f"{est.stderr:.6g}"


def fit_table_rows(result: FitResult, region: str) -> list[dict[str, str]]:
    """One table row per line of a fit result."""
    return [
        {
            "spectrum": result.spectrum_label,
            "region": region,
            "component": ln.label,
            "species": ln.species,
            "center": f"{ln.center.value:.6g}",
            "center_err": _err(ln.center),
            "fwhm": f"{ln.fwhm.value:.6g}",
            "fwhm_err": _err(ln.fwhm),
            "area": f"{ln.area.value:.6g}",
            "area_err": _err(ln.area),
            "status": result.status,
        }
        for ln in result.lines
    ]


def _select(spectra: list[Spectrum], region: str, source: str) -> list[Spectrum]:
    want = normalize_region(region)
    chosen = [s for s in spectra if not want or normalize_region(s.region).startswith(want)]
    if not chosen:
        found = ", ".join(sorted({s.region or "?" for s in spectra})) or "none"
        raise FitError(f"{source}: no spectrum of region {region!r} (regions: {found})")
    return chosen


def run(args: argparse.Namespace) -> int:
    """Handle ``xpsfit fit``; returns the exit code."""
    template = load_template(args.template)
    spectra = _select(read(args.file), args.region or template.spec.region, args.file)
    rows: list[dict[str, str]] = []
    for spectrum in spectra:
        result = fit(spectrum, apply_template(template, spectrum))
        log.info("%s: %s (%s)", spectrum.label, result.status, result.message)
        rows += fit_table_rows(result, spectrum.region)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{Path(args.file).stem}_fit.csv"
    write_text_atomic(target, buf.getvalue())
    log.info("wrote %s", target)
    return 0
