"""Quantification against depth: species fractions and atomic percentages per etch level.

Fractions come from each fit (:attr:`xpsfit.result.FitResult.fractions`, one-sigma errors from
the covariance, and from Monte Carlo when it ran). Atomic % of element *i* at a level is

.. math:: x_i = \\frac{A_i / (\\sigma_i\\,T_i\\,E_{K,i}^{n})}{\\sum_j A_j / (\\sigma_j\\,T_j\\,E_{K,j}^{n})}

with the fitted total area *A* (intensity x eV), the cross-section sigma relative to C 1s
(the shipped Scofield 1976 table or a user value), the analyser transmission *T* (the file's
transmission column averaged over the window, else 1) and the kinetic energy E_K (eV) raised
to the escape-depth exponent *n* (0.6 by default). Errors are propagated linearly from the
area errors (regions are independent measurements).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType

import numpy as np

from xpsfit.errors import SpecError
from xpsfit.profile_result import ProfileResult, SpectrumFit
from xpsfit.result import Estimate, FitResult

__all__ = [
    "AtomicRow",
    "FractionRow",
    "QuantSettings",
    "RSFEntry",
    "atomic_rows",
    "corrected_area",
    "fraction_rows",
    "load_scofield",
    "missing_sensitivity",
    "region_area",
]


@dataclass(frozen=True)
class RSFEntry:
    """One cross-section of the shipped table (relative to C 1s = 1 at the same source)."""

    element: str
    level: str
    source: str
    cross_section: float
    reference: str


def load_scofield() -> tuple[RSFEntry, ...]:
    """The shipped Scofield 1976 cross-section table (``xpsfit/data/scofield.csv``)."""
    text = resources.files("xpsfit.data").joinpath("scofield.csv").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    return tuple(
        RSFEntry(
            row["element"],
            row["level"],
            row["source"],
            float(row["cross_section"]),
            row["reference"],
        )
        for row in csv.DictReader(lines)
    )


@dataclass(frozen=True)
class QuantSettings:
    """Choices behind atomic percentages.

    Parameters
    ----------
    rsf
        User sensitivity factors by region label or element (they win over the table).
    ke_exponent
        Escape-depth exponent n of the kinetic-energy correction E_K^n (0 disables it).
    use_transmission
        Divide by the file's transmission column when a spectrum has one
        (``metadata["transmission"]``, one value per channel).
    source
        X-ray source label for table lookups when a spectrum does not name one.
    """

    rsf: Mapping[str, float] = field(default_factory=dict)
    ke_exponent: float = 0.6
    use_transmission: bool = True
    source: str = "Al Ka"

    def __post_init__(self) -> None:
        object.__setattr__(self, "rsf", MappingProxyType(dict(self.rsf)))

    def describe(self) -> dict[str, object]:
        """The settings as plain data (for ``run.json``)."""
        return {
            "rsf": dict(sorted(self.rsf.items())),
            "ke_exponent": self.ke_exponent,
            "use_transmission": self.use_transmission,
            "source": self.source,
        }


@dataclass(frozen=True)
class FractionRow:
    """One fraction at one level (dimensionless, 0..1); errors are one sigma or ``None``."""

    sample: str
    region: str
    level: int
    etch_time: float | None
    depth: float | None
    fraction: str
    value: float
    err: float | None
    mc_err: float | None


@dataclass(frozen=True)
class AtomicRow:
    """Atomic percentage (%) of one element at one level, with its one-sigma error (%)."""

    sample: str
    level: int
    etch_time: float | None
    depth: float | None
    element: str
    region: str
    rsf: float
    percent: float
    err: float | None


def fraction_rows(results: Sequence[ProfileResult]) -> list[FractionRow]:
    """Every fraction of every usable fit, ordered by sample, region, level, fraction."""
    rows: list[FractionRow] = []
    for pr in results:
        for region in pr.regions():
            for sf in pr.region_fits(region):
                if not sf.ok or sf.result is None:
                    continue
                mc = sf.result.monte_carlo
                for name, est in sf.result.fractions.items():
                    mc_err = None if mc is None else mc.fractions.get(name)
                    rows.append(
                        FractionRow(
                            pr.sample,
                            region,
                            sf.level,
                            sf.etch_time,
                            sf.depth,
                            name,
                            est.value,
                            est.stderr,
                            mc_err,
                        )
                    )
    return rows


def region_area(result: FitResult) -> Estimate:
    """Total fitted area of a region (all species, satellites included), intensity x eV.

    The error uses the species covariance when the fit has it, else the species errors as
    independent, else ``None``.
    """
    values = [result.species_areas[s].value for s in result.species]
    total = float(sum(values))
    cov = result.species_covariance
    if cov is not None and cov.shape == (len(values), len(values)):
        var = float(np.sum(cov))
        return Estimate(total, math.sqrt(var) if var >= 0.0 else None)
    errs = [result.species_areas[s].stderr for s in result.species]
    if all(e is not None for e in errs):
        return Estimate(total, math.sqrt(sum(float(e) ** 2 for e in errs if e is not None)))
    return Estimate(total, None)


def _element_level(sf: SpectrumFit) -> tuple[str, str]:
    spec = sf.spectrum
    if spec.element:
        return spec.element, spec.transition
    parts = sf.region.split()
    return (parts[0], parts[1] if len(parts) > 1 else "")


def _sensitivity(
    sf: SpectrumFit, settings: QuantSettings, table: Mapping[tuple[str, str, str], float]
) -> float:
    element, level = _element_level(sf)
    for key in (sf.region, element):
        if key in settings.rsf:
            return float(settings.rsf[key])
    source = sf.spectrum.source_label or settings.source
    value = table.get((element, level, source))
    if value is None:
        raise SpecError(
            f"no sensitivity factor for {element} {level} with {source}; give one with "
            f"QuantSettings(rsf={{{sf.region!r}: value}})",
            key=sf.region,
        )
    return value


def _correction(sf: SpectrumFit, settings: QuantSettings) -> float:
    """Transmission x E_K^n for a spectrum's main line (1 when unknown)."""
    assert sf.result is not None
    factor = 1.0
    spec = sf.spectrum
    trans = spec.metadata.get("transmission") if settings.use_transmission else None
    if trans is not None:
        arr = np.asarray(trans, dtype=np.float64)
        if arr.size and np.all(np.isfinite(arr)) and np.all(arr > 0):
            factor *= float(np.mean(arr))
    if settings.ke_exponent and spec.source_energy > 0 and sf.result.lines:
        main = max(sf.result.lines, key=lambda ln: ln.area.value)
        ke = spec.source_energy - main.center.value
        if ke > 0:
            factor *= ke**settings.ke_exponent
    return factor


def corrected_area(
    sf: SpectrumFit, settings: QuantSettings, table: Mapping[tuple[str, str, str], float]
) -> tuple[float, Estimate]:
    """The sensitivity factor of a fitted spectrum's region and its area divided by that
    factor and the transmission x E_K^n correction: the quantity atomic % are shares of.

    Returns
    -------
    tuple
        ``(rsf, corrected area)``; the area in intensity x eV over the (dimensionless) factors.

    Raises
    ------
    SpecError
        No sensitivity factor for the region (table or ``settings.rsf``).
    """
    assert sf.result is not None
    rsf = _sensitivity(sf, settings, table)
    area = region_area(sf.result)
    scale = rsf * _correction(sf, settings)
    err = None if area.stderr is None else area.stderr / scale
    return rsf, Estimate(area.value / scale, err)


def _level_percent(
    entries: list[tuple[str, str, float, Estimate]],
) -> list[tuple[str, str, float, float, float | None]]:
    """(element, region, rsf, corrected area) -> (element, region, rsf, %, err %)."""
    total = sum(a.value for _, _, _, a in entries)
    if not (total > 0.0):
        return []
    out = []
    for i, (element, region, rsf, a) in enumerate(entries):
        var = 0.0
        known = True
        for j, (_, _, _, b) in enumerate(entries):
            if b.stderr is None:
                known = False
                break
            grad = (total - a.value) / total**2 if i == j else -a.value / total**2
            var += (grad * b.stderr) ** 2
        err = 100.0 * math.sqrt(var) if known else None
        out.append((element, region, rsf, 100.0 * a.value / total, err))
    return out


def missing_sensitivity(
    results: Sequence[ProfileResult], settings: QuantSettings | None = None
) -> list[str]:
    """Regions with a usable fit but no sensitivity factor (table or user), in order."""
    settings = settings or QuantSettings()
    table = {(e.element, e.level, e.source): e.cross_section for e in load_scofield()}
    missing: dict[str, None] = {}
    for pr in results:
        for sf in pr.fits:
            if sf.ok:
                try:
                    _sensitivity(sf, settings, table)
                except SpecError:
                    missing.setdefault(sf.region, None)
    return list(missing)


def atomic_rows(
    results: Sequence[ProfileResult],
    settings: QuantSettings | None = None,
    *,
    exclude: Sequence[str] = (),
) -> list[AtomicRow]:
    """Atomic % per element per level over the regions each level has a usable fit of.

    A region whose element has no sensitivity factor (table or user) raises unless it is
    listed in ``exclude`` (see :func:`missing_sensitivity`): a missing factor is never
    silently treated as 1.

    Raises
    ------
    SpecError
        A region with no sensitivity factor.
    """
    settings = settings or QuantSettings()
    table = {(e.element, e.level, e.source): e.cross_section for e in load_scofield()}
    rows: list[AtomicRow] = []
    for pr in results:
        for level in pr.levels():
            fits = [
                f
                for f in pr.fits
                if f.level == level and f.ok and f.result is not None and f.region not in exclude
            ]
            entries = []
            for sf in fits:
                rsf, corrected = corrected_area(sf, settings, table)
                entries.append((_element_level(sf)[0], sf.region, rsf, corrected))
            ref = fits[0] if fits else None
            for element, region, rsf, pct, err in _level_percent(entries):
                assert ref is not None
                rows.append(
                    AtomicRow(
                        pr.sample, level, ref.etch_time, ref.depth, element, region, rsf, pct, err
                    )
                )
    return rows
