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
forward differences of the compiled expressions (cheap: no line is re-evaluated). The model is
linear in the area factors, the active-Shirley ``bg_k`` and the background basis values, so
their derivatives are analytic too (the line profile, the integral of the line signal, the
unit curve); the fitted-Tougaard ``B``, ``C`` and ``D`` are differentiated by re-assembling
the model with the line profiles held.

With no linear parameters this is an ordinary nonlinear least-squares fit of the same model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray
from scipy.linalg.lapack import dgesv
from scipy.optimize import nnls

from xpsfit.errors import FitError
from xpsfit.line_stack import FD_STEP, LineProfiles, LineStack
from xpsfit.models import Model

__all__ = ["Evaluation", "NormalEquations", "Projection"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class NormalEquations:
    """The weighted area columns ``a_w`` (shape ``(q, n)``), their inverse norms ``d`` and the
    scaled Gram matrix ``d_i d_j a_w[i] . a_w[j]`` the areas were solved with."""

    weighted: FloatArray
    scale: FloatArray
    gram: FloatArray


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The model at one ``theta``: line profiles, columns, solved linear values, residual.

    ``factors`` are the lines' area factors, ``signal`` the lines summed per linear parameter
    before the background step, with their integral for an active Shirley (what the background
    derivatives are made of), ``normal`` the normal equations when they gave the areas without
    an active bound.
    """

    theta: FloatArray
    values: Mapping[str, float]
    lines: LineProfiles
    factors: FloatArray
    signal: tuple[FloatArray, FloatArray | None]
    const: FloatArray
    columns: FloatArray
    linear: FloatArray
    model: FloatArray
    residual: FloatArray
    free_mask: NDArray[np.bool_]
    chisqr: float
    normal: NormalEquations | None

    @property
    def profiles(self) -> FloatArray:
        """Unit-area profile of every line, shape ``(n_lines, n)``."""
        return self.lines.profiles


#: Shape parameters of a line evaluated from its table (it has none that vary).
_NO_SHAPE: Mapping[str, float] = MappingProxyType({})


def _getter(names: Sequence[str]) -> Callable[[Mapping[str, float]], FloatArray]:
    """A function giving the values of ``names`` from a namespace, as an array."""
    if not names:
        return lambda values: np.zeros(0)
    get = itemgetter(*names)
    if len(names) == 1:
        return lambda values: np.array([get(values)], dtype=np.float64)
    return lambda values: np.array(get(values), dtype=np.float64)


def _solve(gram: FloatArray, rhs: FloatArray) -> FloatArray:
    """``gram^-1 rhs`` by LAPACK's ``dgesv``, the routine :func:`numpy.linalg.solve` calls, with
    a fraction of its overhead on these few-by-few systems (solved up to twice per
    evaluation); raises :class:`numpy.linalg.LinAlgError` when ``gram`` is singular."""
    _lu, _piv, x, info = dgesv(gram, rhs)
    if info != 0:
        raise np.linalg.LinAlgError(f"dgesv: info {info}")
    out: FloatArray = x
    return out


def _same_point(a: FloatArray, b: FloatArray) -> bool:
    """True when two parameter vectors are bit for bit the same point (a cheaper test than
    :func:`numpy.array_equal`, which costs several microseconds in a loop that asks it
    twice per evaluation; a -0.0 against 0.0 merely misses the cache)."""
    return a.shape == b.shape and a.tobytes() == b.tobytes()


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
        self.bounded_at = np.flatnonzero(self.bounded)
        self.lower_bounded = self.lower[self.bounded]
        self.upper = np.array([model.param(n).max for n in model.nonlinear], dtype=np.float64)
        self.stack = LineStack(model, self.be)
        lines = model.lines
        self.centers = [ln.center for ln in lines]
        self.fwhms = [ln.fwhm for ln in lines]
        self.areas = [ln.area for ln in lines]
        roots = np.array(model.line_roots, dtype=np.intp)
        self.rooted = np.flatnonzero(roots >= 0)
        self.root_of = roots[self.rooted]
        # where each line's area factor goes in the (n_linear + 1, n_lines) mixing matrix
        n_lin = len(lin)
        self.mixing_at = np.where(roots >= 0, roots, n_lin) * len(lines) + np.arange(len(lines))
        self.get_centers, self.get_fwhms, self.get_areas = (
            _getter(names) for names in (self.centers, self.fwhms, self.areas)
        )
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
        self.get_watched = _getter(self.watched)
        self.unit_linear = dict.fromkeys(lin, 1.0)
        self._grad: FloatArray | None = None
        self.last: Evaluation | None = None
        self._best: Evaluation | None = None
        self._jac: tuple[FloatArray, FloatArray] | None = None

    # -- pieces ---------------------------------------------------------------------------
    def values(self, theta: FloatArray, linear: FloatArray | None = None) -> dict[str, float]:
        """Every parameter's value; linear ones default to 1 (the lines then carry unit factors)."""
        if linear is None:
            free = dict(self.unit_linear)
        else:
            free = dict(zip(self.model.linear, linear.tolist(), strict=True))
        free.update(zip(self.model.nonlinear, theta.tolist(), strict=True))
        return self.model.values(free)

    def line_profiles(self, values: Mapping[str, float]) -> LineProfiles:
        """Unit-area profiles of every line at these parameter values."""
        shapes = [_NO_SHAPE] * len(self.centers)
        for i in self.stack.direct:
            shapes[i] = {kw: values[n] for kw, n in self.model.lines[i].shape}
        return self.stack.evaluate(self.get_centers(values), self.get_fwhms(values), tuple(shapes))

    def assemble(
        self, values: Mapping[str, float], profiles: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Constant model part and the columns of the linear parameters, intensity."""
        return self._finish(values, *self._signal(self.get_areas(values), profiles))

    def _signal(
        self, factors: FloatArray, profiles: FloatArray
    ) -> tuple[FloatArray, FloatArray | None]:
        """The lines summed per linear parameter (last row: the lines of fixed area) before the
        background step, and, for an active Shirley, their cumulative integral."""
        n_lin = len(self.model.linear)
        if not factors.size:
            return np.zeros((n_lin + 1, self.be.size)), None
        mixing = np.zeros((n_lin + 1, factors.size))
        mixing.flat[self.mixing_at] = factors
        signal: FloatArray = mixing @ profiles
        if self.model.background.kind != "active_shirley":
            return signal, None
        return signal, self.model.background.integral(signal)

    def _finish(
        self, values: Mapping[str, float], signal: FloatArray, integral: FloatArray | None
    ) -> tuple[FloatArray, FloatArray]:
        """:meth:`assemble` from the parts of :meth:`_signal` (which it leaves unchanged)."""
        n_lin, bg = len(self.model.linear), self.model.background
        if integral is not None:  # the active-Shirley step: k times the integral
            signal = signal + values["bg_k"] * integral
        elif bg.fitted:
            signal = signal + bg.step(signal, values)
        elif self.basis_rows:
            signal = signal.copy()
        const = signal[n_lin] + bg.static
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

    def solve(
        self, const: FloatArray, columns: FloatArray
    ) -> tuple[FloatArray, NormalEquations | None]:
        """Bounded weighted least squares for the linear parameters (lower bounds only).

        The unconstrained solution (normal equations of the norm-scaled columns, returned with
        it) is the answer when it respects the bounds; otherwise NNLS finds the bounded one.
        """
        if not columns.shape[0]:
            return np.zeros(0), None
        a_w = columns * self.weight
        rhs = (self.data - const) * self.weight
        gram = a_w @ a_w.T
        diag = gram.diagonal()  # a view: read before gram is scaled below
        if (diag > 0).all() and np.isfinite(gram).all():
            d = 1.0 / np.sqrt(diag)
            gram *= d[:, None] * d
            try:
                a: FloatArray = d * _solve(gram, d * (a_w @ rhs))
            except np.linalg.LinAlgError:
                a = np.full(diag.size, np.nan)
            if np.isfinite(a).all() and (a[self.bounded_at] >= self.lower_bounded).all():
                return a, NormalEquations(a_w, d, gram)
        return self._nnls(a_w.T, rhs), None

    # -- minimiser interface ------------------------------------------------------------
    def evaluate(self, theta: FloatArray) -> Evaluation:
        """Model, solved linear values and weighted residual ``(model - data) / sigma``."""
        for known in (self.last, self._best):
            if known is not None and _same_point(theta, known.theta):
                self.last = known
                return known
        values = self.values(theta)
        lines = self.line_profiles(values)
        factors = self.get_areas(values)
        signal, integral = self._signal(factors, lines.profiles)
        const, columns = self._finish(values, signal, integral)
        linear, normal = self.solve(const, columns)
        model = const + linear @ columns
        residual = (model - self.data) * self.weight
        if not np.isfinite(residual).all():
            raise FitError("the model is not finite for the current parameters")
        free = ~(self.bounded & (linear <= self.lower))
        chisqr = float(residual @ residual)
        ev = Evaluation(
            theta.copy(), values, lines, factors, (signal, integral), const, columns, linear,
            model, residual, free, chisqr, normal,
        )  # fmt: skip
        if self._best is None or chisqr <= self._best.chisqr:
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
        base = self.get_watched(ev.values)
        grad = np.empty((ev.theta.size, base.size))
        for i in range(ev.theta.size):
            theta = ev.theta.copy()
            theta[i] += steps[i]
            vals = self.values(theta)
            grad[i] = (self.get_watched(vals) - base) / steps[i]
        if self.model.affine:
            self._grad = grad
        return grad

    def model_jacobian(self, ev: Evaluation) -> FloatArray:
        """Weighted derivative of the model w.r.t. ``theta`` at fixed linear values, (n, p)."""
        lines, n_lines = ev.lines, len(self.areas)
        scale = np.ones(n_lines)
        scale[self.rooted] = ev.linear[self.root_of]
        coef = ev.factors * scale
        grad = self.gradients(ev)
        d_center, d_fwhm = self.stack.derivatives(lines)
        rows: FloatArray = (grad[:, :n_lines] * coef) @ d_center
        rows += (grad[:, n_lines : 2 * n_lines] * coef) @ d_fwhm
        g_factor = grad[:, 2 * n_lines : 3 * n_lines]
        if g_factor.any():
            rows += (g_factor * scale) @ ev.profiles
        shape_grad = grad[:, 2 * n_lines + len(self.held) :]
        for k, (li, kw, _) in enumerate(self.shape_names):
            if np.any(shape_grad[:, k]):
                deriv = self.stack.shape_derivative(lines, li, kw)
                rows += np.outer(shape_grad[:, k] * coef[li], deriv)
        if self.model.background.fitted:
            rows += self.model.background.step(rows, ev.values)
        g_bg = grad[:, 3 * n_lines : 3 * n_lines + len(self.held) - n_lines]
        for j, name in enumerate(self.held[n_lines:]):
            if g_bg[:, j].any():
                rows += np.outer(g_bg[:, j], self._background_derivative(ev, name))
        jac: FloatArray = (rows * self.weight).T
        return jac

    def _background_derivative(self, ev: Evaluation, name: str) -> FloatArray:
        """Derivative of the model w.r.t. one background parameter, profiles and areas held:
        the integral of the line signal for the active-Shirley ``bg_k``, the unit curve for a
        basis parameter, forward differences otherwise (fitted Tougaard)."""
        signal, integral = ev.signal
        n_lin = len(self.model.linear)
        if name == "bg_k" and integral is not None:
            out: FloatArray = ev.linear @ integral[:n_lin] + integral[n_lin]
            return out
        basis = self.model.background.basis.get(name)
        if basis is not None:
            return basis
        values = dict(ev.values)
        h = FD_STEP * max(abs(values[name]), 1.0)
        values[name] += h
        const, columns = self._finish(values, signal, integral)
        out = (const + ev.linear @ columns - ev.model) / h
        return out

    def jacobian(self, theta: FloatArray) -> FloatArray:
        """Kaufman's variable-projection Jacobian of :meth:`residual`, shape (n, p).

        The last Jacobian is kept: the minimiser asks for the one at its start twice.
        """
        if self._jac is not None and _same_point(theta, self._jac[0]):
            return self._jac[1].copy()
        ev = self.evaluate(theta)
        jac = self.model_jacobian(ev)
        if not np.isfinite(jac).all():
            raise FitError("the model's derivatives are not finite for the current parameters")
        if ev.free_mask.any():
            normal = ev.normal if ev.free_mask.all() else None
            if normal is None:
                a_w = ev.columns[ev.free_mask] * self.weight
                gram = a_w @ a_w.T
                d = 1.0 / np.sqrt(gram.diagonal())
                normal = NormalEquations(a_w, d, gram * (d[:, None] * d))
            jac = self._project(normal, jac)
        self._jac = (ev.theta, jac.copy())
        return jac

    @staticmethod
    def _project(normal: NormalEquations, jac: FloatArray) -> FloatArray:
        """``jac`` minus its projection on the span of the weighted area columns."""
        a_w, d = normal.weighted, normal.scale[:, None]
        try:
            coef = d * _solve(normal.gram, d * (a_w @ jac))
        except np.linalg.LinAlgError:
            q, _ = np.linalg.qr(a_w.T)
            return jac - q @ (q.T @ jac)
        jac -= a_w.T @ coef
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
