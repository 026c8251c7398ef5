"""Physics warnings for fit specifications: advice, never errors.

* :func:`spec_warnings` (before a fit): a doublet splitting outside the library's plausible
  range, a non-standard doublet area ratio, a FWHM ratio tied 1:1 where the library says the
  minor line is broader (Ti 2p, 3d metals).
* :func:`fit_warnings` (after a fit, on :attr:`xpsfit.result.FitResult.spec`): a species whose
  fitted binding energy lies outside its library tolerance.

Both look the region up in the reference library; a region it does not know gives no warning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from xpsfit.reference import CoreLevel, Library, load_library
from xpsfit.spec import Doublet, FitSpec

__all__ = ["AREA_RATIO_TOLERANCE", "PhysicsWarning", "fit_warnings", "spec_warnings"]

log = logging.getLogger(__name__)

#: Largest accepted difference between a doublet's area ratio and the library's.
AREA_RATIO_TOLERANCE = 0.02


@dataclass(frozen=True)
class PhysicsWarning:
    """One piece of physics advice about a component.

    Attributes
    ----------
    component
        Component id.
    key
        The parameter concerned (``"splitting"``, ``"area_ratio"``, ``"fwhm_ratio"``,
        ``"center"``).
    message
        The advice, with the numbers and their units.
    """

    component: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.component}.{self.key}: {self.message}"


def _level(spec: FitSpec, library: Library | None) -> CoreLevel | None:
    lib = library if library is not None else load_library()
    return lib.find(spec.region) if spec.region else None


def _doublet_warnings(level: CoreLevel, comp: Doublet) -> list[PhysicsWarning]:
    out = []
    lines = f"{level.lines[0]}/{level.lines[1]}" if level.lines else "doublet"
    lo, hi = level.splitting_range
    split = comp.splitting
    if split.link is None and split.expr is None and not lo <= split.value <= hi:
        out.append(
            PhysicsWarning(
                comp.id,
                "splitting",
                f"{level.region} splitting {split.value:g} eV lies outside the spin-orbit range "
                f"{lo:g}-{hi:g} eV ({level.file})",
            )
        )
    ratio = comp.area_ratio
    off_ratio = abs(ratio.value - level.area_ratio) > AREA_RATIO_TOLERANCE
    if ratio.link is None and ratio.expr is None and off_ratio:
        out.append(
            PhysicsWarning(
                comp.id,
                "area_ratio",
                f"{lines} area ratio {ratio.value:g} differs from the standard "
                f"{level.area_ratio:.4g} of {level.region}",
            )
        )
    f_lo, f_hi = level.fwhm_ratio_range
    fr = comp.fwhm_ratio
    tied = not fr.is_free and fr.link is None and fr.value == 1.0
    if f_hi > f_lo and tied and comp.satellite_of is None:
        out.append(
            PhysicsWarning(
                comp.id,
                "fwhm_ratio",
                f"{level.region}: the {level.lines[1] if level.lines else 'minor'} line is "
                f"broader (expected ratio {f_lo:g}-{f_hi:g}); do not tie the FWHMs 1:1",
            )
        )
    return out


def spec_warnings(spec: FitSpec, library: Library | None = None) -> list[PhysicsWarning]:
    """Physics advice on a specification before fitting.

    Parameters
    ----------
    spec
        The specification (its ``region`` selects the library level).
    library
        The library; default :func:`xpsfit.reference.load_library`.

    Returns
    -------
    list of PhysicsWarning
        Empty when all is standard or the region is not in the library.
    """
    level = _level(spec, library)
    if level is None or not level.is_doublet:
        return []
    out = []
    for comp in spec.components:
        if isinstance(comp, Doublet):
            out.extend(_doublet_warnings(level, comp))
    for w in out:
        log.info("%s", w)
    return out


def fit_warnings(fitted: FitSpec, library: Library | None = None) -> list[PhysicsWarning]:
    """Species whose fitted binding energy lies outside the library tolerance.

    Parameters
    ----------
    fitted
        The fitted specification (:attr:`xpsfit.result.FitResult.spec`).
    library
        The library; default :func:`xpsfit.reference.load_library`.

    Returns
    -------
    list of PhysicsWarning
        One per non-satellite component whose species id is a library species of the region
        and whose center differs from the library value by more than its tolerance.
    """
    level = _level(fitted, library)
    if level is None:
        return []
    known = {sp.id: sp for sp in level.species}
    out = []
    for comp in fitted.components:
        sp = known.get(comp.species)
        if comp.satellite_of is not None or sp is None:
            continue
        deviation = comp.center.value - sp.binding_energy
        if abs(deviation) > sp.tolerance:
            out.append(
                PhysicsWarning(
                    comp.id,
                    "center",
                    f"{sp.id} fitted at {comp.center.value:.2f} eV, {deviation:+.2f} eV from the "
                    f"library {sp.binding_energy:g} +- {sp.tolerance:g} eV ({sp.compound})",
                )
            )
    for w in out:
        log.info("%s", w)
    return out
