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

import os
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import CodeType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from xpsfit import expressions
from xpsfit.errors import SpecError
from xpsfit.lineshapes import LINESHAPES
from xpsfit.model_background import BackgroundModel, background_model, integration_background
from xpsfit.model_cache import ModelCache
from xpsfit.model_params import (
    MIN_FWHM,
    ParamDef,
    component_defs,
    component_prefix,
    shared_defs,
    start_values,
)
from xpsfit.result import LineRole
from xpsfit.spec import Doublet, FitSpec, Peak
from xpsfit.spectrum import Spectrum
from xpsfit.unit_profiles import ProfileTables

__all__ = ["MIN_FWHM", "LineDef", "Model", "ParamDef", "build", "build_cached", "start_values"]

FloatArray = NDArray[np.float64]
#: Unit-profile tables reach this many window widths at the narrowest FWHM.
TABLE_REACH = 4.0


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
    arithmetic: bool
    tables: ProfileTables = field(repr=False)
    _by_name: Mapping[str, ParamDef] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_name: dict[str, ParamDef] = {}
        for p in self.params:
            by_name.setdefault(p.name, p)
        object.__setattr__(self, "_by_name", by_name)

    def param(self, name: str) -> ParamDef:
        """The parameter called ``name`` (KeyError if none)."""
        return self._by_name[name]

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


def _line_defs(comp: Peak, species: str) -> list[LineDef]:
    pre = component_prefix(comp.id)  # every name of the component is pre + quantity
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


@dataclass(frozen=True, eq=False)
class _SpecPart:
    """What a model takes from its spec alone: component and shared parameters, lines, and
    the names of the component areas."""

    params: tuple[ParamDef, ...]
    lines: tuple[LineDef, ...]
    areas: frozenset[str]


def _spec_part(spec: FitSpec) -> _SpecPart:
    spec.validate()
    defs: list[ParamDef] = []
    lines: list[LineDef] = []
    for comp in spec.components:
        defs += component_defs(comp, spec)
        lines += _line_defs(comp, spec.species_of(comp.id))
    defs += shared_defs(spec, {d.name for d in defs})
    areas = frozenset(component_prefix(c.id) + "area" for c in spec.components)
    return _SpecPart(tuple(defs), tuple(lines), areas)


class _SpecParts:
    """The :class:`_SpecPart` of recently built specs, by spec object.

    A spec is immutable, so the fits of one spec object (a template fitted at every level of
    a depth profile, all levels of a global fit) make its part once. Entries hold the spec
    weakly (an entry whose spec is gone never matches: the object is compared, not only its
    id); at most :data:`MAX_SPEC_PARTS` are kept (dead ones, then the oldest, go first).
    """

    def __init__(self) -> None:
        self._parts: dict[int, tuple[weakref.ref[FitSpec], _SpecPart]] = {}
        self._lock = threading.Lock()

    def after_fork(self) -> None:
        """Give a forked child its own unlocked lock (see :meth:`ModelCache.after_fork`)."""
        self._lock = threading.Lock()

    def get(self, spec: FitSpec) -> _SpecPart:
        """The part of ``spec`` (made on first use).

        Raises
        ------
        SpecError
            As :func:`build`.
        """
        with self._lock:
            found = self._parts.get(id(spec))
        if found is not None and found[0]() is spec:
            return found[1]
        part = _spec_part(spec)
        with self._lock:
            if len(self._parts) >= MAX_SPEC_PARTS:
                self._parts = {k: v for k, v in self._parts.items() if v[0]() is not None}
            while len(self._parts) >= MAX_SPEC_PARTS:
                del self._parts[next(iter(self._parts))]
            self._parts[id(spec)] = (weakref.ref(spec), part)
        return part


#: Specs whose :class:`_SpecPart` is kept.
MAX_SPEC_PARTS = 64
_SPEC_PARTS = _SpecParts()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_SPEC_PARTS.after_fork)


def build_cached(
    spec: FitSpec,
    spectrum_window: Spectrum,
    cache: ModelCache,
    background_start: Mapping[str, float] | None = None,
    whole: Spectrum | None = None,
) -> Model:
    """:func:`build`, reusing the compiled structure and tables of models built before with
    ``cache`` when the spec has the same structure (see :mod:`xpsfit.model_cache`), and what
    the spec alone implies when the same spec object was built recently.
    ``background_start`` and ``whole`` (the spectrum before cropping): see
    :func:`xpsfit.model_background.background_model`."""
    part = _SPEC_PARTS.get(spec)
    be = spectrum_window.binding_energy
    background = spec.background if spec.components else integration_background(spec.background)
    bg = background_model(background, spectrum_window, background_start, whole)
    params = part.params + tuple(
        ParamDef(n, v, lo, hi, vary, role="background", quantity=n.removeprefix("bg_"))
        for n, v, lo, hi, vary in bg.params
    )
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise SpecError(f"parameter names collide: {', '.join(dup)}")
    found = cache.structure(params, part.lines, set(part.areas))
    return Model(
        spec=spec,
        params=params,
        lines=part.lines,
        background=bg,
        free=found.free,
        linear=found.linear,
        nonlinear=found.nonlinear,
        line_roots=found.line_roots,
        fixed_values={p.name: p.value for p in params if not p.is_free and p.expr is None},
        code=found.code,
        affine=found.affine,
        arithmetic=found.arithmetic,
        tables=cache.tables(TABLE_REACH * float(be.max() - be.min()) / MIN_FWHM),
    )
