"""Global depth-profile fitting: one simultaneous fit of every level of a region.

The chosen nonlinear parameters (centers, widths, splittings, line-shape parameters) are
shared by all levels; the areas and the background stay per level. The residual is the stack
of every level's variable-projection residual (:class:`xpsfit.varpro.Projection`): for a
trial of the shared parameters each level's areas are solved by bounded linear least
squares, so the minimiser only iterates the shared nonlinear parameters (plus any per-level
nonlinear ones, such as an active-Shirley step factor). Afterwards each level is refitted with
the shared parameters fixed at their global values, which gives every level its own
:class:`~xpsfit.result.FitResult` (area errors are then conditional on the shared values).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal, TypeAlias

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import least_squares

from xpsfit.fitting import FitCancelled, Weights, prepare, shared_fitter
from xpsfit.model_cache import ModelCache
from xpsfit.models import Model, build_cached
from xpsfit.profile_jobs import check_spectrum, failure_text, fit_options, run_job
from xpsfit.profile_transport import outcome_of
from xpsfit.spec import FitSpec, Param, param_name
from xpsfit.spec_transport import decode_spec
from xpsfit.spectrum import Spectrum
from xpsfit.varpro import Projection

__all__ = ["DEFAULT_SHARED", "SharedQuantity", "global_fit", "run_any"]

SharedQuantity: TypeAlias = Literal["center", "fwhm", "splitting", "shape"]
#: Quantities shared by all levels unless told otherwise.
DEFAULT_SHARED: tuple[SharedQuantity, ...] = ("center", "fwhm", "splitting", "shape")
FloatArray = NDArray[np.float64]
_QUANTITY = {"center": "center", "fwhm": "fwhm", "fwhm_ratio": "fwhm", "splitting": "splitting"}


def _shared_names(spec: FitSpec, shared: Sequence[str]) -> dict[str, tuple[str, str]]:
    """lmfit name -> (component id, parameter) of every parameter in a shared quantity."""
    out = {}
    for comp in spec.components:
        for q in comp.params():
            kind = _QUANTITY.get(q, "shape" if q in comp.shape else "")
            if kind in shared:
                out[param_name(comp.id, q)] = (comp.id, q)
    return out


def _layout(
    models: Sequence[Model], shared: Mapping[str, tuple[str, str]]
) -> tuple[list[str], list[list[int]]]:
    """Global parameter names and, per level, the global index of each of its nonlinear ones."""
    names = [n for n in models[0].nonlinear if n in shared]
    index = {n: i for i, n in enumerate(names)}
    maps = []
    for k, model in enumerate(models):
        row = []
        for n in model.nonlinear:
            if n not in index:
                index[f"{k}:{n}"] = len(names)
                names.append(f"{k}:{n}")
            row.append(index[n] if n in shared else index[f"{k}:{n}"])
        maps.append(row)
    return names, maps


def global_fit(
    spectra: Sequence[Spectrum],
    spec: FitSpec,
    shared: Sequence[str] = DEFAULT_SHARED,
    *,
    cancel: Callable[[], bool] | None = None,
    weights: Weights = "poisson",
) -> dict[str, float]:
    """Fit all spectra at once with the shared parameters common to all of them.

    Parameters
    ----------
    spectra
        The region's spectra (one per level), already charge corrected.
    spec
        The region's template.
    shared
        Quantities shared by all levels.
    cancel
        Called before each evaluation of the stacked residual; returning true raises
        :class:`~xpsfit.fitting.FitCancelled`.
    weights
        Channel weights, as for :func:`xpsfit.fitting.fit`.

    Returns
    -------
    dict
        Fitted value of every shared lmfit parameter.

    Raises
    ------
    FitError
        A spectrum cannot be windowed or the model is not finite.
    FitCancelled
        When ``cancel`` returned true.
    """
    prepared = [prepare(s, spec, weights) for s in spectra]
    cache = ModelCache()
    models = [
        build_cached(spec, w, cache, whole=s) for s, (w, _) in zip(spectra, prepared, strict=True)
    ]
    projs = [
        Projection(m, np.asarray(w.intensity), sigma)
        for m, (w, sigma) in zip(models, prepared, strict=True)
    ]
    names_map = _shared_names(spec, shared)
    names, maps = _layout(models, names_map)
    start, lo, hi = (np.zeros(len(names)) for _ in range(3))
    for model, row in zip(models, maps, strict=True):
        for n, g in zip(model.nonlinear, row, strict=True):
            p = model.param(n)
            start[g], lo[g], hi[g] = p.value, p.min, p.max
    start = np.clip(start, lo, hi)
    inside = np.where(np.isfinite(lo) & np.isfinite(hi) & (hi > lo), 1e-9 * (hi - lo), 0.0)
    start = np.clip(start, lo + inside, hi - inside)

    def residual(x: FloatArray) -> FloatArray:
        if cancel is not None and cancel():
            raise FitCancelled("global fit cancelled")
        return np.concatenate([p.residual(x[row]) for p, row in zip(projs, maps, strict=True)])

    def jacobian(x: FloatArray) -> FloatArray:
        blocks = []
        for p, row in zip(projs, maps, strict=True):
            block = np.zeros((p.be.size, x.size))
            block[:, row] = p.jacobian(x[row])
            blocks.append(block)
        return np.vstack(blocks)

    if not names:
        return {}
    sol = least_squares(
        residual,
        start,
        jac=jacobian,
        bounds=(lo, hi),
        method="trf",
        x_scale="jac",
        tr_solver="lsmr",
    )
    return {n: float(v) for n, v in zip(names, sol.x, strict=True) if n in names_map}


def _fixed_spec(spec: FitSpec, values: Mapping[str, float], shared: Sequence[str]) -> FitSpec:
    where = _shared_names(spec, shared)
    out = spec
    for name, value in values.items():
        cid, q = where[name]
        comp = out.component(cid)
        par: Param = comp.params()[q]
        changes: dict[str, Any] = (
            {"shape": {**comp.shape, q: par.fixed(value)}}
            if q in comp.shape
            else {q: par.fixed(value)}
        )
        out = out.with_component(replace(comp, **changes))
    return out


def run_global_job(
    job: Mapping[str, Any], cancel: Callable[[], bool] | None = None
) -> list[dict[str, Any]]:
    """Worker side of a global job: check, fit all good levels together, refit each level.

    Once ``cancel`` returns true the job stops and returns the outcomes so far."""
    spec = decode_spec(job)
    out: list[dict[str, Any]] = []
    good: list[tuple[str, Spectrum]] = []
    for key, fields in job["items"]:
        spectrum = Spectrum(**fields)
        issue = check_spectrum(spectrum, job["weights"])
        if issue is None:
            good.append((key, spectrum))
        else:
            out.append({"key": key, "issue": [issue.code, issue.message]})
    try:
        spectra = [s for _, s in good]
        values = (
            global_fit(spectra, spec, job["shared"], cancel=cancel, weights=job["weights"])
            if good
            else {}
        )
    except FitCancelled:
        return out
    except Exception as exc:  # the region's spectra fail together, the profile goes on
        return out + [
            {"key": k, "issue": ["fit_failed", "global fit: " + failure_text(s, exc)]}
            for k, s in good
        ]
    level_spec = _fixed_spec(spec, values, job["shared"])
    fitter = shared_fitter()
    for key, spectrum in good:
        try:
            result = fitter.fit(spectrum, level_spec, **fit_options(job, spectrum, cancel))
        except FitCancelled:
            break
        except Exception as exc:  # one spectrum's failure must not stop the profile
            out.append({"key": key, "issue": ["fit_failed", failure_text(spectrum, exc)]})
            continue
        out.append(outcome_of(key, spectrum, result, live=bool(job.get("live"))))
    return out


def run_any(
    job: Mapping[str, Any], cancel: Callable[[], bool] | None = None
) -> list[dict[str, Any]]:
    """Run a chain job or a global job (the function worker processes execute); ``cancel``
    stops it early (see :func:`xpsfit.profile_jobs.run_job`)."""
    if job.get("kind") == "global":
        return run_global_job(job, cancel)
    return run_job(job, cancel)
