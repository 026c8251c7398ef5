"""The area of a region fitted without components: CasaXPS's quantification region.

A fit specification with a window and a background but no components is "fitted" by its
background alone (a background fitted with lines takes its static form,
:func:`xpsfit.model_background.integration_background`); its signal is then the data above
that background, integrated over the window (trapezoid rule), as CasaXPS integrates a region. The position and FWHM are those of
the net signal's maximum, which is where CasaXPS evaluates the transmission and escape depth
of a region.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from xpsfit.model_background import integration_background
from xpsfit.result import Estimate, FitResult

__all__ = ["RegionIntegral", "region_integral"]


@dataclass(frozen=True)
class RegionIntegral:
    """The integrated net signal of a region.

    Parameters
    ----------
    area
        Integral of data minus background over the window, intensity x eV, with its one-sigma
        error from the channels' Poisson errors, the end levels of a static background
        included (``None`` for uniform weights, which carry no noise estimate).
    position
        Binding energy of the net signal's maximum, eV.
    fwhm
        Distance between the outermost channels at or above half that maximum, eV (0 when the
        net signal has no positive maximum).
    """

    area: Estimate
    position: float
    fwhm: float


def _with_tie_points(result: FitResult, weights: NDArray[np.float64]) -> NDArray[np.float64]:
    """The derivative of the area by each channel's counts: the channel's integration weight,
    less what it moves the background through the end level it is averaged into.

    A static background rises from its low- to its high-binding-energy end level along a
    shape ``t`` (0 to 1); the end levels are means of the end channels, whose noise moves the
    whole background. The shape is held fixed (exact for a linear background). CasaXPS's tie
    points (channels centred on each end) are taken as that many channels inside the window.
    A fitted or absent background adds nothing.
    """
    bg = integration_background(result.spec.background)  # what the fit used without lines
    static = bg.kind in ("linear", "shirley") or (bg.kind == "tougaard" and "B" not in bg.params)
    size = weights.size
    if not static:
        return weights
    points = int(bg.average_points)
    if bg.options.get("convention") == "casaxps":
        points = 2 * math.ceil(points / 2) + 1
    n = min(max(points, 1), size // 2) or 1
    level = np.asarray(result.background, dtype=np.float64)
    rise = level[-1] - level[0]
    t = (level - level[0]) / rise if rise != 0 else np.linspace(0.0, 1.0, size)
    gradient = weights.copy()
    gradient[:n] -= float(weights @ (1.0 - t)) / n
    gradient[-n:] -= float(weights @ t) / n
    return gradient


def region_integral(result: FitResult) -> RegionIntegral:
    """Integrate a fit's data above its background over its window (see the module notes)."""
    x = np.asarray(result.binding_energy, dtype=np.float64)
    net = np.asarray(result.data, dtype=np.float64) - np.asarray(result.background)
    if x.size < 2:
        return RegionIntegral(Estimate(0.0, None), float(x[0]) if x.size else 0.0, 0.0)
    steps = np.diff(x)
    weights = np.zeros_like(x)
    weights[:-1] += steps / 2.0
    weights[1:] += steps / 2.0
    area = float(weights @ net)
    err = None
    if result.weights == "poisson":
        gradient = _with_tie_points(result, weights)
        var = float(np.sum((gradient * np.asarray(result.sigma)) ** 2))
        err = math.sqrt(var) if math.isfinite(var) else None
    top = int(np.argmax(net))
    fwhm = 0.0
    if net[top] > 0:
        above = np.flatnonzero(net >= net[top] / 2.0)
        fwhm = float(x[above[-1]] - x[above[0]])
    return RegionIntegral(Estimate(area, err), float(x[top]), fwhm)
