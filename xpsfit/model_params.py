"""The parameter table of a fit specification: one :class:`ParamDef` per lmfit parameter.

Component parameters are bounded by their line shape (FWHM at least :data:`MIN_FWHM`, eV);
a :class:`~xpsfit.spec.Link` becomes an expression, with a bounded tolerance helper
(``<name>_offset`` or ``<name>_factor``) when the link has a tolerance; a doublet adds its
minor-line parameters as expressions. :func:`xpsfit.models.build` assembles these into a
:class:`~xpsfit.models.Model`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, TypeAlias

from xpsfit import expressions
from xpsfit.errors import SpecError
from xpsfit.lineshapes import LINESHAPES
from xpsfit.spec import Doublet, FitSpec, Link, Param, Peak, param_name

__all__ = [
    "MIN_FWHM",
    "ParamDef",
    "ParamRole",
    "component_defs",
    "component_prefix",
    "link_helper_name",
    "shared_defs",
    "start_values",
]

ParamRole: TypeAlias = Literal["component", "derived", "helper", "shared", "background"]

#: Smallest FWHM a fit may reach, eV (keeps every line shape finite).
MIN_FWHM = 0.01
_POSITIVE_RATIO_MIN = 1e-3
_UNBOUNDED = (-math.inf, math.inf)


@dataclass(frozen=True)
class ParamDef:
    """One parameter in lmfit's terms.

    Parameters
    ----------
    name
        lmfit name.
    value, min, max, vary, expr
        As in :class:`lmfit.Parameter`.
    role
        ``"component"``, ``"derived"`` (minor line), ``"helper"`` (tolerance), ``"shared"``
        or ``"background"``.
    linear_ref
        For an expression ``ref * factor`` (ratio or equal link of an area, minor-line area):
        the parameter it is proportional to.
    component
        Id of the component it belongs to (empty for shared and background parameters).
    quantity
        What it is, in the spec's words: a component's ``"center"``, ``"area_ratio"``, a link
        helper's ``"center offset"`` or ``"area factor"``, a minor line's ``"minor fwhm"``, a
        background's ``"k"`` (empty for shared parameters).
    """

    name: str
    value: float
    min: float = -math.inf
    max: float = math.inf
    vary: bool = True
    expr: str | None = None
    role: ParamRole = "component"
    linear_ref: str | None = None
    component: str = ""
    quantity: str = ""

    @property
    def is_free(self) -> bool:
        """True when the minimiser varies it directly."""
        return self.vary and self.expr is None

    @property
    def label(self) -> str:
        """The name a user reads in messages: ``"C-C center"``, ``"Co2+_sat center offset"``,
        ``"background k"``, ``"shared delta"`` (the lmfit name mangles component ids)."""
        if self.role == "shared":
            return f"shared {self.name}"
        owner = "background" if self.role == "background" else self.component
        return f"{owner} {self.quantity}" if owner and self.quantity else self.name


def _bounded(
    name: str,
    par: Param,
    limits: tuple[float, float],
    role: ParamRole,
    owner: tuple[str, str] = ("", ""),
) -> ParamDef:
    """A free or fixed parameter with the bounds of ``par`` narrowed to ``limits``; ``owner``
    is its (component id, quantity)."""
    pmin, pmax = max(par.min, limits[0]), min(par.max, limits[1])
    value = float(par.value)
    out = ParamDef(
        name,
        min(max(value, pmin), pmax),
        pmin,
        pmax,
        par.vary,
        role=role,
        component=owner[0],
        quantity=owner[1],
    )
    if pmin > pmax:
        raise SpecError(f"parameter {out.label}: min {pmin:g} is above max {pmax:g}")
    if not math.isfinite(value):
        raise SpecError(f"parameter {out.label}: value {par.value!r} is not finite")
    return out


def _fmt(value: float) -> str:
    return repr(float(value))


def _helper_start(link: Link, value: float, ref_value: float | None) -> float:
    """Start of a tolerance helper: the offset or ratio the linked parameter's own value
    implies (its fitted value after a fit, see :func:`xpsfit.result_builder.fitted_spec`) when
    that lies in the link's window ``value +- tolerance``, else the link's value."""
    lo, hi = link.value - link.tolerance, link.value + link.tolerance
    if ref_value is None or not math.isfinite(ref_value):
        return link.value
    if link.kind == "ratio":
        implied = value / ref_value if ref_value != 0 else math.nan
    else:
        implied = value - ref_value
    slack = 1e-9 * max(abs(lo), abs(hi), link.tolerance)  # rounding of the stored values
    if not lo - slack <= implied <= hi + slack:
        return link.value
    return min(max(implied, lo), hi)


def _ref_value(spec: FitSpec, link: Link, quantity: str) -> float | None:
    """Value in ``spec`` of the parameter a link refers to (``None`` when it has none)."""
    for comp in spec.components:
        if comp.id == link.ref:
            par = comp.params().get(quantity)
            return None if par is None else float(par.value)
    return None


def link_helper_name(name: str, link: Link) -> str:
    """The lmfit name of the bounded helper a link with a tolerance adds to parameter ``name``:
    ``<name>_factor`` for a ratio, ``<name>_offset`` otherwise."""
    return name + ("_factor" if link.kind == "ratio" else "_offset")


def _link_defs(
    name: str, owner: tuple[str, str], par: Param, ref_value: float | None
) -> list[ParamDef]:
    """The parameter (and tolerance helper) a linked parameter becomes; ``owner`` is its
    (component id, quantity), ``ref_value`` the value of the referenced parameter in the spec
    (``None``: unknown)."""
    link = par.link
    assert link is not None
    component, quantity = owner
    ref = param_name(link.ref, quantity)
    is_area = quantity == "area"
    helper: ParamDef | None = None
    if link.tolerance > 0:
        kind = "ratio" if link.kind == "ratio" else "offset"
        helper_name = link_helper_name(name, link)
        suffix = helper_name[len(name) :]
        helper = ParamDef(
            helper_name,
            _helper_start(link, par.value, ref_value),
            link.value - link.tolerance,
            link.value + link.tolerance,
            role="helper",
            component=component,
            quantity=f"{quantity} {suffix[1:]}",  # "center offset", "area factor"
        )
        op = "*" if kind == "ratio" else "+"
        linear = ref if is_area and kind == "ratio" else None
        expr = f"{ref} {op} {helper.name}"
    elif link.kind == "equal":
        expr, linear = ref, ref if is_area else None
    elif link.kind == "ratio":
        expr, linear = f"{ref} * {_fmt(link.value)}", ref if is_area else None
    else:
        sign = "-" if link.value < 0 else "+"
        expr, linear = f"{ref} {sign} {_fmt(abs(link.value))}", None
    linked = ParamDef(
        name, par.value, expr=expr, linear_ref=linear, component=component, quantity=quantity
    )
    return [helper, linked] if helper is not None else [linked]


@functools.lru_cache(maxsize=1024)
def component_prefix(component_id: str) -> str:
    """What every parameter name of a component starts with: ``param_name(component_id, "")``
    (e.g. ``"Co3p_"``), remembered for the ids seen before."""
    return param_name(component_id, "")


@functools.lru_cache(maxsize=64)
def _shape_limits(lineshape: str) -> Mapping[str, tuple[float, float]]:
    """Bounds of the quantities of a component of a registered line shape that has any (the
    others are unbounded)."""
    limits = {
        "fwhm": (MIN_FWHM, math.inf),
        "area_ratio": (_POSITIVE_RATIO_MIN, math.inf),
        "fwhm_ratio": (_POSITIVE_RATIO_MIN, math.inf),
    }
    for sp in LINESHAPES[lineshape].params:
        limits.setdefault(sp.name, (sp.min, sp.max))
    return MappingProxyType(limits)


def component_defs(comp: Peak, spec: FitSpec) -> list[ParamDef]:
    """The parameters of one component of ``spec``: its own, link helpers and minor-line ones.

    Parameters
    ----------
    comp
        The component (peak or doublet).
    spec
        The specification it belongs to (links look up their reference there).

    Returns
    -------
    list of ParamDef
        The component's parameters; shape parameters it omits are fixed at their defaults.

    Raises
    ------
    SpecError
        Unknown line shape or shape parameter, or inconsistent bounds.
    """
    shape = LINESHAPES.get(comp.lineshape)
    if shape is None:
        raise SpecError(
            f"component {comp.id!r}: unknown line shape {comp.lineshape!r} "
            f"(known: {', '.join(LINESHAPES)})"
        )
    unknown = sorted(comp.shape.keys() - set(shape.param_names))
    if unknown:
        raise SpecError(
            f"component {comp.id!r}: line shape {comp.lineshape!r} has no parameter "
            f"{', '.join(unknown)}"
        )
    given = comp.params()
    prefix = component_prefix(comp.id)  # every name of the component is prefix + quantity
    for sp in shape.params:
        if sp.name not in given:
            given[sp.name] = Param(sp.default, vary=False)
    limits = _shape_limits(comp.lineshape)
    defs: list[ParamDef] = []
    for quantity, par in given.items():
        name, owner = prefix + quantity, (comp.id, quantity)
        if par.link is not None:
            defs.extend(_link_defs(name, owner, par, _ref_value(spec, par.link, quantity)))
        elif par.expr is not None:
            defs.append(
                ParamDef(name, par.value, expr=par.expr, component=comp.id, quantity=quantity)
            )
        else:
            defs.append(_bounded(name, par, limits.get(quantity, _UNBOUNDED), "component", owner))
    if isinstance(comp, Doublet):
        defs += _minor_defs(comp, prefix)
    return defs


def _minor_defs(comp: Doublet, prefix: str) -> list[ParamDef]:
    """The minor line's center, FWHM and area of a doublet, as expressions of its major line
    (``prefix``: :func:`component_prefix` of the doublet)."""
    major = {q: prefix + q for q in ("center", "fwhm", "area")}
    rows = (
        ("center", comp.center.value + comp.splitting.value, "+", "splitting"),
        ("fwhm", comp.fwhm.value * comp.fwhm_ratio.value, "*", "fwhm_ratio"),
        ("area", comp.area.value * comp.area_ratio.value, "*", "area_ratio"),
    )
    return [
        ParamDef(
            f"{prefix}minor_{q}",
            value,
            expr=f"{major[q]} {op} {prefix}{factor}",
            role="derived",
            linear_ref=major["area"] if q == "area" else None,
            component=comp.id,
            quantity=f"minor {q}",
        )
        for q, value, op, factor in rows
    ]


def shared_defs(spec: FitSpec, taken: set[str]) -> list[ParamDef]:
    """The shared parameters of ``spec``.

    Parameters
    ----------
    spec
        The fit specification.
    taken
        Names already used by component parameters.

    Returns
    -------
    list of ParamDef
        One parameter per shared name (role ``"shared"``).

    Raises
    ------
    SpecError
        A name that is not an identifier or collides with ``taken``, or a shared link.
    """
    defs = []
    for name, par in spec.shared.items():
        if not expressions.is_identifier(name) or name in taken:
            raise SpecError(
                f"shared parameter name {name!r} is not a free identifier", key="shared"
            )
        if par.link is not None:
            raise SpecError(f"shared parameter {name!r} cannot have a link", key="shared")
        if par.expr is not None:
            defs.append(ParamDef(name, par.value, expr=par.expr, role="shared"))
        else:
            defs.append(_bounded(name, par, _UNBOUNDED, "shared"))
    return defs


def start_values(spec: FitSpec) -> dict[str, float]:
    """Start values of the free component and shared parameters of ``spec`` by lmfit name,
    as :func:`xpsfit.models.build` sets them (clipped into their bounds); background parameters, whose start
    values depend on the data, are not included.

    Raises
    ------
    SpecError
        As :func:`xpsfit.models.build`.
    """
    defs: list[ParamDef] = []
    for comp in spec.components:
        defs += component_defs(comp, spec)
    defs += shared_defs(spec, {d.name for d in defs})
    return {p.name: p.value for p in defs if p.is_free}
