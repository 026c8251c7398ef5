"""Group the spectra of one acquisition by sample and etch (sputter) level.

Where the level comes from, per spectrum, in order:

1. a chosen ``variable``: a VAMAS experiment variable (``metadata["experiment_variables"]``,
   matched by label, e.g. ``"Angle"``) or a plain metadata key (``"cycle"`` of SPECS groups,
   ``"iteration"`` of Scienta files);
2. ``Spectrum.etch_level`` (PHI ``.pro`` cycles, profile columns of text exports, VAMAS
   ``Etch Level`` variables);
3. ``Spectrum.etch_time`` (VAMAS ``Etch Time`` variables).

Within a sample the distinct values are ranked to give levels 0, 1, 2...; a sample whose
spectra share one value is not a profile (level ``None``, e.g. VAMAS files whose etch time is 0
everywhere). Explicit ``etch_level`` numbers are kept as they are.

For folders of text files, :func:`read_folder` takes the sample, level and region from each
file name (a regular expression with named groups ``sample``, ``level``, ``time`` (s),
``region``) or from a small CSV table (columns ``file, sample, level[, etch_time][, region]``).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from xpsfit.errors import ParseError
from xpsfit.io import read
from xpsfit.io.regions import identify_region
from xpsfit.spectrum import Spectrum


@dataclass(frozen=True)
class Group:
    """The spectra of one sample at one etch level.

    Parameters
    ----------
    sample
        Sample identifier ("" when unknown).
    level
        Etch level (0 = as received), ``None`` when the sample is not a depth profile.
    etch_time
        Cumulative sputter time of the level, s, when known.
    spectra
        The spectra, in input order.
    """

    sample: str
    level: int | None
    etch_time: float | None
    spectra: tuple[Spectrum, ...]


def _variable(spectrum: Spectrum, name: str) -> float | None:
    wanted = name.strip().lower()
    for entry in spectrum.metadata.get("experiment_variables", ()):
        if len(entry) >= 3 and str(entry[0]).strip().lower().startswith(wanted):
            value = entry[2]
            return float(value) if isinstance(value, int | float) else None
    value = spectrum.metadata.get(name)
    return float(value) if isinstance(value, int | float) else None


def level_value(spectrum: Spectrum, variable: str | None = None) -> tuple[str, float | None]:
    """The quantity that orders a spectrum in its profile: ``(source, value)``.

    ``source`` is ``"variable"``, ``"etch_level"``, ``"etch_time"`` or ``"none"``.
    """
    if variable is not None:
        return "variable", _variable(spectrum, variable)
    if spectrum.etch_level is not None:
        return "etch_level", float(spectrum.etch_level)
    if spectrum.etch_time is not None:
        return "etch_time", spectrum.etch_time
    return "none", None


def assign_levels(spectra: Sequence[Spectrum], variable: str | None = None) -> list[Spectrum]:
    """Return the spectra with ``etch_level`` set from their level values (see module notes)."""
    by_sample: dict[str, list[int]] = {}
    for i, s in enumerate(spectra):
        by_sample.setdefault(s.sample, []).append(i)
    out = list(spectra)
    for indices in by_sample.values():
        keyed = [(i, *level_value(spectra[i], variable)) for i in indices]
        values = sorted({v for _, _, v in keyed if v is not None})
        for i, source, value in keyed:
            if source == "etch_level" and value is not None:
                level: int | None = int(value)
            elif value is None or len(values) < 2:
                level = None
            else:
                level = values.index(value)
            if level != out[i].etch_level:
                out[i] = out[i].replace(etch_level=level)
    return out


def group_spectra(spectra: Sequence[Spectrum], variable: str | None = None) -> list[Group]:
    """Group spectra by (sample, etch level), sorted by sample then level (``None`` first).

    Parameters
    ----------
    spectra
        Spectra of one or more acquisitions.
    variable
        Experiment variable or metadata key that defines the levels (see module notes).
    """
    groups: dict[tuple[str, int | None], list[Spectrum]] = {}
    for s in assign_levels(spectra, variable):
        groups.setdefault((s.sample, s.etch_level), []).append(s)
    out = []
    for (sample, level), members in groups.items():
        times = {m.etch_time for m in members if m.etch_time is not None}
        etch_time = min(times) if times else None
        out.append(Group(sample, level, etch_time, tuple(members)))
    return sorted(out, key=lambda g: (g.sample, -1 if g.level is None else g.level))


@dataclass(frozen=True)
class FileInfo:
    """What a file name or table row says about a file: sample, level, etch time (s), region."""

    sample: str = ""
    level: int | None = None
    etch_time: float | None = None
    region: str = ""


def _int(text: str | None, where: str) -> int | None:
    if text is None or not text.strip():
        return None
    try:
        return int(text)
    except ValueError:
        raise ParseError(f"level {text!r} is not an integer", file=where, field="level") from None


def _float(text: str | None, where: str) -> float | None:
    if text is None or not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        raise ParseError(f"etch time {text!r} is not a number", file=where, field="time") from None


def info_from_name(path: str | os.PathLike[str], pattern: str) -> FileInfo:
    """Match a file name (without folder) against a regex with named groups.

    Raises
    ------
    ParseError
        If the name does not match or a level/time is not a number.
    """
    name = Path(path).name
    match = re.search(pattern, name)
    if match is None:
        raise ParseError(f"file name does not match the pattern {pattern!r}", file=str(path))
    found = match.groupdict()
    return FileInfo(
        sample=found.get("sample") or "",
        level=_int(found.get("level"), str(path)),
        etch_time=_float(found.get("time"), str(path)),
        region=found.get("region") or "",
    )


def read_table(text: str, source: str = "<table>") -> dict[str, FileInfo]:
    """Parse a CSV table ``file, sample, level[, etch_time][, region]`` (header row required)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or "file" not in rows[0]:
        raise ParseError("the table needs a header row with a 'file' column", file=source, line=1)
    table = {}
    for number, row in enumerate(rows, start=2):
        where = f"{source}:{number}"
        table[row["file"].strip()] = FileInfo(
            sample=(row.get("sample") or "").strip(),
            level=_int(row.get("level"), where),
            etch_time=_float(row.get("etch_time"), where),
            region=(row.get("region") or "").strip(),
        )
    return table


def _apply(spectrum: Spectrum, info: FileInfo) -> Spectrum:
    changes: dict[str, object] = {}
    if info.sample:
        changes["sample"] = info.sample
    if info.level is not None:
        changes["etch_level"] = info.level
    if info.etch_time is not None:
        changes["etch_time"] = info.etch_time
    if info.region:
        be = spectrum.binding_energy
        ident = identify_region(info.region, float(be[0]), float(be[-1]))
        changes.update(region=ident.region, element=ident.element, transition=ident.transition)
    return spectrum.replace(**changes) if changes else spectrum


def read_folder(
    paths: Iterable[str | os.PathLike[str]],
    pattern: str | None = None,
    table: dict[str, FileInfo] | None = None,
) -> list[Spectrum]:
    """Read text files of one profile and label them from their names or a table.

    Parameters
    ----------
    paths
        The files.
    pattern
        Regular expression with named groups ``sample``, ``level``, ``time`` (s), ``region``.
    table
        File name -> :class:`FileInfo` (from :func:`read_table`); takes precedence.

    Raises
    ------
    ParseError
        If a file cannot be read, or is neither matched by the pattern nor listed.
    """
    out: list[Spectrum] = []
    for path in sorted(Path(p) for p in paths):
        if table is not None and path.name in table:
            info = table[path.name]
        elif pattern is not None:
            info = info_from_name(path, pattern)
        else:
            raise ParseError("file is not listed in the table", file=str(path))
        out.extend(_apply(s, info) for s in read(path))
    return out
