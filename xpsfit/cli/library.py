"""``xpsfit library list`` and ``xpsfit library show REGION``: browse the reference library."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

from xpsfit.reference import CoreLevel, Library, LibraryConflictWarning, load_library

__all__ = ["format_level", "load_quietly", "register", "run_list", "run_show"]


def register(subparsers: Any) -> None:
    """Add the ``library`` sub-command (``list``, ``show``) to the ``xpsfit`` parser."""
    parser = subparsers.add_parser("library", help="browse the reference peak library")
    sub = parser.add_subparsers(dest="library_command", metavar="ACTION", required=True)
    lst = sub.add_parser("list", help="list the core levels of the library")
    lst.set_defaults(func=run_list)
    show = sub.add_parser("show", help="show a core level with its species and sources")
    show.add_argument("region", help='region label, e.g. "Co 2p"')
    show.set_defaults(func=run_show)


def load_quietly() -> Library:
    """Load the merged library and print each user-library conflict once on stderr."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LibraryConflictWarning)
        library = load_library()
    for message in library.conflicts:
        print(f"xpsfit: warning: {message}", file=sys.stderr)
    return library


def run_list(args: argparse.Namespace) -> int:
    """Handle ``xpsfit library list``; returns the exit code."""
    library = load_quietly()
    print(f"{'region':<8} {'lines':<14} {'splitting/eV':<13} {'file':<9} species")
    for region in library.regions():
        lv = library.level(region)
        lines = ", ".join(lv.lines) if lv.lines else "single"
        split = f"{lv.splitting:g}" if lv.is_doublet else "-"
        species = ", ".join(lv.species_ids())
        print(f"{region:<8} {lines:<14} {split:<13} {Path(lv.file).name:<9} {species}")
    return 0


def format_level(lv: CoreLevel) -> list[str]:
    """Human-readable lines describing a core level, its species and their sources."""
    out = [f"{lv.region}  ({lv.file})"]
    if lv.lines is not None:
        lo, hi = lv.splitting_range
        f_lo, f_hi = lv.fwhm_ratio_range
        out += [
            f"  lines: {lv.lines[0]} (major), {lv.lines[1]} (minor)",
            f"  spin-orbit splitting: {lv.splitting:g} eV (plausible {lo:g}-{hi:g} eV)",
            f"  area ratio minor/major: {lv.area_ratio:.4g}",
            f"  FWHM ratio minor/major: {lv.fwhm_ratio:g}"
            + (" (fixed)" if f_lo == f_hi else f" (free {f_lo:g}-{f_hi:g}: do not tie 1:1)"),
        ]
    shape = ", ".join(f"{k}={v:g}" for k, v in lv.shape.items())
    out += [
        f"  line shape: {lv.lineshape}" + (f" ({shape})" if shape else ""),
        f"  FWHM: {lv.fwhm:g} eV (typical {lv.fwhm_range[0]:g}-{lv.fwhm_range[1]:g} eV)"
        + (", tied across species in templates" if lv.tie_fwhm else ""),
        f"  window: {lv.window[0]:g}-{lv.window[1]:g} eV, background: {lv.background}",
        f"  default species: {', '.join(lv.default_species)}",
        f"  source: {lv.source}",
    ]
    if lv.notes:
        out.append(f"  notes: {lv.notes}")
    for sp in lv.species:
        split = f", splitting {sp.splitting:g} eV" if sp.splitting is not None else ""
        out += [
            f"  - {sp.id}: {sp.label} [{sp.compound}] {sp.binding_energy:g} +- "
            f"{sp.tolerance:g} eV{split}",
            f"      source: {sp.source}",
        ]
        out += [
            f"      satellite {sat.name}: +{sat.offset:g} +- {sat.offset_tolerance:g} eV, area "
            f"x{sat.area_ratio:g} +- {sat.area_ratio_tolerance:g}, FWHM {sat.fwhm:g} eV"
            for sat in sp.satellites
        ]
        for alt in sp.alternatives:
            vals = [
                f"{name} {v:g} eV"
                for name, v in (("BE", alt.binding_energy), ("splitting", alt.splitting))
                if v is not None
            ]
            out.append(f"      alternative {alt.id}: {', '.join(vals)} ({alt.source})")
            if alt.notes:
                out.append(f"        {alt.notes}")
        if sp.notes:
            out.append(f"      notes: {sp.notes}")
    return out


def run_show(args: argparse.Namespace) -> int:
    """Handle ``xpsfit library show REGION``; returns the exit code."""
    level = load_quietly().level(args.region)
    print("\n".join(format_level(level)))
    return 0
