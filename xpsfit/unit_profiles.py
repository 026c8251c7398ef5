"""Tabulated unit line profiles: fast evaluation of closed-form line shapes inside a fit.

A line shape marked ``tabulated`` in :data:`xpsfit.lineshapes.LINESHAPES` is a location-scale
family: with fixed shape parameters, ``f(x; A, E, F) = (A / F) g((x - E) / F)``. The unit profile
``g(u)`` is sampled once on nodes uniform in ``t = asinh(u)`` (dense near the peak, sparse in the
tails, reaching ``|u| = reach``) and interpolated by cubic Hermite polynomials whose node slopes
are fourth-order central differences. Evaluating the table costs a few vector operations for
all lines at once, against one special-function call per line for the direct shape, and gives
``g'(u)`` as well, from which the derivatives of a line with respect to its center and FWHM follow:

.. math:: \\partial_E f = -\\frac{A}{F^2} g'(u), \\qquad
          \\partial_F f = -\\frac{A}{F^2}\\,\\big(g(u) + u\\,g'(u)\\big)

With the default node spacing (``STEP`` = 0.02 in t) the table agrees with the direct shape to
better than 2e-7 of the peak height (tests/core/test_unit_profiles.py). A point beyond
``reach`` makes :meth:`UnitTable.lookup` report it (the caller then evaluates directly).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from xpsfit.lineshapes import LINESHAPES

__all__ = ["STEP", "ProfileTables", "TablePoints", "UnitTable", "tabulate"]

FloatArray = NDArray[np.float64]
ShapeKey = tuple[str, tuple[tuple[str, float], ...]]

#: Node spacing of the tables in t = asinh(u) (u in units of the FWHM).
STEP = 0.02


@dataclass(frozen=True, eq=False)
class TablePoints:
    """Where a set of points ``u`` falls in a :class:`UnitTable`, and ``g(u)`` there.

    Parameters
    ----------
    u
        The points (units of the FWHM).
    s
        Position of every point in its interval, in [0, 1].
    coef
        The polynomial coefficients of every point's interval, shape ``u.shape + (4,)``.
    values
        ``g(u)`` (1/FWHM).
    step
        Node spacing of the table in ``t = asinh(u)``.
    """

    u: FloatArray
    s: FloatArray
    coef: FloatArray
    values: FloatArray
    step: float

    def slopes(self) -> FloatArray:
        """``g'(u)`` at every point (1/FWHM^2): the derivative of the interval polynomial in
        ``t`` times ``dt/du = 1 / sqrt(1 + u^2)``."""
        c = self.coef
        dg = c[..., 3] * (3.0 * self.s)
        dg += 2.0 * c[..., 2]
        dg *= self.s
        dg += c[..., 1]
        dg /= np.sqrt(1.0 + self.u * self.u)
        dg *= 1.0 / self.step
        return dg


@dataclass(frozen=True, eq=False)
class UnitTable:
    """Cubic Hermite table of a unit profile ``g(u)`` (unit area, unit FWHM, center 0).

    Parameters
    ----------
    t_min
        First node in ``t = asinh(u)``.
    step
        Node spacing in ``t``.
    coef
        Polynomial coefficients per interval, shape ``(n_intervals, 4)``: ``g = c0 + c1 s +
        c2 s^2 + c3 s^3`` with ``s = (t - t_i) / step`` in [0, 1].
    """

    t_min: float
    step: float
    coef: FloatArray

    @property
    def reach(self) -> float:
        """Largest ``|u|`` the table covers (units of the FWHM)."""
        return math.sinh(-self.t_min)

    def lookup(self, u: FloatArray) -> TablePoints | None:
        """``g(u)`` at every ``u`` (ascending along the last axis), or ``None`` if any
        ``|u| > reach``; :meth:`TablePoints.slopes` gives ``g'(u)`` on demand.

        Only the first and last point of each row are checked against the reach, so every row
        must be ascending (a line's ``u`` on an ascending energy grid is).
        """
        pos = np.arcsinh(u)
        pos -= self.t_min
        pos *= 1.0 / self.step
        n = self.coef.shape[0]
        if pos.size and (float(pos[..., 0].min()) < 0.0 or float(pos[..., -1].max()) > n):
            return None
        idx = pos.astype(np.intp)
        np.minimum(idx, n - 1, out=idx)
        s: FloatArray = pos - idx
        c = self.coef.take(idx, axis=0)
        g = c[..., 3] * s
        g += c[..., 2]
        g *= s
        g += c[..., 1]
        g *= s
        g += c[..., 0]
        return TablePoints(u, s, c, g, self.step)


def tabulate(lineshape: str, shape: Mapping[str, float], reach: float) -> UnitTable:
    """Tabulate the unit profile of a registered ``tabulated`` line shape.

    Parameters
    ----------
    lineshape
        Registry key (its :attr:`~xpsfit.lineshapes.LineShape.tabulated` must be true).
    shape
        Fixed values of the shape's extra parameters.
    reach
        Largest ``|x - center| / fwhm`` the table must cover (> 0).

    Returns
    -------
    UnitTable
        The table.
    """
    func = LINESHAPES[lineshape].func
    t_max = math.asinh(max(reach, 1.0))
    half = math.ceil(t_max / STEP)
    h = t_max / half
    t = np.arange(-half - 2, half + 3, dtype=np.float64) * h  # two ghost nodes each side
    g = func(np.sinh(t), 1.0, 0.0, 1.0, **shape)
    slope = (g[:-4] - 8.0 * g[1:-3] + 8.0 * g[3:-1] - g[4:]) / (12.0 * h)
    g = g[2:-2]
    dg = np.diff(g) / h
    # Hermite cubic on each interval in the unit variable s = (t - t_i) / h
    s0, s1 = slope[:-1] * h, slope[1:] * h
    c2 = 3.0 * dg * h - 2.0 * s0 - s1
    c3 = s0 + s1 - 2.0 * dg * h
    coef = np.stack([g[:-1], s0, c2, c3], axis=1)
    coef.setflags(write=False)
    return UnitTable(float(-half * h), h, coef)


class ProfileTables:
    """Tables of one model's line shapes, built on first use and kept for later fits.

    Parameters
    ----------
    reach
        Largest ``|x - center| / fwhm`` the tables cover (units of the FWHM).
    """

    def __init__(self, reach: float) -> None:
        self.reach = float(reach)
        self._tables: dict[ShapeKey, UnitTable] = {}

    def get(self, lineshape: str, shape: Mapping[str, float]) -> UnitTable:
        """The table of ``lineshape`` with fixed ``shape`` parameters (built once)."""
        key = (lineshape, tuple(sorted(shape.items())))
        table = self._tables.get(key)
        if table is None:
            table = tabulate(lineshape, shape, self.reach)
            self._tables[key] = table
        return table
