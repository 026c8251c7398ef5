"""Quantification against depth: species fractions and atomic percentages per etch level.

Fractions come from each fit (:attr:`xpsfit.result.FitResult.fractions`, one-sigma errors from
the covariance, and from Monte Carlo when it ran). Atomic % of element *i* at a level is

.. math:: x_i = \\frac{C_i}{\\sum_j C_j},\\qquad
          C_i = \\frac{1}{\\sigma_i}\\sum_{l \\in i} \\frac{A_l}{T(E_{K,l})\\,E_{K,l}^{n}}

with the fitted area *A_l* of each line *l* of the region (intensity x eV), the sensitivity
factor sigma (the shipped Scofield 1976 cross-sections relative to C 1s, the RSF CasaXPS
stored with the spectrum, or a user value), the analyser transmission *T* at the line's
kinetic energy E_K (interpolated in the file's transmission column, else 1) and E_K (eV)
raised to the escape-depth exponent *n* (0.6 by default). This is CasaXPS's corrected area
(raw area over RSF x transmission x MFP, each at the line's position). Errors are propagated
linearly from the area errors (regions are independent measurements).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from xpsfit.errors import SpecError
from xpsfit.profile_result import ProfileResult, SpectrumFit
from xpsfit.quant_settings import QuantSettings
from xpsfit.region_integral import region_integral
from xpsfit.result import Estimate, FitResult
from xpsfit.rsf import (
    RSFEntry,
    element_level,
    line_corrections,
    load_scofield,
    scofield_table,
    sensitivity_factor,
)

__all__ = [
    "AtomicRow",
    "FractionRow",
    "LineQuant",
    "QuantSettings",
    "RSFEntry",
    "atomic_rows",
    "corrected_area",
    "fraction_rows",
    "line_corrections",
    "line_quant",
    "load_scofield",
    "missing_sensitivity",
    "region_area",
    "scofield_table",
    "sensitivity_factor",
]


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
    """Total fitted area of a region (all species, satellites included), intensity x eV; for
    a region fitted without components, its data above the background integrated over the
    window (:func:`xpsfit.region_integral.region_integral`).

    The error uses the species covariance when the fit has it, else the species errors as
    independent, else ``None``.
    """
    if not result.lines:
        return region_integral(result).area
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


@dataclass(frozen=True)
class _Piece:
    """What quantification needs of a fitted line, or of a region integrated whole."""

    component: str
    role: str
    label: str
    center: float
    fwhm: float
    area: float


def _pieces(result: FitResult) -> list[_Piece]:
    """The fit's lines; a fit without lines is one piece, its integrated region."""
    if result.lines:
        return [_Piece(ln.component, ln.role, ln.label, ln.center.value, ln.fwhm.value,
                       ln.area.value) for ln in result.lines]  # fmt: skip
    whole = region_integral(result)
    return [_Piece("", "single", "integration region", whole.position, whole.fwhm,
                   whole.area.value)]  # fmt: skip


def _piece_factors(
    sf: SpectrumFit, pieces: Sequence[_Piece], settings: QuantSettings
) -> NDArray[np.float64]:
    """Transmission x E_K^n of fitted pieces, their centers taken back to the spectrum's axis
    (a profile fit may have shifted the spectrum by ``charge_shift`` first)."""
    return line_corrections(sf.spectrum, [p.center - sf.charge_shift for p in pieces], settings)


def _correction(sf: SpectrumFit, settings: QuantSettings) -> float:
    """The region's effective transmission x E_K^n: its total area over the sum of each
    piece's area over its own factor (1 when no piece has a positive area)."""
    assert sf.result is not None
    pieces = [p for p in _pieces(sf.result) if p.area > 0]
    if not pieces:
        return 1.0
    areas = np.array([p.area for p in pieces])
    return float(areas.sum() / np.sum(areas / _piece_factors(sf, pieces, settings)))


def corrected_area(
    sf: SpectrumFit, settings: QuantSettings, table: Mapping[tuple[str, str, str], float]
) -> tuple[float, Estimate]:
    """The sensitivity factor of a fitted spectrum's region and its area divided by that
    factor and each line's transmission x E_K^n (:func:`line_corrections`): the quantity
    atomic % are shares of.

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
    rsf = sensitivity_factor(sf.spectrum, settings, table, sf.region)
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


def _usable_by_level(pr: ProfileResult) -> Iterator[tuple[int, list[SpectrumFit]]]:
    """Each level of a profile with its usable fits."""
    for level in pr.levels():
        yield level, [f for f in pr.fits if f.level == level and f.ok and f.result is not None]


def missing_sensitivity(
    results: Sequence[ProfileResult], settings: QuantSettings | None = None
) -> list[str]:
    """Regions with a usable fit but no sensitivity factor (table or user), in order."""
    settings = settings or QuantSettings()
    table = scofield_table()
    missing: dict[str, None] = {}
    for pr in results:
        for sf in pr.fits:
            if sf.ok:
                try:
                    sensitivity_factor(sf.spectrum, settings, table, sf.region)
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
    table = scofield_table()
    rows: list[AtomicRow] = []
    for pr in results:
        for level, usable in _usable_by_level(pr):
            fits = [f for f in usable if f.region not in exclude]
            entries = []
            for sf in fits:
                rsf, corrected = corrected_area(sf, settings, table)
                entries.append(
                    (element_level(sf.spectrum, sf.region)[0], sf.region, rsf, corrected)
                )
            ref = fits[0] if fits else None
            for element, region, rsf, pct, err in _level_percent(entries):
                assert ref is not None
                rows.append(
                    AtomicRow(
                        pr.sample, level, ref.etch_time, ref.depth, element, region, rsf, pct, err
                    )
                )
    return rows


@dataclass(frozen=True)
class LineQuant:
    """One fitted line's share of its level, as CasaXPS's peak table gives it.

    Parameters
    ----------
    sample, level, region
        Where the line sits.
    etch_time, depth
        The level's etch time (s) and depth (nm), ``None`` when unknown.
    component, role, label
        The line's component id, its role (``"single"``, ``"major"``, ``"minor"``) and
        display text.
    center, fwhm, area
        Fitted position (eV), FWHM (eV) and area (intensity x eV).
    rsf
        The region's sensitivity factor.
    total_factor
        RSF x transmission x E_K^n at the line (CasaXPS's "RSF*T*MFP").
    corrected
        Area over ``total_factor`` (intensity x eV).
    percent
        ``corrected`` as % of the sum over every line of the level with a factor.
    """

    sample: str
    level: int
    region: str
    etch_time: float | None
    depth: float | None
    component: str
    role: str
    label: str
    center: float
    fwhm: float
    area: float
    rsf: float
    total_factor: float
    corrected: float
    percent: float

    @property
    def key(self) -> tuple[str, int, str, str, str]:
        """``(sample, level, region, component, role)``: which line of which fit it is."""
        return (self.sample, self.level, self.region, self.component, self.role)


def line_quant(
    results: Sequence[ProfileResult], settings: QuantSettings | None = None
) -> list[LineQuant]:
    """Every line of every usable fit with its corrected area and its % of the level's total.

    Regions without a sensitivity factor (see :func:`missing_sensitivity`) are left out of
    the rows and of the totals. A region fitted without components is one row, its data
    above the background integrated (role ``"single"``, label ``"integration region"``).
    """
    settings = settings or QuantSettings()
    table = scofield_table()
    out: list[LineQuant] = []
    for pr in results:
        for level, fits in _usable_by_level(pr):
            found: list[tuple[SpectrumFit, _Piece, float, float]] = []
            for sf in fits:
                assert sf.result is not None
                try:
                    rsf = sensitivity_factor(sf.spectrum, settings, table, sf.region)
                except SpecError:
                    continue
                pieces = _pieces(sf.result)
                factors = rsf * _piece_factors(sf, pieces, settings)
                found += [(sf, p, rsf, f) for p, f in zip(pieces, factors.tolist(), strict=True)]
            total = sum(p.area / f for _, p, _, f in found)
            if not total > 0.0:
                continue
            for sf, p, rsf, f in found:
                out.append(LineQuant(
                    pr.sample, level, sf.region, sf.etch_time, sf.depth, p.component, p.role,
                    p.label, p.center, p.fwhm, p.area, rsf, f, p.area / f,
                    100.0 * p.area / f / total,
                ))  # fmt: skip
    return out
