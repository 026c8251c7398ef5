"""Covariance of a finished fit and the errors of everything derived from it.

The covariance of the free parameters is ``(J^T J)^-1 * redchi`` (as lmfit scales it) from the
weighted Jacobian of the *full* model, areas included, at the optimum; parameters sitting on a
bound are held fixed (no error). Expressions, line areas and species areas get their errors by
linear propagation ``G C G^T`` with ``G`` the Jacobian of the constraint expressions, computed
by forward differences of the compiled expressions (exact for the usual linear links).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from xpsfit.models import Model

__all__ = ["Propagation", "covariance", "propagate"]

FloatArray = NDArray[np.float64]
_RCOND = 1e-13


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

    ``gradient[i]`` is d(value of ``names[i]``)/d(free parameters).
    """

    names: tuple[str, ...]
    values: FloatArray
    gradient: FloatArray
    cov: FloatArray | None
    _position: dict[str, int] = field(init=False, repr=False)
    _stderr: FloatArray | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_position", {n: i for i, n in enumerate(self.names)})
        errors = None
        if self.cov is not None:
            variance = np.einsum("ij,jk,ik->i", self.gradient, self.cov, self.gradient)
            errors = np.sqrt(np.maximum(variance, 0.0))
        object.__setattr__(self, "_stderr", errors)

    def index(self, name: str) -> int:
        """Position of a parameter in :attr:`names`."""
        return self._position[name]

    def stderr(self, name: str) -> float | None:
        """One-sigma error of a parameter (``None`` without a covariance)."""
        if self._stderr is None:
            return None
        return float(self._stderr[self._position[name]])

    def combined(self, groups: Sequence[Sequence[str]]) -> tuple[FloatArray, FloatArray | None]:
        """Sums of parameter groups (e.g. line areas of each species) and their covariance."""
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
            return values, None
        cov: FloatArray = rows @ self.cov @ rows.T
        return values, cov


def propagate(
    model: Model, free_values: Mapping[str, float], cov: FloatArray | None
) -> Propagation:
    """Evaluate every parameter and its gradient w.r.t. the free parameters."""
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
    return Propagation(names, values, grad, cov)
