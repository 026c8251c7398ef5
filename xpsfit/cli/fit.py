"""``xpsfit fit FILE [--template T.json | --casaxps] [--region R] [--weights W] [--charge-shift
EV | --charge-reference REGION [--charge-energy EV]] [--out DIR]``: fit spectra.

Every spectrum of FILE whose region matches (``--region``, else the template's region) is
fitted with the template, or with the region's default template when no ``--template`` is
given; with ``--casaxps``, every spectrum (of ``--region``, when given) with the CasaXPS fit
stored with it in the file (a VAMAS file processed in CasaXPS), its regions, components,
constraints and background as CasaXPS defines them. The table ``<FILE stem>_fit.csv`` in DIR
(default: the current folder) has one row per drawn line: spectrum, region, component,
species, center, center_err, fwhm, fwhm_err, area, area_err, status (full float precision).
Errors that were not estimated are empty cells. A spectrum that cannot be fitted gets one row
with status ``failed: <reason>`` and the others are still fitted. ``--weights uniform`` fits
with equal weights instead of Poisson ones (for data that are not counts, e.g.
background-subtracted exports with negative intensities).

Charge correction before the fit: ``--charge-shift EV`` adds a fixed shift to every binding
energy; ``--charge-reference REGION`` shifts each spectrum so that the reference peak of
REGION (the spectrum of that region of the same sample and etch level, or the file's only one)
sits at ``--charge-energy`` (default 284.8 eV, adventitious C 1s). The shift applied is
logged (``-v``) and the fitted centers are on the corrected scale.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
from pathlib import Path
from typing import Any

from xpsfit.atomic import write_text_atomic
from xpsfit.energy import ADVENTITIOUS_CARBON_EV, charge_correct
from xpsfit.errors import FitError, SpecError, XpsfitError
from xpsfit.fitting import fit
from xpsfit.io import read
from xpsfit.io.casa import fit_spec_from_spectrum
from xpsfit.physics_checks import result_warnings
from xpsfit.reference import load_library, normalize_region
from xpsfit.result import Estimate, FitResult
from xpsfit.spec import FitSpec
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
    model = parser.add_mutually_exclusive_group()
    model.add_argument("--template", help="template JSON file (default: the region's default)")
    model.add_argument(
        "--casaxps",
        action="store_true",
        help="fit each spectrum with the CasaXPS fit stored with it in the file",
    )
    parser.add_argument(
        "--region", help="fit spectra of this region (default: the template's region)"
    )
    add_weights_option(parser)
    charge = parser.add_mutually_exclusive_group()
    charge.add_argument(
        "--charge-shift", type=float, help="add this shift to every binding energy, eV"
    )
    charge.add_argument(
        "--charge-reference",
        metavar="REGION",
        help="shift each spectrum so that this region's peak sits at --charge-energy",
    )
    parser.add_argument(
        "--charge-energy",
        type=float,
        default=ADVENTITIOUS_CARBON_EV,
        help=f"reference peak energy, eV (default {ADVENTITIOUS_CARBON_EV})",
    )
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


def _reference_for(spectrum: Spectrum, refs: list[Spectrum], region: str) -> Spectrum:
    """The reference spectrum of ``spectrum``: the one of its sample and etch level, else the
    only one there is."""
    same = [
        r
        for r in refs
        if (r.sample, r.etch_level, r.etch_time)
        == (spectrum.sample, spectrum.etch_level, spectrum.etch_time)
    ]
    if len(same) == 1:
        return same[0]
    if len(refs) == 1:
        return refs[0]
    raise FitError(
        f"{spectrum.full_label}: {len(same) or len(refs)} {region} spectra could be its charge "
        "reference (none of its sample and etch level alone); use --charge-shift"
    )


def _references(everything: list[Spectrum], args: argparse.Namespace) -> list[Spectrum]:
    """The spectra of the ``--charge-reference`` region in the file (none asked: empty)."""
    if not args.charge_reference:
        return []
    want = normalize_region(args.charge_reference)
    refs = [s for s in everything if want and normalize_region(s.region).startswith(want)]
    if not refs:
        raise FitError(f"{args.file}: no {args.charge_reference} spectrum for charge correction")
    return refs


def _charge_corrected(
    spectrum: Spectrum, refs: list[Spectrum], args: argparse.Namespace
) -> Spectrum:
    """``spectrum`` shifted as ``--charge-shift`` / ``--charge-reference`` ask."""
    if args.charge_shift is not None:
        return charge_correct([spectrum], shift=args.charge_shift)[0][0]
    if not refs:
        return spectrum
    ref = _reference_for(spectrum, refs, args.charge_reference)
    shifted, shift = charge_correct([spectrum], reference=ref, reference_energy=args.charge_energy)
    log.info("%s: charge shift %+.3f eV from %s", spectrum.full_label, shift, ref.full_label)
    return shifted[0]


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


def _spec_for(spectrum: Spectrum, template: Template | None) -> FitSpec:
    """The template applied to the spectrum, or (``--casaxps``) its stored CasaXPS fit."""
    if template is not None:
        return apply_template(template, spectrum)
    spec = fit_spec_from_spectrum(spectrum)
    if spec is None or not spec.components:
        raise SpecError("no CasaXPS fit (regions and components) is stored with the spectrum")
    return spec


def run(args: argparse.Namespace) -> int:
    """Handle ``xpsfit fit``; returns the exit code."""
    template = None if args.casaxps else _template(args)
    everything = read(args.file)
    region = args.region or ("" if template is None else template.spec.region)
    spectra = _select(everything, region, args.file)
    refs = _references(everything, args)
    rows: list[dict[str, str]] = []
    library = load_library()
    for spectrum in spectra:
        name = spectrum.full_label
        try:
            spectrum = _charge_corrected(spectrum, refs, args)
            result = fit(spectrum, _spec_for(spectrum, template), weights=args.weights)
        except XpsfitError as exc:
            log.warning("%s: not fitted: %s", name, exc)
            rows.append(_failed_row(spectrum, str(exc)))
            continue
        log.info("%s: %s (%s)", name, result.status, result.message)
        for w in result_warnings(result, library):
            log.warning("%s: %s", name, w)
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
