"""SPECS Prodigy and SpecsLab2 ``.xy`` exports.

Structure: ``#``-prefixed metadata lines, then for each ``# Group:`` and ``# Region:`` a block of
``# Key: value`` lines, then per ``# Cycle: c, Curve: k[, Scan: s]`` a ``# ColumnLabels:`` line
and whitespace-separated rows (energy, intensity[, transmission or scaling]). The energy axis is
binding or kinetic (``Energy Axis:`` / ``Kinetic Energy Axis:`` export settings, overridden by a
``# values in kinetic energy`` line before a region). Kinetic energies are Fermi-referenced, so
``BE = h*nu - KE`` (the work function is not subtracted again). Separately exported scans of one
cycle and curve are combined (mean of count rates, sum of counts); curves whose abscissa is not
an energy (``index`` columns of fixed-energy alignment scans, constant-final-state XAS) are
skipped with a warning. A malformed curve is dropped with a warning on the other spectra.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from xpsfit.energy import kinetic_to_binding
from xpsfit.errors import ParseError, XpsfitError
from xpsfit.io.readutil import Source, decode_text, nonfinite_warnings
from xpsfit.io.regions import identify_region
from xpsfit.io.registry import Reader, register
from xpsfit.spectrum import Spectrum

log = logging.getLogger(__name__)

_CURVE_RE = re.compile(r"#\s*Cycle:\s*(\d+)\s*,\s*Curve:\s*(\d+)(?:\s*,\s*Scan:\s*(\d+))?")
_KEY_RE = re.compile(r"#\s*([^:]{1,60}?)\s*:\s*(.*)$")
_SKIP_SCAN_MODES = ("constantfinalstate", "constantinitialstate")


@dataclass
class _Curve:
    """One block of rows under a ``# Cycle: c, Curve: k[, Scan: s]`` line (mutable while parsing)."""

    group: str
    region_index: int
    region: dict[str, str]
    kinetic: bool
    cycle: int
    curve: int
    line: int
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[int, str]] = field(default_factory=list)


def sniff(head: bytes, path: Path) -> int:
    """Score 90 for a SpecsLab/Prodigy ``# Created by:`` header, 0 otherwise."""
    start = head.lstrip(b"\xef\xbb\xbf\r\n \t")[:400]
    if start.startswith(b"# Created by:") and b"Specs" in start.replace(b"SPECS", b"Specs"):
        return 90
    if b"XY-Serializer Export Settings" in head[:2000]:
        return 80
    return 0


def _axis_setting(key: str, value: str) -> bool | None:
    """Kinetic (True) / binding (False) from an export-settings line, else ``None``."""
    k, v = key.lower(), value.lower()
    if k == "energy axis":
        return "kinetic" in v
    if k == "kinetic energy axis":
        return v.startswith("yes")
    return None


def _scan_lines(lines: list[str]) -> tuple[list[_Curve], bool]:
    """Walk the lines once and cut them into curves; returns (curves, counts_per_second)."""
    curves: list[_Curve] = []
    group, region, region_index = "", dict[str, str](), 0
    kinetic_default, pending_kinetic, cps = False, None, True
    current: _Curve | None = None
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("#"):
            if current is not None:
                current.rows.append((number, line))
            continue
        low = line.lower()
        if low.startswith("# values in"):
            pending_kinetic = "kinetic" in low
            continue
        curve_match = _CURVE_RE.match(line)
        if curve_match:
            current = _Curve(
                group, region_index, region,
                pending_kinetic if pending_kinetic is not None else kinetic_default,
                int(curve_match.group(1)), int(curve_match.group(2)), number,
            )  # fmt: skip
            curves.append(current)
            continue
        key_match = _KEY_RE.match(line)
        if not key_match:
            continue
        key, value = key_match.group(1).strip(), key_match.group(2).strip()
        setting = _axis_setting(key, value)
        if setting is not None:
            kinetic_default = setting
        elif key.lower() in ("count rate", "counts per second"):
            cps = "second" in value.lower() or value.lower().startswith("yes")
        elif key == "Group":
            group, current = value, None
        elif key == "Region":
            region, region_index, current = {"Region": value}, region_index + 1, None
            region["_line"] = str(number)
        elif key == "ColumnLabels" and current is not None:
            current.columns = value.split()
        elif current is None and region:
            region.setdefault(key, value)
    return curves, cps


def _rows(curve: _Curve, src: Source) -> NDArray[np.float64]:
    """The curve's rows as a (n, columns) float array; ParseError names the first bad line."""
    width = max(len(curve.columns), 2)
    try:
        flat = np.array(" ".join(text for _, text in curve.rows).split(), dtype=np.float64)
    except ValueError:
        flat = None
    if flat is None or flat.size != width * len(curve.rows):
        for number, text in curve.rows:
            parts = text.split()
            if len(parts) != width:
                raise src.error(f"expected {width} columns, found {len(parts)}", number, "data")
            for part in parts:
                try:
                    float(part)
                except ValueError:
                    raise src.error(f"not a number: {part[:40]!r}", number, "data") from None
        raise src.error("inconsistent data block", curve.line, "data")
    return flat.reshape(len(curve.rows), width)


def _energy(
    curve: _Curve, x: NDArray[np.float64], src: Source
) -> tuple[NDArray[np.float64], float]:
    """Binding-energy axis and photon energy (eV) of a curve."""
    hv_text = curve.region.get("Excitation Energy", "0")
    try:
        hv = float(hv_text)
    except ValueError:
        raise src.error(
            f"bad excitation energy {hv_text!r}", curve.line, "Excitation Energy"
        ) from None
    if not np.all(np.isfinite(x)):
        raise src.error("energy column holds non-finite values", curve.line, "energy")
    if not curve.kinetic:
        return x, hv
    try:
        return kinetic_to_binding(x, hv), hv
    except XpsfitError as exc:
        raise src.error(str(exc), curve.line, "Excitation Energy") from None


def _skip_reason(curve: _Curve) -> str | None:
    if curve.columns and curve.columns[0].lower() != "energy":
        return f"abscissa {curve.columns[0]!r} is not an energy"
    mode = curve.region.get("Scan Mode", "").replace(" ", "").lower()
    if mode in _SKIP_SCAN_MODES:
        return f"scan mode {curve.region.get('Scan Mode')} is not an XPS energy scan"
    if not curve.rows:
        return "no data rows"
    return None


def _spectrum(parts: list[tuple[_Curve, NDArray[np.float64]]], cps: bool, src: Source) -> Spectrum:
    """Combine the scans of one (group, region, cycle, curve) into a spectrum."""
    curve, first = parts[0]
    be, hv = _energy(curve, first[:, 0], src)
    stack = np.stack([rows[:, 1] for _, rows in parts])
    y = stack.mean(axis=0) if cps else stack.sum(axis=0)
    name = curve.region.get("Region", "")
    ident = identify_region(name, float(be.min()), float(be.max()))
    order = np.argsort(be, kind="stable")
    meta: dict[str, object] = {
        "format": "specs",
        "group": curve.group,
        "label": name,
        "cycle": curve.cycle,
        "curve": curve.curve,
        "scans_combined": len(parts),
        "scan_mode": curve.region.get("Scan Mode", ""),
        "intensity_unit": "c/s" if cps else "counts",
        "work_function": curve.region.get("Eff. Workfunction", ""),
        "energy_axis": "kinetic" if curve.kinetic else "binding",
        "warnings": nonfinite_warnings(y, f"{name} cycle {curve.cycle}"),
    }
    if len(curve.columns) > 2 and curve.columns[2].lower() == "transmission":
        meta["transmission"] = tuple(float(v) for v in first[order, 2])
    scans = curve.region.get("Number of Scans", "")
    return Spectrum(
        binding_energy=be[order],
        intensity=y[order],
        region=ident.region,
        element=ident.element,
        transition=ident.transition,
        source_energy=hv,
        pass_energy=_number(curve.region.get("Pass Energy")),
        scans=len(parts) if len(parts) > 1 or not scans.isdigit() else int(scans),
        dwell_time=_number(curve.region.get("Dwell Time")),
        sample=curve.group,
        source_file=src.name,
        block=f"{curve.group}/{name}/cycle {curve.cycle}/curve {curve.curve}",
        metadata=meta,
    )


def _number(text: str | None) -> float | None:
    try:
        value = float(text or "")
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def _combine(curves: list[_Curve], cps: bool, src: Source, warnings: list[str]) -> list[Spectrum]:
    """Group curves by (group, region, cycle, curve), combining scans on identical axes."""
    groups: dict[tuple[str, int, int, int], list[list[tuple[_Curve, NDArray[np.float64]]]]] = {}
    for curve in curves:
        reason = _skip_reason(curve)
        if reason is not None:
            warnings.append(f"line {curve.line}: curve skipped: {reason}")
            continue
        try:
            rows = _rows(curve, src)
        except ParseError as exc:
            warnings.append(f"curve skipped: {exc}")
            continue
        runs = groups.setdefault((curve.group, curve.region_index, curve.cycle, curve.curve), [])
        if runs and np.array_equal(runs[-1][0][1][:, 0], rows[:, 0]):
            runs[-1].append((curve, rows))
        else:
            runs.append([(curve, rows)])
    out: list[Spectrum] = []
    for runs in groups.values():
        for parts in runs:
            try:
                out.append(_spectrum(parts, cps, src))
            except ParseError as exc:
                warnings.append(f"curve skipped: {exc}")
    return out


def parse_specs_bytes(data: bytes, name: str = "<memory>") -> list[Spectrum]:
    """Parse a SPECS ``.xy`` export held in memory.

    Parameters
    ----------
    data
        The whole file (UTF-8 or latin-1).
    name
        Name used in error messages and ``Spectrum.source_file``.

    Returns
    -------
    list of Spectrum
        One per group, region, cycle and curve (scans combined), binding-energy axes in eV;
        ``sample`` is the group name; ``metadata`` holds group, cycle, transmission (if
        exported) and ``warnings`` (skipped curves, non-finite intensities).

    Raises
    ------
    ParseError
        If no curve can be read (the first problem found is reported with its line).
    """
    src = Source(name)
    curves, cps = _scan_lines(decode_text(data).splitlines())
    if not curves:
        raise src.error("no '# Cycle: n, Curve: m' data block found", 1, "Cycle")
    warnings: list[str] = []
    spectra = _combine(curves, cps, src, warnings)
    if not spectra:
        raise src.error(f"no readable spectrum: {'; '.join(warnings[:3])}", None, "data")
    for w in warnings:
        log.info("%s: %s", name, w)
    if warnings:
        spectra = [
            s.replace(metadata={**s.metadata, "warnings": (*s.metadata["warnings"], *warnings)})
            for s in spectra
        ]
    return spectra


def load(path: Path) -> list[Spectrum]:
    """Read a SPECS ``.xy`` file (see :func:`parse_specs_bytes`)."""
    return parse_specs_bytes(Path(path).read_bytes(), str(path))


READER = register(Reader("specs-xy", (".xy",), sniff, load))
