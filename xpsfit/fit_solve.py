"""The minimisation core of a fit: :func:`solve` a built model against data.

Levenberg-Marquardt (lmfit's ``Minimizer``) varies the nonlinear parameters while the areas and
background levels are solved by projection at each step (:mod:`xpsfit.varpro`); the covariance
of every free parameter comes from the full Jacobian at the optimum (:mod:`xpsfit.uncertainty`).
The outcome is a :class:`Solution` with the fit status and message described in
:mod:`xpsfit.fitting`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from lmfit import Minimizer, Parameters
from numpy.typing import NDArray

from xpsfit.errors import FitError, XpsfitError
from xpsfit.models import Model
from xpsfit.result import FitStatus
from xpsfit.result_builder import free_values
from xpsfit.uncertainty import covariance, inert, limit_message
from xpsfit.varpro import Evaluation, Projection

__all__ = [
    "DEFAULT_MAX_NFEV",
    "FTOL",
    "FitCancelled",
    "Solution",
    "solve",
    "solve_projection",
    "start_theta",
]

FloatArray = NDArray[np.float64]

#: Default cap on residual evaluations of one fit.
DEFAULT_MAX_NFEV = 1000
#: Relative chi-square change at which Levenberg-Marquardt stops (MINPACK ``ftol``). A change
#: of 1 in the chi-square moves a parameter by one standard error; at 1e-5 of a chi-square of
#: a few hundred, the stop is within about 0.002 of the minimum. Measured on the 117 spectra of
#: the demo against 1e-7: chi-square at most 0.0016 higher, no parameter moved by more than
#: 0.04 of its standard error, 18 % fewer evaluations.
FTOL = 1e-5


class FitCancelled(XpsfitError):  # noqa: N818 (the name callers know)
    """Raised by :func:`xpsfit.fitting.fit` (and :func:`solve`) when its ``cancel`` callback returned true."""


@dataclass(frozen=True, eq=False)
class Solution:
    """Outcome of the minimisation before results are assembled (``inert``: free parameters
    that no longer affect the model and have no error bar, see :func:`xpsfit.uncertainty.inert`)."""

    evaluation: Evaluation
    cov: FloatArray | None
    at_bound: dict[str, str]
    chisqr: float
    redchi: float
    nfev: int
    status: FitStatus
    message: str
    inert: tuple[str, ...] = ()


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


class _Minimizer(Minimizer):  # type: ignore[misc]  # lmfit has no type information
    """lmfit's ``Minimizer`` without its post-fit error analysis (standard errors, correlations
    and correlated ``uncertainties`` variables of the nonlinear parameters only): the fit
    computes the covariance of every free parameter itself, areas included
    (:func:`xpsfit.uncertainty.covariance`), so that work would be thrown away."""

    def _calculate_uncertainties_correlations(self) -> None:
        self.result.errorbars = False


class _OwnedParameters(Parameters):  # type: ignore[misc]  # lmfit has no type information
    """A parameter set owned by the fit it is handed to: the ``Minimizer`` may work on it as it
    is. Its defensive deep copy (a new set, a new expression interpreter and new parameter
    objects, about 8 % of a small fit) is skipped; the fit sets every start value itself and
    reads the result before the set is used again (sets are kept per model structure and
    thread, :func:`_parameters`)."""

    def __deepcopy__(self, memo: object) -> _OwnedParameters:
        return self


#: Where a free parameter that starts on one of its bounds (within :data:`ON_BOUND` of it)
#: starts instead: this share of its bounded range inside (of max(1, |bound|) for a one-sided
#: bound). lmfit's bound transforms have no gradient on a bound, so a parameter started there
#: never moves. Measured on the 117 demo spectra with their library templates, one or two
#: centers (and at random their FWHMs) put on a bound, 216 fits: started on the bound, 191 ended
#: above the chi-square of the unchanged template (median 6x); moved 1e-3 of the range inside,
#: 4 did (as with 1e-2; 1e-6: 6), in 11.4 evaluations on average. A CasaXPS Fe 2p model whose
#: satellite starts on its center and FWHM bounds ended at a reduced chi-square of 469 after 3
#: evaluations; moved inside, at 4.75 after 18.
START_INSIDE = 1e-3
#: How close to a bound (share of the range, or of max(1, |bound|)) counts as on it.
ON_BOUND = 1e-6


def _inside(value: float, lo: float, hi: float) -> float:
    """``value`` clipped into its bounds, and moved :data:`START_INSIDE` inside when on one."""
    if math.isfinite(lo) and math.isfinite(hi):
        if hi <= lo:
            return lo
        span = hi - lo
        if value <= lo + ON_BOUND * span:
            return lo + START_INSIDE * span
        if value >= hi - ON_BOUND * span:
            return hi - START_INSIDE * span
        return value
    if math.isfinite(lo) and value <= lo + ON_BOUND * max(1.0, abs(lo)):
        return lo + START_INSIDE * max(1.0, abs(lo))
    if math.isfinite(hi) and value >= hi - ON_BOUND * max(1.0, abs(hi)):
        return hi - START_INSIDE * max(1.0, abs(hi))
    return value


#: Parameter sets kept per thread (one per model structure: names and bounds).
MAX_PARAMETER_SETS = 64
_sets = threading.local()


def _parameters(model: Model, theta0: FloatArray) -> Parameters:
    """The lmfit parameters of the model's nonlinear parameters at ``theta0`` (inside their
    bounds, see :data:`START_INSIDE`), in a set reused by later fits of the same structure in
    this thread."""
    key = tuple((n, model.param(n).min, model.param(n).max) for n in model.nonlinear)
    cache: dict[tuple[tuple[str, float, float], ...], Parameters] | None = getattr(
        _sets, "by_key", None
    )
    if cache is None:
        cache = _sets.by_key = {}
    params = cache.pop(key, None)
    starts = [_inside(v, lo, hi) for (_, lo, hi), v in zip(key, theta0.tolist(), strict=True)]
    if params is None:
        params = _OwnedParameters()
        for (name, lo, hi), value in zip(key, starts, strict=True):
            params.add(name, value=value, min=lo, max=hi)
    else:
        for (name, _, _), value in zip(key, starts, strict=True):
            params[name].value = value
    while len(cache) >= MAX_PARAMETER_SETS:
        del cache[next(iter(cache))]
    cache[key] = params  # the most recently used last
    return params


def start_theta(model: Model) -> FloatArray:
    """Start values of the model's nonlinear parameters, in :attr:`Model.nonlinear` order."""
    start = model.start()
    return np.array([start[n] for n in model.nonlinear], dtype=np.float64)


def _minimise(
    proj: Projection, theta0: FloatArray, max_nfev: int, cancel: Callable[[], bool] | None
) -> tuple[FloatArray, int, FitStatus, str]:
    model = proj.model
    if not theta0.size:
        proj.evaluate(theta0)
        return theta0, 1, "converged", "linear model solved directly"
    params = _parameters(model, theta0)

    def theta_of(pars: Parameters) -> FloatArray:
        return np.array([pars[n].value for n in model.nonlinear], dtype=np.float64)

    def residual(pars: Parameters) -> FloatArray:
        if cancel is not None and cancel():
            raise FitCancelled("fit cancelled")
        return proj.residual(theta_of(pars))

    def jacobian(pars: Parameters) -> FloatArray:
        return proj.jacobian(theta_of(pars))

    # the projection raises FitError for a non-finite residual or Jacobian, so lmfit's own
    # NaN scan of every array it is handed would only repeat that check
    mini = _Minimizer(residual, params, calc_covar=False, max_nfev=max_nfev, nan_policy="propagate")
    out = mini.leastsq(Dfun=jacobian, ftol=FTOL)
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
    errors: bool = True,
) -> tuple[Projection, Solution]:
    """Minimise and compute the covariance (no result assembly).

    With ``errors=False`` no covariance is computed (``Solution.cov`` is ``None`` and the status
    only reflects the minimiser and the bounds): for Monte Carlo replicas, which need values only.

    Raises
    ------
    FitCancelled
        When ``cancel`` returned true.
    FitError
        When the model cannot be evaluated at the start values.
    """
    return solve_projection(
        Projection(model, data, sigma), max_nfev=max_nfev, cancel=cancel, errors=errors
    )


def solve_projection(
    proj: Projection,
    *,
    max_nfev: int = DEFAULT_MAX_NFEV,
    cancel: Callable[[], bool] | None = None,
    errors: bool = True,
    start: FloatArray | None = None,
) -> tuple[Projection, Solution]:
    """:func:`solve` on a projection made already (it may hold evaluations, such as its
    start), optionally from other start values of the nonlinear parameters than the model's."""
    model, data = proj.model, proj.data
    n_free = len(model.free)
    if data.size <= n_free:
        raise FitError(f"{data.size} channels cannot determine {n_free} free parameters")
    try:
        theta0 = start_theta(model) if start is None else start
        theta, nfev, status, message = _minimise(proj, theta0, max_nfev, cancel)
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
    idle: tuple[str, ...] = ()
    cov: FloatArray | None = np.zeros((0, 0))
    if n_free and errors:
        jac = proj.full_jacobian(ev)
        values = free_values(proj, ev.theta, ev.linear)
        unused = inert(jac, np.array([values[n] for n in model.free])) & keep
        idle = tuple(n for n, u in zip(model.free, unused.tolist(), strict=True) if u)
        keep &= ~unused
        cov = covariance(jac, redchi, keep)
    elif n_free:
        cov = None
    if status == "converged" and (hits or idle):
        status = "at_bound"
        message = limit_message(model, hits, idle)
    if errors and cov is None and status in ("converged", "at_bound"):
        status = "at_bound" if hits else "failed"
        message = (message + "; " if hits else "") + (
            "no error bars: the covariance is singular (some parameters are not "
            "determined by the data)"
        )
    return proj, Solution(ev, cov, hits, chisqr, redchi, nfev, status, message, idle)
