"""Sensitivity factors and the instrument corrections of line areas.

A region's factor is a user value, the RSF CasaXPS stored with the spectrum, or the shipped
Scofield (1976) photoionisation cross-section relative to C 1s (``xpsfit/data/scofield.csv``,
for Al Ka and Mg Ka). Each line's area is further divided by the analyser transmission and
E_K^n at the line's own kinetic energy (:func:`line_corrections`), as CasaXPS divides by
"RSF * T * MFP". :mod:`xpsfit.quantify` turns these into atomic percentages.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from xpsfit.errors import SpecError
from xpsfit.io.casa_lines import stored_rsf
from xpsfit.quant_settings import QuantSettings
from xpsfit.spectrum import Spectrum

__all__ = [
    "RSFEntry",
    "element_level",
    "line_corrections",
    "load_scofield",
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


@functools.cache
def load_scofield() -> tuple[RSFEntry, ...]:
    """The shipped Scofield 1976 cross-section table (``xpsfit/data/scofield.csv``), read
    once per process."""
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


def element_level(spectrum: Spectrum, region: str) -> tuple[str, str]:
    """Element and level of a region: the spectrum's own, else the region label's words
    (``"Co 2p"`` -> ``("Co", "2p")``)."""
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
    element, level = element_level(spectrum, region)
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
