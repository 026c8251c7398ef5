"""Turn a solved projection into a :class:`~xpsfit.result.FitResult`.

Line heights: symmetric shapes peak at their center, so the height is the line at its
center; other shapes use :func:`xpsfit.lineshapes.height`. The height error propagates the
area and FWHM errors with the scale law ``height ~ area / fwhm`` (exact for every shape whose
width scales with ``fwhm``).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from xpsfit.fractions import evaluate_fractions
from xpsfit.lineshapes import LINESHAPES, height
from xpsfit.models import LineDef, Model
from xpsfit.result import Estimate, FitResult, LineResult, ParamResult
from xpsfit.spec import BackgroundSpec, FitSpec, Param, param_name
from xpsfit.uncertainty import Propagation, propagate

if TYPE_CHECKING:
    from xpsfit.fitting import Solution
    from xpsfit.varpro import Projection

__all__ = ["assemble_result", "fitted_spec", "free_values"]

FloatArray = NDArray[np.float64]


def free_values(proj: Projection, theta: FloatArray, linear: FloatArray) -> dict[str, float]:
    """Free parameter values by name from the nonlinear and linear vectors."""
    out = dict(zip(proj.model.nonlinear, theta.tolist(), strict=True))
    out.update(zip(proj.model.linear, linear.tolist(), strict=True))
    return out


def _line_height(ln: LineDef, values: dict[str, float]) -> float:
    shape = {kw: values[name] for kw, name in ln.shape}
    func = LINESHAPES[ln.lineshape].func
    center, fwhm, area = values[ln.center], values[ln.fwhm], values[ln.area]
    probe = np.array([center - 0.3 * fwhm, center, center + 0.3 * fwhm])
    left, mid, right = func(probe, 1.0, center, fwhm, **shape)
    if abs(left - right) <= 1e-9 * abs(mid) and mid >= max(left, right):
        return float(area * mid)
    return height(ln.lineshape, area, center, fwhm, **shape)


def _estimate(prop: Propagation, name: str) -> Estimate:
    return Estimate(float(prop.values[prop.index(name)]), prop.stderr(name))


def _lines(proj: Projection, prop: Propagation, values: dict[str, float]) -> tuple[LineResult, ...]:
    out = []
    ev = proj.last
    assert ev is not None
    for i, ln in enumerate(proj.model.lines):
        area, fwhm = _estimate(prop, ln.area), _estimate(prop, ln.fwhm)
        h = _line_height(ln, values)
        h_err = None
        if area.stderr is not None and fwhm.stderr is not None and area.value != 0:
            h_err = abs(h) * math.hypot(area.stderr / area.value, fwhm.stderr / fwhm.value)
        curve = np.array(area.value * ev.profiles[i], dtype=np.float64)
        curve.setflags(write=False)
        out.append(
            LineResult(
                ln.component,
                ln.role,
                ln.label,
                ln.species,
                ln.lineshape,
                _estimate(prop, ln.center),
                fwhm,
                area,
                Estimate(h, h_err),
                curve,
            )
        )
    return tuple(out)


def fitted_spec(model: Model, values: dict[str, float]) -> FitSpec:
    """The model's spec with every parameter value replaced by its fitted value."""
    spec = model.spec
    comps = []
    for comp in spec.components:
        changes: dict[str, Param] = {}
        shape: dict[str, Param] = dict(comp.shape)
        prefix = param_name(comp.id, "")
        for quantity, par in comp.params().items():
            value = values[prefix + quantity]
            new = (
                par
                if par.value == value
                else Param(value, par.min, par.max, par.vary, par.link, par.expr)
            )
            if quantity in shape:
                shape[quantity] = new
            else:
                changes[quantity] = new
        comps.append(replace(comp, shape=shape, **changes))  # type: ignore[arg-type]
    shared = {n: replace(p, value=values[n]) for n, p in spec.shared.items()}
    bg_params = dict(spec.background.params)
    for name in values:
        if name.startswith("bg_") and any(p.name == name for p in model.params):
            short = name[3:]
            old = bg_params.get(short, Param(values[name], min=0.0 if short == "k" else -math.inf))
            bg_params[short] = replace(old, value=values[name])
    background = BackgroundSpec(
        spec.background.kind, spec.background.average_points, bg_params, spec.background.options
    )
    return replace(spec, components=tuple(comps), shared=shared, background=background)


def _param_results(model: Model, prop: Propagation, sol: Solution) -> dict[str, ParamResult]:
    out = {}
    for p in model.params:
        stderr = prop.stderr(p.name) if p.vary or p.expr is not None else None
        if p.name in sol.at_bound or p.name in sol.inert:
            stderr = None
        bound = sol.at_bound.get(p.name)
        out[p.name] = ParamResult(
            p.name,
            float(prop.values[prop.index(p.name)]),
            stderr,
            p.is_free,
            p.expr,
            "min" if bound == "min" else "max" if bound == "max" else None,
        )
    return out


def assemble_result(label: str, proj: Projection, sol: Solution) -> FitResult:
    """Build the :class:`FitResult` of a finished fit."""
    model, ev = proj.model, sol.evaluation
    free = free_values(proj, ev.theta, ev.linear)
    kept = np.array([n not in sol.at_bound and n not in sol.inert for n in model.free], dtype=bool)
    prop = propagate(model, free, sol.cov, kept)
    values = dict(zip(prop.names, prop.values.tolist(), strict=True))
    proj.evaluate(ev.theta)
    lines = _lines(proj, prop, values)
    species = tuple(model.spec.species())
    groups = [[ln.area for ln in model.lines if ln.species == s] for s in species]
    areas, species_cov, determined = prop.combined(groups)
    errs = [
        None if species_cov is None or not determined[i] else math.sqrt(max(species_cov[i, i], 0.0))
        for i in range(len(species))
    ]
    fractions, notes = evaluate_fractions(
        {f.name: f.expression for f in model.spec.fractions}, species, areas, species_cov
    )
    envelope = np.array(ev.model, dtype=np.float64)
    background = envelope - sum((ln.curve for ln in lines), np.zeros_like(envelope))
    message = "; ".join([sol.message, *notes]) if notes else sol.message
    arrays = [proj.be, proj.data, 1.0 / proj.weight, background, envelope, proj.data - envelope]
    for arr in arrays:
        arr.setflags(write=False)
    return FitResult(
        spec=fitted_spec(model, values),
        spectrum_label=label,
        binding_energy=arrays[0],
        data=arrays[1],
        sigma=arrays[2],
        background=arrays[3],
        envelope=arrays[4],
        residual=arrays[5],
        lines=lines,
        params=_param_results(model, prop, sol),
        species=species,
        species_areas={
            s: Estimate(float(a), e) for s, a, e in zip(species, areas, errs, strict=True)
        },
        species_covariance=species_cov,
        fractions=fractions,
        chisqr=sol.chisqr,
        redchi=sol.redchi,
        nfev=sol.nfev,
        ndata=int(proj.data.size),
        nvarys=len(model.free),
        status=sol.status,
        message=message,
        background_info=dict(model.background.info),
        monte_carlo=None,
    )
