"""CasaXPS and KherveFitting constraint forms <-> :class:`~xpsfit.spec.Param` / :class:`~xpsfit.spec.Link`.

Both programs name the components of a region by letters in table order (``A`` is the first,
``Z`` the 26th, then ``AA``, ``AB``...) and write one constraint string per parameter:

============== ============================================== ==================================
string         meaning                                        structured form
============== ============================================== ==================================
``""``         free, unbounded                                ``Param(v)``
``"Fixed"``    fixed at the current value (KherveFitting)     ``Param(v, vary=False)``
``"1.2:2.5"``  bounds (``"1.2,2.5"`` in KherveFitting files)  ``Param(v, 1.2, 2.5)``
``"A*0.5"``    ratio to A's same parameter                    ``Link("A-id", "ratio", 0.5)``
``"A*1"``      equal to A's                                   ``Link("A-id", "equal")``
``"A+15.1"``   offset from A's (``"A-1.2"`` below it)         ``Link("A-id", "offset", 15.1)``
``"A+1.2#0.1"`` offset (or ratio) within +- tolerance         ``Link(..., 1.2, tolerance=0.1)``
============== ============================================== ==================================

Energies are binding energies (eV). CasaXPS also stores constraints numerically inside VAMAS
``CASA comp`` lines (``value min max ref factor`` per parameter, positions in kinetic energy);
:func:`casa_fields_to_param` reads that form.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Literal

from xpsfit.errors import SpecError
from xpsfit.spec import Link, Param

__all__ = [
    "casa_fields_to_param",
    "component_letter",
    "constraint_to_param",
    "letter_index",
    "param_to_constraint",
]

_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?inf"
_RANGE_RE = re.compile(rf"^\s*({_NUMBER})\s*[:,]\s*({_NUMBER})\s*$")
_LINK_RE = re.compile(rf"^\s*([A-Z]+)\s*([*+-])\s*({_NUMBER})\s*(?:#\s*({_NUMBER}))?\s*$")
_FIXED = ("fixed", "fix")


def component_letter(index: int) -> str:
    """The letter name of the component at 0-based ``index``: 0 -> ``A``, 26 -> ``AA``."""
    if index < 0:
        raise SpecError(f"component index must be >= 0, got {index}")
    out = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(ord("A") + rem) + out
    return out


def letter_index(letter: str) -> int:
    """The 0-based component index of a letter name: ``A`` -> 0, ``AA`` -> 26.

    Raises
    ------
    SpecError
        If ``letter`` is not made of the capital letters A-Z.
    """
    if not letter or not all("A" <= ch <= "Z" for ch in letter):
        raise SpecError(f"{letter!r} is not a component letter (A, B, ..., Z, AA, ...)")
    n = 0
    for ch in letter:
        n = n * 26 + (ord(ch) - ord("A") + 1)
    return n - 1


def _ref(letter: str, ids: Sequence[str], text: str) -> str:
    idx = letter_index(letter)
    if idx >= len(ids):
        raise SpecError(
            f"constraint {text!r} refers to component {letter}, but there are only "
            f"{len(ids)} components ({', '.join(ids)})"
        )
    return ids[idx]


def constraint_to_param(text: str | None, value: float, ids: Sequence[str]) -> Param:
    """Turn a CasaXPS / KherveFitting constraint string into a :class:`Param`.

    Parameters
    ----------
    text
        The constraint (``None`` or blank: free and unbounded).
    value
        The parameter's current value (eV for positions and widths).
    ids
        Component ids in the program's table order: letter ``A`` is ``ids[0]``.

    Returns
    -------
    Param
        The structured parameter; links keep ``value`` as their start value.

    Raises
    ------
    SpecError
        For an unreadable string, an empty range (low > high), a negative tolerance or a
        letter beyond ``ids``.
    """
    raw = (text or "").strip()
    if not raw:
        return Param(value)
    if raw.lower() in _FIXED:
        return Param(value, vary=False)
    rng = _RANGE_RE.match(raw)
    if rng:
        lo, hi = float(rng.group(1)), float(rng.group(2))
        if lo > hi:
            raise SpecError(f"constraint {raw!r}: low bound exceeds high bound")
        return Param(min(max(value, lo), hi), lo, hi)
    link = _LINK_RE.match(raw)
    if not link:
        raise SpecError(
            f"cannot read constraint {raw!r} (expected e.g. 'A*0.5', 'A+15.1', '1.2:2.5', "
            "'A+1.2#0.1' or 'Fixed')"
        )
    letter, op, number, tol = link.groups()
    ref = _ref(letter, ids, raw)
    amount = float(number)
    tolerance = 0.0 if tol is None else float(tol)
    if tolerance < 0 or not math.isfinite(amount):
        raise SpecError(f"constraint {raw!r}: the tolerance must be >= 0 and the value finite")
    if op == "*":
        if amount == 1.0 and tolerance == 0.0:
            return Param(value, link=Link(ref, "equal"))
        return Param(value, link=Link(ref, "ratio", amount, tolerance))
    offset = amount if op == "+" else -amount
    return Param(value, link=Link(ref, "offset", offset, tolerance))


def _num(x: float) -> str:
    """Shortest text that reads back to the same float (``1.0`` -> ``1``)."""
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def param_to_constraint(par: Param, ids: Sequence[str], *, separator: str = ":") -> str:
    """Write a :class:`Param` as a CasaXPS / KherveFitting constraint string.

    Parameters
    ----------
    par
        The parameter.
    ids
        Component ids in table order (``ids[0]`` is written as ``A``).
    separator
        Range separator: ``":"`` (CasaXPS) or ``","`` (KherveFitting positions).

    Returns
    -------
    str
        ``""`` for a free unbounded parameter, ``"Fixed"``, ``"lo:hi"``, ``"A*r"``,
        ``"A+d"`` / ``"A-d"``, with ``"#tol"`` when the link has a tolerance. Values keep full
        precision.

    Raises
    ------
    SpecError
        For a raw lmfit expression (no string form) or a link to a component not in ``ids``.
    """
    if par.expr is not None:
        raise SpecError(f"the expression {par.expr!r} has no CasaXPS/KherveFitting form")
    if par.link is None:
        if not par.vary:
            return "Fixed"
        if math.isinf(par.min) and math.isinf(par.max):
            return ""
        return f"{_num(par.min)}{separator}{_num(par.max)}"
    link = par.link
    if link.ref not in ids:
        raise SpecError(f"link to {link.ref!r}, which is not among {', '.join(ids)}")
    letter = component_letter(list(ids).index(link.ref))
    tol = f"#{_num(link.tolerance)}" if link.tolerance > 0 else ""
    if link.kind == "equal":
        return f"{letter}*1{tol}"
    if link.kind == "ratio":
        return f"{letter}*{_num(link.value)}{tol}"
    sign = "-" if link.value < 0 else "+"
    return f"{letter}{sign}{_num(abs(link.value))}{tol}"


def casa_fields_to_param(
    kind: Literal["area", "fwhm", "position"],
    value: float,
    low: float,
    high: float,
    ref_index: int,
    factor: float,
    ids: Sequence[str],
) -> Param:
    """Read the numeric constraint of a VAMAS ``CASA comp`` line.

    Each parameter of a ``CASA comp`` line is stored as ``value low high ref factor``:
    ``ref = -1`` means bounded by ``[low, high]``; otherwise the parameter is tied to
    component ``ids[ref]``, by ratio ``factor`` for areas and widths and by offset ``factor``
    for positions. Positions in these lines are kinetic energies, so a kinetic-energy offset
    ``factor`` is a binding-energy offset ``-factor``.

    Parameters
    ----------
    kind
        Which parameter the fields belong to.
    value, low, high
        As stored (for positions: the caller converts value and bounds to binding energy).
    ref_index, factor
        Reference component index (-1: none) and ratio or kinetic-energy offset.
    ids
        Component ids in CasaXPS order.

    Raises
    ------
    SpecError
        If ``ref_index`` is out of range or the bounds are reversed.
    """
    if ref_index < 0:
        lo, hi = min(low, high), max(low, high)
        return Param(min(max(value, lo), hi), lo, hi)
    if ref_index >= len(ids):
        raise SpecError(
            f"CASA constraint refers to component {ref_index}, but there are {len(ids)}"
        )
    ref = ids[ref_index]
    if kind == "position":
        return Param(value, link=Link(ref, "offset", -factor))
    if factor == 1.0:
        return Param(value, link=Link(ref, "equal"))
    return Param(value, link=Link(ref, "ratio", factor))
