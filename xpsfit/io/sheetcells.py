"""Cell values of spreadsheet rows: text, numbers, label/value pairs and the fields they give.

Shared by the workbook readers: acquisition parameters written as ``label | value`` cells
(pass energy, scans, dwell time, source), and peak tables such as Avantage's
``Quantifications`` sheet.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from xpsfit.spectrum import SOURCE_ENERGIES

_NUMBER_RE = re.compile(r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?")
_PEAK_FIELDS = (
    (re.compile(r"peak be|position", re.IGNORECASE), "position_ev"),
    (re.compile(r"fwhm", re.IGNORECASE), "fwhm_ev"),
    (re.compile(r"^area", re.IGNORECASE), "area"),
    (re.compile(r"atomic|at\.?\s*%", re.IGNORECASE), "atomic_percent"),
)
#: Values at or above this are VAMAS "not known" fillers (1e37).
_UNKNOWN = 1e30


def cell_text(value: object) -> str:
    """A text cell stripped of spaces and byte-order marks; ``""`` for any other cell."""
    return value.replace("\ufeff", "").strip() if isinstance(value, str) else ""


def cell_number(value: object) -> float | None:
    """A cell as a float (numbers and numeric text), else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value.strip():
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def cell_name(column: int, row: int) -> str:
    """``"C17"`` from a 0-based column and a 1-based row."""
    letters, n = "", column + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


def cell_at(row: Sequence[object], column: int) -> object:
    """The value at a 0-based column of a row, ``None`` past its end."""
    return row[column] if column < len(row) else None


def label_pairs(rows: Sequence[Sequence[object]]) -> list[tuple[str, object]]:
    """``(label, value)`` pairs: a text cell followed, in the same row, by a non-empty cell.

    A trailing ``:`` or ``=`` is removed from labels (``Elements=`` -> ``Elements``).
    """
    pairs: list[tuple[str, object]] = []
    for row in rows:
        c = 0
        while c < len(row) - 1:
            label = cell_text(row[c]).rstrip(":=").strip()
            value = row[c + 1]
            filled = value is not None and (not isinstance(value, str) or bool(value.strip()))
            if label and cell_number(row[c]) is None and filled:
                pairs.append((label, value))
                c += 2
            else:
                c += 1
    return pairs


def first_number(value: object) -> float | None:
    """The first number of a cell (``"50.0 eV"`` -> 50.0); ``None`` for none, non-finite
    values and VAMAS "unknown" fillers (1e37)."""
    number = cell_number(value)
    if number is None and isinstance(value, str):
        match = _NUMBER_RE.search(value)
        number = float(match.group()) if match else None
    if number is None or not math.isfinite(number) or abs(number) >= _UNKNOWN:
        return None
    return number


def acquisition(pairs: Sequence[tuple[str, object]]) -> dict[str, Any]:
    """Spectrum fields from acquisition-parameter pairs (pass energy, source, scans...).

    Returns keyword arguments of :class:`~xpsfit.spectrum.Spectrum`: ``pass_energy`` (eV),
    ``scans``, ``dwell_time`` (s; ``ms`` values converted), ``source_label``,
    ``source_energy`` (eV; from a stated photon energy or an Al/Mg/Ag/Cr source name) and
    ``sample``.
    """
    fields: dict[str, Any] = {}
    for label, value in pairs:
        key, number = label.lower(), first_number(value)
        if key == "pass energy" and number is not None and number > 0:
            fields["pass_energy"] = number
        elif key in ("number of scans", "no. scans", "scans") and number is not None:
            fields["scans"] = int(number) if number >= 1 and number == int(number) else None
        elif key in ("dwell time", "collection time") and number is not None and number > 0:
            unit_ms = isinstance(value, str) and "ms" in value.lower()
            fields["dwell_time"] = number / 1000.0 if unit_ms else number
        elif key in ("source energy", "photon energy", "excitation energy") and number:
            if 0 < number < 1e6:
                fields["source_energy"] = number
        elif key in ("source label", "source gun type", "source", "x-ray source"):
            fields["source_label"] = cell_text(value) or str(value)
        elif key in ("sample id", "sample"):
            fields["sample"] = cell_text(value) or str(value)
    label = str(fields.get("source_label", ""))
    if "source_energy" not in fields:
        for name, energy in SOURCE_ENERGIES.items():
            if re.search(rf"\b{name.split()[0]}\b", label, re.IGNORECASE):
                fields["source_energy"] = energy
    return {k: v for k, v in fields.items() if v is not None}


def peak_table(rows: Sequence[Sequence[object]]) -> tuple[dict[str, Any], ...]:
    """Rows of an Avantage ``Quantifications`` sheet as dicts (``name``, ``position_ev``...)."""
    for r, row in enumerate(rows):
        names = [cell_text(v) for v in row]
        if "Name" not in names:
            continue
        name_col = names.index("Name")
        fields = {
            c: key
            for c, text in enumerate(names)
            for pattern, key in _PEAK_FIELDS
            if c != name_col and text and pattern.search(text)
        }
        peaks = []
        for data in rows[r + 1 :]:
            name = cell_text(cell_at(data, name_col))
            if not name:
                break
            entry: dict[str, Any] = {"name": name}
            entry.update({key: cell_number(cell_at(data, c)) for c, key in fields.items()})
            peaks.append(entry)
        return tuple(peaks)
    return ()
