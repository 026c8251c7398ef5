"""The model-sensitivity table: each fraction's spread over the model variants, in long form."""

from __future__ import annotations

from collections.abc import Sequence

from xpsfit.export import FRACTION_COLUMNS, Cell, Table
from xpsfit.sensitivity import DEFAULT_VARIANTS, SystematicRow, Variant

__all__ = ["SENSITIVITY_COLUMNS", "sensitivity_table"]

#: Leading columns of :func:`sensitivity_table`: those of the fraction table (without its
#: Monte Carlo error), then the spread; one column per variant follows.
SENSITIVITY_COLUMNS = (
    *(c for c in FRACTION_COLUMNS if c != "mc_err"),
    "systematic",
    "systematic_std",
    "n_variants",
    "baseline_redchi",
    "rejected",
)


def sensitivity_table(
    rows: Sequence[SystematicRow], variants: Sequence[Variant] = DEFAULT_VARIANTS
) -> Table:
    """Model sensitivity in long form: one row per sample, region, level and fraction.

    ``value`` and ``err`` are the baseline fraction and its statistical error,
    ``systematic`` the spread (max - min) and ``systematic_std`` the standard deviation over
    the ``n_variants`` accepted variants, ``baseline_redchi`` the template fit's reduced
    chi-square and ``rejected`` the variants left out because the data reject them (each
    with its reduced chi-square, see :data:`xpsfit.sensitivity.ACCEPT_RATIO`); then each
    variant's fraction (empty when it failed, was rejected or does not apply to the
    region). Fractions are dimensionless, 0..1.
    """
    header = (*SENSITIVITY_COLUMNS, *(v.name for v in variants))
    out: list[tuple[Cell, ...]] = []
    for r in rows:
        fitted = sum(x is not None for x in r.values.values())
        head: tuple[Cell, ...] = (
            r.sample,
            r.region,
            r.level,
            r.etch_time,
            r.depth,
            r.fraction,
            r.baseline,
            r.err,
            r.spread,
            r.std,
            fitted,
            r.baseline_redchi,
            _rejected_text(r),
        )
        out.append((*head, *(r.values.get(v.name) for v in variants)))
    return header, out


def _rejected_text(row: SystematicRow) -> str:
    return "; ".join(
        f"{name} (reduced chi-square {redchi:.3g})" for name, redchi in row.rejected.items()
    )
