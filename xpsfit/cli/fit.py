"""``xpsfit fit FILE [--template T.json] [--region R] [--weights W] [--out DIR]``: fit spectra.

Every spectrum of FILE whose region matches (``--region``, else the template's region) is
fitted with the template, or with the region's default template when no ``--template`` is
given; the table ``<FILE stem>_fit.csv`` in DIR (default: the current folder) has one row per
drawn line: spectrum, region, component, species, center, center_err, fwhm, fwhm_err, area,
area_err, status (full float precision). Errors that were not estimated are empty cells. A
spectrum that cannot be fitted gets one row with status ``failed: <reason>`` and the others
are still fitted. ``--weights uniform`` fits with equal weights instead of Poisson ones (for
data that are not counts, e.g. background-subtracted exports with negative intensities).
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
from pathlib import Path
from typing import Any

from xpsfit.atomic import write_text_atomic
from xpsfit.errors import FitError, SpecError, XpsfitError
from xpsfit.fitting import fit
from xpsfit.io import read
from xpsfit.reference import normalize_region
from xpsfit.result import Estimate, FitResult
from xpsfit.spectrum import Spectrum
from xpsfit.templates import Template, apply_template, default_template, load_template

__all__ = ["COLUMNS", "add_weights_option", "fit_table_rows", "register", "run"]

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
    parser.add_argument("--template", help="template JSON file (default: the region's default)")
    parser.add_argument(
        "--region", help="fit spectra of this region (default: the template's region)"
    )
    add_weights_option(parser)
    parser.add_argument("--out", default=".", help="folder for the fit table (default: .)")
    parser.set_defaults(func=run)


def add_weights_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--weights {poisson,uniform}`` (see :func:`xpsfit.fitting.fit`) to a command."""
    parser.add_argument(
        "--weights",
        choices=("poisson", "uniform"),
        default="poisson",
        help="channel weights: poisson (counts, the default) or uniform (data that are not "
        "counts, e.g. background-subtracted with negative intensities)",
    )


def _num(value: float) -> str:
    return repr(float(value))


def _err(est: Estimate) -> str:
    return "" if est.stderr is None else _num(est.stderr)


def fit_table_rows(result: FitResult, region: str, name: str | None = None) -> list[dict[str, str]]:
    """One table row per line of a fit result (``name`` defaults to the result's label)."""
    return [
        {
            "spectrum": name or result.spectrum_label,
            "region": region,
            "component": ln.label,
            "species": ln.species,
            "center": _num(ln.center.value),
            "center_err": _err(ln.center),
            "fwhm": _num(ln.fwhm.value),
            "fwhm_err": _err(ln.fwhm),
            "area": _num(ln.area.value),
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


def _template(args: argparse.Namespace) -> Template:
    if args.template:
        return load_template(args.template)
    if not args.region:
        raise SpecError("give --template T.json or --region R (to use the region's default)")
    return Template(default_template(args.region), name=args.region)


def _failed_row(spectrum: Spectrum, reason: str) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS, "")
    row.update(spectrum=spectrum.full_label, region=spectrum.region, status=f"failed: {reason}")
    return row


def run(args: argparse.Namespace) -> int:
    """Handle ``xpsfit fit``; returns the exit code."""
    template = _template(args)
    spectra = _select(read(args.file), args.region or template.spec.region, args.file)
    rows: list[dict[str, str]] = []
    for spectrum in spectra:
        name = spectrum.full_label
        try:
            result = fit(spectrum, apply_template(template, spectrum), weights=args.weights)
        except XpsfitError as exc:
            log.warning("%s: not fitted: %s", name, exc)
            rows.append(_failed_row(spectrum, str(exc)))
            continue
        log.info("%s: %s (%s)", name, result.status, result.message)
        rows += fit_table_rows(result, spectrum.region, name)
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
