"""Fit specifications built from the reference library: default and picked templates.

A species becomes one component (a :class:`~xpsfit.spec.Doublet` for a spin-orbit level) whose
id is the species id, with its center bounded by the library tolerance, its FWHM by the level's
range, the splitting and area ratio fixed at the library values and the FWHM ratio free where
the library says not to tie it (one ratio for the level: every species links to the first
one's). Each satellite becomes a component ``<species>_<name>`` that is a satellite of the
species, with its center linked by offset and its area by ratio (both with the library
tolerance), so that its area counts toward the species, and its FWHM fixed at the library value
(bounded by the library range for a user who frees it). Levels marked ``tie_fwhm`` tie the
FWHM of every species to the first one. A species that ``follows`` another one of the
template (minor species that are often absent: Ti3+ beside Ti4+, C=O beside C-C, sulfate beside
sulfide) has its center linked to it at the library's chemical shift, its FWHM in the ratio of
their library FWHMs and, for a doublet, the same FWHM ratio: at zero area it has no parameter
left to wander and the fit stays determined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TypedDict

from xpsfit.errors import SpecError
from xpsfit.lineshapes import LINESHAPES
from xpsfit.reference import CoreLevel, Library, Satellite, Species, load_library
from xpsfit.spec import BackgroundSpec, Doublet, FitSpec, FractionDef, Link, Param, Peak

__all__ = ["default_fractions", "default_template", "template_from_library"]


class _PeakFields(TypedDict):
    """Keyword arguments shared by :class:`Peak` and :class:`Doublet`."""

    id: str
    lineshape: str
    center: Param
    fwhm: Param
    area: Param
    shape: dict[str, Param]
    species: str
    satellite_of: str | None
    label: str


#: Start area of every species before :func:`xpsfit.templates.apply_template` scales it.
START_AREA = 1.0


def _shape(level: CoreLevel, lineshape: str) -> dict[str, Param]:
    """Fixed extra line-shape parameters: the level's values when the shape matches."""
    out = {}
    for p in LINESHAPES[lineshape].params:
        value = level.shape.get(p.name, p.default) if lineshape == level.lineshape else p.default
        out[p.name] = Param(value, p.min, p.max, vary=False)
    return out


def _round(energy: float) -> float:
    """An energy bound without binary noise (``286.3 - 0.4`` -> ``285.9``), eV."""
    return round(energy, 9)


def _splitting(level: CoreLevel, value: float) -> Param:
    lo, hi = level.splitting_range
    if lo <= value <= hi:
        return Param(value, lo, hi, vary=False)
    return Param(value, vary=False)


def _fwhm_ratio(level: CoreLevel) -> Param:
    lo, hi = level.fwhm_ratio_range
    if lo == hi:
        return Param(level.fwhm_ratio, vary=False)
    return Param(level.fwhm_ratio, lo, hi)


def _main(level: CoreLevel, sp: Species, alternative: str | None) -> Peak:
    alt = sp.alternative(alternative) if alternative else None
    be = alt.binding_energy if alt and alt.binding_energy is not None else sp.binding_energy
    split = alt.splitting if alt and alt.splitting is not None else level.splitting_of(sp)
    fwhm = sp.fwhm if sp.fwhm is not None else level.fwhm
    common: _PeakFields = {
        "id": sp.id,
        "lineshape": level.lineshape,
        "center": Param(be, _round(be - sp.tolerance), _round(be + sp.tolerance)),
        "fwhm": Param(fwhm, *level.fwhm_range),
        "area": Param(START_AREA, 0.0),
        "shape": _shape(level, level.lineshape),
        "species": sp.id,
        "satellite_of": None,
        "label": sp.label,
    }
    if level.lines is None:
        return Peak(**common)
    return Doublet(
        **common,
        splitting=_splitting(level, split),
        area_ratio=Param(level.area_ratio, vary=False),
        fwhm_ratio=_fwhm_ratio(level),
        major_label=level.lines[0],
        minor_label=level.lines[1],
    )


def _satellite(level: CoreLevel, parent: Peak, sat: Satellite) -> Peak:
    common: _PeakFields = {
        "id": f"{parent.id}_{sat.name}",
        "lineshape": sat.lineshape,
        "center": Param(
            _round(parent.center.value + sat.offset),
            link=Link(parent.id, "offset", sat.offset, sat.offset_tolerance),
        ),
        "fwhm": Param(sat.fwhm, *sat.fwhm_range, vary=False),
        "area": Param(
            parent.area.value * sat.area_ratio,
            link=Link(parent.id, "ratio", sat.area_ratio, sat.area_ratio_tolerance),
        ),
        "shape": _shape(level, sat.lineshape),
        "species": parent.species,
        "satellite_of": parent.id,
        "label": f"{parent.label} satellite",
    }
    if not (sat.doublet and isinstance(parent, Doublet)):
        return Peak(**common)
    return Doublet(
        **common,
        splitting=Param(parent.splitting.value, vary=False, link=Link(parent.id, "equal")),
        area_ratio=Param(level.area_ratio, vary=False),
        fwhm_ratio=Param(1.0, vary=False),
        major_label=parent.major_label,
        minor_label=parent.minor_label,
    )


def _tied_to_first(level: CoreLevel, comp: Peak, first: str) -> Peak:
    """Tie what the level shares to the first species: FWHM (``tie_fwhm``) and FWHM ratio.

    The 2p1/2 / 2p3/2 broadening of a 3d metal (Coster-Kronig) is a property of the level, so
    one free FWHM ratio serves every species: a weak species (a few % Co2+) cannot push its
    own ratio to a bound on noise.
    """
    out = comp
    if level.tie_fwhm:
        out = replace(out, fwhm=Param(comp.fwhm.value, link=Link(first, "equal")))
    if isinstance(out, Doublet) and out.fwhm_ratio.is_free:
        ratio = out.fwhm_ratio
        out = replace(out, fwhm_ratio=Param(ratio.value, ratio.min, ratio.max, link=Link(first)))
    return out


def _follower(level: CoreLevel, comp: Peak, ref: Peak) -> Peak:
    """A species placed relative to ``ref``: fixed chemical shift (eV) and FWHM ratio.

    Nothing of it is free but its area, so when it is absent from a spectrum (area 0) no
    parameter is left undetermined; it moves and broadens with its reference.
    """
    center = Param(
        comp.center.value,
        link=Link(ref.id, "offset", _round(comp.center.value - ref.center.value)),
    )
    fwhm = Param(comp.fwhm.value, link=Link(ref.id, "ratio", comp.fwhm.value / ref.fwhm.value))
    out = replace(comp, center=center, fwhm=fwhm)
    if isinstance(out, Doublet) and isinstance(ref, Doublet) and level.is_doublet:
        ratio = ref.fwhm_ratio
        out = replace(out, fwhm_ratio=Param(ratio.value, ratio.min, ratio.max, link=Link(ref.id)))
    return out


def default_fractions(species_ids: Sequence[str]) -> tuple[FractionDef, ...]:
    """One fraction per species over the sum of all (none for a single species).

    For ``["Co2+", "Co3+"]``: ``Co2+ / (Co2+ + Co3+)`` and ``Co3+ / (Co2+ + Co3+)``, named
    ``"Co2+ fraction"`` and ``"Co3+ fraction"`` (the first is what a profile view shows first).
    """
    if len(species_ids) < 2:
        return ()
    total = " + ".join(species_ids)
    return tuple(FractionDef(f"{s} fraction", f"{s} / ({total})") for s in species_ids)


def template_from_library(
    region: str,
    species_ids: Sequence[str] | None = None,
    *,
    library: Library | None = None,
    alternative: str | None = None,
) -> FitSpec:
    """Build a fit specification for ``region`` from library species.

    Parameters
    ----------
    region
        Region label, e.g. ``"Co 2p"`` (spacing and case ignored).
    species_ids
        Species to include, in order; ``None`` takes the level's default species.
    library
        The library to use; default :func:`xpsfit.reference.load_library`.
    alternative
        Id of an alternative value set (e.g. ``"feng2023"``) applied to every species that
        has it (binding energy and/or splitting, eV).

    Returns
    -------
    FitSpec
        Window, background and line shape from the level, one component per species plus its
        satellites, and one fraction per species (areas start at :data:`START_AREA`).

    Raises
    ------
    SpecError
        Unknown region or species (naming the known ones), a repeated species, or an
        ``alternative`` that none of the species has.
    """
    lib = library if library is not None else load_library()
    level = lib.level(region)
    ids = list(level.default_species if species_ids is None else species_ids)
    if not ids:
        raise SpecError("no species chosen", key="species")
    if len(set(ids)) != len(ids):
        raise SpecError(f"species listed twice in {', '.join(ids)}", key="species")
    chosen = [level.get(sid) for sid in ids]
    if alternative and not any(sp.alternative(alternative) for sp in chosen):
        raise SpecError(
            f"no species of {level.region} ({', '.join(ids)}) has the alternative {alternative!r}",
            key="alternative",
        )
    mains = {sid: _main(level, level.get(sid), alternative) for sid in ids}
    components: list[Peak] = []
    for sid in ids:
        sp = level.get(sid)
        main = mains[sid]
        if sp.follows in mains:
            main = _follower(level, main, mains[sp.follows])
        elif sid != ids[0]:
            main = _tied_to_first(level, main, ids[0])
        components.append(main)
        components.extend(_satellite(level, main, sat) for sat in sp.satellites)
    spec = FitSpec(
        region=level.region,
        window=level.window,
        background=BackgroundSpec(kind=level.background),
        components=tuple(components),
        fractions=default_fractions(ids),
    )
    spec.validate(source=f"library {level.region}")
    return spec


def default_template(region: str, *, library: Library | None = None) -> FitSpec:
    """The default fit specification of a region: the level's default species.

    The Co 2p one holds the Co2+ and Co3+ doublets with their shake-up satellites on an active
    Shirley background and reports ``Co2+ / (Co2+ + Co3+)`` first (the study's figure).

    Raises
    ------
    SpecError
        If the library has no such region.
    """
    return template_from_library(region, None, library=library)
