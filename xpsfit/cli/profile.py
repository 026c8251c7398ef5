"""``xpsfit profile FILE... --out DIR``: fit depth profiles and write every table and plot.

Spectra of all files are grouped by sample into depth profiles (etch level and time from the
files); each region is fitted at every level with its template (``--casaxps``: the CasaXPS
fit stored with the region's shallowest spectrum that has one; else ``--template``, else the
library's default template of the region). Writes into DIR: ``fits.csv``, ``fractions.csv``,
``fractions_wide.csv``, ``atomic_percent.csv``, ``peak_table.csv`` (each line's RSF*T*MFP,
corrected area and atomic % of its level), ``report.tsv``, ``profile.xlsx``,
``curves/``, ``plots/`` and ``run.json`` (inputs with SHA-256 hashes, versions, templates and
options, enough to reproduce the run). A progress bar goes to stderr. ``--weights uniform``
fits with equal weights instead of Poisson ones, for data that are not counts (e.g.
background-subtracted exports, whose negative intensities are otherwise refused).
Atomic % use the Scofield table unless ``--rsf LABEL=VALUE`` (region or element) or
``--casaxps-rsf`` (the RSF CasaXPS stored with each spectrum) say otherwise;
``--ke-exponent``, ``--no-transmission`` and ``--xray-source`` set the corrections
(:mod:`xpsfit.quantify`); ``run.json`` records them.

With ``--sensitivity`` every region whose template defines a fraction is refitted once per
alternative model a referee asks about (line shape GL(30) / Voigt / LA; static Shirley,
active Shirley or Tougaard background; doublet widths tied 1:1 or free, for regions with
doublets only) and ``sensitivity.csv`` (also a ``sensitivity`` sheet of ``profile.xlsx``)
gives per sample, region, level and fraction the value and its statistical error, the
systematic error (max - min over the variants that fitted), their standard deviation and
each variant's value. A second progress bar counts the refits.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import platform
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import scipy

from xpsfit import __version__
from xpsfit.atomic import write_text_atomic
from xpsfit.cli.fit import add_weights_option
from xpsfit.cli.progress import ProgressBar
from xpsfit.cli.quant import add_quant_options, quant_settings
from xpsfit.errors import SpecError, XpsfitError
from xpsfit.export import Table
from xpsfit.export_bundle import write_bundle
from xpsfit.expressions import names as expression_names
from xpsfit.io import read
from xpsfit.io.casa import fit_spec_from_spectrum
from xpsfit.physics_checks import grouped_advice
from xpsfit.profile import DepthProfile, DepthScale, group_by_sample
from xpsfit.profile_fit import ChargeCorrection, fit_profiles
from xpsfit.profile_result import ProfileResult
from xpsfit.quant_settings import QuantSettings
from xpsfit.reference import normalize_region
from xpsfit.sensitivity import DEFAULT_VARIANTS, model_sensitivity
from xpsfit.sensitivity_table import sensitivity_table
from xpsfit.spec import FitSpec, FractionDef
from xpsfit.specjson import spec_to_dict
from xpsfit.spectrum import Spectrum
from xpsfit.template_library import default_template
from xpsfit.templates import load_template

__all__ = ["register", "run"]

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add the ``profile`` sub-command to the ``xpsfit`` parser."""
    p = subparsers.add_parser("profile", help="fit depth profiles and export tables and plots")
    p.add_argument("files", nargs="+", metavar="FILE", help="instrument files")
    p.add_argument("--region", action="append", default=[], help="fit only this region (repeat)")
    p.add_argument("--template", action="append", default=[], help="template JSON (repeat)")
    p.add_argument(
        "--casaxps",
        action="store_true",
        help="fit each region with the CasaXPS fit stored with its shallowest spectrum that "
        "has one (other regions: --template or the library's)",
    )
    p.add_argument(
        "--fraction",
        action="append",
        default=[],
        metavar="EXPR",
        help="extra fraction over species, e.g. 'Co2+ / (Co2+ + Co3+)' (repeat)",
    )
    p.add_argument("--sputter-rate", help="depth from etch time, e.g. 0.1nm/s or 6nm/min")
    p.add_argument("--reference-material", default="", help="film the sputter rate was set on")
    p.add_argument("--seed", choices=("previous", "template", "global"), default="previous")
    p.add_argument(
        "--charge-reference",
        metavar="REGION",
        help="shift all levels so this region's peak sits at --charge-energy",
    )
    p.add_argument("--charge-energy", type=float, default=284.8, help="reference energy, eV")
    p.add_argument("--charge-shift", type=float, help="fixed shift for every spectrum, eV")
    p.add_argument("--mc", type=int, default=0, metavar="N", help="Monte Carlo replicas")
    add_weights_option(p)
    add_quant_options(p)
    p.add_argument("--jobs", type=int, default=None, metavar="N", help="processes (default all)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG/SVG plots")
    p.add_argument(
        "--sensitivity",
        action="store_true",
        help="refit with alternative line shapes, backgrounds and doublet widths; "
        "write the spread of each fraction to sensitivity.csv",
    )
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=run)


def _templates(args: argparse.Namespace, spectra: list[Spectrum]) -> dict[str, FitSpec]:
    given = {}
    for path in args.template:
        spec = load_template(path).spec
        given[normalize_region(spec.region)] = spec
    wanted = {normalize_region(r) for r in args.region}
    stored = _casaxps_templates(spectra) if args.casaxps else {}
    out: dict[str, FitSpec] = {}
    for region in dict.fromkeys(s.region for s in spectra):
        key = normalize_region(region)
        if wanted and key not in wanted:
            continue
        if region in stored:
            out[region] = stored[region]
            continue
        if key in given:
            out[region] = given[key]
            continue
        try:
            out[region] = default_template(region)
        except SpecError as exc:
            log.warning("region %s is not fitted: %s", region, exc)
    for expr in args.fraction:
        used = expression_names(expr)
        hits = [r for r, s in out.items() if used <= set(s.species())]
        if not hits:
            raise SpecError(f"fraction {expr!r}: no fitted region has species {sorted(used)}")
        for region in hits:
            out[region] = replace(
                out[region], fractions=(*out[region].fractions, FractionDef(expr, expr))
            )
    return out


def _casaxps_templates(spectra: list[Spectrum]) -> dict[str, FitSpec]:
    """Per region, the CasaXPS fit stored with its shallowest spectrum that has one (with
    components); unreadable stored fits are logged and skipped."""
    out: dict[str, FitSpec] = {}
    for spectrum in sorted(spectra, key=lambda s: s.etch_level or 0):
        if spectrum.region in out:
            continue
        try:
            spec = fit_spec_from_spectrum(spectrum)
        except XpsfitError as exc:
            log.warning("%s: CasaXPS fit not readable: %s", spectrum.full_label, exc)
            continue
        if spec is not None and spec.components:
            out[spectrum.region] = spec
    return out


def _sensitivity(
    args: argparse.Namespace,
    profiles: list[DepthProfile],
    templates: dict[str, FitSpec],
    charge: ChargeCorrection,
    results: list[ProfileResult],
) -> list[tuple[str, Table]]:
    """The ``sensitivity`` table (empty with a warning when no template has a fraction)."""
    if not any(s.fractions for s in templates.values()):
        log.warning("--sensitivity: no fitted region defines a fraction; nothing to refit")
    else:
        sys.stderr.write(f"model sensitivity: refitting with {len(DEFAULT_VARIANTS)} variants\n")
    rows = model_sensitivity(
        profiles,
        templates,
        seed=args.seed,
        charge_correction=charge,
        base=results,
        jobs=args.jobs,
        progress=ProgressBar("refits"),
        weights=args.weights,
    )
    failed = sum(v is None for r in rows for v in r.values.values())
    if failed:
        log.warning("--sensitivity: %d variant refits gave no usable fit (empty cells)", failed)
    return [("sensitivity", sensitivity_table(rows))]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _run_record(args: argparse.Namespace, templates: dict[str, FitSpec], scale: DepthScale,
                charge: ChargeCorrection, quant: QuantSettings) -> dict[str, Any]:  # fmt: skip
    return {
        "command": "profile",
        "inputs": [{"path": str(Path(f)), "sha256": _sha256(Path(f))} for f in args.files],
        "versions": {
            "xpsfit": __version__,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
        },
        "templates": {region: spec_to_dict(spec) for region, spec in templates.items()},
        "options": {
            "regions": args.region,
            "casaxps": args.casaxps,
            "fractions": args.fraction,
            "seed": args.seed,
            "monte_carlo": args.mc,
            "weights": args.weights,
            "jobs": args.jobs,
            "depth_scale": scale.describe(),
            "charge_correction": charge.describe(),
            "sensitivity": [v.name for v in DEFAULT_VARIANTS] if args.sensitivity else [],
            "quantification": quant.describe(),
        },
    }


def run(args: argparse.Namespace) -> int:
    """Run ``xpsfit profile``; returns the exit code (0: every spectrum fitted, 1: some failed)."""
    spectra = [s for f in args.files for s in read(f)]
    scale = (
        DepthScale.from_rate(args.sputter_rate, args.reference_material)
        if args.sputter_rate
        else DepthScale()
    )
    if args.charge_shift is not None:
        charge = ChargeCorrection("fixed", shift=args.charge_shift)
    elif args.charge_reference:
        charge = ChargeCorrection(
            "surface", reference_region=args.charge_reference, reference_energy=args.charge_energy
        )
    else:
        charge = ChargeCorrection()
    quant = quant_settings(args)
    templates = _templates(args, spectra)
    if not templates:
        raise SpecError("no region to fit: give --template or a region the library knows")
    if args.region:
        spectra = [s for s in spectra if s.region in templates]
    profiles = list(group_by_sample(spectra, scale).values())
    results = fit_profiles(
        profiles,
        templates,
        seed=args.seed,
        charge_correction=charge,
        jobs=args.jobs,
        progress=ProgressBar("spectra"),
        monte_carlo=args.mc,
        weights=args.weights,
    )
    extra = _sensitivity(args, profiles, templates, charge, results) if args.sensitivity else []
    out = Path(args.out)
    write_bundle(out, results, quant=quant, plots=not args.no_plots, extra=extra)
    record = _run_record(args, templates, scale, charge, quant)
    write_text_atomic(out / "run.json", json.dumps(record, indent=2, sort_keys=True) + "\n")
    failed = [f for r in results for f in r.failures()]
    for f in failed:
        log.warning("%s", f.issue.message if f.issue else f.spectrum.label)
    series = (
        (f"{r.sample} {f.region}", f.level, f.result)
        for r in results
        for f in r.fits
        if f.result is not None
    )
    for line in grouped_advice(series):
        log.warning("%s", line)
    sys.stderr.write(
        f"{sum(r.n_ok for r in results)} spectra fitted, {len(failed)} failed; results in {out}\n"
    )
    return 1 if failed else 0
