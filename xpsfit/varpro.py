"""Variable projection: the fit engine behind :func:`xpsfit.fit`.

The model is ``m(E) = c(theta) + sum_j a_j col_j(theta)``: the linear parameters ``a`` (areas,
background offset and slope) enter linearly, the nonlinear ``theta`` (centers, widths, shapes,
background step factors) do not. For each ``theta`` the areas are solved by bounded linear
least squares (:func:`scipy.optimize.nnls` on shifted/split columns), so the minimiser only
sees ``theta``. The Jacobian handed to the minimiser is Kaufman's: the derivative of the model
with the areas held, projected on the complement of the area columns; derivatives of lines are
forward differences that recompute only the lines a parameter touches.

With no linear parameters this is an ordinary nonlinear least-squares fit of the same model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import nnls

from xpsfit.errors import FitError
from xpsfit.lineshapes import LINESHAPES
from xpsfit.models import Model

__all__ = ["Evaluation", "Projection"]

FloatArray = NDArray[np.float64]
_STEP = 1.4901161193847656e-08  # sqrt(machine epsilon)


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The model at one ``theta``: line profiles, columns, solved linear values, residual."""

    theta: FloatArray
    values: Mapping[str, float]
    keys: tuple[tuple[float, ...], ...]
    profiles: FloatArray
    const: FloatArray
    columns: FloatArray
    linear: FloatArray
    model: FloatArray
    residual: FloatArray
    free_mask: NDArray[np.bool_]


class Projection:
    """Residual and Jacobian of a model on data, with the linear parameters projected out.

    Parameters
    ----------
    model
        The built model.
    data
        Intensities on ``model.background.binding_energy``.
    sigma
        One standard deviation per channel (> 0).
    """

    def __init__(self, model: Model, data: FloatArray, sigma: FloatArray) -> None:
        self.model = model
        self.be = model.background.binding_energy
        self.data = data
        self.weight = 1.0 / sigma
        lin = model.linear
        self.lower = np.array([model.param(n).min for n in lin], dtype=np.float64)
        self.upper = np.array([model.param(n).max for n in model.nonlinear], dtype=np.float64)
        self.funcs = [LINESHAPES[ln.lineshape].func for ln in model.lines]
        roots = np.array(model.line_roots, dtype=np.intp)
        self.rooted = np.flatnonzero(roots >= 0)
        self.root_of = roots[self.rooted]
        self.const_lines = np.flatnonzero(roots < 0)
        self.basis_rows = [(lin.index(n), b) for n, b in model.background.basis.items() if n in lin]
        self.basis_const = [(n, b) for n, b in model.background.basis.items() if n not in lin]
        self.last: Evaluation | None = None

    # -- pieces ---------------------------------------------------------------------------
    def values(self, theta: FloatArray, linear: FloatArray | None = None) -> dict[str, float]:
        """Every parameter's value; linear ones default to 1 (the lines then carry unit factors)."""
        free = dict(zip(self.model.nonlinear, theta.tolist(), strict=True))
        lin = np.ones(len(self.model.linear)) if linear is None else linear
        free.update(zip(self.model.linear, lin.tolist(), strict=True))
        return self.model.values(free)

    def _keys(self, values: Mapping[str, float]) -> tuple[tuple[float, ...], ...]:
        return tuple(
            (values[ln.center], values[ln.fwhm], *(values[p] for _, p in ln.shape))
            for ln in self.model.lines
        )

    def _profile(self, i: int, key: tuple[float, ...]) -> FloatArray:
        ln = self.model.lines[i]
        center, fwhm = key[0], key[1]
        if not (np.isfinite(center) and np.isfinite(fwhm) and fwhm > 0):
            raise FitError(f"line {ln.label}: center {center} eV / FWHM {fwhm} eV is not usable")
        shape = {kw: v for (kw, _), v in zip(ln.shape, key[2:], strict=True)}
        out: FloatArray = self.funcs[i](self.be, 1.0, center, fwhm, **shape)
        return out

    def profiles(
        self, keys: tuple[tuple[float, ...], ...], reuse: Evaluation | None = None
    ) -> FloatArray:
        """Unit-area line profiles, recomputing only lines whose parameters changed."""
        if reuse is None:
            return np.array([self._profile(i, k) for i, k in enumerate(keys)]).reshape(
                len(keys), self.be.size
            )
        out = reuse.profiles
        for i, (new, old) in enumerate(zip(keys, reuse.keys, strict=True)):
            if new != old:
                if out is reuse.profiles:
                    out = out.copy()
                out[i] = self._profile(i, new)
        return out

    def assemble(
        self, values: Mapping[str, float], profiles: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Constant model part and the columns of the linear parameters, intensity."""
        n_lin, n = len(self.model.linear), self.be.size
        factors = np.array([values[ln.area] for ln in self.model.lines], dtype=np.float64)
        mixing = np.zeros((n_lin + 1, len(factors)))
        mixing[self.root_of, self.rooted] = factors[self.rooted]
        mixing[n_lin, self.const_lines] = factors[self.const_lines]
        signal = mixing @ profiles if len(factors) else np.zeros((n_lin + 1, n))
        signal += self.model.background.step(signal, values)
        const = signal[n_lin] + self.model.background.static
        for name, basis in self.basis_const:
            const = const + values[name] * basis
        columns = signal[:n_lin]
        for j, basis in self.basis_rows:
            columns[j] = basis
        return const, columns

    def solve(self, const: FloatArray, columns: FloatArray) -> FloatArray:
        """Bounded weighted least squares for the linear parameters (lower bounds only)."""
        if not columns.shape[0]:
            return np.zeros(0)
        a_w = (columns * self.weight).T
        rhs = (self.data - const) * self.weight
        bounded = np.isfinite(self.lower)
        if bounded.any():
            rhs = rhs - a_w[:, bounded] @ self.lower[bounded]
        split = np.hstack([a_w, -a_w[:, ~bounded]])
        try:
            z, _ = nnls(split, rhs)
        except RuntimeError as exc:
            raise FitError(f"linear solve for the areas failed: {exc}") from None
        a = z[: columns.shape[0]].copy()
        a[~bounded] -= z[columns.shape[0] :]
        a[bounded] += self.lower[bounded]
        out: FloatArray = a
        return out

    # -- minimiser interface ------------------------------------------------------------
    def evaluate(self, theta: FloatArray) -> Evaluation:
        """Model, solved linear values and weighted residual ``(model - data) / sigma``."""
        if self.last is not None and np.array_equal(theta, self.last.theta):
            return self.last
        values = self.values(theta)
        keys = self._keys(values)
        profiles = self.profiles(keys, self.last)
        const, columns = self.assemble(values, profiles)
        linear = self.solve(const, columns)
        model = const + linear @ columns
        residual = (model - self.data) * self.weight
        if not np.all(np.isfinite(residual)):
            raise FitError("the model is not finite for the current parameters")
        free = ~(np.isfinite(self.lower) & (linear <= self.lower))
        ev = Evaluation(
            theta.copy(), values, keys, profiles, const, columns, linear, model, residual, free
        )
        self.last = ev
        return ev

    def model_jacobian(self, ev: Evaluation) -> FloatArray:
        """Weighted derivative of the model w.r.t. ``theta`` at fixed linear values, (n, p)."""
        jac = np.empty((self.be.size, ev.theta.size))
        for i in range(ev.theta.size):
            theta = ev.theta.copy()
            h = _STEP * max(abs(theta[i]), 1.0)
            if theta[i] + h > self.upper[i]:
                h = -h
            theta[i] += h
            values = self.values(theta)
            profiles = self.profiles(self._keys(values), ev)
            const, columns = self.assemble(values, profiles)
            jac[:, i] = (const + ev.linear @ columns - ev.model) * (self.weight / h)
        return jac

    def jacobian(self, theta: FloatArray) -> FloatArray:
        """Kaufman's variable-projection Jacobian of :meth:`residual`, shape (n, p)."""
        ev = self.evaluate(theta)
        jac = self.model_jacobian(ev)
        if ev.free_mask.any():
            q, _ = np.linalg.qr((ev.columns[ev.free_mask] * self.weight).T)
            jac -= q @ (q.T @ jac)
        return jac

    def residual(self, theta: FloatArray) -> FloatArray:
        """Weighted residual with the linear parameters solved."""
        return self.evaluate(theta).residual

    def full_jacobian(self, ev: Evaluation) -> FloatArray:
        """Weighted Jacobian of the full model w.r.t. all free parameters (``model.free`` order)."""
        parts = dict(zip(self.model.nonlinear, self.model_jacobian(ev).T, strict=True))
        parts.update(zip(self.model.linear, ev.columns * self.weight, strict=True))
        return (
            np.array([parts[n] for n in self.model.free])
            .reshape(len(self.model.free), self.be.size)
            .T
        )
