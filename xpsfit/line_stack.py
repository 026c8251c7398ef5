"""All lines of a model at once: unit-area profiles and their center and FWHM derivatives.

Lines of a ``tabulated`` shape (:mod:`xpsfit.lineshapes`) whose shape parameters are fixed
constants are evaluated from the model's unit-profile tables (:mod:`xpsfit.unit_profiles`) in one
vectorised pass per table, with the derivatives that come with the table. Other lines (asymmetric
shapes, shapes whose parameters vary in the fit, or a line reaching beyond its table) are
evaluated by their shape function, and their derivatives by forward differences.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from xpsfit.errors import FitError
from xpsfit.lineshapes import LINESHAPES
from xpsfit.models import Model
from xpsfit.unit_profiles import TablePoints

__all__ = ["FD_STEP", "LineProfiles", "LineStack"]

FloatArray = NDArray[np.float64]
IndexArray = NDArray[np.intp]
#: Rows of one table group: a slice when its lines are consecutive, else their indices.
Rows = slice | IndexArray
#: Relative step of forward differences (square root of machine epsilon).
FD_STEP = 1.4901161193847656e-08


@dataclass(frozen=True, eq=False)
class LineProfiles:
    """Unit-area profiles of every line at one set of centers and widths.

    ``parts`` keeps, per table group, what the center and FWHM derivatives of its rows are made
    of (rows, the table points, ``1/FWHM``), so that :meth:`LineStack.derivatives` forms them
    (``g'(u)`` included) only when a Jacobian is asked for. ``tabulated`` marks the rows
    evaluated from a table.
    """

    centers: FloatArray
    fwhms: FloatArray
    shapes: tuple[Mapping[str, float], ...]
    profiles: FloatArray
    parts: tuple[tuple[Rows, TablePoints, FloatArray], ...]
    tabulated: NDArray[np.bool_]


def _rows(indices: list[int]) -> Rows:
    """Line indices as a slice when they are consecutive (indexing by it makes no copies)."""
    if indices == list(range(indices[0], indices[-1] + 1)):
        return slice(indices[0], indices[-1] + 1)
    return np.array(indices, dtype=np.intp)


class LineStack:
    """Evaluates the lines of ``model`` on the energies ``be`` (eV, ascending)."""

    def __init__(self, model: Model, be: FloatArray) -> None:
        self.be = be
        self.lines = model.lines
        self.funcs: list[Callable[..., FloatArray]] = [
            LINESHAPES[ln.lineshape].func for ln in model.lines
        ]
        fixed = model.fixed_values
        groups: dict[int, list[int]] = {}
        tables = []
        for i, ln in enumerate(model.lines):
            if LINESHAPES[ln.lineshape].tabulated and all(n in fixed for _, n in ln.shape):
                table = model.tables.get(ln.lineshape, {kw: fixed[n] for kw, n in ln.shape})
                if id(table) not in groups:
                    tables.append(table)
                groups.setdefault(id(table), []).append(i)
        self.groups = [(t, _rows(groups[id(t)])) for t in tables]
        in_table = {i for rows in groups.values() for i in rows}
        self.direct = tuple(i for i in range(len(model.lines)) if i not in in_table)

    def _direct(self, i: int, center: float, fwhm: float, shape: Mapping[str, float]) -> FloatArray:
        if not (np.isfinite(center) and np.isfinite(fwhm) and fwhm > 0):
            label = self.lines[i].label
            raise FitError(f"line {label}: center {center} eV / FWHM {fwhm} eV is not usable")
        out: FloatArray = self.funcs[i](self.be, 1.0, center, fwhm, **shape)
        return out

    def evaluate(
        self, centers: FloatArray, fwhms: FloatArray, shapes: tuple[Mapping[str, float], ...]
    ) -> LineProfiles:
        """Profiles of every line (with what their table derivatives need).

        Raises
        ------
        FitError
            A center or FWHM is not finite, or a FWHM is not positive.
        """
        n_lines, n = centers.size, self.be.size
        profiles = np.empty((n_lines, n))
        tabulated = np.zeros(n_lines, dtype=bool)
        usable = np.isfinite(centers) & np.isfinite(fwhms) & (fwhms > 0)
        parts = []
        for table, rows in self.groups:
            if not usable[rows].all():
                continue
            inv_w = 1.0 / fwhms[rows, None]
            u = (self.be - centers[rows, None]) * inv_w
            points = table.lookup(u)
            if points is None:
                continue
            if isinstance(rows, slice):
                np.multiply(points.values, inv_w, out=profiles[rows])
            else:
                profiles[rows] = points.values * inv_w
            tabulated[rows] = True
            parts.append((rows, points, inv_w))
        if not tabulated.all():
            for i in np.flatnonzero(~tabulated):
                profiles[i] = self._direct(int(i), float(centers[i]), float(fwhms[i]), shapes[i])
        return LineProfiles(centers, fwhms, shapes, profiles, tuple(parts), tabulated)

    def derivatives(self, lp: LineProfiles) -> tuple[FloatArray, FloatArray]:
        """Center and FWHM derivatives of every line (1/eV^2): from the tables, or by forward
        differences of the shape function for the other lines."""
        d_center = np.empty_like(lp.profiles)
        d_fwhm = np.empty_like(lp.profiles)
        for rows, points, inv_w in lp.parts:
            slope = points.slopes()
            slope *= inv_w * inv_w
            # d/dF of g(u)/F: -(g/F)/F - u g'(u)/F^2; profiles hold g/F
            d_f = lp.profiles[rows] * inv_w
            d_f += points.u * slope
            np.negative(d_f, out=d_f)
            np.negative(slope, out=slope)
            d_center[rows] = slope
            d_fwhm[rows] = d_f
        if lp.tabulated.all():
            return d_center, d_fwhm
        for i in np.flatnonzero(~lp.tabulated):
            c, w, shape = float(lp.centers[i]), float(lp.fwhms[i]), lp.shapes[i]
            h = FD_STEP * max(abs(c), 1.0)
            d_center[i] = (self._direct(int(i), c + h, w, shape) - lp.profiles[i]) / h
            h = FD_STEP * max(w, 1.0)
            d_fwhm[i] = (self._direct(int(i), c, w + h, shape) - lp.profiles[i]) / h
        return d_center, d_fwhm

    def shape_derivative(self, lp: LineProfiles, i: int, kw: str) -> FloatArray:
        """Forward-difference derivative of line ``i`` with respect to its shape parameter ``kw``."""
        shape = dict(lp.shapes[i])
        h = FD_STEP * max(abs(shape[kw]), 1.0)
        top = next(p.max for p in LINESHAPES[self.lines[i].lineshape].params if p.name == kw)
        if shape[kw] + h > top:
            h = -h
        shape[kw] += h
        moved = self._direct(i, float(lp.centers[i]), float(lp.fwhms[i]), shape)
        out: FloatArray = (moved - lp.profiles[i]) / h
        return out
