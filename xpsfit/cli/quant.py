"""Command-line options for atomic percentages (``--rsf``, ``--ke-exponent``...)."""

from __future__ import annotations

import argparse

from xpsfit.errors import SpecError
from xpsfit.quant_settings import QuantSettings

__all__ = ["add_quant_options", "quant_settings"]


def add_quant_options(parser: argparse.ArgumentParser) -> None:
    """Add the options that make a :class:`~xpsfit.quant_settings.QuantSettings`."""
    group = parser.add_argument_group("atomic %")
    group.add_argument(
        "--rsf",
        action="append",
        default=[],
        metavar="LABEL=VALUE",
        help="sensitivity factor of a region or element, e.g. 'Co 2p=19.2' or 'Li=0.025' "
        "(repeat; wins over the table and the file)",
    )
    group.add_argument(
        "--casaxps-rsf",
        action="store_true",
        help="take each region's factor from the RSF CasaXPS stored with the spectrum instead "
        "of the Scofield table",
    )
    group.add_argument(
        "--ke-exponent",
        type=float,
        default=0.6,
        metavar="N",
        help="escape-depth correction E_K^N (default 0.6; 0 switches it off)",
    )
    group.add_argument(
        "--no-transmission",
        action="store_true",
        help="ignore the files' transmission columns",
    )
    group.add_argument(
        "--xray-source",
        default="Al Ka",
        choices=("Al Ka", "Mg Ka"),
        help="table source for spectra that name neither source nor photon energy",
    )


def _factor(text: str) -> tuple[str, float]:
    label, sep, value = text.rpartition("=")
    label = label.strip()
    if not sep or not label:
        raise SpecError(f"--rsf {text!r}: expected LABEL=VALUE, e.g. 'Co 2p=19.2'", key="rsf")
    try:
        return label, float(value)
    except ValueError:
        raise SpecError(f"--rsf {text!r}: {value.strip()!r} is not a number", key="rsf") from None


def quant_settings(args: argparse.Namespace) -> QuantSettings:
    """The settings the options of :func:`add_quant_options` ask for.

    Raises
    ------
    SpecError
        A malformed ``--rsf`` or a factor that is not positive, naming the option.
    """
    factors = dict(_factor(text) for text in args.rsf)
    try:
        return QuantSettings(
            rsf=factors,
            ke_exponent=args.ke_exponent,
            use_transmission=not args.no_transmission,
            source=args.xray_source,
            file_rsf=args.casaxps_rsf,
        )
    except SpecError as exc:
        raise SpecError(f"--rsf / --ke-exponent: {exc.message}", key=exc.key) from None
