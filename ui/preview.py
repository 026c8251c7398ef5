"""What the spectrum view draws: the last fit's curves while they are current, otherwise the
model of the specification being edited, evaluated live by :mod:`xpsfit.preview_model` (lines
and background at the spec's values: a static Shirley/linear/Tougaard background from the
data, an active Shirley following the current lines). No physics and no Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from xpsfit.errors import XpsfitError
from xpsfit.model_cache import ModelCache
from xpsfit.preview_model import ModelCurves, evaluate_spec, spec_window
from xpsfit.result import FitResult
from xpsfit.spec import FitSpec, Param, Peak
from xpsfit.spectrum import Spectrum

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class PreviewLine:
    """One drawn line: a single peak or the major/minor line of a doublet."""

    component: str
    role: str
    species: str
    center: float
    height: float
    curve: FloatArray


@dataclass(frozen=True)
class Preview:
    """The model on the data grid (window applied), ready to draw.

    ``source`` is ``"fit"`` when the curves are the stored fit of exactly this specification,
    ``"model"`` when they are the specification evaluated live.
    """

    binding_energy: FloatArray
    data: FloatArray
    background: FloatArray
    lines: tuple[PreviewLine, ...]
    envelope: FloatArray
    residual: FloatArray
    source: Literal["fit", "model"] = "model"


def windowed(spectrum: Spectrum, spec: FitSpec) -> Spectrum:
    """The spectrum cropped to the specification's window (whole spectrum when it cannot be)."""
    try:
        return spec_window(spectrum, spec)
    except XpsfitError:
        return spectrum


def _from_fit(sp: Spectrum, result: FitResult) -> Preview:
    lines = tuple(
        PreviewLine(ln.component, ln.role, ln.species, ln.center.value, ln.height.value, ln.curve)
        for ln in result.lines
    )
    env = result.envelope
    return Preview(sp.binding_energy, sp.intensity, result.background, lines, env,
                   sp.intensity - env, "fit")  # fmt: skip


def _curves(sp: Spectrum, spec: FitSpec, cache: ModelCache | None) -> ModelCurves | None:
    """The live model; a spec being edited may not build yet: then its background alone
    (without components), or nothing."""
    bare = replace(spec, components=(), fractions=())
    for candidate in (spec, bare):
        try:
            return evaluate_spec(replace(candidate, window=None), sp, cache)
        except XpsfitError:
            continue
    return None


def preview(
    spectrum: Spectrum,
    spec: FitSpec,
    result: FitResult | None = None,
    cache: ModelCache | None = None,
) -> Preview:
    """The curves to draw for ``spec`` on ``spectrum``.

    Parameters
    ----------
    spectrum
        The data.
    spec
        The specification at its current values.
    result
        The last fit of this spectrum: drawn as it is while ``result.spec`` is ``spec`` and its
        grid is the window's (what the fit found); otherwise the spec is evaluated live.
    cache
        Model structures kept between calls (see :func:`xpsfit.preview_model.evaluate_spec`).

    Returns
    -------
    Preview
        Curves on the windowed grid (binding energy ascending, eV).
    """
    sp = windowed(spectrum, spec)
    x, y = sp.binding_energy, sp.intensity
    if result is not None and result.spec == spec and np.array_equal(result.binding_energy, x):
        return _from_fit(sp, result)
    curves = _curves(sp, spec, cache)
    if curves is None:
        zeros = np.zeros_like(x)
        return Preview(x, y, zeros, (), zeros, y)
    lines = tuple(
        PreviewLine(ln.component, ln.role, ln.species, ln.center, ln.height, ln.curve)
        for ln in curves.lines
    )
    env = curves.envelope
    return Preview(x, y, curves.background, lines, env, y - env)


def _free(par: Param) -> bool:
    """A parameter the plot may move: not derived from another one (fixed ones may move)."""
    return par.link is None and par.expr is None


def moved_component(
    spec: FitSpec,
    component_id: str,
    *,
    center: float | None = None,
    height_ratio: float | None = None,
    fwhm: float | None = None,
) -> FitSpec:
    """The spec with one component moved by a drag on the plot.

    Parameters
    ----------
    spec
        The specification.
    component_id
        Which component.
    center
        New center (eV), ignored when the center is linked or expressed.
    height_ratio
        New height / old height; scales the area (line shapes are linear in area), ignored
        when the area is linked or expressed. Clipped to >= 0.
    fwhm
        New FWHM (eV, > 0), ignored when linked or expressed.
    """
    comp = spec.component(component_id)
    changes: dict[str, Param] = {}
    if center is not None and _free(comp.center):
        changes["center"] = replace(comp.center, value=float(center))
    if height_ratio is not None and _free(comp.area):
        changes["area"] = replace(comp.area, value=comp.area.value * max(height_ratio, 0.0))
    if fwhm is not None and fwhm > 0 and _free(comp.fwhm):
        changes["fwhm"] = replace(comp.fwhm, value=float(fwhm))
    if not changes:
        return spec
    moved = spec.with_component(replace(comp, **changes))
    return _carry_dependents(moved, comp, {component_id})


def _carry_dependents(spec: FitSpec, old: Peak, seen: set[str]) -> FitSpec:
    """Move the components linked to ``old`` along with it (offset links shift, ratio links
    scale), so a satellite follows its parent while the parent is dragged."""
    new = spec.component(old.id)
    for dep in spec.components:
        if dep.id in seen:
            continue
        changes: dict[str, Param] = {}
        for name in ("center", "fwhm", "area"):
            par: Param = getattr(dep, name)
            was, now = getattr(old, name).value, getattr(new, name).value
            if par.link is None or par.link.ref != old.id or was == now:
                continue
            if par.link.kind == "ratio":
                value = par.value * (now / was) if was else par.value
            else:
                value = par.value + (now - was)
            changes[name] = replace(par, value=value)
        if changes:
            seen.add(dep.id)
            spec = _carry_dependents(spec.with_component(replace(dep, **changes)), dep, seen)
    return spec
