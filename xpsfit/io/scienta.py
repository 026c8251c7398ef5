"""Scienta SES ``.txt`` exports: ``[Info]``, ``[Region n]``, ``[Info n]``, ``[Data n]`` sections.

``[Region n]`` declares the dimensions (``Dimension 1 name/size/scale`` = the energy axis,
optionally ``Dimension 2`` = iterations or slices); ``[Info n]`` holds ``Key=Value`` acquisition
parameters (``Excitation Energy``, ``Energy Scale`` = Binding or Kinetic, ``Pass Energy``,
``Number of Sweeps``, ``Step Time`` in ms, ``Sample``); ``[Data n]`` holds one row per energy:
the energy, then one intensity column per dimension-2 value. Each column becomes a spectrum
(``metadata["iteration"]`` = its index, ``metadata["iteration_value"]`` = its scale value).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from xpsfit.energy import kinetic_to_binding
from xpsfit.errors import XpsfitError
from xpsfit.io.readutil import Source, check_count, decode_text, nonfinite_warnings, parse_int
from xpsfit.io.regions import identify_region
from xpsfit.io.registry import Reader, register
from xpsfit.spectrum import Spectrum

_SECTION_RE = re.compile(r"^\[(Info|Region|Data|Run Mode Information)(?:\s+(\d+))?\]\s*$")


@dataclass
class _Region:
    """Everything read for region ``number`` (mutable while parsing)."""

    number: int
    keys: dict[str, str] = field(default_factory=dict)
    rows: list[tuple[int, str]] = field(default_factory=list)
    line: int = 0


def sniff(head: bytes, path: Path) -> int:
    """Score 95 for text starting with ``[Info]`` followed by a ``[Region`` section."""
    start = head.lstrip(b"\xef\xbb\xbf\r\n \t")
    return 95 if start.startswith(b"[Info]") and b"[Region" in head else 0


def _sections(lines: list[str], src: Source) -> list[_Region]:
    regions: dict[int, _Region] = {}
    current: _Region | None = None
    in_data = False
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        match = _SECTION_RE.match(line)
        if match:
            index = match.group(2)
            current = None
            if index is not None:
                n = parse_int(index, src, number, "section number", 1)
                current = regions.setdefault(n, _Region(n, line=number))
            in_data = match.group(1) == "Data"
            continue
        if current is None or not line:
            continue
        if in_data:
            current.rows.append((number, line))
        elif "=" in line:
            key, _, value = line.partition("=")
            current.keys.setdefault(key.strip(), value.strip())
    return [regions[k] for k in sorted(regions)]


def _matrix(region: _Region, src: Source) -> NDArray[np.float64]:
    if not region.rows:
        raise src.error(f"region {region.number} has no [Data] rows", region.line, "Data")
    widths = {len(text.split()) for _, text in region.rows}
    if len(widths) != 1 or min(widths) < 2:
        for number, text in region.rows:
            if len(text.split()) != len(region.rows[0][1].split()) or len(text.split()) < 2:
                raise src.error("data row has a different number of columns", number, "Data")
    width = widths.pop()
    try:
        flat = np.array(" ".join(t for _, t in region.rows).split(), dtype=np.float64)
    except ValueError:
        for number, text in region.rows:
            try:
                [float(v) for v in text.split()]
            except ValueError:
                raise src.error(f"not a number in {text[:40]!r}", number, "Data") from None
        raise src.error("unreadable data", region.line, "Data") from None
    return flat.reshape(len(region.rows), width)


def _float(keys: dict[str, str], key: str) -> float | None:
    try:
        value = float(keys.get(key, ""))
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def _axis(region: _Region, src: Source) -> tuple[NDArray[np.float64], NDArray[np.float64], bool]:
    """(data matrix, binding-energy axis in eV, whether the file's scale was kinetic)."""
    keys = region.keys
    declared = keys.get("Dimension 1 size", "")
    if declared:
        size = parse_int(declared, src, region.line, "Dimension 1 size", 1)
        check_count(size, len(region.rows), src, region.line, "Dimension 1 size")
    data = _matrix(region, src)
    energy = data[:, 0]
    if not np.all(np.isfinite(energy)):
        raise src.error("energy column holds non-finite values", region.rows[0][0], "Data")
    scale = keys.get("Energy Scale", "") or keys.get("Dimension 1 name", "")
    kinetic = scale.lower().startswith("kinetic")
    if kinetic:
        try:
            energy = kinetic_to_binding(energy, _float(keys, "Excitation Energy") or 0.0)
        except XpsfitError as exc:
            raise src.error(str(exc), region.line, "Excitation Energy") from None
    return data, energy, kinetic


def _region_spectra(region: _Region, src: Source) -> list[Spectrum]:
    keys = region.keys
    data, energy, kinetic = _axis(region, src)
    hv = _float(keys, "Excitation Energy") or 0.0
    name = keys.get("Region Name", "")
    ident = identify_region(name, float(energy.min()), float(energy.max()))
    steps = keys.get("Dimension 2 scale", "").split()
    step_time = _float(keys, "Step Time")
    sweeps = _float(keys, "Number of Sweeps")
    out = []
    for col in range(1, data.shape[1]):
        y = data[:, col]
        out.append(
            Spectrum(
                binding_energy=energy,
                intensity=y,
                region=ident.region,
                element=ident.element,
                transition=ident.transition,
                source_energy=hv,
                pass_energy=_float(keys, "Pass Energy"),
                scans=int(sweeps) if sweeps is not None and sweeps >= 0 else None,
                dwell_time=None if step_time is None else step_time / 1000.0,
                sample=keys.get("Sample", ""),
                source_file=src.name,
                block=f"region {region.number}" + (f" column {col}" if data.shape[1] > 2 else ""),
                metadata={
                    "format": "scienta",
                    "label": name,
                    "energy_axis": "kinetic" if kinetic else "binding",
                    "lens_mode": keys.get("Lens Mode", ""),
                    "acquisition_mode": keys.get("Acquisition Mode", ""),
                    "iteration": col - 1,
                    "iteration_name": keys.get("Dimension 2 name", ""),
                    "iteration_value": steps[col - 1] if col - 1 < len(steps) else "",
                    "intensity_unit": "counts",
                    "warnings": nonfinite_warnings(y, f"{name} column {col}"),
                },
            )
        )
    return out


def parse_scienta_bytes(data: bytes, name: str = "<memory>") -> list[Spectrum]:
    """Parse a Scienta SES ``.txt`` export held in memory.

    Returns
    -------
    list of Spectrum
        One per region and dimension-2 column, binding-energy axes in eV (kinetic scales are
        converted with the region's excitation energy), intensities in counts.

    Raises
    ------
    ParseError
        On a region without data, rows of unequal width, non-numbers, a declared size larger
        than the rows present, or a kinetic scale without excitation energy.
    """
    src = Source(name)
    regions = _sections(decode_text(data).splitlines(), src)
    if not regions:
        raise src.error("no [Region n] / [Data n] section found", 1, "Region")
    spectra: list[Spectrum] = []
    for region in regions:
        spectra.extend(_region_spectra(region, src))
    return spectra


def load(path: Path) -> list[Spectrum]:
    """Read a Scienta SES ``.txt`` file (see :func:`parse_scienta_bytes`)."""
    return parse_scienta_bytes(Path(path).read_bytes(), str(path))


READER = register(Reader("scienta-txt", (".txt",), sniff, load))
