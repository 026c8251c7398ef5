"""Fast evaluation of a fit specification for drawing, without fitting.

The spectrum view redraws the model on every mouse move of a drag, so this builds the model
with :func:`xpsfit.models.build` (links and expressions resolved by the core), evaluates each
line once with :func:`xpsfit.lineshapes.evaluate` at the start values on the data grid, and adds
the background of :func:`xpsfit_ui.background_preview.preview_background`. No Qt here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from xpsfit import lineshapes
from xpsfit.errors import XpsfitError
from xpsfit.models import Model, build
from xpsfit.result import FitResult
from xpsfit.spec import FitSpec, Param
from xpsfit.spectrum import Spectrum
from xpsfit_ui.background_preview import preview_background

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
    """The model on the data grid (window applied), ready to draw."""

    binding_energy: FloatArray
    data: FloatArray
    background: FloatArray
    lines: tuple[PreviewLine, ...]
    envelope: FloatArray
    residual: FloatArray


def _lines(x: FloatArray, model: Model) -> list[PreviewLine]:
    """Every line of the built model at its start values (links and expressions resolved by
    the core), evaluated on ``x``."""
    vals = model.values(model.start())
    out = []
    for ld in model.lines:
        fwhm = vals[ld.fwhm]
        if not (math.isfinite(fwhm) and fwhm > 0):
            continue
        shape = {key: vals[name] for key, name in ld.shape}
        center, area = vals[ld.center], vals[ld.area]
        curve = lineshapes.evaluate(ld.lineshape, x, area, center, fwhm, **shape)
        top = lineshapes.evaluate(ld.lineshape, np.array([center]), area, center, fwhm, **shape)
        out.append(PreviewLine(ld.component, ld.role, ld.species, center, float(top[0]), curve))
    return out


def windowed(spectrum: Spectrum, spec: FitSpec) -> Spectrum:
    """The spectrum cropped to the specification's window (whole spectrum when ``None``)."""
    if spec.window is None:
        return spectrum
    try:
        return spectrum.crop(*spec.window)
    except XpsfitError:
        return spectrum


def preview(spectrum: Spectrum, spec: FitSpec, result: FitResult | None = None) -> Preview:
    """Evaluate ``spec`` on ``spectrum`` for drawing.

    Parameters
    ----------
    spectrum
        The data.
    spec
        The specification at its current values.
    result
        The last fit, whose background is reused when its grid matches the window.

    Returns
    -------
    Preview
        Curves on the windowed grid (binding energy ascending, eV).
    """
    sp = windowed(spectrum, spec)
    x, y = sp.binding_energy, sp.intensity
    try:
        lines = _lines(x, build(spec, sp))
    except XpsfitError:  # a spec being edited may not build yet: show the data alone
        lines = []
    peaks = np.sum([ln.curve for ln in lines], axis=0) if lines else np.zeros_like(x)
    bg = preview_background(sp, spec, peaks, result)
    env = bg + peaks
    return Preview(x, y, bg, tuple(lines), env, y - env)


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
    return spec.with_component(replace(comp, **changes))
