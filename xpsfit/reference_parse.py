"""Reading reference library element files (TOML) into checked :mod:`xpsfit.reference_schema`
dataclasses.

Every check raises one :class:`~xpsfit.errors.SpecError` naming the file and the dotted key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TypedDict, cast

from xpsfit.errors import SpecError
from xpsfit.lineshapes import LINESHAPES
from xpsfit.reference_schema import (
    LIBRARY_SCHEMA_VERSION,
    Alternative,
    CoreLevel,
    Satellite,
    Species,
    check_background,
    check_in,
    check_lineshape,
    check_species_id,
    table,
)
from xpsfit.reference_schema import (
    TomlTable as Table,
)
from xpsfit.spec import BackgroundKind

__all__ = ["parse_element_file", "read_element_file"]


class _DoubletKeys(TypedDict):
    """The spin-orbit fields of :class:`CoreLevel` as read from a level table."""

    lines: tuple[str, str] | None
    splitting: float
    splitting_range: tuple[float, float]
    area_ratio: float
    fwhm_ratio: float
    fwhm_ratio_range: tuple[float, float]


def _satellite(t: Table, level: CoreLevel) -> Satellite:
    sat = Satellite(
        name=t.text("name"),
        offset=t.value("offset"),
        offset_tolerance=t.value("offset_tolerance", positive=True),
        area_ratio=t.value("area_ratio", positive=True),
        area_ratio_tolerance=t.value("area_ratio_tolerance", positive=True),
        fwhm=t.value("fwhm", positive=True),
        fwhm_range=t.span("fwhm_range"),
        doublet=t.flag("doublet", level.is_doublet),
        lineshape=t.text("lineshape", required=False, default=level.lineshape),
        source=t.text("source"),
        notes=t.text("notes", required=False),
    )
    check_species_id(t, "name", sat.name)
    check_lineshape(t, "lineshape", sat.lineshape)
    check_in(t, "fwhm", sat.fwhm, sat.fwhm_range)
    if sat.area_ratio_tolerance >= sat.area_ratio:
        raise t.fail(
            "tolerance must be smaller than area_ratio (areas stay > 0)", "area_ratio_tolerance"
        )
    if sat.doublet and not level.is_doublet:
        raise t.fail("a satellite of a single line cannot be a doublet", "doublet")
    t.check_unknown()
    return sat


def _alternative(t: Table, level: CoreLevel) -> Alternative:
    alt = Alternative(
        id=t.text("id"),
        source=t.text("source"),
        binding_energy=t.number("binding_energy"),
        splitting=t.number("splitting", positive=True),
        notes=t.text("notes", required=False),
    )
    if alt.binding_energy is None and alt.splitting is None:
        raise t.fail("an alternative needs binding_energy or splitting", "id")
    if alt.splitting is not None and not level.is_doublet:
        raise t.fail("a single line has no splitting", "splitting")
    t.check_unknown()
    return alt


def _species(t: Table, level: CoreLevel) -> Species:
    sp = Species(
        id=t.text("id"),
        label=t.text("label"),
        compound=t.text("compound"),
        binding_energy=t.value("binding_energy"),
        tolerance=t.value("tolerance", positive=True),
        source=t.text("source"),
        fwhm=t.number("fwhm", positive=True),
        splitting=t.number("splitting", positive=True),
        follows=t.text("follows", required=False) or None,
        satellites=tuple(_satellite(s, level) for s in t.tables("satellites")),
        alternatives=tuple(_alternative(a, level) for a in t.tables("alternatives")),
        notes=t.text("notes", required=False),
    )
    check_species_id(t, "id", sp.id)
    if sp.fwhm is not None:
        check_in(t, "fwhm", sp.fwhm, level.fwhm_range)
    if sp.splitting is not None:
        if not level.is_doublet:
            raise t.fail("a single line has no splitting", "splitting")
        check_in(t, "splitting", sp.splitting, level.splitting_range)
    lo, hi = level.window
    top = sp.binding_energy + (level.splitting_of(sp) if level.is_doublet else 0.0)
    if not (lo < sp.binding_energy and top < hi):
        raise t.fail(
            f"{sp.binding_energy!r} eV (and its doublet) lies outside the window", "binding_energy"
        )
    names = [s.name for s in sp.satellites]
    if len(set(names)) != len(names):
        raise t.fail("duplicate satellite name", "satellites")
    t.check_unknown()
    return sp


def _check_follows(t: Table, species: tuple[Species, ...]) -> None:
    """Each ``follows`` names another species of the level that follows no one itself."""
    by_id = {s.id: s for s in species}
    for i, sp in enumerate(species):
        if sp.follows is None:
            continue
        ref = by_id.get(sp.follows)
        if ref is None or ref.id == sp.id or ref.follows is not None:
            raise t.fail(
                f"{sp.follows!r} is not another species of this level that is positioned on "
                f"its own ({', '.join(s.id for s in species if s.follows is None)})",
                f"species[{i}].follows",
            )


def _doublet_physics(t: Table) -> _DoubletKeys:
    """Doublet keys of a level (or the single-line defaults)."""
    raw_lines = t.data.get("lines")
    t.used.add("lines")
    if raw_lines is None:
        for name in (
            "splitting",
            "splitting_range",
            "area_ratio",
            "fwhm_ratio",
            "fwhm_ratio_range",
        ):
            if name in t.data:
                raise t.fail("only a doublet (a level with 'lines') has this key", name)
        return {
            "lines": None,
            "splitting": 0.0,
            "splitting_range": (0.0, 0.0),
            "area_ratio": 0.0,
            "fwhm_ratio": 1.0,
            "fwhm_ratio_range": (1.0, 1.0),
        }
    if not (
        isinstance(raw_lines, list)
        and len(raw_lines) == 2
        and all(isinstance(v, str) for v in raw_lines)
    ):
        raise t.fail('expected [major, minor] line labels, e.g. ["2p3/2", "2p1/2"]', "lines")
    splitting = t.value("splitting", positive=True)
    s_range = t.span("splitting_range")
    check_in(t, "splitting", splitting, s_range)
    area_ratio = t.value("area_ratio", positive=True)
    if area_ratio > 1:
        raise t.fail("minor/major area ratio must be <= 1", "area_ratio")
    fwhm_ratio = t.value("fwhm_ratio", positive=True)
    f_range = t.optional_span("fwhm_ratio_range") or (fwhm_ratio, fwhm_ratio)
    check_in(t, "fwhm_ratio", fwhm_ratio, f_range)
    return {
        "lines": (raw_lines[0], raw_lines[1]),
        "splitting": splitting,
        "splitting_range": s_range,
        "area_ratio": area_ratio,
        "fwhm_ratio": fwhm_ratio,
        "fwhm_ratio_range": f_range,
    }


def _shape(t: Table, lineshape: str) -> dict[str, float]:
    raw = t.data.get("shape", {})
    t.used.add("shape")
    if not isinstance(raw, Mapping):
        raise t.fail("expected a table of numbers", "shape")
    allowed = {p.name: p for p in LINESHAPES[lineshape].params}
    out: dict[str, float] = {}
    sub = table(raw, f"{t.key}.shape", t.source)
    for name in raw:
        if name not in allowed:
            raise sub.fail(f"line shape {lineshape!r} has no parameter {name!r}", name)
        out[name] = sub.value(name)
        check_in(sub, name, out[name], (allowed[name].min, allowed[name].max))
    return out


def _level(t: Table, element: str, orbital: str) -> CoreLevel:
    lineshape = t.text("lineshape")
    check_lineshape(t, "lineshape", lineshape)
    background = t.text("background")
    check_background(t, "background", background)
    level = CoreLevel(
        element=element,
        orbital=orbital,
        **_doublet_physics(t),
        lineshape=lineshape,
        shape=_shape(t, lineshape),
        fwhm=t.value("fwhm", positive=True),
        fwhm_range=t.span("fwhm_range"),
        window=t.span("window"),
        background=cast(BackgroundKind, background),
        default_species=(),
        species=(),
        source=t.text("source"),
        tie_fwhm=t.flag("tie_fwhm", False),
        notes=t.text("notes", required=False),
        file=t.source,
    )
    check_in(t, "fwhm", level.fwhm, level.fwhm_range)
    species = tuple(_species(s, level) for s in t.tables("species", required=True))
    ids = [s.id for s in species]
    if not ids or len(set(ids)) != len(ids):
        raise t.fail("a level needs at least one species and unique species ids", "species")
    _check_follows(t, species)
    defaults = t.data.get("default_species", ids)
    t.used.add("default_species")
    if not isinstance(defaults, list) or not defaults or any(d not in ids for d in defaults):
        raise t.fail(
            f"expected a list of species ids of this level ({', '.join(ids)})", "default_species"
        )
    t.check_unknown()
    return replace(level, species=species, default_species=tuple(defaults))


def parse_element_file(data: Mapping[str, object], source: str) -> tuple[CoreLevel, ...]:
    """Check one parsed element file and return its core levels.

    Parameters
    ----------
    data
        The parsed TOML document.
    source
        File name for error messages.

    Raises
    ------
    SpecError
        On the first problem, naming ``source`` and the dotted key.
    """
    t = table(data, "", source)
    version = t.value("schema_version")
    if version != LIBRARY_SCHEMA_VERSION:
        raise t.fail(
            f"unsupported schema_version {version!r} (this xpsfit reads {LIBRARY_SCHEMA_VERSION})",
            "schema_version",
        )
    element = t.text("element")
    t.text("notes", required=False)
    levels_raw = t.data.get("levels")
    t.used.add("levels")
    if not isinstance(levels_raw, Mapping) or not levels_raw:
        raise t.fail("expected at least one [levels.<orbital>] table", "levels")
    t.check_unknown()
    out = []
    for orbital, raw in levels_raw.items():
        if not isinstance(raw, Mapping):
            raise t.fail("expected a table", f"levels.{orbital}")
        out.append(_level(table(raw, f"levels.{orbital}", source), element, orbital))
    return tuple(out)


def read_element_file(path: Path) -> tuple[CoreLevel, ...]:
    """Read and check one element file.

    Raises
    ------
    SpecError
        On TOML syntax errors and schema violations, naming the file.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"not valid TOML: {exc}", source=str(path)) from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text: {exc}", source=str(path)) from None
    return parse_element_file(data, str(path))
