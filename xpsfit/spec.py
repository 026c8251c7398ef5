"""The fit specification: what a user edits and a template stores.

A :class:`FitSpec` holds a background, components (single :class:`Peak` s and spin-orbit
:class:`Doublet` s, either of which may be a satellite of another component) and the fraction
definitions to report. Every number is a :class:`Param` (value, bounds, vary flag) that may be
tied to the same quantity of another component through a :class:`Link` (offset, ratio or equal,
with an optional tolerance that becomes bounds) or through a raw lmfit expression.
``xpsfit.models`` turns all of this into lmfit ``Parameters``: links become parameter
expressions, tolerances become bounded helper parameters. There is no constraint engine here.

Energies are binding energies in eV, widths are FWHM in eV, areas are intensity x eV.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal, TypeAlias

from xpsfit.errors import SpecError

LinkKind: TypeAlias = Literal["offset", "ratio", "equal"]
BackgroundKind: TypeAlias = Literal["none", "linear", "shirley", "active_shirley", "tougaard"]
#: End-level conventions of static backgrounds (``BackgroundSpec.options["convention"]``):
#: xpsfit's (``average_points`` channels inside each end, trapezoid-rule Shirley) and CasaXPS's
#: (the Av Width: channels centred on each end channel, reaching beyond the window;
#: channel-sum Shirley, see :mod:`xpsfit.background_casa`).
CONVENTIONS = ("xpsfit", "casaxps")
_ID_RE = re.compile(r"^[A-Za-z0-9_+\-.()]+$")


@dataclass(frozen=True)
class Link:
    """Tie a parameter to the same parameter of another component.

    ``offset``: ``p = ref.p + value`` (eV); ``ratio``: ``p = ref.p * value``; ``equal``:
    ``p = ref.p``. A ``tolerance`` > 0 lets the offset or ratio float within
    ``value +- tolerance`` (it becomes a bounded lmfit parameter).
    """

    ref: str
    kind: LinkKind = "equal"
    value: float = 0.0
    tolerance: float = 0.0


@dataclass(frozen=True)
class Param:
    """One fit parameter as a user sets it.

    Parameters
    ----------
    value
        Start value (or fixed value when ``vary`` is false).
    min, max
        Bounds; infinite means unbounded.
    vary
        Whether the fit may change it.
    link
        Tie to another component's parameter (takes precedence over ``vary``).
    expr
        Raw lmfit expression over parameter names (advanced; ``link`` is preferred). Names
        available: ``<component_id>_<param>`` with non-identifier characters replaced by ``_``
        (see :func:`param_name`) and the names in :attr:`FitSpec.shared`.
    """

    value: float
    min: float = -math.inf
    max: float = math.inf
    vary: bool = True
    link: Link | None = None
    expr: str | None = None

    @property
    def is_free(self) -> bool:
        """True when the fit varies the parameter on its own (not fixed, linked or expressed)."""
        return self.vary and self.link is None and self.expr is None

    def fixed(self, value: float | None = None) -> Param:
        """Return a fixed copy (optionally at a new value)."""
        return replace(self, value=self.value if value is None else value, vary=False)

    def with_value(self, value: float) -> Param:
        """Return a copy at another value: what :func:`dataclasses.replace` gives, without its
        generic field handling (a fit result makes one per fitted parameter)."""
        return Param(value, self.min, self.max, self.vary, self.link, self.expr)


def _ro(mapping: Mapping[str, Param] | None) -> Mapping[str, Param]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Peak:
    """A single line-shape component.

    Parameters
    ----------
    id
        Stable identifier, unique within the spec (e.g. ``"C-C"``).
    species
        Species id the area counts toward (e.g. ``"Co3+"``); defaults to ``id``. A satellite
        takes the species of its parent.
    lineshape
        Key into :data:`xpsfit.lineshapes.LINESHAPES` (e.g. ``"gl"``, ``"voigt"``).
    center, fwhm, area
        Binding energy (eV), full width at half maximum (eV) and area.
    shape
        Extra line-shape parameters by name (e.g. ``{"m": Param(30)}`` for GL).
    satellite_of
        Id of the parent component when this is a shake-up satellite.
    label
        Display text (never used as a key).
    """

    id: str
    lineshape: str
    center: Param
    fwhm: Param
    area: Param
    shape: Mapping[str, Param] = field(default_factory=dict)
    species: str = ""
    satellite_of: str | None = None
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", _ro(self.shape))
        if not self.species:
            object.__setattr__(self, "species", self.id)

    def params(self) -> dict[str, Param]:
        """All parameters of the component by name (center, fwhm, area, then shape names)."""
        return {"center": self.center, "fwhm": self.fwhm, "area": self.area, **self.shape}


@dataclass(frozen=True)
class Doublet(Peak):
    """A spin-orbit doublet: a major line and a minor line built from it.

    ``center``, ``fwhm`` and ``area`` describe the major line (e.g. 2p3/2). The minor line (e.g.
    2p1/2) has ``center + splitting``, ``fwhm * fwhm_ratio`` and ``area * area_ratio``. Each of
    the three may be fixed, bounded or free. ``area`` of the whole doublet is
    ``area * (1 + area_ratio)``.

    Parameters
    ----------
    splitting
        Spin-orbit splitting, eV (positive: the minor line has higher binding energy).
    area_ratio
        Minor / major area (0.5 for p, 2/3 for d, 3/4 for f).
    fwhm_ratio
        Minor / major FWHM (1 unless Coster-Kronig broadening, e.g. Ti 2p).
    major_label, minor_label
        e.g. ``"2p3/2"`` and ``"2p1/2"``.
    """

    splitting: Param = field(default_factory=lambda: Param(1.0, vary=False))
    area_ratio: Param = field(default_factory=lambda: Param(0.5, vary=False))
    fwhm_ratio: Param = field(default_factory=lambda: Param(1.0, vary=False))
    major_label: str = ""
    minor_label: str = ""

    def params(self) -> dict[str, Param]:
        """All parameters by name, including ``splitting``, ``area_ratio`` and ``fwhm_ratio``."""
        return {
            **super().params(),
            "splitting": self.splitting,
            "area_ratio": self.area_ratio,
            "fwhm_ratio": self.fwhm_ratio,
        }


Component: TypeAlias = Peak  # a Peak or a Doublet


@dataclass(frozen=True)
class BackgroundSpec:
    """How the background is made.

    Parameters
    ----------
    kind
        ``"none"``, ``"linear"``, ``"shirley"`` (static, iterated before the fit),
        ``"active_shirley"`` (step proportional to the fitted peak integral, fitted with the
        peaks) or ``"tougaard"``.
    average_points
        Channels averaged at each end to fix the end intensities; with the CasaXPS convention
        its *Av Width* (channels centred on each end channel, see
        :func:`xpsfit.background_casa.tie_levels`).
    params
        Fit-time parameters: ``"slope"`` (active Shirley linear term, intensity/eV),
        ``"B"``, ``"C"``, ``"D"`` (Tougaard cross-section, eV^2 / eV^2 / eV^2). A Tougaard
        background with ``"B"`` is fitted with the peaks; without it, it is static, made from
        the data with B meeting the high-BE end level and ``"C"``, ``"D"`` at their values.
    options
        Plain options: ``"tougaard_form"`` (``"U2"`` or ``"U3"``), ``"start_offset"`` and
        ``"end_offset"`` (intensity added to the low- and high-BE end levels), ``"tolerance"``,
        ``"max_iterations"`` for static Shirley, ``"tougaard_gap"`` (eV: no losses below it,
        default 0), ``"convention"`` (``"xpsfit"``, the default,
        or ``"casaxps"``: end levels and Shirley sums as CasaXPS makes them, see
        :mod:`xpsfit.model_background`).
    """

    kind: BackgroundKind = "shirley"
    average_points: int = 5
    params: Mapping[str, Param] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _ro(self.params))
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))


@dataclass(frozen=True)
class FractionDef:
    """A reported fraction, e.g. ``name="Co2+ fraction"``, ``expression="Co2+ / (Co2+ + Co3+)"``.

    Species ids in the expression stand for the species' total areas (satellites included).
    """

    name: str
    expression: str


@dataclass(frozen=True)
class FitSpec:
    """A complete fit model for one region, without data.

    Parameters
    ----------
    region
        Region label, e.g. ``"Co 2p"``.
    window
        ``(low, high)`` binding-energy window, eV; ``None`` uses the whole spectrum.
    background
        The background model.
    components
        Peaks and doublets, in display order.
    shared
        Named parameters any ``expr`` may use (e.g. a common FWHM).
    fractions
        Fractions to report.
    """

    region: str = ""
    window: tuple[float, float] | None = None
    background: BackgroundSpec = field(default_factory=BackgroundSpec)
    components: tuple[Peak, ...] = ()
    shared: Mapping[str, Param] = field(default_factory=dict)
    fractions: tuple[FractionDef, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "components", tuple(self.components))
        object.__setattr__(self, "fractions", tuple(self.fractions))
        object.__setattr__(self, "shared", _ro(self.shared))
        if self.window is not None:
            lo, hi = (float(v) for v in self.window)
            object.__setattr__(self, "window", (min(lo, hi), max(lo, hi)))

    # -- lookup ------------------------------------------------------------------------------
    def component(self, component_id: str) -> Peak:
        """Return the component with this id.

        Raises
        ------
        KeyError
            If there is none.
        """
        for comp in self.components:
            if comp.id == component_id:
                return comp
        raise KeyError(component_id)

    def ids(self) -> list[str]:
        """Component ids in order."""
        return [c.id for c in self.components]

    def species(self) -> list[str]:
        """Species ids in first-appearance order (satellites count toward their parent)."""
        seen: dict[str, None] = {}
        for comp in self.components:
            seen.setdefault(self.species_of(comp.id), None)
        return list(seen)

    def species_of(self, component_id: str) -> str:
        """Species a component's area counts toward (follows ``satellite_of`` chains)."""
        comp = self.component(component_id)
        hops = 0
        while comp.satellite_of is not None and hops <= len(self.components):
            comp = self.component(comp.satellite_of)
            hops += 1
        return comp.species

    def with_component(self, comp: Peak) -> FitSpec:
        """Return a copy with ``comp`` replacing the component of the same id (or appended)."""
        comps = list(self.components)
        for i, old in enumerate(comps):
            if old.id == comp.id:
                comps[i] = comp
                return replace(self, components=tuple(comps))
        return replace(self, components=(*comps, comp))

    def without_component(self, component_id: str) -> FitSpec:
        """Return a copy without the component of this id."""
        return replace(self, components=tuple(c for c in self.components if c.id != component_id))

    def iter_params(self) -> Iterator[tuple[str, str, Param]]:
        """Yield ``(component_id, param_name, Param)`` over every component parameter."""
        for comp in self.components:
            for name, par in comp.params().items():
                yield comp.id, name, par

    def validate(self, source: str | None = None) -> None:
        """Check ids, references and link cycles.

        Raises
        ------
        SpecError
            Naming the offending key.
        """
        by_id: dict[str, Peak] = {}
        for comp in self.components:
            cid = comp.id
            if not cid or not _ID_RE.match(cid):
                raise SpecError(f"invalid component id {cid!r}", source=source, key="components")
            if cid in by_id:
                raise SpecError(f"duplicate component id {cid!r}", source=source, key="components")
            by_id[cid] = comp
        if len({param_name(cid, "") for cid in by_id}) != len(by_id):
            raise SpecError(
                "two component ids map to the same parameter name "
                "(they differ only in characters such as + and p)",
                source=source,
                key="components",
            )
        for comp in self.components:
            if comp.satellite_of is not None and comp.satellite_of not in by_id:
                raise SpecError(
                    f"satellite of unknown component {comp.satellite_of!r}",
                    source=source,
                    key=f"components.{comp.id}.satellite_of",
                )
        edges = self._link_edges(by_id, source)
        for start in edges:
            node, steps = start, 0
            while node in edges:
                node = edges[node]
                steps += 1
                if node == start or steps > len(edges):
                    raise SpecError(
                        "constraint cycle", source=source, key=f"components.{start[0]}.{start[1]}"
                    )
        for comp in self.components:
            cur, hops = comp, 0
            while cur.satellite_of is not None:
                cur, hops = by_id[cur.satellite_of], hops + 1
                if cur.id == comp.id or hops > len(by_id):
                    raise SpecError(
                        "satellite cycle", source=source, key=f"components.{comp.id}.satellite_of"
                    )

    def _link_edges(
        self, by_id: Mapping[str, Peak], source: str | None
    ) -> dict[tuple[str, str], tuple[str, str]]:
        """Each linked ``(component id, parameter)`` and the one it refers to (checked)."""
        edges: dict[tuple[str, str], tuple[str, str]] = {}
        for comp in self.components:
            for name, par in comp.params().items():
                if par.link is None:
                    continue
                key = f"components.{comp.id}.{name}"
                ref = by_id.get(par.link.ref)
                if ref is None:
                    raise SpecError(
                        f"link to unknown component {par.link.ref!r}", source=source, key=key
                    )
                if name not in ref.params():
                    raise SpecError(
                        f"{par.link.ref!r} has no parameter {name!r}", source=source, key=key
                    )
                edges[(comp.id, name)] = (par.link.ref, name)
        return edges


def param_name(component_id: str, name: str) -> str:
    """The lmfit parameter name of a component parameter, e.g. ``("Co3+", "center")`` ->
    ``"Co3p_center"``.

    Characters that are not valid in a Python identifier are replaced: ``+`` -> ``p``,
    ``-`` -> ``m``, anything else -> ``_``. A leading digit gets a ``c_`` prefix.
    """
    out = []
    for ch in component_id:
        if ch.isalnum() or ch == "_":
            out.append(ch)
        elif ch == "+":
            out.append("p")
        elif ch == "-":
            out.append("m")
        else:
            out.append("_")
    ident = "".join(out)
    if not ident or ident[0].isdigit():
        ident = "c_" + ident
    return f"{ident}_{name}"
