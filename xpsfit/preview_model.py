"""Model curves of a fit specification at its current values, without fitting.

An interactive editor redraws the model while a peak is dragged; it must show the background
that the fit would use for exactly these line positions, not the last fit's. This module
evaluates a built :class:`~xpsfit.models.Model` the way the fit does:

* each line is ``area * profile(E; center, FWHM, shape)``
  (:func:`xpsfit.lineshapes.evaluate`), every link and expression resolved by the model;
* the background is ``static + sum(value * basis) + step(lines)``
  (:class:`~xpsfit.model_background.BackgroundModel`): a static Shirley, linear or Tougaard
  background computed from the data, or for an active Shirley
  ``bg_offset (+ bg_slope * (E - E_low)) + bg_k * integral(E_low..E) of the current lines``,
  and for a fitted Tougaard ``bg_offset + bg_B * M(C, D) @ lines``.

After a fit, :attr:`xpsfit.result.FitResult.spec` carries the fitted background parameters, so
evaluating it reproduces the fitted background; after an edit the background follows the edit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from xpsfit import lineshapes
from xpsfit.model_cache import ModelCache
from xpsfit.models import Model, build_cached
from xpsfit.result import LineRole
from xpsfit.spec import FitSpec
from xpsfit.spectrum import Spectrum

__all__ = ["LineCurve", "ModelCurves", "evaluate_model", "evaluate_spec", "spec_window"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class LineCurve:
    """One line of a model at given parameter values.

    Parameters
    ----------
    component
        Component id.
    role
        ``"single"``, or ``"major"`` / ``"minor"`` for the lines of a doublet.
    label
        Display label.
    species
        Species the line counts toward.
    center
        Center, eV.
    fwhm
        Full width at half maximum, eV.
    area
        Area, intensity x eV.
    height
        Value at the center, intensity.
    curve
        The line on the model's grid, intensity (without background).
    """

    component: str
    role: LineRole
    label: str
    species: str
    center: float
    fwhm: float
    area: float
    height: float
    curve: FloatArray


@dataclass(frozen=True)
class ModelCurves:
    """Every curve of a model on its energy grid (binding energy ascending, eV).

    Parameters
    ----------
    binding_energy
        The grid, eV.
    background
        Background under the lines, intensity.
    lines
        Each line, without background.
    """

    binding_energy: FloatArray
    background: FloatArray
    lines: tuple[LineCurve, ...]

    @property
    def peaks(self) -> FloatArray:
        """Sum of the lines (no background), intensity."""
        total = np.zeros_like(self.binding_energy)
        for ln in self.lines:
            total += ln.curve
        return total

    @property
    def envelope(self) -> FloatArray:
        """Background plus every line, intensity."""
        return self.background + self.peaks


def _line(model: Model, index: int, x: FloatArray, values: Mapping[str, float]) -> LineCurve:
    ld = model.lines[index]
    fwhm, center, area = values[ld.fwhm], values[ld.center], values[ld.area]
    shape = {key: values[name] for key, name in ld.shape}
    curve = lineshapes.evaluate(ld.lineshape, x, area, center, fwhm, **shape)
    top = lineshapes.evaluate(ld.lineshape, np.array([center]), area, center, fwhm, **shape)
    return LineCurve(
        ld.component, ld.role, ld.label, ld.species, center, fwhm, area, float(top[0]), curve
    )


def evaluate_model(model: Model, values: Mapping[str, float] | None = None) -> ModelCurves:
    """Evaluate a built model's lines and background.

    Parameters
    ----------
    model
        A model from :func:`xpsfit.models.build`.
    values
        Values of the free parameters by name (missing ones take their start values); every
        derived parameter follows from them. ``None``: the start values, i.e. the values of
        the specification.

    Returns
    -------
    ModelCurves
        Lines and background on the model's grid. A line whose FWHM is not a finite positive
        number is left out (a value being typed); the background then follows the lines kept.
    """
    free = model.start()
    if values is not None:
        free.update(values)
    allv = model.values(free)
    bgm = model.background
    x = bgm.binding_energy
    lines = tuple(
        _line(model, i, x, allv)
        for i, ld in enumerate(model.lines)
        if math.isfinite(allv[ld.fwhm]) and allv[ld.fwhm] > 0
    )
    peaks = np.zeros_like(x)
    for ln in lines:
        peaks += ln.curve
    background = np.array(bgm.static, dtype=np.float64)
    for name, basis in bgm.basis.items():
        background += allv[name] * basis
    if bgm.fitted:
        background += bgm.step(peaks, allv)
    return ModelCurves(x, background, lines)


def spec_window(spectrum: Spectrum, spec: FitSpec) -> Spectrum:
    """The spectrum cropped to ``spec.window`` (the whole spectrum when it has none).

    Raises
    ------
    FitError
        If fewer than 2 channels lie in the window.
    """
    return spectrum if spec.window is None else spectrum.crop(*spec.window)


def evaluate_spec(
    spec: FitSpec, spectrum: Spectrum, cache: ModelCache | None = None
) -> ModelCurves:
    """The model of ``spec`` on ``spectrum`` at the specification's current values.

    Parameters
    ----------
    spec
        The fit specification (its window crops the spectrum).
    spectrum
        The data; static backgrounds and the start values of fitted backgrounds come from it.
    cache
        Reuse the compiled structure of models built before with this cache (an editor
        evaluating the same model at many values, e.g. while a peak is dragged).

    Returns
    -------
    ModelCurves
        Lines and background on the windowed grid (binding energy ascending, eV).

    Raises
    ------
    SpecError
        The specification does not build (see :func:`xpsfit.models.build`).
    FitError
        The window holds fewer than 2 channels, or the data do not allow the background.
    """
    window = spec_window(spectrum, spec)
    built = build_cached(spec, window, ModelCache() if cache is None else cache, whole=spectrum)
    return evaluate_model(built)
