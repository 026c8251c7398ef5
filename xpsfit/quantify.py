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

import csv
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from xpsfit.errors import SpecError
from xpsfit.io.casa_lines import stored_rsf
from xpsfit.profile_result import ProfileResult, SpectrumFit
from xpsfit.quant_settings import QuantSettings
from xpsfit.result import Estimate, FitResult
from xpsfit.spectrum import Spectrum

__all__ = [
    "AtomicRow",
    "FractionRow",
    "QuantSettings",
    "RSFEntry",
    "atomic_rows",
    "corrected_area",
    "fraction_rows",
    "line_corrections",
    "load_scofield",
    "missing_sensitivity",
    "region_area",
    "scofield_table",
    "sensitivity_factor",
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


def _element_level(spectrum: Spectrum, region: str) -> tuple[str, str]:
    if spectrum.element:
        return spectrum.element, spectrum.transition
    parts = region.split()
    return (parts[0], parts[1] if len(parts) > 1 else "")


#: Table sources by photon energy (eV): a spectrum within 1 eV of one uses its factors.
_TABLE_SOURCES = {"Al Ka": 1486.6, "Mg Ka": 1253.6}


def _table_source(spectrum: Spectrum, settings: QuantSettings) -> str:
    """The table's source for a spectrum: by its photon energy, else by its label's element
    (files write "Al", "Al (mono)", "Mono(Al (Mono))", "Mg"...), else the label or the
    settings' source."""
    for name, energy in _TABLE_SOURCES.items():
        if abs(spectrum.source_energy - energy) <= 1.0:
            return name
    words = re.findall(r"[a-z]+", spectrum.source_label.lower())
    for name in _TABLE_SOURCES:
        if name.split()[0].lower() in words:
            return name
    return spectrum.source_label or settings.source


def scofield_table() -> dict[tuple[str, str, str], float]:
    """The shipped cross-sections by ``(element, level, source)``."""
    return {(e.element, e.level, e.source): e.cross_section for e in load_scofield()}


def sensitivity_factor(
    spectrum: Spectrum,
    settings: QuantSettings,
    table: Mapping[tuple[str, str, str], float] | None = None,
    region: str | None = None,
) -> float:
    """The sensitivity factor of a spectrum's region: a user factor of the region or its
    element, else the RSF CasaXPS stored with the spectrum when ``settings.file_rsf``, else
    the cross-section ``table`` (default: :func:`scofield_table`).

    Raises
    ------
    SpecError
        No factor, saying what was looked for.
    """
    region = spectrum.region if region is None else region
    element, level = _element_level(spectrum, region)
    for key in (region, element):
        if key in settings.rsf:
            return float(settings.rsf[key])
    if settings.file_rsf:
        stored = stored_rsf(tuple(str(x) for x in spectrum.metadata.get("casa_lines", ())))
        if stored is None:
            raise SpecError(
                f"no CasaXPS RSF stored with {spectrum.full_label}; give {region} a user RSF",
                key=region,
            )
        return stored
    source = _table_source(spectrum, settings)
    value = (scofield_table() if table is None else table).get((element, level, source))
    if value is None:
        raise SpecError(
            f"no sensitivity factor for {element} {level} with {source}; give {region} a user RSF",
            key=region,
        )
    return value


def line_corrections(
    spectrum: Spectrum, centers: Sequence[float], settings: QuantSettings
) -> NDArray[np.float64]:
    """Transmission x E_K^n of lines at ``centers`` (binding energies on the spectrum's
    axis, eV): what each line's area is divided by besides the sensitivity factor.

    The transmission is the file's column (one value per channel) interpolated at each
    center, 1 without a usable column (or with ``use_transmission`` off); a column that
    does not match the channels is used as its mean. E_K is the source energy minus the
    center; the factor is 1 without a source energy, for n = 0, or for E_K <= 0.
    """
    at = np.asarray(centers, dtype=np.float64)
    factor = np.ones_like(at)
    trans = spectrum.metadata.get("transmission") if settings.use_transmission else None
    if trans is not None:
        arr = np.asarray(trans, dtype=np.float64)
        if arr.size and np.all(np.isfinite(arr)) and np.all(arr > 0):
            if arr.size == spectrum.n_points:
                factor *= np.interp(at, spectrum.binding_energy, arr)
            else:
                factor *= float(np.mean(arr))
    if settings.ke_exponent and spectrum.source_energy > 0:
        ke = spectrum.source_energy - at
        factor *= np.where(ke > 0, np.abs(ke) ** settings.ke_exponent, 1.0)
    return factor


def _correction(sf: SpectrumFit, settings: QuantSettings) -> float:
    """The region's effective transmission x E_K^n: its total line area over the sum of each
    line's area over its own factor (1 when no line has a positive area)."""
    assert sf.result is not None
    lines = [ln for ln in sf.result.lines if ln.area.value > 0]
    if not lines:
        return 1.0
    areas = np.array([ln.area.value for ln in lines])
    centers = [ln.center.value - sf.charge_shift for ln in lines]  # on the file's axis
    factors = line_corrections(sf.spectrum, centers, settings)
    return float(areas.sum() / np.sum(areas / factors))


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
        for level in pr.levels():
            fits = [
                f
                for f in pr.fits
                if f.level == level and f.ok and f.result is not None and f.region not in exclude
            ]
            entries = []
            for sf in fits:
                rsf, corrected = corrected_area(sf, settings, table)
                entries.append(
                    (_element_level(sf.spectrum, sf.region)[0], sf.region, rsf, corrected)
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
