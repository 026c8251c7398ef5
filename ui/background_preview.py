"""The background drawn under a previewed model (see :mod:`xpsfit_ui.preview`)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from xpsfit.result import FitResult
from xpsfit.spec import FitSpec
from xpsfit.spectrum import Spectrum

FloatArray = NDArray[np.float64]


def _end_levels(y: FloatArray, n: int) -> tuple[float, float]:
    k = max(1, min(n, y.size // 2 or 1))
    return float(np.nanmean(y[:k])), float(np.nanmean(y[-k:]))


def preview_background(
    spectrum: Spectrum, spec: FitSpec, peaks: FloatArray, result: FitResult | None
) -> FloatArray:
    """Background on the spectrum's grid for drawing.

    The last fit's background when its grid is this grid (what the fit found); otherwise a
    straight line between the averaged end levels (``spec.background.average_points``
    channels), which is the starting point every background model shares.
    """
    x = spectrum.binding_energy
    if result is not None and np.array_equal(result.binding_energy, x):
        return np.asarray(result.background, dtype=np.float64)
    if spec.background.kind == "none" or x.size < 2:
        return np.zeros_like(x)
    lo, hi = _end_levels(spectrum.intensity, spec.background.average_points)
    return lo + (hi - lo) * (x - x[0]) / (x[-1] - x[0])
