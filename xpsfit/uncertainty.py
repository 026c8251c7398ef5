"""Covariance of a finished fit and the errors of everything derived from it.

The covariance of the free parameters is ``(J^T J)^-1 * redchi`` (as lmfit scales it) from the
weighted Jacobian of the *full* model, areas included, at the optimum; parameters sitting on a
bound, and parameters that no longer affect the model (:func:`inert`, e.g. the center and width
of a component whose area fitted to zero), are held fixed (no error). Expressions, line areas and species areas get their errors by
linear propagation ``G C G^T`` with ``G`` the Jacobian of the constraint expressions, computed
by forward differences of the compiled expressions (exact for the usual linear links).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from xpsfit import expressions
from xpsfit.models import Model
from xpsfit.spec import param_name

__all__ = ["INERT_CHANGE", "Propagation", "covariance", "inert", "limit_message", "propagate"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
_RCOND = 1e-13
#: A parameter is inert when changing it by its own magnitude (at least 1 in its unit) moves
#: the weighted model by less than this, in units of the noise (root-sum-square over channels).
INERT_CHANGE = 1e-9


def inert(jac: FloatArray, values: FloatArray) -> BoolArray:
    """Parameters that no longer affect the model (all-zero or negligible Jacobian columns).

    Parameters
    ----------
    jac
        Weighted Jacobian, shape ``(n_data, n_free)``.
    values
        The free parameters' values, shape ``(n_free,)``.

    Returns
    -------
    numpy.ndarray
        True for each parameter whose column, times ``max(|value|, 1)``, has a norm below
        :data:`INERT_CHANGE` (e.g. the center and FWHM of a line whose area is zero).
    """
    norms = np.sqrt(np.sum(jac * jac, axis=0))
    moved = norms * np.maximum(np.abs(values), 1.0)
    out: BoolArray = np.isfinite(moved) & (moved < INERT_CHANGE)
    return out


def limit_message(model: Model, hits: Mapping[str, str], idle: Sequence[str]) -> str:
    """Why some free parameters have no error bar: components fitted to zero area, other
    parameters on a bound, and parameters that no longer affect the model.

    Parameters are named as the user reads them (:attr:`~xpsfit.models.ParamDef.label`,
    e.g. ``"C-C center"``), a bound with its value, e.g.
    ``"at a bound (no error bar): C-C center (min 284)"``.
    """
    zero = {
        c.id
        for c in model.spec.components
        if hits.get(param_name(c.id, "area")) == "min"
        and model.param(param_name(c.id, "area")).min == 0
    }
    parts = [f"component {c.id} fitted to zero area" for c in model.spec.components if c.id in zero]
    others = []
    for name, side in hits.items():
        p = model.param(name)
        if p.component not in zero or p.quantity != "area":
            others.append(f"{p.label} ({side} {p.min if side == 'min' else p.max:g})")
    if others:
        parts.append("at a bound (no error bar): " + ", ".join(others))
    unrelated = [model.param(n).label for n in idle if model.param(n).component not in zero]
    if unrelated:
        parts.append("no effect on the model (no error bar): " + ", ".join(unrelated))
    return "; ".join(parts)


def covariance(jac: FloatArray, scale: float, keep: NDArray[np.bool_]) -> FloatArray | None:
    """Covariance of the free parameters, zero rows/columns for those not kept.

    Parameters
    ----------
    jac
        Weighted Jacobian, shape ``(n_data, n_free)``.
    scale
        Reduced chi-square (1 to use the weights as absolute).
    keep
        Parameters that get an error (not at a bound).

    Returns
    -------
    numpy.ndarray or None
        ``(n_free, n_free)``, or ``None`` when ``J^T J`` is singular or not finite.
    """
    n_free = jac.shape[1]
    cov = np.zeros((n_free, n_free))
    if not keep.any():
        return cov
    sub = jac[:, keep]
    norms = np.sqrt(np.sum(sub * sub, axis=0))
    if not np.all(np.isfinite(norms)) or np.any(norms == 0):
        return None
    scaled = sub / norms
    _u, s, vt = np.linalg.svd(scaled, full_matrices=False)
    if s[-1] <= _RCOND * s[0]:
        return None
    inner = (vt.T / s**2) @ vt
    inner /= np.outer(norms, norms)
    idx = np.flatnonzero(keep)
    cov[np.ix_(idx, idx)] = inner * scale
    if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) < 0):
        return None
    return cov


@dataclass(frozen=True, eq=False)
class Propagation:
    """Values and one-sigma errors of every parameter, plus the gradient for further sums.

    ``gradient[i]`` is d(value of ``names[i]``)/d(free parameters). ``kept`` marks the free
    parameters that have an error (``None``: all); a value that depends only on parameters
    without one (e.g. the area of a component fitted to zero) has no error either.
    """

    names: tuple[str, ...]
    values: FloatArray
    gradient: FloatArray
    cov: FloatArray | None
    kept: BoolArray | None = None
    _position: dict[str, int] = field(init=False, repr=False)
    _stderr: FloatArray | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_position", {n: i for i, n in enumerate(self.names)})
        errors = None
        if self.cov is not None:
            variance = ((self.gradient @ self.cov) * self.gradient).sum(axis=1)
            errors = np.where(
                self.determined(self.gradient), np.sqrt(np.maximum(variance, 0.0)), np.nan
            )
        object.__setattr__(self, "_stderr", errors)

    def determined(self, rows: FloatArray) -> BoolArray:
        """For each gradient row: false when it depends only on parameters without an error."""
        if self.kept is None:
            return np.ones(rows.shape[0], dtype=bool)
        nonzero = rows != 0.0
        # boolean matrix products: "any nonzero entry on a kept (dropped) parameter"
        out: BoolArray = (nonzero @ self.kept) | ~(nonzero @ ~self.kept)
        return out

    def index(self, name: str) -> int:
        """Position of a parameter in :attr:`names`."""
        return self._position[name]

    def stderr(self, name: str) -> float | None:
        """One-sigma error of a parameter (``None`` without a covariance)."""
        if self._stderr is None:
            return None
        error = float(self._stderr[self._position[name]])
        return None if math.isnan(error) else error

    def errors(self) -> list[float | None]:
        """:meth:`stderr` of every parameter, in the order of :attr:`names`."""
        if self._stderr is None:
            return [None] * len(self.names)
        return [None if math.isnan(e) else e for e in self._stderr.tolist()]

    def combined(
        self, groups: Sequence[Sequence[str]]
    ) -> tuple[FloatArray, FloatArray | None, BoolArray]:
        """Sums of parameter groups (e.g. line areas of each species), their covariance, and
        whether each sum has an error (see :meth:`determined`)."""
        rows = np.zeros((len(groups), self.gradient.shape[1]))
        values = np.zeros(len(groups))
        flat = self.values.tolist()
        for k, grp in enumerate(groups):
            at = [self._position[n] for n in grp]
            for i in at:
                rows[k] += self.gradient[i]
            values[k] = sum(flat[i] for i in at)
        if self.cov is None:
            return values, None, np.zeros(len(groups), dtype=bool)
        cov: FloatArray = rows @ self.cov @ rows.T
        return values, cov, self.determined(rows)


def _steps(x: FloatArray) -> FloatArray:
    """Forward-difference step of each free parameter."""
    out: FloatArray = 1e-7 * np.maximum(np.abs(x), 1e-3)
    return out


def _at_points(
    model: Model, names: Sequence[str], given: Mapping[str, float], points: FloatArray
) -> FloatArray | None:
    """Every parameter's value at several points of the free parameters in one pass.

    ``points`` has one row per free parameter and one column per point (``given`` holds the
    values of any other inputs); the result has one row per name. ``None`` when the
    constraints are not plain arithmetic (:attr:`Model.arithmetic`) or give a non-finite value (the
    point-by-point evaluation then says what happens).
    """
    if not model.arithmetic:
        return None
    namespace: dict[str, Any] = dict(model.fixed_values)
    namespace.update(given)
    namespace.update(zip(model.free, points, strict=True))
    with np.errstate(all="ignore"):
        expressions.run(model.code, namespace)
    out = np.empty((len(names), points.shape[1]))
    for i, name in enumerate(names):
        out[i] = namespace[name]
    return out if np.isfinite(out).all() else None


def _point_by_point(
    model: Model, names: Sequence[str], given: Mapping[str, float], steps: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Values and forward-difference gradient, one constraint evaluation per free parameter."""
    base = model.values(given)
    values = np.array([base[n] for n in names], dtype=np.float64)
    grad = np.zeros((len(names), steps.size))
    for j, (name, h) in enumerate(zip(model.free, steps.tolist(), strict=True)):
        shifted = dict(given)
        shifted[name] = given[name] + h
        moved = model.values(shifted)
        grad[:, j] = (np.array([moved[n] for n in names]) - values) / h
    return values, grad


def propagate(
    model: Model,
    free_values: Mapping[str, float],
    cov: FloatArray | None,
    kept: BoolArray | None = None,
) -> Propagation:
    """Evaluate every parameter and its gradient w.r.t. the free parameters (``kept``: the
    free parameters that have an error, ``None`` for all).

    The gradient is the forward difference of the compiled constraints with the step
    ``1e-7 * max(|x|, 1e-3)`` of each free parameter ``x``; the base point and every shifted
    point are evaluated together when the constraints allow it.
    """
    names = tuple(p.name for p in model.params)
    x = np.array([free_values[n] for n in model.free], dtype=np.float64)
    steps = _steps(x)
    n_free = x.size
    points = np.repeat(x[:, None], n_free + 1, axis=1)  # column 0: x; column j + 1: x_j shifted
    points.reshape(-1)[1 :: n_free + 2] = x + steps
    found = _at_points(model, names, free_values, points)
    if found is None:
        values, grad = _point_by_point(model, names, free_values, steps)
    else:
        values = found[:, 0].copy()
        grad = (found[:, 1:] - values[:, None]) / steps
    return Propagation(names, values, grad, cov, kept)
