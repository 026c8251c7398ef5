"""Fit one spectrum: :func:`fit` (spectrum + spec -> :class:`~xpsfit.result.FitResult`).

The fit crops the spectrum to the spec's window, builds the model (:func:`xpsfit.models.build`),
minimises with lmfit's ``Minimizer`` (Levenberg-Marquardt) over the nonlinear parameters while
the areas and background levels are solved by projection at each step
(:mod:`xpsfit.varpro`), then computes the covariance of all free parameters from the full
Jacobian at the optimum (:mod:`xpsfit.uncertainty`).

Status:

* ``"converged"``: the minimiser converged and every free parameter has an error bar;
* ``"at_bound"``: converged with one or more free parameters on a bound (those have no error);
* ``"max_evaluations"``: stopped at ``max_nfev`` residual evaluations;
* ``"failed"``: the minimiser failed, the model became non-finite, or no error bars exist.

Cancelling: ``cancel`` is called before every model evaluation; when it returns true the fit
raises :class:`FitCancelled` (nothing is returned).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal, TypeAlias

import numpy as np
from lmfit import Minimizer, Parameters
from numpy.typing import NDArray

from xpsfit.errors import FitError, XpsfitError
from xpsfit.models import Model, build
from xpsfit.result import FitResult, FitStatus
from xpsfit.result_builder import assemble_result
from xpsfit.spec import FitSpec
from xpsfit.spectrum import Spectrum
from xpsfit.uncertainty import covariance
from xpsfit.varpro import Evaluation, Projection

__all__ = ["DEFAULT_MAX_NFEV", "FitCancelled", "Weights", "fit", "prepare", "solve"]

log = logging.getLogger(__name__)
FloatArray = NDArray[np.float64]
Weights: TypeAlias = Literal["poisson", "uniform"]

#: Default cap on residual evaluations of one fit.
DEFAULT_MAX_NFEV = 1000


class FitCancelled(XpsfitError):  # noqa: N818 (the name callers know)
    """Raised by :func:`fit` when its ``cancel`` callback returned true."""


@dataclass(frozen=True, eq=False)
class Solution:
    """Outcome of the minimisation before results are assembled."""

    evaluation: Evaluation
    cov: FloatArray | None
    at_bound: dict[str, str]
    chisqr: float
    redchi: float
    nfev: int
    status: FitStatus
    message: str


def prepare(spectrum: Spectrum, spec: FitSpec, weights: Weights) -> tuple[Spectrum, FloatArray]:
    """Crop to the spec's window and check the data; returns the window and its sigma.

    Raises
    ------
    FitError
        Too few channels, non-finite or all-zero intensities, a non-monotonic axis, negative
        counts with Poisson weights, or unusable uncertainties.
    """
    label = spectrum.label
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
                f"spectrum {label}: negative intensities cannot be Poisson counts "
                "(give uncertainties or use weights='uniform')"
            )
        sigma = np.asarray(window.sigma, dtype=np.float64)
    if not (np.all(np.isfinite(sigma)) and np.all(sigma > 0)):
        raise FitError(f"spectrum {label}: uncertainties must be finite and > 0")
    return window, sigma


def _bounds_hit(model: Model, ev: Evaluation) -> dict[str, str]:
    hits: dict[str, str] = {}
    values = dict(zip(model.nonlinear, ev.theta.tolist(), strict=True))
    values.update(zip(model.linear, ev.linear.tolist(), strict=True))
    for name in model.free:
        p, v = model.param(name), values[name]
        tol = 1e-6 * max(abs(v), 1e-3)
        if math.isfinite(p.min) and v <= p.min + tol:
            hits[name] = "min"
        elif math.isfinite(p.max) and v >= p.max - tol:
            hits[name] = "max"
    return hits


def _minimise(
    proj: Projection, max_nfev: int, cancel: Callable[[], bool] | None
) -> tuple[FloatArray, int, FitStatus, str]:
    model = proj.model
    start = model.start()
    theta0 = np.array([start[n] for n in model.nonlinear], dtype=np.float64)
    if not theta0.size:
        proj.evaluate(theta0)
        return theta0, 1, "converged", "linear model solved directly"
    params = Parameters()
    for name, value in zip(model.nonlinear, theta0.tolist(), strict=True):
        p = model.param(name)
        params.add(name, value=value, min=p.min, max=p.max)

    def theta_of(pars: Parameters) -> FloatArray:
        return np.array([pars[n].value for n in model.nonlinear], dtype=np.float64)

    def residual(pars: Parameters) -> FloatArray:
        if cancel is not None and cancel():
            raise FitCancelled("fit cancelled")
        return proj.residual(theta_of(pars))

    def jacobian(pars: Parameters) -> FloatArray:
        return proj.jacobian(theta_of(pars))

    mini = Minimizer(residual, params, calc_covar=False, max_nfev=max_nfev)
    out = mini.leastsq(Dfun=jacobian)
    theta = theta_of(out.params)
    if out.aborted or getattr(out, "ier", 0) == 5:
        return theta, int(out.nfev), "max_evaluations", f"stopped after {max_nfev} evaluations"
    if not out.success:
        return theta, int(out.nfev), "failed", str(out.message)
    return theta, int(out.nfev), "converged", str(out.message)


def solve(
    model: Model,
    data: FloatArray,
    sigma: FloatArray,
    *,
    max_nfev: int = DEFAULT_MAX_NFEV,
    cancel: Callable[[], bool] | None = None,
) -> tuple[Projection, Solution]:
    """Minimise and compute the covariance (no result assembly).

    Raises
    ------
    FitCancelled
        When ``cancel`` returned true.
    FitError
        When the model cannot be evaluated at the start values.
    """
    proj = Projection(model, data, sigma)
    n_free = len(model.free)
    if data.size <= n_free:
        raise FitError(f"{data.size} channels cannot determine {n_free} free parameters")
    try:
        theta, nfev, status, message = _minimise(proj, max_nfev, cancel)
        ev = proj.evaluate(theta)
    except FitError as exc:
        if proj.last is None:
            raise
        theta, nfev, status, message = proj.last.theta, 0, "failed", str(exc)
        ev = proj.last
    chisqr = float(ev.residual @ ev.residual)
    redchi = chisqr / (data.size - n_free)
    hits = _bounds_hit(model, ev)
    keep = np.array([n not in hits for n in model.free], dtype=bool)
    cov = covariance(proj.full_jacobian(ev), redchi, keep) if n_free else np.zeros((0, 0))
    if status == "converged" and hits:
        status = "at_bound"
        message = "at a bound (no error bar): " + ", ".join(f"{n} ({b})" for n, b in hits.items())
    if cov is None and status in ("converged", "at_bound"):
        status = "at_bound" if hits else "failed"
        message = (message + "; " if hits else "") + (
            "no error bars: the covariance is singular (some parameters are not "
            "determined by the data)"
        )
    return proj, Solution(ev, cov, hits, chisqr, redchi, nfev, status, message)


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
        chi-square).
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
    SpecError
        Invalid specification.
    FitCancelled
        When cancelled.
    """
    window, sigma = prepare(spectrum, spec, weights)
    model = build(spec, window)
    data = np.asarray(window.intensity, dtype=np.float64)
    proj, sol = solve(model, data, sigma, max_nfev=max_nfev, cancel=cancel)
    result = assemble_result(spectrum.label, proj, sol)
    log.debug("fit %s: %s in %d evaluations", spectrum.label, result.status, result.nfev)
    if monte_carlo > 0 and result.ok:
        from xpsfit.montecarlo import run_monte_carlo

        summary = run_monte_carlo(proj, sol, monte_carlo, seed=seed, cancel=cancel)
        result = replace(result, monte_carlo=summary)
    return result
