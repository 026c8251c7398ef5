"""PHI MultiPak ``.spe`` spectra and ``.pro`` depth profiles.

Layout (little-endian): an ASCII header between the lines ``SOFH`` and ``EOFH`` (``Key: value``
lines; ``SpectralRegDef:`` gives each region's number, label, points and first/last binding
energy), then a binary section: four uint32 (group, number of entries, directory length, 16), a
directory of 96-byte entries (uint32 region number at byte 12, kind at 16, value count at 20,
number of sets at 24; data-type tag at 72, byte length at 76, offset from the start of the
binary section at 80), then the data. Kind 1 entries are spectra (one set of ``count`` values
per profile cycle, cycle-major); the kind 8 entry of a profile holds the sputter time of each
cycle (s) per region. Other kinds (area profiles, shifts, labels) are not needed to rebuild the
spectra.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from xpsfit.io.readutil import (
    Source,
    check_axis,
    check_count,
    decode_text,
    nonfinite_warnings,
    parse_float,
    parse_int,
)
from xpsfit.io.regions import identify_region
from xpsfit.io.registry import Reader, register
from xpsfit.spectrum import Spectrum

_ENTRY_BYTES = 96
_KIND_SPECTRUM = 1
_KIND_SPUTTER_TIME = 8
_SOURCES = {"Al": "Al Ka", "Mg": "Mg Ka", "Ag": "Ag La", "Cr": "Cr Ka"}


@dataclass(frozen=True)
class PhiRegion:
    """One ``SpectralRegDef`` header line: region ``number``, energies in eV, dwell in s."""

    number: int
    label: str
    points: int
    step: float
    start: float
    end: float
    dwell_time: float
    pass_energy: float
    line: int


@dataclass(frozen=True)
class PhiEntry:
    """One 96-byte directory entry of the binary section."""

    index: int
    region: int
    kind: int
    count: int
    sets: int
    dtype: str
    length: int
    offset: int


@dataclass(frozen=True)
class PhiHeader:
    """The ASCII header: ``Key: value`` pairs (and their line numbers), the regions, and where
    the binary part starts."""

    keys: dict[str, str]
    key_lines: dict[str, int]
    regions: tuple[PhiRegion, ...]
    binary_start: int


def sniff(head: bytes, path: Path) -> int:
    """Score 100 for content starting with ``SOFH``; 0 otherwise."""
    return 100 if head.lstrip(b"\xef\xbb\xbf\r\n \t").startswith(b"SOFH") else 0


def _region(value: str, src: Source, line: int) -> PhiRegion:
    parts = value.split()
    if len(parts) < 10:
        raise src.error("SpectralRegDef needs at least 10 fields", line, "SpectralRegDef")
    label = parts[2]
    # Labels may contain spaces ("Cu LMM"): the atomic number follows them.
    shift = 0
    while len(parts) - shift > 10 and not parts[3 + shift].lstrip("-").isdigit():
        label += " " + parts[3 + shift]
        shift += 1
    nums = parts[3 + shift :]
    return PhiRegion(
        number=parse_int(parts[0], src, line, "SpectralRegDef number", 0),
        label=label,
        points=parse_int(nums[1], src, line, "SpectralRegDef points", 1),
        step=parse_float(nums[2], src, line, "SpectralRegDef step"),
        start=parse_float(nums[3], src, line, "SpectralRegDef start energy"),
        end=parse_float(nums[4], src, line, "SpectralRegDef end energy"),
        dwell_time=parse_float(nums[7], src, line, "SpectralRegDef dwell") if len(nums) > 7 else 0,
        pass_energy=parse_float(nums[8], src, line, "SpectralRegDef pass energy")
        if len(nums) > 8
        else 0.0,
        line=line,
    )


def parse_header(data: bytes, src: Source) -> PhiHeader:
    """Parse the ``SOFH`` .. ``EOFH`` header.

    Raises
    ------
    ParseError
        Without ``SOFH``/``EOFH``, or on a malformed ``SpectralRegDef`` line.
    """
    start = data.find(b"SOFH")
    end = data.find(b"EOFH", start + 1)
    if start < 0 or end < 0 or data[:start].strip(b"\xef\xbb\xbf\r\n \t"):
        raise src.error("not a PHI file: SOFH ... EOFH header missing", 1, "SOFH")
    newline = data.find(b"\n", end)
    binary_start = len(data) if newline < 0 else newline + 1
    keys: dict[str, str] = {}
    key_lines: dict[str, int] = {}
    regions: list[PhiRegion] = []
    first_line = data[:start].count(b"\n") + 1
    for offset, raw in enumerate(decode_text(data[start:end]).splitlines()):
        key, sep, value = raw.partition(":")
        if not sep:
            continue
        key, value = key.strip(), value.strip()
        if key == "SpectralRegDef":
            regions.append(_region(value, src, first_line + offset))
        elif key not in keys:
            keys[key], key_lines[key] = value, first_line + offset
    return PhiHeader(keys, key_lines, tuple(regions), binary_start)


def _directory(binary: bytes, src: Source) -> list[PhiEntry]:
    if len(binary) < 16:
        raise src.error("binary section shorter than its 16-byte header", None, "binary header")
    _, n_entries, dir_len, head_len = struct.unpack_from("<4I", binary, 0)
    if (
        n_entries * _ENTRY_BYTES > len(binary) - 16
        or dir_len != n_entries * _ENTRY_BYTES
        or head_len != 16
    ):
        raise src.error(
            f"binary directory claims {n_entries} entries, the file holds at most "
            f"{(len(binary) - 16) // _ENTRY_BYTES}",
            None,
            "binary directory",
        )
    entries = []
    for i in range(n_entries):
        u = struct.unpack_from("<24I", binary, 16 + i * _ENTRY_BYTES)
        tag = binary[16 + i * _ENTRY_BYTES + 72 : 16 + i * _ENTRY_BYTES + 76]
        dtype = tag.rstrip(b"\x00 ").decode("latin-1")
        entries.append(PhiEntry(i + 1, u[3], u[4], u[5], u[6], dtype, u[19], u[20]))
    return entries


def _values(binary: bytes, entry: PhiEntry, src: Source) -> NDArray[np.float64]:
    """The entry's data as float64, after checking its declared size against the file."""
    n = entry.count * entry.sets
    check_count(n, len(binary) // 4, src, entry.index, "binary entry value count")
    if n == 0 or entry.length % n or entry.length // n not in (4, 8):
        raise src.error(
            f"entry {entry.index}: {entry.length} bytes do not hold {n} 4- or 8-byte values",
            entry.index,
            "binary entry length",
        )
    if entry.offset + entry.length > len(binary):
        raise src.error(
            f"entry {entry.index}: data run past the end of the file",
            entry.index,
            "binary entry offset",
        )
    # Spectral data are floating point; some writers tag float64 data "u8".
    code = "<f4" if entry.length // n == 4 else "<f8"
    with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf are flagged per spectrum
        return np.frombuffer(binary, code, n, entry.offset).astype(np.float64)


def _sputter_times(binary: bytes, entries: list[PhiEntry], src: Source) -> NDArray[np.float64]:
    """Sputter time per (region, cycle), s; an empty array when the file holds none."""
    for entry in entries:
        if entry.kind == _KIND_SPUTTER_TIME and entry.region == 0:
            return _values(binary, entry, src).reshape(entry.sets, entry.count)
    return np.zeros((0, 0))


def _source(header: PhiHeader, src: Source) -> tuple[str, float]:
    parts = header.keys.get("XraySource", "").split()
    if len(parts) < 2:
        return "", 0.0
    energy = parse_float(parts[1], src, header.key_lines.get("XraySource"), "XraySource")
    return _SOURCES.get(parts[0], parts[0]), energy


def _region_axis(
    header: PhiHeader, entry: PhiEntry, src: Source
) -> tuple[PhiRegion, NDArray[np.float64]]:
    """The header region of a spectral entry and its binding-energy axis (eV)."""
    matches = [r for r in header.regions if r.number == entry.region]
    if not matches:
        raise src.error(
            f"binary entry {entry.index} refers to region {entry.region}, which the header "
            "does not define",
            entry.index,
            "SpectralRegDef",
        )
    reg = matches[0]
    if reg.points != entry.count:
        raise src.error(
            f"region {reg.label}: header declares {reg.points} points, data hold {entry.count}",
            reg.line,
            "SpectralRegDef points",
        )
    # Channels run in the direction of the step: processed files may list start < end with a
    # negative step, and their data still run from high to low binding energy.
    first, last = reg.start, reg.end
    if (last - first) * reg.step < 0:
        first, last = last, first
    energy = np.linspace(first, last, reg.points)
    check_axis(energy, src, reg.line, "SpectralRegDef")
    return reg, energy


def _spectra_for(
    header: PhiHeader,
    entry: PhiEntry,
    values: NDArray[np.float64],
    times: NDArray[np.float64],
    src: Source,
) -> list[Spectrum]:
    reg, energy = _region_axis(header, entry, src)
    ident = identify_region(reg.label, float(energy.min()), float(energy.max()))
    label, source_energy = _source(header, src)
    profile = header.keys.get("FileType", "").upper() == "DEPTHPRO"
    common: dict[str, Any] = {
        "region": ident.region,
        "element": ident.element,
        "transition": ident.transition,
        "source_label": label,
        "source_energy": source_energy,
        "pass_energy": reg.pass_energy or None,
        "dwell_time": reg.dwell_time or None,
        "sample": header.keys.get("FileDesc", "") or Path(src.name).stem,
        "source_file": src.name,
    }
    meta = {
        "format": "phi",
        "label": reg.label,
        "technique": header.keys.get("Technique", ""),
        "instrument": header.keys.get("InstrumentModel", ""),
        "intensity_unit": "c/s",
    }
    out = []
    for cycle, intensity in enumerate(values.reshape(entry.sets, entry.count)):
        etch_time = None
        if profile and times.shape[0] >= entry.region and times.shape[1] > cycle:
            etch_time = abs(float(times[entry.region - 1, cycle]))
        warnings = nonfinite_warnings(intensity, f"{reg.label} cycle {cycle + 1}")
        out.append(
            Spectrum(
                binding_energy=energy,
                intensity=intensity,
                block=f"{reg.number}:{reg.label}" + (f":cycle{cycle + 1}" if profile else ""),
                etch_level=cycle if profile else None,
                etch_time=etch_time,
                metadata={**meta, "cycle": cycle + 1, "warnings": warnings},
                **common,
            )
        )
    return out


def parse_phi_bytes(data: bytes, name: str = "<memory>") -> list[Spectrum]:
    """Parse a PHI ``.spe`` or ``.pro`` file held in memory.

    Parameters
    ----------
    data
        The whole file.
    name
        Name used in error messages and ``Spectrum.source_file``.

    Returns
    -------
    list of Spectrum
        One per region (``.spe``) or per region and cycle (``.pro``, with ``etch_level`` = cycle
        index from 0 and ``etch_time`` in s), binding-energy axes in eV, intensities in c/s.

    Raises
    ------
    ParseError
        On a missing header, a technique other than XPS, or a binary section that does not
        match the header (line = header line, or directory entry number for binary data).
    """
    src = Source(name)
    header = parse_header(data, src)
    technique = header.keys.get("Technique", "XPS").strip().upper()
    if technique not in ("XPS", "UPS", ""):
        raise src.error(f"unsupported PHI technique {technique!r} (only XPS)", None, "Technique")
    binary = data[header.binary_start :]
    entries = _directory(binary, src)
    times = _sputter_times(binary, entries, src)
    spectra: list[Spectrum] = []
    for entry in entries:
        if entry.kind == _KIND_SPECTRUM:
            spectra.extend(_spectra_for(header, entry, _values(binary, entry, src), times, src))
    if not spectra:
        raise src.error("the file holds no spectra", None, "binary directory")
    return spectra


def load(path: Path) -> list[Spectrum]:
    """Read a PHI MultiPak ``.spe``/``.pro`` file (see :func:`parse_phi_bytes`)."""
    return parse_phi_bytes(Path(path).read_bytes(), str(path))


READER = register(Reader("phi", (".spe", ".pro"), sniff, load))
