"""Physics warnings for fit specifications: advice, never errors.

* :func:`spec_warnings` (before a fit): a doublet splitting outside the library's plausible
  range, a non-standard doublet area ratio, a FWHM ratio tied 1:1 where the library says the
  minor line is broader (Ti 2p, 3d metals).
* :func:`fit_warnings` (after a fit, on :attr:`xpsfit.result.FitResult.spec`): a species whose
  fitted binding energy lies outside its library tolerance.
* :func:`background_warnings` (after a fit, on the result): a static background whose end level
  was averaged over channels in which the data clearly change (on a coarse energy grid the
  averaged channels reach into the peak and lift the end level above the data at the end).
* :func:`result_warnings` gathers the advice on one fit, :func:`grouped_advice` on a series
  (one line per depth-profile series and kind of advice, naming the levels).

The first two look the region up in the reference library; a region it does not know gives no
warning.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from xpsfit.reference import CoreLevel, Library, load_library
from xpsfit.result import FitResult
from xpsfit.spec import Doublet, FitSpec, param_name

__all__ = [
    "AREA_RATIO_TOLERANCE",
    "END_TREND_SIGMAS",
    "PhysicsWarning",
    "background_warnings",
    "fit_warnings",
    "grouped_advice",
    "result_warnings",
    "spec_warnings",
]

log = logging.getLogger(__name__)

#: Largest accepted difference between a doublet's area ratio and the library's.
AREA_RATIO_TOLERANCE = 0.02
#: A static background's end level is flagged when the inner half of the channels averaged
#: for it differs from the outer half by more than this many standard errors (and the level
#: differs from the outer half by more than 2 %).
END_TREND_SIGMAS = 5.0


@dataclass(frozen=True)
class PhysicsWarning:
    """One piece of physics advice about a component.

    Attributes
    ----------
    component
        Component id (``"background"`` for the background).
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


def _end_trend(
    be: NDArray[np.float64], y: NDArray[np.float64], sigma: NDArray[np.float64], side: str
) -> str | None:
    """Advice when the channels averaged at one end (outermost first) change significantly."""
    half = y.size // 2
    outer, inner = y[:half].mean(), y[-half:].mean()
    err = math.sqrt(float((sigma[:half] ** 2).mean() + (sigma[-half:] ** 2).mean()) / half)
    change = float(inner - outer)
    level = float(y.mean())
    if abs(change) <= END_TREND_SIGMAS * err or abs(level - outer) <= 0.02 * abs(outer):
        return None
    span = abs(float(be[-1] - be[0]))
    return (
        f"the {side} end level averages {y.size} channels over {span:.2g} eV in which the data "
        f"change by {change:+.4g} ({change / err:+.0f} sigma); it sits {level - outer:+.4g} "
        f"({(level - outer) / abs(outer):+.0%}) from the data at the end; widen the window "
        "past the peak or average fewer channels (average_points)"
    )


def background_warnings(result: FitResult) -> list[PhysicsWarning]:
    """End levels of a static background averaged over data that change.

    A static background (Shirley, linear, Tougaard with a fixed cross-section) is tied to the
    mean of ``average_points`` channels at each end of the window (xpsfit's convention; with
    CasaXPS's, whose tie points are centred on the ends, nothing is reported). Where those
    channels span a slope of the data (on a coarse grid they reach into the peak), the end
    level does not sit on the data at the end.

    Parameters
    ----------
    result
        A fit result (its spec gives the background; its arrays the window's data).

    Returns
    -------
    list of PhysicsWarning
        At most one per end (component ``"background"``, key ``"average_points"``): when
        the inner half of the averaged channels differs from the outer half by more than
        :data:`END_TREND_SIGMAS` standard errors and the end level from the outer half by
        more than 2 %.
    """
    bg = result.spec.background
    static = bg.kind in ("shirley", "linear") or (bg.kind == "tougaard" and "B" not in bg.params)
    if bg.options.get("convention") == "casaxps":  # tie points centred on the ends: not this
        return []
    be, y, sigma = result.binding_energy, result.data, result.sigma
    k = min(int(bg.average_points), be.size // 2)
    if not static or k < 4:
        return []
    out = []
    for side, sl in (("low-BE", slice(0, k)), ("high-BE", slice(-1, -k - 1, -1))):
        text = _end_trend(be[sl], y[sl], sigma[sl], side)
        if text is not None:
            out.append(PhysicsWarning("background", "average_points", text))
    for w in out:
        log.info("%s", w)
    return out


def result_warnings(result: FitResult, library: Library | None = None) -> list[PhysicsWarning]:
    """All advice on a finished fit: :func:`fit_warnings` on its fitted spec, for the
    components the fit found (an area above twice its error) and whose center it determined
    (not on a bound, with an error bar), and :func:`background_warnings`.

    Parameters
    ----------
    result
        The fit result.
    library
        The library; default :func:`xpsfit.reference.load_library`.

    Returns
    -------
    list of PhysicsWarning
        Empty when nothing calls for attention.
    """
    determined = []
    for w in fit_warnings(result.spec, library):
        center = result.params.get(param_name(w.component, "center"))
        found = result.found(w.component)
        if found and center is not None and center.stderr is not None and not center.at_bound:
            determined.append(w)
    return [*determined, *background_warnings(result)]


def _levels_text(levels: list[int]) -> str:
    """``[0, 1, 2, 5]`` -> ``"0-2, 5"``."""
    runs: list[list[int]] = []
    for lv in sorted(levels):
        if runs and lv == runs[-1][-1] + 1:
            runs[-1].append(lv)
        else:
            runs.append([lv])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def grouped_advice(
    fits: Iterable[tuple[str, int, FitResult]], library: Library | None = None
) -> list[str]:
    """The advice on many fits of a series, one line per series and kind of advice.

    Parameters
    ----------
    fits
        ``(series, level, result)``: e.g. ``"bare-LCO Co 2p"``, the etch level, its fit.
    library
        The library; default :func:`xpsfit.reference.load_library` (read once).

    Returns
    -------
    list of str
        ``"<series>, level(s) <levels> (<n> of <m> fitted): <advice at the first of them>"``
        per series and (component, key), in the order first met.
    """
    lib = load_library() if library is None else library
    fitted: dict[str, int] = {}
    groups: dict[tuple[str, str, str], list[tuple[int, PhysicsWarning]]] = {}
    for series, level, result in fits:
        fitted[series] = fitted.get(series, 0) + 1
        for w in result_warnings(result, lib):
            groups.setdefault((series, w.component, w.key), []).append((level, w))
    out = []
    for (series, _, _), found in groups.items():
        levels = [lv for lv, _ in found]
        word = "level" if len(levels) == 1 else "levels"
        out.append(
            f"{series}, {word} {_levels_text(levels)} ({len(levels)} of {fitted[series]} "
            f"fitted): {found[0][1]}"
        )
    return out
