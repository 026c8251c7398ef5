"""Monte Carlo uncertainties: refit replicas drawn from the fitted model plus noise.

Each replica is the fitted envelope plus Gaussian noise with the fit's per-channel sigma
(for Poisson weighting the replica's own ``sqrt(counts)`` weights are used in its refit, as for
measured data). Replicas start from the best-fit values. The spread (standard deviation with
``ddof=1``) over the replicas that fitted is reported for every parameter, species area and
fraction. A seeded :class:`numpy.random.Generator` makes a run reproducible.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from xpsfit.errors import FitError
from xpsfit.fractions import evaluate_fractions
from xpsfit.models import Model
from xpsfit.result import MonteCarloSummary
from xpsfit.result_builder import free_values

if TYPE_CHECKING:
    from xpsfit.fitting import Solution
    from xpsfit.varpro import Projection

__all__ = ["run_monte_carlo"]

log = logging.getLogger(__name__)
FloatArray = NDArray[np.float64]


def _seeded_model(model: Model, best: dict[str, float]) -> Model:
    params = tuple(replace(p, value=best[p.name]) if p.name in best else p for p in model.params)
    return replace(model, params=params)


def _replica_values(
    model: Model, proj: Projection, sol: Solution
) -> tuple[list[str], FloatArray, FloatArray]:
    """Names, all parameter values and species areas of one solved replica."""
    ev = sol.evaluation
    values = model.values(free_values(proj, ev.theta, ev.linear))
    names = [p.name for p in model.params]
    species = model.spec.species()
    areas = np.array(
        [sum(values[ln.area] for ln in model.lines if ln.species == s) for s in species]
    )
    return names, np.array([values[n] for n in names]), areas


def run_monte_carlo(
    proj: Projection,
    sol: Solution,
    n_replicas: int,
    *,
    seed: int | None = None,
    cancel: Callable[[], bool] | None = None,
) -> MonteCarloSummary:
    """Refit ``n_replicas`` noisy replicas of the fitted model.

    Parameters
    ----------
    proj, sol
        The finished fit (see :func:`xpsfit.fitting.solve`).
    n_replicas
        Number of replicas (>= 2 for a spread).
    seed
        Seed of the noise generator.
    cancel
        Checked inside each refit; raises :class:`xpsfit.fitting.FitCancelled`.

    Returns
    -------
    MonteCarloSummary
        Standard deviations by parameter name, species and fraction name.
    """
    from xpsfit.fitting import solve

    rng = np.random.default_rng(seed)
    ev = sol.evaluation
    model = _seeded_model(proj.model, free_values(proj, ev.theta, ev.linear))
    sigma = 1.0 / proj.weight
    poisson = bool(np.allclose(sigma, np.sqrt(np.clip(proj.data, 1.0, None))))
    species = model.spec.species()
    defs = {f.name: f.expression for f in model.spec.fractions}
    params, areas, fracs = [], [], []
    for _ in range(n_replicas):
        replica = ev.model + rng.normal(0.0, sigma)
        rep_sigma = np.sqrt(np.clip(replica, 1.0, None)) if poisson else sigma
        try:
            rep_proj, rep_sol = solve(model, replica, rep_sigma, cancel=cancel, errors=False)
        except FitError as exc:
            log.debug("Monte Carlo replica failed: %s", exc)
            continue
        if rep_sol.status not in ("converged", "at_bound"):
            continue
        names, vals, sp = _replica_values(model, rep_proj, rep_sol)
        params.append(vals)
        areas.append(sp)
        found, _ = evaluate_fractions(defs, species, sp)
        fracs.append([found[n].value if n in found else np.nan for n in defs])
    n_ok = len(params)
    names = [p.name for p in model.params]

    def spread(rows: list[FloatArray] | list[list[float]], width: int) -> FloatArray:
        if n_ok < 2:
            return np.zeros(width)
        arr = np.array(rows, dtype=np.float64).reshape(n_ok, width)
        out: FloatArray = np.nanstd(arr, axis=0, ddof=1)
        return np.nan_to_num(out, nan=0.0)

    p_std, a_std, f_std = (
        spread(params, len(names)),
        spread(areas, len(species)),
        spread(fracs, len(defs)),
    )
    return MonteCarloSummary(
        n_replicas=n_ok,
        seed=seed,
        params=dict(zip(names, p_std.tolist(), strict=True)),
        species_areas=dict(zip(species, a_std.tolist(), strict=True)),
        fractions=dict(zip(defs, f_std.tolist(), strict=True)),
    )
