"""Fit one spectrum: :func:`fit` (spectrum + spec -> :class:`~xpsfit.result.FitResult`).

The fit crops the spectrum to the spec's window, builds the model (:func:`xpsfit.models.build`),
minimises with lmfit's ``Minimizer`` (Levenberg-Marquardt) over the nonlinear parameters while
the areas and background levels are solved by projection at each step
(:mod:`xpsfit.varpro`), then computes the covariance of all free parameters from the full
Jacobian at the optimum (:mod:`xpsfit.uncertainty`).

Status:

* ``"converged"``: the minimiser converged and every free parameter has an error bar;
* ``"at_bound"``: converged with one or more free parameters on a bound, or no longer affecting
  the model (a component fitted to zero area: its center and width); those have no error bar;
* ``"max_evaluations"``: stopped at ``max_nfev`` residual evaluations;
* ``"failed"``: the minimiser failed, the model became non-finite, or no error bars exist.

Cancelling: ``cancel`` is called before every model evaluation; when it returns true the fit
raises :class:`FitCancelled` (nothing is returned).

Many fits of one model (a depth profile, Monte Carlo) go through a :class:`Fitter`, which
reuses the compiled model structure between fits and can start a fit from the best of several
candidate starts (:meth:`Fitter.fit_starts`).
"""

from __future__ import annotations

import functools
import logging
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import get_args

import numpy as np
from numpy.typing import NDArray

from xpsfit.errors import FitError
from xpsfit.fit_solve import (
    DEFAULT_MAX_NFEV,
    FTOL,
    FitCancelled,
    solve,
    solve_projection,
    start_theta,
)
from xpsfit.fit_solve import Solution as Solution
from xpsfit.model_cache import ModelCache
from xpsfit.models import build_cached
from xpsfit.result import FitResult, Weights
from xpsfit.result_builder import assemble_result
from xpsfit.spec import FitSpec
from xpsfit.spectrum import Spectrum
from xpsfit.varpro import Projection

__all__ = [
    "DEFAULT_MAX_NFEV",
    "FTOL",
    "FitCancelled",
    "Fitter",
    "Weights",
    "fit",
    "prepare",
    "shared_fitter",
    "solve",
    "solve_projection",
]

log = logging.getLogger(__name__)
FloatArray = NDArray[np.float64]


def prepare(spectrum: Spectrum, spec: FitSpec, weights: Weights) -> tuple[Spectrum, FloatArray]:
    """Crop to the spec's window and check the data; returns the window and its sigma.

    Raises
    ------
    FitError
        Too few channels, non-finite or all-zero intensities, a non-monotonic axis, negative
        counts with Poisson weights, or unusable uncertainties.
    ValueError
        ``weights`` is neither ``"poisson"`` nor ``"uniform"``.
    """
    if weights not in get_args(Weights):
        raise ValueError(f"unknown weights {weights!r}; use 'poisson' or 'uniform'")
    label = spectrum.full_label
    window = spectrum if spec.window is None else spectrum.crop(*spec.window)
    be, y = window.binding_energy, window.intensity
    if be.size < 4:
        raise FitError(f"spectrum {label}: {be.size} channels in the window, at least 4 needed")
    if not (np.all(np.isfinite(be)) and np.all(np.diff(be) > 0)):
        raise FitError(f"spectrum {label}: the binding-energy axis is not strictly monotonic")
    bad = int(np.count_nonzero(~np.isfinite(y)))
    if bad:
        raise FitError(f"spectrum {label}: {bad} channel(s) in the window are not finite")
    if not np.any(y != 0):
        raise FitError(f"spectrum {label}: every intensity in the window is zero")
    if weights == "uniform":
        sigma = np.ones_like(y)
    else:
        if window.uncertainty is None and float(np.min(y)) < 0:
            raise FitError(
                f"spectrum {label}: negative intensities cannot be Poisson counts (give "
                "uncertainties, or fit with uniform weights: weights='uniform', --weights uniform)"
            )
        sigma = np.asarray(window.sigma, dtype=np.float64)
    if not (np.all(np.isfinite(sigma)) and np.all(sigma > 0)):
        raise FitError(f"spectrum {label}: uncertainties must be finite and > 0")
    return window, sigma


class Fitter:
    """Fits spectra one after another, reusing what their models share.

    Fits of specs with the same structure (a template at every level of a depth profile, its
    seeded copies, repeated fits of one model) reuse the compiled constraints and line-profile
    tables (:class:`~xpsfit.model_cache.ModelCache`). :meth:`fit` takes the arguments of
    :func:`fit` and gives the same results.
    """

    def __init__(self) -> None:
        self.cache = ModelCache()

    def fit(
        self,
        spectrum: Spectrum,
        spec: FitSpec,
        *,
        weights: Weights = "poisson",
        max_nfev: int = DEFAULT_MAX_NFEV,
        cancel: Callable[[], bool] | None = None,
        monte_carlo: int = 0,
        seed: int | None = None,
    ) -> FitResult:
        """Fit one spectrum (see :func:`fit` for the arguments, results and errors)."""
        result, _ = self.fit_starts(
            spectrum,
            spec,
            weights=weights,
            max_nfev=max_nfev,
            cancel=cancel,
            monte_carlo=monte_carlo,
            seed=seed,
        )
        return result

    def fit_starts(
        self,
        spectrum: Spectrum,
        spec: FitSpec,
        alternatives: Sequence[Mapping[str, float]] = (),
        *,
        weights: Weights = "poisson",
        max_nfev: int = DEFAULT_MAX_NFEV,
        cancel: Callable[[], bool] | None = None,
        monte_carlo: int = 0,
        seed: int | None = None,
        keep: Callable[[FitResult, int], bool] | None = None,
        background_start: Mapping[str, float] | None = None,
    ) -> tuple[FitResult, int]:
        """Fit ``spec`` from the best of its own start values and some alternatives.

        Each alternative gives start values by parameter name (e.g. a template's values,
        :func:`xpsfit.models.start_values`; names it lacks keep the spec's start). The fit
        starts from the candidate with the lowest chi-square with the areas solved (one model
        evaluation each), so it never ends above the chi-square of any candidate start.
        ``keep(result, start)``, when given, decides whether the Monte Carlo replicas are run
        (a fit the caller may discard skips them). ``background_start`` gives the spec's own
        start of fitted background parameters (by lmfit name, e.g. the previous level's fitted
        ``bg_k``) in place of the one derived from the data by a static Shirley, which is
        then not computed. Other arguments as in :func:`fit`. Returns
        the result and the start it began from: 0 for the spec's own, ``i + 1`` for
        ``alternatives[i]``.
        """
        window, sigma = prepare(spectrum, spec, weights)
        data = np.asarray(window.intensity, dtype=np.float64)
        model = build_cached(spec, window, self.cache, background_start, spectrum)
        proj = Projection(model, data, sigma)
        start, chosen = _best_start(proj, alternatives) if alternatives else (None, 0)
        proj, sol = solve_projection(proj, max_nfev=max_nfev, cancel=cancel, start=start)
        result = assemble_result(spectrum.label, proj, sol, weights=weights)
        log.debug("fit %s: %s in %d evaluations", spectrum.label, result.status, result.nfev)
        if monte_carlo > 0 and result.ok and (keep is None or keep(result, chosen)):
            from xpsfit.montecarlo import run_monte_carlo

            summary = run_monte_carlo(proj, sol, monte_carlo, seed=seed, cancel=cancel)
            result = replace(result, monte_carlo=summary)
        return result, chosen


@functools.lru_cache(maxsize=1)
def shared_fitter() -> Fitter:
    """The :class:`Fitter` of this process, used by :func:`fit` and the depth-profile workers:
    fits of a model structure seen before skip its compilation (the cache is bounded, see
    :data:`xpsfit.model_cache.MAX_STRUCTURES`, and safe to use from several threads)."""
    return Fitter()


def _shared_fitter_after_fork() -> None:
    if shared_fitter.cache_info().currsize:
        shared_fitter().cache.after_fork()


if hasattr(os, "register_at_fork"):  # pool workers are forked where Python allows it
    os.register_at_fork(after_in_child=_shared_fitter_after_fork)


def _best_start(
    proj: Projection, alternatives: Sequence[Mapping[str, float]]
) -> tuple[FloatArray, int]:
    """The candidate start (the model's own first) with the lowest chi-square, areas solved,
    and its index (0: the model's own, ``i + 1``: ``alternatives[i]``)."""
    model = proj.model
    own = start_theta(model)
    lower = np.array([model.param(n).min for n in model.nonlinear])
    candidates = [own] + [
        np.clip([alt.get(n, v) for n, v in zip(model.nonlinear, own.tolist(), strict=True)],
                lower, proj.upper)
        for alt in alternatives
    ]  # fmt: skip
    best, best_chisqr = 0, math.inf
    for i, theta in enumerate(candidates):
        try:
            residual = proj.residual(theta)
        except FitError:
            continue
        chisqr = float(residual @ residual)
        if chisqr < best_chisqr:
            best, best_chisqr = i, chisqr
    return candidates[best], best


def fit(
    spectrum: Spectrum,
    spec: FitSpec,
    *,
    weights: Weights = "poisson",
    max_nfev: int = DEFAULT_MAX_NFEV,
    cancel: Callable[[], bool] | None = None,
    monte_carlo: int = 0,
    seed: int | None = None,
) -> FitResult:
    """Fit a spectrum with a fit specification.

    Parameters
    ----------
    spectrum
        The spectrum (cropped to ``spec.window``, eV, when it has one).
    spec
        Components, constraints, background and fractions.
    weights
        ``"poisson"``: weight each channel by ``1/spectrum.sigma`` (the given uncertainty, or
        ``sqrt(counts)``); ``"uniform"``: equal weights (errors scaled by the reduced
        chi-square). The result records them (:attr:`FitResult.weights`).
    max_nfev
        Cap on residual evaluations; hitting it gives status ``"max_evaluations"``.
    cancel
        Called before each model evaluation; returning true raises :class:`FitCancelled`.
    monte_carlo
        Number of Monte Carlo replicas (0: none); see :mod:`xpsfit.montecarlo`.
    seed
        Seed of the Monte Carlo noise.

    Returns
    -------
    FitResult
        Fitted values with errors, curves, status and message.

    Raises
    ------
    FitError
        Unusable data (see :func:`prepare`).
    ValueError
        Unknown ``weights``.
    SpecError
        Invalid specification.
    FitCancelled
        When cancelled.
    """
    return shared_fitter().fit(
        spectrum,
        spec,
        weights=weights,
        max_nfev=max_nfev,
        cancel=cancel,
        monte_carlo=monte_carlo,
        seed=seed,
    )
