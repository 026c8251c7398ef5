"""``xpsfit info FILE... [--json]``: what a file holds, one line (or JSON object) per spectrum.

Each line gives the file, block, sample, region, etch level and time (s), number of points,
binding-energy range (eV), photon energy (eV), any CasaXPS fit stored with the spectrum
(background and components, positions in binding energy) and the reader's warnings. With
``--json`` each spectrum is one JSON object per line. A file that cannot be read prints its
error and makes the exit code 2; the other files are still listed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Callable
from typing import Any

from xpsfit.errors import XpsfitError
from xpsfit.io import read
from xpsfit.spec import Doublet, FitSpec
from xpsfit.spectrum import Spectrum

__all__ = ["register", "run", "spectrum_summary"]

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add the ``info`` sub-command to the ``xpsfit`` parser."""
    parser = subparsers.add_parser("info", help="list the spectra of instrument files")
    parser.add_argument("files", nargs="+", help="instrument files")
    parser.add_argument("--json", action="store_true", help="one JSON object per spectrum")
    parser.set_defaults(func=run)


def _casa_reader() -> Callable[[Spectrum], FitSpec | None] | None:
    """``xpsfit.io.casa.fit_spec_from_spectrum`` when that module is available."""
    try:
        module = importlib.import_module("xpsfit.io.casa")
    except ImportError:
        return None
    func = getattr(module, "fit_spec_from_spectrum", None)
    return func if callable(func) else None


def _fit_summary(spec: FitSpec) -> dict[str, Any]:
    components = []
    for peak in spec.components:
        entry: dict[str, Any] = {
            "id": peak.id,
            "lineshape": peak.lineshape,
            "center": peak.center.value,
            "fwhm": peak.fwhm.value,
        }
        if isinstance(peak, Doublet):
            entry["splitting"] = peak.splitting.value
        components.append(entry)
    return {
        "background": spec.background.kind,
        "window": list(spec.window) if spec.window else None,
        "components": components,
    }


def spectrum_summary(spectrum: Spectrum) -> dict[str, Any]:
    """The facts ``xpsfit info`` prints about one spectrum (JSON-ready).

    Energies in eV, etch time in s; ``casa_fit`` is ``None`` when no CasaXPS fit is stored
    (or cannot be read, which adds a warning).
    """
    warnings = [str(w) for w in spectrum.metadata.get("warnings", ())]
    casa_fit = None
    reader = _casa_reader()
    if reader is not None:
        try:
            spec = reader(spectrum)
        except XpsfitError as exc:
            warnings.append(f"CasaXPS fit not readable: {exc}")
        else:
            casa_fit = None if spec is None else _fit_summary(spec)
    be = spectrum.binding_energy
    return {
        "file": spectrum.source_file,
        "block": spectrum.block,
        "sample": spectrum.sample,
        "region": spectrum.region,
        "level": spectrum.etch_level,
        "etch_time": spectrum.etch_time,
        "points": spectrum.n_points,
        "be_min": float(be[0]) if be.size else None,
        "be_max": float(be[-1]) if be.size else None,
        "source_energy": spectrum.source_energy,
        "casa_fit": casa_fit,
        "warnings": warnings,
    }


def _line(info: dict[str, Any]) -> str:
    level = "-" if info["level"] is None else str(info["level"])
    etch = "" if info["etch_time"] is None else f" t={info['etch_time']:g}s"
    text = (
        f"{info['file']} [{info['block']}] {info['sample'] or '-'} | {info['region'] or '?'} "
        f"| level {level}{etch} | {info['points']} pts "
        f"{info['be_min']:.2f}-{info['be_max']:.2f} eV | hv {info['source_energy']:g} eV"
    )
    fit = info["casa_fit"]
    if fit:
        comps = ", ".join(
            f"{c['id']} {c['lineshape']} @{c['center']:.2f}" for c in fit["components"]
        )
        text += f" | CasaXPS fit: {fit['background']}; {comps}"
    if info["warnings"]:
        text += " | warnings: " + "; ".join(info["warnings"])
    return text


def run(args: argparse.Namespace) -> int:
    """List every spectrum of every file; exit code 2 if any file could not be read."""
    code = 0
    for path in args.files:
        try:
            spectra = read(path)
        except XpsfitError as exc:
            print(f"xpsfit: error: {exc}", file=sys.stderr)
            code = 2
            continue
        for spectrum in spectra:
            info = spectrum_summary(spectrum)
            print(json.dumps(info) if args.json else _line(info))
    return code
