"""Level-to-level seeding: where the next level's fit starts, and when a seeded fit is
repeated from the template.

A seeded fit is the template's fit started from other values: :func:`seeded_start` gives those
values by lmfit name, the fit starts from whichever of them and the template's own start fits
the level better (:meth:`xpsfit.fitting.Fitter.fit_starts`), and :func:`doubtful` says when a
fit that started from the seeded values is repeated from the template (the lower chi-square
is kept). The template's bounds, links and structure always apply.
"""

from __future__ import annotations

from collections.abc import Mapping

from xpsfit.model_params import link_helper_name
from xpsfit.models import start_values
from xpsfit.result import FitResult, ParamResult
from xpsfit.spec import FitSpec, Peak, param_name

__all__ = ["SEED_SIGNIFICANCE", "collapsed", "doubtful", "seeded_start"]

#: A fitted parameter seeds the next level only when it moved away from the template's start
#: by more than this many of its standard errors (the data determined the move); otherwise the
#: template's start is as good and does not drift along poorly determined directions.
SEED_SIGNIFICANCE = 2.0


def _moved(start: float, fitted: ParamResult | None) -> bool:
    """True when a fitted value is off its bounds, has an error bar and lies more than
    :data:`SEED_SIGNIFICANCE` standard errors from ``start``."""
    if fitted is None or fitted.at_bound is not None or fitted.stderr is None:
        return False
    return abs(fitted.value - start) > SEED_SIGNIFICANCE * fitted.stderr


def collapsed(result: FitResult, comp: Peak) -> bool:
    """True when a component vanished (its area on its bound or not positive)."""
    area = result.params.get(param_name(comp.id, "area"))
    if area is not None and area.at_bound is not None:
        return True
    return any(ln.area.value <= 0.0 for ln in result.lines if ln.component == comp.id)


#: A component counts as found at a level when one of its lines has an area above this many
#: of its standard errors (:meth:`xpsfit.result.FitResult.found`).
PRESENT_SIGMAS = 2.0


def _names(comp: Peak) -> set[str]:
    """The lmfit names of a component's parameters and of its link-tolerance helpers."""
    out = set()
    for q, par in comp.params().items():
        name = param_name(comp.id, q)
        out.add(name)
        if par.link is not None and par.link.tolerance > 0:
            out.add(link_helper_name(name, par.link))
    return out


def seeded_start(
    result: FitResult, template: FitSpec, template_start: Mapping[str, float] | None = None
) -> dict[str, float]:
    """The next level's start values (by lmfit name) from this level's fit of ``template``.

    A free parameter (a link-tolerance helper included: a satellite's fitted offset, an area
    ratio within limits) starts from its fitted value when the fit moved it significantly from
    the template's start (:data:`SEED_SIGNIFICANCE`), is not on a bound and has an error bar;
    otherwise, and for every parameter of a component that vanished (zero area), it is left
    out and starts from the template's value. The fitted background parameters are carried
    unless one of them ended on a bound, without an error bar or within one error of zero
    (then the background starts from the data, as the template's does). When no line
    parameter moved (only areas, which the fit solves anyway), nothing is carried: the level
    starts from the template.
    ``template_start``: :func:`xpsfit.models.start_values` of the template (computed when not
    given).
    """
    start = start_values(template) if template_start is None else template_start
    skip: set[str] = set()
    for comp in template.components:
        if collapsed(result, comp):
            skip |= _names(comp)
    out: dict[str, float] = {}
    for name, value in start.items():
        fitted = result.params.get(name)
        if name not in skip and _moved(value, fitted):
            assert fitted is not None
            out[name] = fitted.value
    areas = {param_name(c.id, "area") for c in template.components}
    if not set(out) - areas:
        return {}  # no line moved: the template's start is this level's start
    background = {n: p for n, p in result.params.items() if n.startswith("bg_")}
    if result.spec.background.kind == template.background.kind and not any(
        _unsettled(p) for p in background.values()
    ):
        out.update((n, p.value) for n, p in background.items())
    return out


def _unsettled(fitted: ParamResult) -> bool:
    """True for a fitted background parameter not to start the next level from: on a bound,
    without an error bar, or within one error of zero (a step factor indistinguishable from
    none: started there, a parameter bounded at zero cannot move, lmfit's bound transform
    having no slope on the bound)."""
    if not fitted.vary:
        return False
    if fitted.at_bound is not None or fitted.stderr is None:
        return True
    return abs(fitted.value) <= fitted.stderr


def doubtful(result: FitResult, previous: FitResult | None, template: FitSpec) -> bool:
    """True when a fit started from seeded values is to be repeated from the template.

    That is when it failed, or when a component vanished (its area on the bound) that
    ``previous``, the fit the values came from, found: the start may sit in the "component
    absent" basin of a multimodal chi-square, which the template start tests. A reduced
    chi-square above the previous level's is no such sign: on the demo and on real depth
    profiles it marked levels the template does not describe (a species it lacks), where the
    fit from the template ended at the same chi-square every time.
    """
    if not result.ok or previous is None:
        return True
    return any(
        collapsed(result, c) and previous.found(c.id, PRESENT_SIGMAS) for c in template.components
    )
