"""Turn a solved projection into a :class:`~xpsfit.result.FitResult`.

Line heights: symmetric shapes peak at their center, so the height is the line at its
center; other shapes use :func:`xpsfit.lineshapes.height`. The height error propagates the
area and FWHM errors with the scale law ``height ~ area / fwhm`` (exact for every shape whose
width scales with ``fwhm``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from xpsfit.fractions import evaluate_fractions
from xpsfit.lineshapes import LINESHAPES, height
from xpsfit.model_params import component_prefix
from xpsfit.models import Model
from xpsfit.result import Estimate, FitResult, LineResult, ParamResult, Weights
from xpsfit.spec import FitSpec, Param, Peak
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


def _heights(model: Model, values: dict[str, float]) -> list[float]:
    """Peak height of every line.

    A line whose unit-area shape is symmetric about its center (probed at ``center +- 0.3
    FWHM``) peaks there: its height is its area times the unit shape's value at the center.
    That value depends on the shape, the FWHM and the shape parameters only (every line
    shape is a function of ``x - center``), so lines that share them (a doublet's two lines
    of equal width) share it.
    """
    peaks: dict[tuple[object, ...], float] = {}
    out = []
    for ln in model.lines:
        shape = {kw: values[name] for kw, name in ln.shape}
        center, fwhm, area = values[ln.center], values[ln.fwhm], values[ln.area]
        key = (ln.lineshape, fwhm, *shape.values())
        mid = peaks.get(key)
        if mid is None:
            func = LINESHAPES[ln.lineshape].func
            probe = np.array([center - 0.3 * fwhm, center, center + 0.3 * fwhm])
            left, mid, right = func(probe, 1.0, center, fwhm, **shape).tolist()
            if not (abs(left - right) <= 1e-9 * abs(mid) and mid >= max(left, right)):
                out.append(height(ln.lineshape, area, center, fwhm, **shape))
                continue
            peaks[key] = mid
        out.append(area * mid)
    return out


def _lines(
    model: Model,
    prop: Propagation,
    values: dict[str, float],
    errors: list[float | None],
    curves: FloatArray,
) -> tuple[LineResult, ...]:
    """Every drawn line; ``errors`` are :meth:`Propagation.errors`, ``curves`` the lines'
    curves (area times unit profile)."""
    at = prop.index
    out = []
    for ln, h, curve in zip(model.lines, _heights(model, values), curves, strict=True):
        area = Estimate(values[ln.area], errors[at(ln.area)])
        fwhm = Estimate(values[ln.fwhm], errors[at(ln.fwhm)])
        h_err = None
        if area.stderr is not None and fwhm.stderr is not None and area.value != 0:
            h_err = abs(h) * math.hypot(area.stderr / area.value, fwhm.stderr / fwhm.value)
        out.append(
            LineResult(
                component=ln.component,
                role=ln.role,
                label=ln.label,
                species=ln.species,
                lineshape=ln.lineshape,
                center=Estimate(values[ln.center], errors[at(ln.center)]),
                fwhm=fwhm,
                area=area,
                height=Estimate(h, h_err),
                curve=curve,
            )
        )
    return tuple(out)


def _fitted_component(comp: Peak, values: Mapping[str, float]) -> Peak:
    """A component with its parameters at their fitted values."""
    changes: dict[str, Any] = {}
    shape: dict[str, Param] = dict(comp.shape)
    prefix = component_prefix(comp.id)
    for quantity, par in comp.params().items():
        value = values[prefix + quantity]
        new = par if par.value == value else par.with_value(value)
        if quantity in shape:
            shape[quantity] = new
        else:
            changes[quantity] = new
    return replace(comp, shape=MappingProxyType(shape), **changes)


def fitted_spec(model: Model, values: Mapping[str, float]) -> FitSpec:
    """The model's spec with every parameter value replaced by its fitted value."""
    spec = model.spec
    shared = {n: p.with_value(values[n]) for n, p in spec.shared.items()}
    bg_params = dict(spec.background.params)
    for p in model.params:
        if p.name.startswith("bg_"):
            short, value = p.name[3:], values[p.name]
            old = bg_params.get(short, Param(value, min=0.0 if short == "k" else -math.inf))
            bg_params[short] = old.with_value(value)
    background = replace(spec.background, params=MappingProxyType(bg_params))
    return replace(
        spec,
        components=tuple(_fitted_component(c, values) for c in spec.components),
        shared=MappingProxyType(shared),
        background=background,
    )


def _param_results(
    model: Model, prop: Propagation, errors: list[float | None], sol: Solution
) -> dict[str, ParamResult]:
    out = {}
    at_bound, inert = sol.at_bound, set(sol.inert)
    for p, value, error in zip(model.params, prop.values.tolist(), errors, strict=True):
        name, expr = p.name, p.expr
        bound = at_bound.get(name)
        shown = (p.vary or expr is not None) and name not in at_bound and name not in inert
        out[name] = ParamResult(
            name=name,
            value=value,
            stderr=error if shown else None,
            vary=p.vary and expr is None,
            expr=expr,
            at_bound="min" if bound == "min" else "max" if bound == "max" else None,
        )
    return out


def _species_results(
    model: Model, prop: Propagation, species: tuple[str, ...]
) -> tuple[dict[str, Estimate], FloatArray | None, dict[str, Estimate], list[str]]:
    """Species areas with errors, their covariance, the fractions, and notes on fractions
    that could not be evaluated."""
    groups = [[ln.area for ln in model.lines if ln.species == s] for s in species]
    areas, cov, determined = prop.combined(groups)
    errs = [
        None if cov is None or not determined[i] else math.sqrt(max(cov[i, i], 0.0))
        for i in range(len(species))
    ]
    fractions, notes = evaluate_fractions(
        {f.name: f.expression for f in model.spec.fractions}, species, areas, cov
    )
    estimates = {s: Estimate(float(a), e) for s, a, e in zip(species, areas, errs, strict=True)}
    return estimates, cov, fractions, notes


def _background_notes(info: Mapping[str, float | int | bool | str]) -> list[str]:
    """The static background's own account when it fell back to an approximation (a Shirley
    background without a fixed point or without usable peak area), so the message says so."""
    if info.get("converged", True) or not info.get("message"):
        return []
    return [f"background: {info['message']}"]


def assemble_result(label: str, proj: Projection, sol: Solution, *, weights: Weights) -> FitResult:
    """Build the :class:`FitResult` of a finished fit with channel ``weights`` (which built
    ``proj``'s weights, see :func:`xpsfit.fitting.prepare`)."""
    model, ev = proj.model, sol.evaluation
    free = free_values(proj, ev.theta, ev.linear)
    kept = np.array([n not in sol.at_bound and n not in sol.inert for n in model.free], dtype=bool)
    prop = propagate(model, free, sol.cov, kept)
    values = dict(zip(prop.names, prop.values.tolist(), strict=True))
    curves = np.array([values[ln.area] for ln in model.lines])[:, None] * ev.profiles
    curves.setflags(write=False)
    errors = prop.errors()
    lines = _lines(model, prop, values, errors, curves)
    species = tuple(model.spec.species())
    species_areas, species_cov, fractions, notes = _species_results(model, prop, species)
    envelope = np.array(ev.model, dtype=np.float64)
    background = envelope - np.add.reduce(curves, axis=0)  # row by row, in line order
    notes = [*notes, *_background_notes(model.background.info)]
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
        params=_param_results(model, prop, errors, sol),
        species=species,
        species_areas=species_areas,
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
        weights=weights,
    )
