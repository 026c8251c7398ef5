"""Column text files: CSV/TSV/whitespace tables and the text exports of common XPS programs.

The file is cut into *blocks*: runs of at least :data:`MIN_BLOCK_ROWS` consecutive lines whose
fields (split by the sniffed delimiter) are all numbers. The non-numeric lines before a block
are its *context*: they give the column names (the nearest line with as many fields), the
region (``Cycle n:sample:region`` of CasaXPS exports, ``Element Bi 4f;`` of PHI ASCII exports,
a lone label such as ``Ti2p`` of MultiPak CSV, a column name such as ``BE_C 1s``, else the file
name, else the energy range), the photon energy (``Characteristic Energy``, ``Photon Energy``,
``hv=``, ``Anode Mg``) and the energy kind. Three layouts are recognised per block:

* energy + intensity (+ any other columns, e.g. CasaXPS components): the binding-energy column
  (``B.E.``, ``BE``...) is preferred, else the first column; the intensity column is the one
  named like counts/CPS/intensity next to it, else the next column. Without names and with
  more than two columns, a last column equal to the sum of the others is taken as the total.
* profile columns (MultiPak and M-DaC depth exports): every column after the energy is named by
  a number (cycle or sputter time) and becomes one spectrum per etch level.
* paired columns (M-DaC multi-region exports): ``#legend`` names N regions and the block holds
  2N columns of (energy, intensity) pairs.

The energy kind comes from the energy column's name (``K.E.``, ``E_kin``, ``Kinetic`` ->
kinetic; ``B.E.``, ``BE``, ``Binding`` -> binding), else from the context words, else binding
(recorded as a warning). Kinetic energies are converted with ``BE = h*nu - KE``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from xpsfit.data.core_levels import CORE_LEVELS
from xpsfit.energy import kinetic_to_binding
from xpsfit.errors import XpsfitError
from xpsfit.io.readutil import Source, decode_text, nonfinite_warnings
from xpsfit.io.regions import RegionId, identify_region, parse_label
from xpsfit.io.registry import Reader, register
from xpsfit.io.textcolumns import Block, cut_blocks, sniff_delimiter
from xpsfit.spectrum import SOURCE_ENERGIES, Spectrum

EnergyKind = Literal["binding", "kinetic"]

_KINETIC_RE = re.compile(r"\bk\.?\s?e\.?\b|e_?kin|kinetic", re.IGNORECASE)
_BINDING_RE = re.compile(r"\bb\.?\s?e\.?\b|\bbe[_ /(]|^be$|e_?bin|binding", re.IGNORECASE)
_INTENSITY_RE = re.compile(r"^(cps|counts?|c/s|intensity|raw|sum|in\w*|int)", re.IGNORECASE)
_HV_RE = re.compile(
    r"(photon energy|excitation energy|characteristic energy|(?<![a-z])hv|h\*nu)\D{0,14}?(\d+(?:\.\d+)?(?:e[+-]?\d+)?)",
    re.IGNORECASE,
)
_ANODE_RE = re.compile(r"\banode\s+(Al|Mg)\b", re.IGNORECASE)
_CASA_RE = re.compile(r"^Cycle\s+(\d+):([^:]*):(.+)$")
_ELEMENT_RE = re.compile(r"^Element\s+([^;]+);")
_TIME_RE = re.compile(r"sputter time[^\n]*\bmin\b", re.IGNORECASE)
_NOT_ENERGY_RE = re.compile(
    r"depth_intensity|sputter time|etch time|\bat\.?\s?%|atomic conc", re.IGNORECASE
)


@dataclass(frozen=True)
class TextOptions:
    """Overrides for what cannot be read from a file: energy kind and photon energy (eV)."""

    energy_kind: EnergyKind | None = None
    source_energy: float | None = None


def sniff(head: bytes, path: Path) -> int:
    """Score 10 for text with a numeric table, 2 for other text (so that the user learns that
    no table was found), 0 for binary data."""
    if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return 0
    lines = decode_text(head).splitlines()[:-1] or decode_text(head).splitlines()
    return 10 if cut_blocks(lines, sniff_delimiter(lines)) else 2


def guess_energy_kind(text: str) -> EnergyKind | None:
    """``"kinetic"``/``"binding"`` from words such as ``K.E.``, ``E_kin``, ``BE``; else ``None``."""
    kinetic, binding = _KINETIC_RE.search(text), _BINDING_RE.search(text)
    if kinetic and not binding:
        return "kinetic"
    if binding and not kinetic:
        return "binding"
    if kinetic and binding:
        return "kinetic" if kinetic.start() < binding.start() else "binding"
    return None


def _source_energy(context: str, options: TextOptions) -> float:
    if options.source_energy is not None:
        return options.source_energy
    match = _HV_RE.search(context)
    if match:
        value = float(match.group(2))
        if 0 < value < 1e6:
            return value
    anode = _ANODE_RE.search(context)
    return SOURCE_ENERGIES[f"{anode.group(1).capitalize()} Ka"] if anode else 0.0


def _label(block: Block, name: str) -> tuple[str, str, int | None]:
    """(region label, sample, CasaXPS cycle) from the block context, column names or file name."""
    for line in reversed(block.context):
        text = line.strip().strip(",;\t ")
        casa = _CASA_RE.match(text)
        if casa:
            return casa.group(3).strip(), casa.group(2).strip(), int(casa.group(1))
        element = _ELEMENT_RE.match(text)
        if element:
            return element.group(1).strip(), "", None
        if 0 < len(text) <= 24 and parse_label(text) is not None:
            return text, "", None
    for column in block.names:
        if parse_label(re.sub(r"^(BE|KE|CPS)_", "", column)) is not None:
            return re.sub(r"^(BE|KE|CPS)_", "", column).strip(), "", None
    stem = Path(name).stem
    return (stem if parse_label(stem) is not None else ""), "", None


def _energy_column(names: Sequence[str]) -> int:
    for i, col in enumerate(names):
        if _BINDING_RE.search(col):
            return i
    return 0


def _intensity_column(names: Sequence[str], energy: int, data: NDArray[np.float64]) -> int:
    n = int(data.shape[1])
    if energy + 1 < n and _INTENSITY_RE.match(names[energy + 1] or ""):
        return energy + 1
    for i, col in enumerate(names):
        if i != energy and col and _INTENSITY_RE.match(col) and not _BINDING_RE.search(col):
            return i
    if not any(names) and n > 3:
        total = np.nansum(data[:, 1:-1], axis=1)
        if np.allclose(total, data[:, -1], rtol=0.01, atol=2.0, equal_nan=True):
            return n - 1
    return energy + 1 if energy + 1 < n else (1 if energy == 0 else 0)


@dataclass(frozen=True)
class _Column:
    """One spectrum to build: energy and intensity column indices plus what they describe."""

    energy: int
    intensity: int
    label: str
    level: int | None = None
    level_value: float | None = None


def _plan(block: Block, legend: list[str], label: str) -> list[_Column]:
    names, n = block.names, block.data.shape[1]
    if not any(names) and legend and n == 2 * len(legend):
        return [_Column(2 * i, 2 * i + 1, legend[i]) for i in range(len(legend))]
    tail = [c for c in names[1:] if c]
    if n > 2 and len(tail) == n - 1 and all(_is_number(c) for c in tail):
        return [_Column(0, i, label, i - 1, float(names[i])) for i in range(1, n)]
    energy = _energy_column(names)
    return [_Column(energy, _intensity_column(names, energy, block.data), label)]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _kind(
    block: Block, col: _Column, context: str, options: TextOptions
) -> tuple[EnergyKind, bool]:
    """Energy kind of a column and whether it was assumed."""
    if options.energy_kind is not None:
        return options.energy_kind, False
    kind = guess_energy_kind(block.names[col.energy]) if block.names[col.energy] else None
    kind = kind or guess_energy_kind(context)
    return (kind, False) if kind else ("binding", True)


def _kind_from_level(label: str, x: NDArray[np.float64], hv: float) -> EnergyKind | None:
    """Kinetic when the labelled level lies in ``hv - x`` but not in ``x`` (needs hv > 0)."""
    ident = parse_label(label)
    if ident is None or not ident.element or hv <= 0:
        return None
    levels = [cl.binding_energy for cl in CORE_LEVELS if cl.element == ident.element]
    lo, hi = float(np.min(x)), float(np.max(x))
    as_be = any(lo <= e <= hi for e in levels)
    as_ke = any(hv - hi <= e <= hv - lo for e in levels)
    return "kinetic" if as_ke and not as_be else None


def _build(
    block: Block, col: _Column, context: str, src: Source, options: TextOptions, sample: str
) -> Spectrum:
    keep = np.isfinite(block.data[:, col.energy])
    x, y = block.data[keep, col.energy], block.data[keep, col.intensity]
    if x.size < 2:
        raise src.error("block holds fewer than 2 energies", block.first_line, "energy")
    kind, assumed = _kind(block, col, context, options)
    hv = _source_energy(context + "\n" + src.name, options)
    if assumed and _kind_from_level(col.label, x, hv) == "kinetic":
        kind, assumed = "kinetic", False
    warnings: list[str] = []
    if assumed:
        warnings.append("energy kind not stated in the file; binding energy assumed")
    if kind == "kinetic":
        try:
            x = kinetic_to_binding(x, hv)
        except XpsfitError as exc:
            raise src.error(str(exc), block.first_line, "energy") from None
    ident: RegionId = identify_region(col.label, float(x.min()), float(x.max()))
    warnings.extend(nonfinite_warnings(y, ident.region or "spectrum"))
    etch_time = None
    if col.level_value is not None and _TIME_RE.search(context):
        etch_time = 60.0 * col.level_value
    return Spectrum(
        binding_energy=x,
        intensity=y,
        region=ident.region,
        element=ident.element,
        transition=ident.transition,
        source_energy=hv,
        sample=sample,
        source_file=src.name,
        block=f"line {block.first_line}" + (f" column {col.intensity + 1}" if col.level else ""),
        etch_level=col.level,
        etch_time=etch_time,
        metadata={
            "format": "text",
            "label": col.label,
            "energy_axis": kind,
            "columns": tuple(block.names),
            "first_line": block.first_line,
            "warnings": tuple(warnings),
        },
    )


def _legend(preamble: Sequence[str]) -> list[str]:
    for line in preamble:
        if line.lower().startswith("#legend"):
            return [p.strip() for p in line.split(",")[1:] if p.strip()]
    return []


def parse_text_bytes(
    data: bytes, name: str = "<memory>", options: TextOptions | None = None
) -> list[Spectrum]:
    """Parse a column text file held in memory.

    Parameters
    ----------
    data
        The whole file (UTF-8, UTF-16 with BOM, or latin-1).
    name
        Name used in messages, for ``Spectrum.source_file`` and as a last-resort region label.
    options
        Energy kind / photon energy (eV) to use instead of what the file says.

    Returns
    -------
    list of Spectrum
        One per block (or per profile column / column pair), binding-energy axes in eV.

    Raises
    ------
    ParseError
        If the file holds no numeric table of at least two columns, or a block cannot be
        converted (e.g. kinetic energies without a photon energy).
    """
    src, opts = Source(name), options or TextOptions()
    lines = decode_text(data).splitlines()
    blocks = cut_blocks(lines, sniff_delimiter(lines))
    if not blocks:
        raise src.error("no numeric table of two or more columns found", 1, "data")
    preamble = blocks[0].context
    legend = _legend(preamble)
    spectra: list[Spectrum] = []
    skipped: list[str] = []
    for index, block in enumerate(blocks):
        if index > 0 and any(_NOT_ENERGY_RE.search(line) for line in block.context):
            skipped.append(f"line {block.first_line}: table skipped: abscissa is not an energy")
            continue
        label, sample, _ = _label(block, name)
        context = "\n".join([*preamble, *block.context, *block.names])
        plan = _plan(block, legend if len(blocks) == 1 else [], label)
        if legend and len(blocks) == len(legend):
            plan = [
                _Column(c.energy, c.intensity, legend[index], c.level, c.level_value) for c in plan
            ]
        spectra.extend(_build(block, col, context, src, opts, sample) for col in plan)
    if skipped:
        spectra = [
            s.replace(metadata={**s.metadata, "warnings": (*s.metadata["warnings"], *skipped)})
            for s in spectra
        ]
    return spectra


def load(path: Path) -> list[Spectrum]:
    """Read a column text file (see :func:`parse_text_bytes`)."""
    return parse_text_bytes(Path(path).read_bytes(), str(path))


READER = register(Reader("text", (".txt", ".csv", ".tsv", ".dat"), sniff, load))
