"""``xpsfit batch FILE_OR_GLOB... --template T --out DIR``: fit many spectra, resumably.

Every spectrum of the files is fitted with the template of its region, in local processes
(``--jobs``) or on a Dask cluster (``--scheduler``), results streaming into ``DIR`` as
Parquet part files; CSV tables and maps follow (see :func:`xpsfit.batch.fit_many`).
``--weights uniform`` fits with equal weights instead of Poisson ones, for data that are not
counts (e.g. background-subtracted exports, whose negative intensities are otherwise refused).
The atomic % columns and maps take the options of ``xpsfit profile`` (``--rsf``,
``--casaxps-rsf``, ``--ke-exponent``, ``--no-transmission``, ``--xray-source``).
Running the same command again on the same ``DIR`` fits only what is missing; a ``DIR``
holding a run with other files, templates or options (``--weights`` and the atomic %
options included) is refused. A progress bar goes to stderr, preceded by the Dask dashboard
link on a cluster. Exit code 0 when every spectrum with a template was fitted, 1 when some
failed or were refused.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
from pathlib import Path
from typing import Any

from xpsfit.batch import BatchResult, fit_many
from xpsfit.batch_run import connect
from xpsfit.batch_store import BatchError
from xpsfit.cli.fit import add_weights_option
from xpsfit.cli.progress import ProgressBar
from xpsfit.cli.quant import add_quant_options, quant_settings

__all__ = ["expand_inputs", "register", "run"]

_WILDCARDS = frozenset("*?[")


def register(subparsers: Any) -> None:
    """Add the ``batch`` sub-command to the ``xpsfit`` parser."""
    p = subparsers.add_parser("batch", help="fit many spectra locally or on a Dask cluster")
    p.add_argument("inputs", nargs="+", metavar="FILE_OR_GLOB", help="files or glob patterns")
    p.add_argument(
        "--template", action="append", required=True, help="template JSON (repeat per region)"
    )
    p.add_argument("--out", required=True, help="output folder (resumes a run left there)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler, tcp://host:8786")
    where.add_argument("--jobs", type=int, metavar="N", help="local processes (default all)")
    p.add_argument("--chunk-size", type=int, metavar="N", help="spectra per work unit")
    p.add_argument("--retries", type=int, default=3, help="retries of a failed work unit")
    p.add_argument("--mc", type=int, default=0, metavar="N", help="Monte Carlo replicas")
    add_weights_option(p)
    add_quant_options(p)
    p.add_argument(
        "--csv",
        choices=("auto", "always", "never"),
        default="auto",
        help="CSV tables besides Parquet (auto: runs of up to 100,000 spectra)",
    )
    p.add_argument("--no-maps", action="store_true", help="skip the fraction/atomic %% maps")
    p.set_defaults(func=run)


def expand_inputs(patterns: list[str]) -> list[str]:
    """Files named or matched (``**`` recurses), in order, each once.

    Raises
    ------
    BatchError
        A pattern that matches nothing or a file that does not exist.
    """
    out: dict[str, None] = {}
    for pattern in patterns:
        if os.path.exists(pattern) or not _WILDCARDS & set(pattern):
            if not os.path.isfile(pattern):
                raise BatchError(f"{pattern}: no such file")
            out[pattern] = None
            continue
        hits = sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
        if not hits:
            raise BatchError(f"{pattern}: no file matches")
        out.update(dict.fromkeys(hits))
    return list(out)


def _report(result: BatchResult) -> int:
    counts = ", ".join(f"{n} {status}" for status, n in sorted(result.counts.items()))
    sys.stderr.write(f"{result.n_spectra} spectra: {counts}; results in {result.out}\n")
    if result.n_advised:
        where = "status.csv" if (result.out / "status.csv").exists() else "spectra/"
        sys.stderr.write(
            f"{result.n_advised} fitted spectra have advice on their fit (column advice of "
            f"{result.out / where})\n"
        )
    bad = sum(n for status, n in result.counts.items() if status not in ("ok", "skipped"))
    if bad:
        where = "failed.csv" if (result.out / "failed.csv").exists() else "spectra/ (status)"
        sys.stderr.write(f"{bad} spectra not fitted; reasons in {result.out / where}\n")
    return 1 if bad else 0


def run(args: argparse.Namespace) -> int:
    """Run ``xpsfit batch``; returns the exit code (0: all fitted, 1: some failed)."""
    files = expand_inputs(args.inputs)
    quant = quant_settings(args)
    scheduler = None
    if args.scheduler:
        scheduler = connect(args.scheduler)
        sys.stderr.write(f"Dask dashboard: {scheduler.dashboard_link}\n")
    try:
        result = fit_many(
            files,
            args.template,
            Path(args.out),
            jobs=args.jobs,
            scheduler=scheduler,
            chunk_size=args.chunk_size,
            retries=args.retries,
            monte_carlo=args.mc,
            weights=args.weights,
            quant=quant,
            csv={"auto": None, "always": True, "never": False}[args.csv],
            maps=not args.no_maps,
            progress=ProgressBar("spectra", rate=True),
        )
    finally:
        if scheduler is not None:
            scheduler.close()
    return _report(result)
