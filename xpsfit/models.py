"""From a :class:`~xpsfit.spec.FitSpec` to a fast model: parameter table, lines, background.

:func:`build` turns the specification into a flat table of parameters in lmfit's terms (value,
bounds, vary, expression): a :class:`~xpsfit.spec.Link` becomes an expression such as
``"Co3p_center + 1.5"``, a tolerance a bounded helper parameter (``Co3p_sat_center_offset``),
a doublet's minor line the expressions ``<id>_minor_center = <id>_center + <id>_splitting``,
``<id>_minor_fwhm = <id>_fwhm * <id>_fwhm_ratio`` and
``<id>_minor_area = <id>_area * <id>_area_ratio``. :meth:`Model.to_lmfit` gives the same table
as :class:`lmfit.Parameters`; for speed the fit evaluates the expressions from one compiled
block (:mod:`xpsfit.expressions`) instead of lmfit's interpreter.

Free parameters are split into *linear* ones (areas whose only dependents are ratio/equal
links and doublet minor lines, and the background offset and slope) that the fit solves by
bounded linear least squares at every step, and *nonlinear* ones (centers, widths, shapes, the
active-Shirley step factor...) that the minimiser varies. Bounds and expressions of linked
parameters follow the link, not the spec's ``min``/``max``. A tolerance helper starts from the
offset or ratio that the linked parameter's value implies when that lies inside the link's
window (so the fitted spec of a result, whose linked values are the fitted ones, reproduces
the fit), else from the link's value; the window itself is always the link's.

Background parameters are named ``bg_offset`` (intensity), ``bg_slope`` (intensity/eV),
``bg_k`` (active-Shirley step per unit peak area, 1/eV) and ``bg_B``, ``bg_C``, ``bg_D``
(fitted Tougaard, eV^2).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import CodeType
from typing import Any, Literal, TypeAlias

import numpy as np
from numpy.typing import NDArray

from xpsfit import expressions
from xpsfit.errors import SpecError
from xpsfit.lineshapes import LINESHAPES
from xpsfit.model_background import BackgroundModel, background_model
from xpsfit.model_cache import ModelCache
from xpsfit.result import LineRole
from xpsfit.spec import Doublet, FitSpec, Link, Param, Peak, param_name
from xpsfit.spectrum import Spectrum
from xpsfit.unit_profiles import ProfileTables

__all__ = ["MIN_FWHM", "LineDef", "Model", "ParamDef", "build", "build_cached", "start_values"]

FloatArray = NDArray[np.float64]
ParamRole: TypeAlias = Literal["component", "derived", "helper", "shared", "background"]

#: Smallest FWHM a fit may reach, eV (keeps every line shape finite).
MIN_FWHM = 0.01
_POSITIVE_RATIO_MIN = 1e-3
#: Unit-profile tables reach this many window widths at the narrowest FWHM.
TABLE_REACH = 4.0


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
    """

    name: str
    value: float
    min: float = -math.inf
    max: float = math.inf
    vary: bool = True
    expr: str | None = None
    role: ParamRole = "component"
    linear_ref: str | None = None

    @property
    def is_free(self) -> bool:
        """True when the minimiser varies it directly."""
        return self.vary and self.expr is None


@dataclass(frozen=True)
class LineDef:
    """One drawn line and the names of the parameters that define it."""

    component: str
    role: LineRole
    label: str
    species: str
    lineshape: str
    center: str
    fwhm: str
    area: str
    shape: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, eq=False)
class Model:
    """A built model: parameter table, lines, background and the compiled constraints.

    Use :meth:`values` to evaluate every parameter from the free values, :meth:`to_lmfit` for
    an :class:`lmfit.Parameters` view. ``linear`` and ``nonlinear`` partition ``free``.
    ``affine`` is true when every constraint expression is affine in the nonlinear free
    parameters (their derivatives are then constant). ``tables`` caches the unit profiles of
    the model's tabulated line shapes.
    """

    spec: FitSpec
    params: tuple[ParamDef, ...]
    lines: tuple[LineDef, ...]
    background: BackgroundModel
    free: tuple[str, ...]
    linear: tuple[str, ...]
    nonlinear: tuple[str, ...]
    line_roots: tuple[int, ...]
    fixed_values: Mapping[str, float]
    code: CodeType = field(repr=False)
    affine: bool
    tables: ProfileTables = field(repr=False)

    def param(self, name: str) -> ParamDef:
        """The parameter called ``name`` (KeyError if none)."""
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def start(self) -> dict[str, float]:
        """Start values of the free parameters by name."""
        return {p.name: p.value for p in self.params if p.is_free}

    def values(self, free_values: Mapping[str, float]) -> dict[str, float]:
        """Every parameter's value given the free ones (expressions evaluated in order)."""
        namespace = dict(self.fixed_values)
        namespace.update(free_values)
        expressions.run(self.code, namespace)
        return namespace

    def to_lmfit(self) -> Any:
        """The parameters as :class:`lmfit.Parameters` (bounds, vary flags, expressions)."""
        from lmfit import Parameters

        out = Parameters()
        for p in self.params:
            if p.expr is None:
                out.add(p.name, value=p.value, min=p.min, max=p.max, vary=p.vary)
        for p in self.params:
            if p.expr is not None:
                out.add(p.name, expr=p.expr)
        return out


def _bounded(name: str, par: Param, lo: float, hi: float, role: ParamRole) -> ParamDef:
    pmin, pmax = max(par.min, lo), min(par.max, hi)
    if pmin > pmax:
        raise SpecError(f"parameter {name}: min {pmin:g} is above max {pmax:g}")
    value = float(par.value)
    if not math.isfinite(value):
        raise SpecError(f"parameter {name}: value {par.value!r} is not finite")
    return ParamDef(name, min(max(value, pmin), pmax), pmin, pmax, par.vary, role=role)


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


def _link_defs(name: str, quantity: str, par: Param, ref_value: float | None) -> list[ParamDef]:
    """The parameter (and tolerance helper) a linked parameter becomes; ``ref_value`` is the
    value of the referenced parameter in the spec (``None``: unknown)."""
    link = par.link
    assert link is not None
    ref = param_name(link.ref, quantity)
    is_area = quantity == "area"
    if link.tolerance > 0:
        kind = "ratio" if link.kind == "ratio" else "offset"
        suffix = "_factor" if kind == "ratio" else "_offset"
        helper = ParamDef(
            name + suffix,
            _helper_start(link, par.value, ref_value),
            link.value - link.tolerance,
            link.value + link.tolerance,
            role="helper",
        )
        op = "*" if kind == "ratio" else "+"
        linear = ref if is_area and kind == "ratio" else None
        return [
            helper,
            ParamDef(name, par.value, expr=f"{ref} {op} {helper.name}", linear_ref=linear),
        ]
    if link.kind == "equal":
        expr, linear = ref, ref if is_area else None
    elif link.kind == "ratio":
        expr, linear = f"{ref} * {_fmt(link.value)}", ref if is_area else None
    else:
        sign = "-" if link.value < 0 else "+"
        expr, linear = f"{ref} {sign} {_fmt(abs(link.value))}", None
    return [ParamDef(name, par.value, expr=expr, linear_ref=linear)]


def _limits(comp: Peak, quantity: str) -> tuple[float, float]:
    if quantity in ("fwhm",):
        return MIN_FWHM, math.inf
    if quantity in ("area_ratio", "fwhm_ratio"):
        return _POSITIVE_RATIO_MIN, math.inf
    shape = LINESHAPES[comp.lineshape]
    for sp in shape.params:
        if sp.name == quantity:
            return sp.min, sp.max
    return -math.inf, math.inf


def _component_defs(comp: Peak, spec: FitSpec) -> list[ParamDef]:
    shape = LINESHAPES.get(comp.lineshape)
    if shape is None:
        raise SpecError(
            f"component {comp.id!r}: unknown line shape {comp.lineshape!r} "
            f"(known: {', '.join(LINESHAPES)})"
        )
    unknown = sorted(set(comp.shape) - set(shape.param_names))
    if unknown:
        raise SpecError(
            f"component {comp.id!r}: line shape {comp.lineshape!r} has no parameter "
            f"{', '.join(unknown)}"
        )
    given = comp.params()
    prefix = param_name(comp.id, "")  # every name of the component is prefix + quantity
    for sp in shape.params:
        given.setdefault(sp.name, Param(sp.default, vary=False))
    defs: list[ParamDef] = []
    for quantity, par in given.items():
        name = prefix + quantity
        if par.link is not None:
            defs.extend(_link_defs(name, quantity, par, _ref_value(spec, par.link, quantity)))
        elif par.expr is not None:
            defs.append(ParamDef(name, par.value, expr=par.expr))
        else:
            lo, hi = _limits(comp, quantity)
            defs.append(_bounded(name, par, lo, hi, "component"))
    if isinstance(comp, Doublet):
        pn = {q: prefix + q for q in ("center", "fwhm", "area")}
        defs += [
            ParamDef(
                prefix + "minor_center",
                comp.center.value + comp.splitting.value,
                expr=f"{pn['center']} + {prefix}splitting",
                role="derived",
            ),
            ParamDef(
                prefix + "minor_fwhm",
                comp.fwhm.value * comp.fwhm_ratio.value,
                expr=f"{pn['fwhm']} * {prefix}fwhm_ratio",
                role="derived",
            ),
            ParamDef(
                prefix + "minor_area",
                comp.area.value * comp.area_ratio.value,
                expr=f"{pn['area']} * {prefix}area_ratio",
                role="derived",
                linear_ref=pn["area"],
            ),
        ]
    return defs


def _line_defs(spec: FitSpec, comp: Peak) -> list[LineDef]:
    species = spec.species_of(comp.id)
    pre = param_name(comp.id, "")  # every name of the component is pre + quantity
    shape_names = tuple((sp.name, pre + sp.name) for sp in LINESHAPES[comp.lineshape].params)
    base = comp.label or comp.id
    if not isinstance(comp, Doublet):
        return [
            LineDef(comp.id, "single", base, species, comp.lineshape,
                    pre + "center", pre + "fwhm", pre + "area", shape_names)
        ]  # fmt: skip
    major = LineDef(
        comp.id, "major", f"{base} {comp.major_label or 'major'}", species, comp.lineshape,
        pre + "center", pre + "fwhm", pre + "area", shape_names,
    )  # fmt: skip
    minor = LineDef(
        comp.id, "minor", f"{base} {comp.minor_label or 'minor'}", species, comp.lineshape,
        pre + "minor_center", pre + "minor_fwhm", pre + "minor_area", shape_names,
    )  # fmt: skip
    return [major, minor]


def _shared_defs(spec: FitSpec, taken: set[str]) -> list[ParamDef]:
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
            defs.append(_bounded(name, par, -math.inf, math.inf, "shared"))
    return defs


def start_values(spec: FitSpec) -> dict[str, float]:
    """Start values of the free component and shared parameters of ``spec`` by lmfit name,
    as :func:`build` sets them (clipped into their bounds); background parameters, whose start
    values depend on the data, are not included.

    Raises
    ------
    SpecError
        As :func:`build`.
    """
    defs: list[ParamDef] = []
    for comp in spec.components:
        defs += _component_defs(comp, spec)
    defs += _shared_defs(spec, {d.name for d in defs})
    return {p.name: p.value for p in defs if p.is_free}


def build(spec: FitSpec, spectrum_window: Spectrum) -> Model:
    """Build the model of ``spec`` for the (already cropped) spectrum.

    Parameters
    ----------
    spec
        The fit specification.
    spectrum_window
        The spectrum inside the fit window; it sets background start values and static
        backgrounds.

    Returns
    -------
    Model
        Parameter table, lines, background and compiled constraints.

    Raises
    ------
    SpecError
        Unknown line shapes, bad names, unknown names in expressions, constraint cycles.
    """
    return build_cached(spec, spectrum_window, ModelCache())


def build_cached(spec: FitSpec, spectrum_window: Spectrum, cache: ModelCache) -> Model:
    """:func:`build`, reusing the compiled structure and tables of models built before with
    ``cache`` when the spec has the same structure (see :mod:`xpsfit.model_cache`)."""
    spec.validate()
    be = spectrum_window.binding_energy
    defs: list[ParamDef] = []
    lines: list[LineDef] = []
    for comp in spec.components:
        defs += _component_defs(comp, spec)
        lines += _line_defs(spec, comp)
    taken = {d.name for d in defs}
    defs += _shared_defs(spec, taken)
    bg = background_model(spec.background, spectrum_window)
    defs += [ParamDef(n, v, lo, hi, vary, role="background") for n, v, lo, hi, vary in bg.params]
    params = tuple(defs)
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise SpecError(f"parameter names collide: {', '.join(dup)}")
    areas = {param_name(c.id, "area") for c in spec.components}
    found = cache.structure(params, lines, areas)
    return Model(
        spec=spec,
        params=params,
        lines=tuple(lines),
        background=bg,
        free=found.free,
        linear=found.linear,
        nonlinear=found.nonlinear,
        line_roots=found.line_roots,
        fixed_values={p.name: p.value for p in params if not p.is_free and p.expr is None},
        code=found.code,
        affine=found.affine,
        tables=cache.tables(TABLE_REACH * float(np.ptp(be)) / MIN_FWHM),
    )
