"""The schema of the reference peak library: TOML tables -> checked dataclasses.

One file per element; the layout is described in ``reference_peaks/README.md``. Every check
raises one :class:`~xpsfit.errors.SpecError` that names the file and the dotted key (for
example ``levels.2p.species[1].binding_energy``). Energies are binding energies in eV (charge
referenced to adventitious C 1s at 284.8 eV), widths are FWHM in eV.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, get_args

from xpsfit.errors import SpecError
from xpsfit.lineshapes import LINESHAPES
from xpsfit.spec import BackgroundKind

#: Version of the library file layout this code reads.
LIBRARY_SCHEMA_VERSION = 1
#: Species ids: ASCII letters, digits and ``_ + - .`` (no spaces, no brackets, so that
#: fraction expressions such as ``Co2+ / (Co2+ + Co3+)`` stay unambiguous).
SPECIES_ID_RE = re.compile(r"^[A-Za-z0-9_+\-.]+$")


@dataclass(frozen=True)
class Satellite:
    """A shake-up (or other) satellite that belongs to a species.

    Attributes
    ----------
    name
        Suffix of the component id (``"sat"`` gives ``"Co2+_sat"``).
    offset, offset_tolerance
        Position above the parent's major line, eV, and the allowed deviation, eV.
    area_ratio, area_ratio_tolerance
        Satellite area / parent area (same line: major to major), and its allowed deviation.
    fwhm, fwhm_range
        Typical FWHM and its plausible range, eV.
    doublet
        Whether the satellite repeats at the parent's spin-orbit splitting.
    lineshape
        Line-shape key (empty: the level's default).
    source, notes
        Citation and remarks.
    """

    name: str
    offset: float
    offset_tolerance: float
    area_ratio: float
    area_ratio_tolerance: float
    fwhm: float
    fwhm_range: tuple[float, float]
    doublet: bool
    lineshape: str
    source: str
    notes: str = ""


@dataclass(frozen=True)
class Alternative:
    """Another published value set for a species (e.g. a study's own "split peak" spacing).

    ``binding_energy`` and ``splitting`` (eV) are ``None`` when the alternative keeps the main
    value.
    """

    id: str
    source: str
    binding_energy: float | None = None
    splitting: float | None = None
    notes: str = ""


@dataclass(frozen=True)
class Species:
    """One chemical state of a core level.

    Attributes
    ----------
    id
        Stable ASCII id (e.g. ``"Co3+"``), unique within its level.
    label, compound
        Display text and the compound(s) it stands for.
    binding_energy, tolerance
        Major-line binding energy and the range (+-) within which a fitted value is expected, eV.
    fwhm
        Typical FWHM, eV (``None``: the level's).
    splitting
        Spin-orbit splitting of this species when it differs from the level's, eV.
    follows
        Id of another species of the level that templates place this one relative to (center
        at the library's chemical shift from it, FWHM in the ratio of their FWHMs), or ``None``
        for a species positioned on its own. Meant for minor species that are often absent:
        a zero-area component then has no parameter left to wander.
    satellites, alternatives
        Satellites and alternative published values.
    source, notes
        Citation and remarks.
    """

    id: str
    label: str
    compound: str
    binding_energy: float
    tolerance: float
    source: str
    fwhm: float | None = None
    splitting: float | None = None
    follows: str | None = None
    satellites: tuple[Satellite, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    notes: str = ""

    def alternative(self, alt_id: str) -> Alternative | None:
        """The alternative with this id, or ``None``."""
        return next((a for a in self.alternatives if a.id == alt_id), None)


@dataclass(frozen=True)
class CoreLevel:
    """The physics of one core level of one element and its known species.

    Attributes
    ----------
    element, orbital
        e.g. ``"Co"`` and ``"2p"``; :attr:`region` is ``"Co 2p"``.
    lines
        ``(major, minor)`` line labels of a spin-orbit doublet (``("2p3/2", "2p1/2")``), or
        ``None`` for a single line (s levels).
    splitting, splitting_range
        Spin-orbit splitting and its plausible range, eV.
    area_ratio
        Minor / major area (0.5 p, 2/3 d, 3/4 f).
    fwhm_ratio, fwhm_ratio_range
        Minor / major FWHM start value and range (a range wider than a point means: do not tie
        1:1, as for Ti 2p and the 3d metals).
    lineshape, shape
        Default line-shape key and its extra parameters.
    fwhm, fwhm_range
        Typical FWHM of a species' major line and its plausible range, eV.
    window
        Default fit window, eV.
    background
        Default background kind.
    default_species
        Species ids of the default template, in order.
    tie_fwhm
        Whether templates tie the FWHM of every species to the first one (chemically similar
        states of one level, e.g. C 1s).
    species
        All species of the level.
    source, notes, file
        Citation, remarks and the file it was read from.
    """

    element: str
    orbital: str
    lines: tuple[str, str] | None
    splitting: float
    splitting_range: tuple[float, float]
    area_ratio: float
    fwhm_ratio: float
    fwhm_ratio_range: tuple[float, float]
    lineshape: str
    shape: Mapping[str, float]
    fwhm: float
    fwhm_range: tuple[float, float]
    window: tuple[float, float]
    background: BackgroundKind
    default_species: tuple[str, ...]
    species: tuple[Species, ...]
    source: str
    tie_fwhm: bool = False
    notes: str = ""
    file: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", MappingProxyType(dict(self.shape)))

    @property
    def region(self) -> str:
        """Region label, e.g. ``"Co 2p"``."""
        return f"{self.element} {self.orbital}"

    @property
    def is_doublet(self) -> bool:
        """True for a spin-orbit doublet."""
        return self.lines is not None

    def species_ids(self) -> list[str]:
        """Ids of every species, in file order."""
        return [s.id for s in self.species]

    def get(self, species_id: str) -> Species:
        """The species with this id.

        Raises
        ------
        SpecError
            If the level has no such species (the message lists the known ids).
        """
        for sp in self.species:
            if sp.id == species_id:
                return sp
        known = ", ".join(self.species_ids())
        raise SpecError(
            f"unknown species {species_id!r} for {self.region} (known: {known})",
            source=self.file or None,
            key="species",
        )

    def splitting_of(self, sp: Species) -> float:
        """Spin-orbit splitting of a species (its own value or the level's), eV."""
        return self.splitting if sp.splitting is None else sp.splitting


@dataclass
class TomlTable:
    """A TOML table with its dotted key, for typed access with precise errors."""

    data: Mapping[str, Any]
    key: str
    source: str
    used: set[str] = field(default_factory=set)

    def fail(self, message: str, name: str | None = None) -> SpecError:
        key = self.key if name is None else (f"{self.key}.{name}" if self.key else name)
        return SpecError(message, source=self.source, key=key or None)

    def _raw(self, name: str, required: bool) -> Any:
        self.used.add(name)
        if name not in self.data:
            if required:
                raise self.fail("missing required key", name)
            return None
        return self.data[name]

    def text(self, name: str, *, required: bool = True, default: str = "") -> str:
        raw = self._raw(name, required)
        if raw is None:
            return default
        if not isinstance(raw, str) or (required and not raw.strip()):
            raise self.fail(f"expected a non-empty string, got {raw!r}", name)
        return raw

    def _checked(self, raw: object, name: str, positive: bool) -> float:
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            raise self.fail(f"expected a finite number, got {raw!r}", name)
        if positive and raw <= 0:
            raise self.fail(f"must be > 0, got {raw!r}", name)
        return float(raw)

    def number(self, name: str, *, positive: bool = False) -> float | None:
        """An optional number (``None`` when absent)."""
        raw = self._raw(name, False)
        return None if raw is None else self._checked(raw, name, positive)

    def value(self, name: str, *, positive: bool = False) -> float:
        """A required number."""
        return self._checked(self._raw(name, True), name, positive)

    def flag(self, name: str, default: bool) -> bool:
        """An optional boolean."""
        raw = self._raw(name, False)
        if raw is None:
            return default
        if not isinstance(raw, bool):
            raise self.fail(f"expected true or false, got {raw!r}", name)
        return raw

    def optional_span(self, name: str) -> tuple[float, float] | None:
        """An optional ``[low, high]`` pair (``None`` when absent)."""
        raw = self._raw(name, False)
        return None if raw is None else self._pair(raw, name)

    def span(self, name: str) -> tuple[float, float]:
        """A required ``[low, high]`` pair."""
        return self._pair(self._raw(name, True), name)

    def _pair(self, raw: object, name: str) -> tuple[float, float]:
        if not (isinstance(raw, list) and len(raw) == 2) or any(
            isinstance(v, bool) or not isinstance(v, int | float) for v in raw
        ):
            raise self.fail(f"expected [low, high] (two numbers), got {raw!r}", name)
        lo, hi = float(raw[0]), float(raw[1])
        if not lo <= hi:
            raise self.fail(f"low must not exceed high, got {raw!r}", name)
        return lo, hi

    def tables(self, name: str, *, required: bool = False) -> list[TomlTable]:
        raw = self._raw(name, required)
        if raw is None:
            return []
        if not isinstance(raw, list) or not all(isinstance(t, Mapping) for t in raw):
            raise self.fail("expected an array of tables", name)
        return [TomlTable(t, f"{self.key}.{name}[{i}]", self.source) for i, t in enumerate(raw)]

    def check_unknown(self) -> None:
        extra = sorted(set(self.data) - self.used)
        if extra:
            raise self.fail(f"unknown key {extra[0]!r}", extra[0])


def check_in(t: TomlTable, name: str, value: float, span: tuple[float, float]) -> None:
    """Raise when ``value`` lies outside ``span`` (both read from table ``t``)."""
    if not span[0] <= value <= span[1]:
        raise t.fail(f"{value!r} lies outside its range [{span[0]!r}, {span[1]!r}]", name)


def check_lineshape(t: TomlTable, name: str, key: str) -> None:
    """Raise unless ``key`` is a registered line shape."""
    if key not in LINESHAPES:
        raise t.fail(f"unknown line shape {key!r} (known: {', '.join(LINESHAPES)})", name)


def check_background(t: TomlTable, name: str, kind: str) -> None:
    """Raise unless ``kind`` is a background kind."""
    kinds = get_args(BackgroundKind)
    if kind not in kinds:
        raise t.fail(f"unknown background {kind!r} (known: {', '.join(kinds)})", name)


def check_species_id(t: TomlTable, name: str, value: str) -> None:
    """Raise unless ``value`` is a valid species id."""
    if not SPECIES_ID_RE.match(value):
        raise t.fail(f"species id {value!r} must use only ASCII letters, digits and _ + - .", name)


def table(data: Mapping[str, Any], key: str, source: str) -> TomlTable:
    """Wrap a parsed TOML table for checked access."""
    return TomlTable(data, key, source)
