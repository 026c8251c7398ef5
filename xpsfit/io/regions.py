"""Name a spectrum's region from its label, or from its binding-energy range.

Instrument software labels regions in many ways (``"Co2p"``, ``"Co 2p3/2"``, ``"Ti2p_org"``,
``"Su1s"``, ``"Wide None"``, ``"Cu_LMM"``, empty). :func:`identify_region` turns them into one
canonical triple ``(region, element, transition)``, e.g. ``("Co 2p", "Co", "2p")``.
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from xpsfit.data.core_levels import CORE_LEVELS, ELEMENT_SYMBOLS, CoreLevel

#: Windows wider than this (eV) are surveys whatever their label.
SURVEY_MIN_SPAN = 350.0
#: A window starting below this binding energy (eV) and ending below VB_MAX_END is a valence band.
VB_MAX_START = 3.0
VB_MAX_END = 45.0

_SURVEY_RE = re.compile(
    r"survey|wide|overview|^over[_\s]|^\s*\d?\s*sur?\s*\d?\s*s?\s*\d?\s*$|^\s*sur\d", re.IGNORECASE
)
_VB_RE = re.compile(r"^\s*(vb\w*|valence.*)\s*$", re.IGNORECASE)
_CORE_RE = re.compile(r"(?<![A-Za-z])([A-Za-z][a-z]?)[\s_\-]*([1-7])\s*([spdf])(?![a-z])")
_AUGER_RE = re.compile(r"(?<![A-Za-z])([A-Za-z][a-z]?)[\s_\-]*([KLMN][KLMNV]{2})(?![A-Za-z])")
_ELEMENT_RE = re.compile(r"^\s*([A-Za-z][a-z]?)\s*$")


class RegionId(NamedTuple):
    """The canonical name of a region: ``("Co 2p", "Co", "2p")``; surveys are ``("Survey", "", "")``."""

    region: str
    element: str
    transition: str


def _symbol(text: str) -> str | None:
    """Return the chemical symbol spelled by ``text`` (any case), or ``None``."""
    sym = text[:1].upper() + text[1:].lower()
    return sym if sym in ELEMENT_SYMBOLS else None


def parse_label(label: str) -> RegionId | None:
    """Name a region from its label alone (survey, valence band, element + level, Auger).

    Returns ``None`` when the label names nothing recognisable.
    """
    clean = label.replace("\x00", " ").strip()
    if not clean:
        return None
    if _SURVEY_RE.search(clean):
        return RegionId("Survey", "", "")
    if _VB_RE.match(clean):
        return RegionId("VB", "", "")
    return _from_label(clean)


def _from_label(label: str) -> RegionId | None:
    """Parse an element + level (or Auger transition) out of a label."""
    for match in _AUGER_RE.finditer(label):
        sym = _symbol(match.group(1))
        if sym is not None:
            return RegionId(f"{sym} {match.group(2)}", sym, match.group(2))
    for match in _CORE_RE.finditer(label):
        sym = _symbol(match.group(1))
        if sym is not None:
            transition = f"{match.group(2)}{match.group(3).lower()}"
            return RegionId(f"{sym} {transition}", sym, transition)
    return None


def _window_levels(be_min: float, be_max: float) -> list[CoreLevel]:
    return [cl for cl in CORE_LEVELS if be_min <= cl.binding_energy <= be_max]


def _best_level(levels: list[CoreLevel], be_min: float, be_max: float) -> CoreLevel | None:
    """The level whose lines sit closest to the window centre, weighted by how common it is."""
    if not levels:
        return None
    centre = 0.5 * (be_min + be_max)

    def score(cl: CoreLevel) -> float:
        partner_in = cl.partner_energy is not None and be_min <= cl.partner_energy <= be_max
        position = cl.centroid if partner_in else cl.binding_energy
        return (abs(position - centre) + 1.0) / cl.weight

    return min(levels, key=score)


def _from_range(be_min: float, be_max: float) -> RegionId | None:
    """Name a window from its binding-energy range alone (surveys, valence bands, core levels)."""
    if not (math.isfinite(be_min) and math.isfinite(be_max)):
        return None
    lo, hi = min(be_min, be_max), max(be_min, be_max)
    if hi - lo >= SURVEY_MIN_SPAN:
        return RegionId("Survey", "", "")
    if lo <= VB_MAX_START and hi <= VB_MAX_END:
        return RegionId("VB", "", "")
    best = _best_level(_window_levels(lo, hi), lo, hi)
    if best is None:
        return None
    return RegionId(f"{best.element} {best.transition}", best.element, best.transition)


def _element_only(symbol: str, be_min: float, be_max: float) -> RegionId:
    """An element label without a level: pick its level inside the window, else its main one."""
    lo, hi = min(be_min, be_max), max(be_min, be_max)
    own = [cl for cl in CORE_LEVELS if cl.element == symbol]
    inside = [cl for cl in own if lo <= cl.binding_energy <= hi] if math.isfinite(lo + hi) else []
    best = _best_level(inside, lo, hi) or (own[0] if own else None)
    if best is None:
        return RegionId(symbol, symbol, "")
    return RegionId(f"{symbol} {best.transition}", symbol, best.transition)


def identify_region(label: str, be_min: float, be_max: float) -> RegionId:
    """Name a region from its label, falling back to its binding-energy range.

    Parameters
    ----------
    label
        The region/block label as the instrument wrote it (may be empty; NUL bytes and
        underscores are tolerated), e.g. ``"Co2p"``, ``"Co 2p3/2"``, ``"Su1s"``, ``"C KLL"``.
    be_min, be_max
        Binding-energy range of the data, eV (either order; non-finite values disable the
        range fallback).

    Returns
    -------
    RegionId
        ``(region, element, transition)``, e.g. ``("Co 2p", "Co", "2p")``, ``("Cu LMM", "Cu",
        "LMM")``, ``("Survey", "", "")`` or ``("VB", "", "")``. A label that names nothing known
        and a range that matches no tabulated level give ``(label, "", "")``.

    Notes
    -----
    Labels are tried first: survey words (``Survey``, ``Wide``, ``Overview``, PHI's ``Su1s``,
    ``1su``, ``Sur1``), valence band (``VB``, ``Valence``), Auger transitions (``Cu_LMM``), then
    element + level (``Ti2p_org`` -> ``Ti 2p``; spin-orbit sub-levels are dropped). When the
    label is empty or unknown, a window of at least :data:`SURVEY_MIN_SPAN` eV is a survey, a
    window from about 0 eV a valence band, otherwise the tabulated level closest to the window
    centre (ties broken by how common the level is) names it.
    """
    clean = label.replace("\x00", " ").strip()
    if clean:
        parsed = parse_label(clean)
        if parsed is not None:
            return parsed
        only = _ELEMENT_RE.match(clean)
        if only is not None and _symbol(only.group(1)) is not None:
            return _element_only(_symbol(only.group(1)) or "", be_min, be_max)
    from_range = _from_range(be_min, be_max)
    if from_range is not None:
        return from_range
    return RegionId(clean, "", "")
