"""``xpsfit demo --out DIR [--fit]``: write the synthetic LiCoO2 depth-profile demo.

Writes one VAMAS file per sample (etch time as an experiment variable), the fit model of each
region as a template and a README with the true Co2+ fractions; the data are SYNTHETIC and
labelled so in every file. With ``--fit`` the demo is also fitted with its templates and every
table and plot of ``xpsfit profile`` goes to ``DIR/results``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from xpsfit.demo import demo_depth_scale, write_demo
from xpsfit.demo_specs import DEMO_SPECS
from xpsfit.export_bundle import write_bundle
from xpsfit.io import read
from xpsfit.profile import group_by_sample
from xpsfit.profile_fit import fit_profiles

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``demo`` sub-command to the ``xpsfit`` parser."""
    p = subparsers.add_parser("demo", help="write the synthetic LiCoO2 depth-profile demo")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--fit", action="store_true", help="also fit it and write the results")
    p.add_argument("--jobs", type=int, default=None, metavar="N", help="processes (default all)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``xpsfit demo``; returns 0."""
    out = Path(args.out)
    paths = write_demo(out)
    sys.stderr.write(f"synthetic demo written to {out} ({len(paths)} VAMAS files)\n")
    if args.fit:
        spectra = [s for p in paths for s in read(p)]
        profiles = list(group_by_sample(spectra, demo_depth_scale()).values())
        results = fit_profiles(profiles, DEMO_SPECS, jobs=args.jobs)
        write_bundle(out / "results", results)
        sys.stderr.write(f"fitted results in {out / 'results'}\n")
    return 0
