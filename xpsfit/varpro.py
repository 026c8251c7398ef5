"""Variable projection: the fit engine behind :func:`xpsfit.fit`.

The model is ``m(E) = c(theta) + sum_j a_j col_j(theta)``: the linear parameters ``a`` (areas,
background offset and slope) enter linearly, the nonlinear ``theta`` (centers, widths, shapes,
background step factors) do not. For each ``theta`` the areas are solved by bounded linear
least squares (normal equations on scaled columns; :func:`scipy.optimize.nnls` on
shifted/split columns when a lower bound is active), so the minimiser only sees ``theta``.

The Jacobian handed to the minimiser is Kaufman's: the derivative of the model with the areas
held, projected on the complement of the area columns. It is analytic in the lines: each
line's center and FWHM derivatives come from its profile (:mod:`xpsfit.line_stack`), chained
through the constraint expressions, whose derivatives with respect to ``theta`` are taken by
forward differences of the compiled expressions (cheap: no line is re-evaluated). Parameters
that change area factors or the background step (e.g. the active-Shirley ``bg_k``) are
differentiated by re-assembling the model with the line profiles held.

With no linear parameters this is an ordinary nonlinear least-squares fit of the same model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import nnls

from xpsfit.errors import FitError
from xpsfit.line_stack import FD_STEP, LineProfiles, LineStack
from xpsfit.models import Model

__all__ = ["Evaluation", "Projection"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The model at one ``theta``: line profiles, columns, solved linear values, residual."""

    theta: FloatArray
    values: Mapping[str, float]
    lines: LineProfiles
    const: FloatArray
    columns: FloatArray
    linear: FloatArray
    model: FloatArray
    residual: FloatArray
    free_mask: NDArray[np.bool_]

    @property
    def profiles(self) -> FloatArray:
        """Unit-area profile of every line, shape ``(n_lines, n)``."""
        return self.lines.profiles


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
        self.bounded = np.isfinite(self.lower)
        self.upper = np.array([model.param(n).max for n in model.nonlinear], dtype=np.float64)
        self.stack = LineStack(model, self.be)
        lines = model.lines
        self.centers = [ln.center for ln in lines]
        self.fwhms = [ln.fwhm for ln in lines]
        self.areas = [ln.area for ln in lines]
        roots = np.array(model.line_roots, dtype=np.intp)
        self.rooted = np.flatnonzero(roots >= 0)
        self.root_of = roots[self.rooted]
        self.const_lines = np.flatnonzero(roots < 0)
        self.basis_rows = [(lin.index(n), b) for n, b in model.background.basis.items() if n in lin]
        self.basis_const = [(n, b) for n, b in model.background.basis.items() if n not in lin]
        # names whose change (with the profiles held) alters the model: area factors, background
        self.held = self.areas + [p.name for p in model.params if p.role == "background"]
        self.shape_names = [(i, kw, name) for i in self.stack.direct for kw, name in lines[i].shape]
        self.watched = [
            *self.centers,
            *self.fwhms,
            *self.held,
            *(n for _, _, n in self.shape_names),
        ]
        self._grad: FloatArray | None = None
        self.last: Evaluation | None = None
        self._best: Evaluation | None = None
        self._jac: tuple[FloatArray, FloatArray] | None = None

    # -- pieces ---------------------------------------------------------------------------
    def values(self, theta: FloatArray, linear: FloatArray | None = None) -> dict[str, float]:
        """Every parameter's value; linear ones default to 1 (the lines then carry unit factors)."""
        free = dict(zip(self.model.nonlinear, theta.tolist(), strict=True))
        lin = np.ones(len(self.model.linear)) if linear is None else linear
        free.update(zip(self.model.linear, lin.tolist(), strict=True))
        return self.model.values(free)

    def line_profiles(self, values: Mapping[str, float]) -> LineProfiles:
        """Unit-area profiles of every line at these parameter values."""
        centers = np.array([values[n] for n in self.centers], dtype=np.float64)
        fwhms = np.array([values[n] for n in self.fwhms], dtype=np.float64)
        shapes = tuple(
            {kw: values[n] for kw, n in self.model.lines[i].shape} if i in self.stack.direct else {}
            for i in range(len(self.centers))
        )
        return self.stack.evaluate(centers, fwhms, shapes)

    def assemble(
        self, values: Mapping[str, float], profiles: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Constant model part and the columns of the linear parameters, intensity."""
        n_lin, n = len(self.model.linear), self.be.size
        factors = np.array([values[n] for n in self.areas], dtype=np.float64)
        mixing = np.zeros((n_lin + 1, factors.size))
        mixing[self.root_of, self.rooted] = factors[self.rooted]
        mixing[n_lin, self.const_lines] = factors[self.const_lines]
        signal = mixing @ profiles if factors.size else np.zeros((n_lin + 1, n))
        if self.model.background.fitted:
            signal += self.model.background.step(signal, values)
        const = signal[n_lin] + self.model.background.static
        for name, basis in self.basis_const:
            const = const + values[name] * basis
        columns = signal[:n_lin]
        for j, basis in self.basis_rows:
            columns[j] = basis
        return const, columns

    def _nnls(self, a_w: FloatArray, rhs: FloatArray) -> FloatArray:
        """Bounded least squares (lower bounds only) by NNLS on shifted and split columns."""
        bounded, q = self.bounded, a_w.shape[1]
        if bounded.any():
            rhs = rhs - a_w[:, bounded] @ self.lower[bounded]
        split = np.hstack([a_w, -a_w[:, ~bounded]])
        try:
            z, _ = nnls(split, rhs)
        except RuntimeError as exc:
            raise FitError(f"linear solve for the areas failed: {exc}") from None
        a: FloatArray = z[:q].copy()
        a[~bounded] -= z[q:]
        a[bounded] += self.lower[bounded]
        return a

    def solve(self, const: FloatArray, columns: FloatArray) -> FloatArray:
        """Bounded weighted least squares for the linear parameters (lower bounds only).

        The unconstrained solution (normal equations of the norm-scaled columns) is the answer
        when it respects the bounds; otherwise NNLS finds the bounded one.
        """
        if not columns.shape[0]:
            return np.zeros(0)
        a_w = columns * self.weight
        rhs = (self.data - const) * self.weight
        gram = a_w @ a_w.T
        diag = np.diag(gram)
        if (diag > 0).all() and np.isfinite(gram).all():
            d = 1.0 / np.sqrt(diag)
            try:
                a: FloatArray = d * np.linalg.solve(gram * np.outer(d, d), d * (a_w @ rhs))
            except np.linalg.LinAlgError:
                a = np.full(diag.size, np.nan)
            if np.isfinite(a).all() and (a[self.bounded] >= self.lower[self.bounded]).all():
                return a
        return self._nnls(a_w.T, rhs)

    # -- minimiser interface ------------------------------------------------------------
    def evaluate(self, theta: FloatArray) -> Evaluation:
        """Model, solved linear values and weighted residual ``(model - data) / sigma``."""
        for known in (self.last, self._best):
            if known is not None and np.array_equal(theta, known.theta):
                self.last = known
                return known
        values = self.values(theta)
        lines = self.line_profiles(values)
        const, columns = self.assemble(values, lines.profiles)
        linear = self.solve(const, columns)
        model = const + linear @ columns
        residual = (model - self.data) * self.weight
        if not np.isfinite(residual).all():
            raise FitError("the model is not finite for the current parameters")
        free = ~(self.bounded & (linear <= self.lower))
        ev = Evaluation(theta.copy(), values, lines, const, columns, linear, model, residual, free)
        if self._best is None or residual @ residual <= self._best.residual @ self._best.residual:
            self._best = ev
        self.last = ev
        return ev

    def _steps(self, theta: FloatArray) -> FloatArray:
        h = FD_STEP * np.maximum(np.abs(theta), 1.0)
        return np.where(theta + h > self.upper, -h, h)

    def gradients(self, ev: Evaluation) -> FloatArray:
        """d(line centers, FWHMs, area factors, background values, direct shapes)/d(theta).

        Forward differences of the compiled expressions, shape ``(p, n_watched)``; computed once
        per projection when every expression is affine (the derivatives are then constant).
        """
        if self._grad is not None:
            return self._grad
        steps = self._steps(ev.theta)
        base = np.array([ev.values[n] for n in self.watched], dtype=np.float64)
        grad = np.empty((ev.theta.size, base.size))
        for i in range(ev.theta.size):
            theta = ev.theta.copy()
            theta[i] += steps[i]
            vals = self.values(theta)
            grad[i] = (np.array([vals[n] for n in self.watched]) - base) / steps[i]
        if self.model.affine:
            self._grad = grad
        return grad

    def model_jacobian(self, ev: Evaluation) -> FloatArray:
        """Weighted derivative of the model w.r.t. ``theta`` at fixed linear values, (n, p)."""
        lines, n_lines, n_held = ev.lines, len(self.areas), len(self.held)
        coef = np.array([ev.values[n] for n in self.areas], dtype=np.float64)
        coef[self.rooted] *= ev.linear[self.root_of]
        grad = self.gradients(ev)
        d_center, d_fwhm = self.stack.derivatives(lines)
        rows: FloatArray = (grad[:, :n_lines] * coef) @ d_center
        rows += (grad[:, n_lines : 2 * n_lines] * coef) @ d_fwhm
        shape_grad = grad[:, 2 * n_lines + n_held :]
        for k, (li, kw, _) in enumerate(self.shape_names):
            if np.any(shape_grad[:, k]):
                deriv = self.stack.shape_derivative(lines, li, kw)
                rows += np.outer(shape_grad[:, k] * coef[li], deriv)
        if self.model.background.fitted:
            rows += self.model.background.step(rows, ev.values)
        held = np.any(grad[:, 2 * n_lines : 2 * n_lines + n_held] != 0.0, axis=1)
        steps = self._steps(ev.theta)
        for i in np.flatnonzero(held):
            theta = ev.theta.copy()
            theta[i] += steps[i]
            const, columns = self.assemble(self.values(theta), lines.profiles)
            rows[i] += (const + ev.linear @ columns - ev.model) / steps[i]
        jac: FloatArray = (rows * self.weight).T
        return jac

    def jacobian(self, theta: FloatArray) -> FloatArray:
        """Kaufman's variable-projection Jacobian of :meth:`residual`, shape (n, p).

        The last Jacobian is kept: the minimiser asks for the one at its start twice.
        """
        if self._jac is not None and np.array_equal(theta, self._jac[0]):
            return self._jac[1].copy()
        ev = self.evaluate(theta)
        jac = self.model_jacobian(ev)
        if ev.free_mask.any():
            a_w = ev.columns[ev.free_mask] * self.weight
            gram = a_w @ a_w.T
            d = 1.0 / np.sqrt(np.diag(gram))
            try:
                coef = d[:, None] * np.linalg.solve(gram * np.outer(d, d), d[:, None] * (a_w @ jac))
            except np.linalg.LinAlgError:
                q, _ = np.linalg.qr(a_w.T)
                jac = jac - q @ (q.T @ jac)
            else:
                jac -= a_w.T @ coef
        self._jac = (ev.theta, jac.copy())
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
