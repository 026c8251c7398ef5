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

import numpy as np
from numpy.typing import NDArray

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
    parameters on a bound, and parameters that no longer affect the model."""
    zero = [
        c.id
        for c in model.spec.components
        if hits.get(param_name(c.id, "area")) == "min"
        and model.param(param_name(c.id, "area")).min == 0
    ]
    areas = {param_name(c, "area") for c in zero}
    parts = [f"component {c} fitted to zero area" for c in zero]
    others = [f"{n} ({b})" for n, b in hits.items() if n not in areas]
    if others:
        parts.append("at a bound (no error bar): " + ", ".join(others))
    owned: set[str] = set()
    for comp in model.spec.components:
        if comp.id in zero:
            names = [param_name(comp.id, q) for q in comp.params()]
            owned.update(n + suffix for n in names for suffix in ("", "_offset", "_factor"))
    unrelated = [n for n in idle if n not in owned]
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
            variance = np.einsum("ij,jk,ik->i", self.gradient, self.cov, self.gradient)
            errors = np.where(
                self.determined(self.gradient), np.sqrt(np.maximum(variance, 0.0)), np.nan
            )
        object.__setattr__(self, "_stderr", errors)

    def determined(self, rows: FloatArray) -> BoolArray:
        """For each gradient row: false when it depends only on parameters without an error."""
        if self.kept is None:
            return np.ones(rows.shape[0], dtype=bool)
        on_kept = np.any(rows[:, self.kept] != 0.0, axis=1)
        on_dropped = np.any(rows[:, ~self.kept] != 0.0, axis=1)
        out: BoolArray = on_kept | ~on_dropped
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

    def combined(
        self, groups: Sequence[Sequence[str]]
    ) -> tuple[FloatArray, FloatArray | None, BoolArray]:
        """Sums of parameter groups (e.g. line areas of each species), their covariance, and
        whether each sum has an error (see :meth:`determined`)."""
        rows = np.array(
            [
                sum((self.gradient[self.index(n)] for n in grp), np.zeros(self.gradient.shape[1]))
                for grp in groups
            ]
        ).reshape(len(groups), self.gradient.shape[1])
        values = np.array(
            [sum(self.values[self.index(n)] for n in grp) for grp in groups], dtype=np.float64
        )
        if self.cov is None:
            return values, None, np.zeros(len(groups), dtype=bool)
        cov: FloatArray = rows @ self.cov @ rows.T
        return values, cov, self.determined(rows)


def propagate(
    model: Model,
    free_values: Mapping[str, float],
    cov: FloatArray | None,
    kept: BoolArray | None = None,
) -> Propagation:
    """Evaluate every parameter and its gradient w.r.t. the free parameters (``kept``: the
    free parameters that have an error, ``None`` for all)."""
    base = model.values(free_values)
    names = tuple(p.name for p in model.params)
    values = np.array([base[n] for n in names], dtype=np.float64)
    grad = np.zeros((len(names), len(model.free)))
    for j, name in enumerate(model.free):
        x = free_values[name]
        h = 1e-7 * max(abs(x), 1e-3)
        shifted = dict(free_values)
        shifted[name] = x + h
        moved = model.values(shifted)
        grad[:, j] = (np.array([moved[n] for n in names]) - values) / h
    return Propagation(names, values, grad, cov, kept)
