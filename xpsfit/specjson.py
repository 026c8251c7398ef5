"""A :class:`~xpsfit.spec.FitSpec` as a plain JSON-able dictionary, and back.

The dictionary uses only ``dict``, ``list``, ``str``, ``float``, ``int``, ``bool`` and ``None``.
Floats keep full precision (``json`` writes the shortest text that reads back to the same
double). JSON has no infinity, so infinite bounds are written as the strings ``"inf"`` and
``"-inf"``; NaN is rejected. Reading checks every key and type and raises one
:class:`~xpsfit.errors.SpecError` naming the source and the dotted key of the first problem.

Layout (``?`` marks an optional key and its default)::

    {"region": str, "window": [low, high] | null,
     "background": {"kind": str, "average_points"?: 5, "params"?: {name: PARAM},
                    "options"?: {name: str | number | bool | [number, ...]}},
     "components": [{"type": "peak" | "doublet", "id": str, "lineshape": str,
                     "center": PARAM, "fwhm": PARAM, "area": PARAM, "shape"?: {name: PARAM},
                     "species"?: id, "satellite_of"?: null, "label"?: "",
                     doublets only: "splitting", "area_ratio", "fwhm_ratio": PARAM,
                     "major_label"?: "", "minor_label"?: ""}],
     "shared"?: {name: PARAM}, "fractions"?: [{"name": str, "expression": str}]}

    PARAM = {"value": number, "min"?: "-inf", "max"?: "inf", "vary"?: true,
             "link"?: null | {"ref": id, "kind": "offset" | "ratio" | "equal",
                             "value"?: 0.0, "tolerance"?: 0.0},
             "expr"?: null | str}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, cast, get_args

from xpsfit.errors import SpecError
from xpsfit.spec import (
    CONVENTIONS,
    BackgroundKind,
    BackgroundSpec,
    Doublet,
    FitSpec,
    FractionDef,
    Link,
    Param,
    Peak,
)

__all__ = [
    "decode_float",
    "encode_float",
    "param_from_dict",
    "param_to_dict",
    "spec_from_dict",
    "spec_to_dict",
]

_LINK_KINDS = ("offset", "ratio", "equal")
_DOUBLET_KEYS = ("splitting", "area_ratio", "fwhm_ratio")


# -- numbers -----------------------------------------------------------------------------------
def encode_float(value: float) -> float | str:
    """A float as JSON: finite values unchanged, infinities as ``"inf"`` / ``"-inf"``.

    Raises
    ------
    SpecError
        For NaN, which a specification never holds.
    """
    if math.isnan(value):
        raise SpecError("NaN cannot be stored in a fit specification")
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return float(value)


def decode_float(raw: object, *, source: str | None = None, key: str = "") -> float:
    """Read a number written by :func:`encode_float` (``null`` is not accepted).

    Raises
    ------
    SpecError
        When ``raw`` is not a finite number, ``"inf"`` or ``"-inf"``.
    """
    if isinstance(raw, str) and raw in ("inf", "-inf", "+inf"):
        return -math.inf if raw == "-inf" else math.inf
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise SpecError(f"expected a number, got {_show(raw)}", source=source, key=key)
    value = float(raw)
    if math.isnan(value):
        raise SpecError("NaN is not a valid value", source=source, key=key)
    return value


def _show(raw: object) -> str:
    text = repr(raw)
    return f"{type(raw).__name__} {text[:40]}"


# -- writing -----------------------------------------------------------------------------------
def param_to_dict(par: Param) -> dict[str, Any]:
    """One :class:`~xpsfit.spec.Param` as a dictionary (every key written)."""
    link = None
    if par.link is not None:
        link = {
            "ref": par.link.ref,
            "kind": par.link.kind,
            "value": encode_float(par.link.value),
            "tolerance": encode_float(par.link.tolerance),
        }
    return {
        "value": encode_float(par.value),
        "min": encode_float(par.min),
        "max": encode_float(par.max),
        "vary": bool(par.vary),
        "link": link,
        "expr": par.expr,
    }


def _component_to_dict(comp: Peak) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "doublet" if isinstance(comp, Doublet) else "peak",
        "id": comp.id,
        "lineshape": comp.lineshape,
        "species": comp.species,
        "satellite_of": comp.satellite_of,
        "label": comp.label,
        "center": param_to_dict(comp.center),
        "fwhm": param_to_dict(comp.fwhm),
        "area": param_to_dict(comp.area),
        "shape": {name: param_to_dict(p) for name, p in comp.shape.items()},
    }
    if isinstance(comp, Doublet):
        for name in _DOUBLET_KEYS:
            out[name] = param_to_dict(getattr(comp, name))
        out["major_label"] = comp.major_label
        out["minor_label"] = comp.minor_label
    return out


def _plain_option(name: str, value: object) -> Any:
    if isinstance(value, float):
        return encode_float(value)
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, tuple | list) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in value
    ):  # e.g. a CasaXPS region's cross-section numbers
        return [encode_float(float(v)) for v in value]
    raise SpecError(
        f"background option {name!r} must be a string, number, boolean or list of numbers, "
        f"got {_show(value)}",
        key=f"background.options.{name}",
    )


def spec_to_dict(spec: FitSpec) -> dict[str, Any]:
    """A fit specification as a plain JSON-able dictionary (see the module docstring)."""
    bg = spec.background
    return {
        "region": spec.region,
        "window": None if spec.window is None else [encode_float(v) for v in spec.window],
        "background": {
            "kind": bg.kind,
            "average_points": int(bg.average_points),
            "params": {name: param_to_dict(p) for name, p in bg.params.items()},
            "options": {name: _plain_option(name, v) for name, v in bg.options.items()},
        },
        "components": [_component_to_dict(c) for c in spec.components],
        "shared": {name: param_to_dict(p) for name, p in spec.shared.items()},
        "fractions": [{"name": f.name, "expression": f.expression} for f in spec.fractions],
    }


# -- reading -----------------------------------------------------------------------------------
class _Reader:
    """Typed access to a nested dictionary with errors that name the source and the key."""

    def __init__(self, source: str | None) -> None:
        self.source = source

    def fail(self, message: str, key: str) -> SpecError:
        return SpecError(message, source=self.source, key=key or None)

    def table(self, raw: object, key: str) -> Mapping[str, Any]:
        if not isinstance(raw, Mapping):
            raise self.fail(f"expected an object, got {_show(raw)}", key)
        return cast(Mapping[str, Any], raw)

    def get(self, d: Mapping[str, Any], name: str, key: str) -> Any:
        if name not in d:
            raise self.fail("missing required key", _join(key, name))
        return d[name]

    def text(self, raw: object, key: str, *, optional: bool = False) -> str | None:
        if raw is None and optional:
            return None
        if not isinstance(raw, str):
            raise self.fail(f"expected a string, got {_show(raw)}", key)
        return raw

    def number(self, raw: object, key: str) -> float:
        return decode_float(raw, source=self.source, key=key)

    def flag(self, raw: object, key: str) -> bool:
        if not isinstance(raw, bool):
            raise self.fail(f"expected true or false, got {_show(raw)}", key)
        return raw

    def params(self, raw: object, key: str) -> dict[str, Param]:
        table = self.table(raw, key)
        return {name: self.param(v, _join(key, name)) for name, v in table.items()}

    def param(self, raw: object, key: str) -> Param:
        d = self.table(raw, key)
        self.no_unknown(d, ("value", "min", "max", "vary", "link", "expr"), key)
        link_raw = d.get("link")
        return Param(
            value=self.number(self.get(d, "value", key), _join(key, "value")),
            min=self.number(d.get("min", "-inf"), _join(key, "min")),
            max=self.number(d.get("max", "inf"), _join(key, "max")),
            vary=self.flag(d.get("vary", True), _join(key, "vary")),
            link=None if link_raw is None else self.link(link_raw, _join(key, "link")),
            expr=self.text(d.get("expr"), _join(key, "expr"), optional=True),
        )

    def link(self, raw: object, key: str) -> Link:
        d = self.table(raw, key)
        self.no_unknown(d, ("ref", "kind", "value", "tolerance"), key)
        kind = self.get(d, "kind", key)
        if kind not in _LINK_KINDS:
            raise self.fail(
                f"link kind must be one of {', '.join(_LINK_KINDS)}", _join(key, "kind")
            )
        tolerance = self.number(d.get("tolerance", 0.0), _join(key, "tolerance"))
        if tolerance < 0:
            raise self.fail("tolerance must be >= 0", _join(key, "tolerance"))
        return Link(
            ref=str(self.text(self.get(d, "ref", key), _join(key, "ref"))),
            kind=kind,
            value=self.number(d.get("value", 0.0), _join(key, "value")),
            tolerance=tolerance,
        )

    def no_unknown(self, d: Mapping[str, Any], allowed: tuple[str, ...], key: str) -> None:
        extra = sorted(set(d) - set(allowed))
        if extra:
            raise self.fail(f"unknown key {extra[0]!r} (allowed: {', '.join(allowed)})", key)


def _join(key: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{key}[{name}]"
    return f"{key}.{name}" if key else name


def _component(r: _Reader, raw: object, key: str) -> Peak:
    d = r.table(raw, key)
    cid = str(r.text(r.get(d, "id", key), _join(key, "id")))
    key = f"components.{cid}" if cid else key
    kind = r.get(d, "type", key)
    if kind not in ("peak", "doublet"):
        raise r.fail("component type must be 'peak' or 'doublet'", _join(key, "type"))
    common = (
        "type",
        "id",
        "lineshape",
        "species",
        "satellite_of",
        "label",
        "center",
        "fwhm",
        "area",
        "shape",
    )
    extra = (*_DOUBLET_KEYS, "major_label", "minor_label") if kind == "doublet" else ()
    r.no_unknown(d, (*common, *extra), key)
    fields: dict[str, Any] = {
        "id": cid,
        "lineshape": r.text(r.get(d, "lineshape", key), _join(key, "lineshape")),
        "species": r.text(d.get("species", ""), _join(key, "species")),
        "satellite_of": r.text(d.get("satellite_of"), _join(key, "satellite_of"), optional=True),
        "label": r.text(d.get("label", ""), _join(key, "label")),
        "shape": r.params(d.get("shape", {}), _join(key, "shape")),
    }
    for name in ("center", "fwhm", "area", *(_DOUBLET_KEYS if kind == "doublet" else ())):
        fields[name] = r.param(r.get(d, name, key), _join(key, name))
    if kind == "peak":
        return Peak(**fields)
    for name in ("major_label", "minor_label"):
        fields[name] = r.text(d.get(name, ""), _join(key, name))
    return Doublet(**fields)


def _background(r: _Reader, raw: object) -> BackgroundSpec:
    key = "background"
    d = r.table(raw, key)
    r.no_unknown(d, ("kind", "average_points", "params", "options"), key)
    kind = r.get(d, "kind", key)
    kinds = get_args(BackgroundKind)
    if kind not in kinds:
        raise r.fail(f"background kind must be one of {', '.join(kinds)}", "background.kind")
    options = dict(r.table(d.get("options", {}), "background.options"))
    for name, value in options.items():
        where = f"background.options.{name}"
        if isinstance(value, list):
            options[name] = tuple(r.number(v, f"{where}[{i}]") for i, v in enumerate(value))
        elif isinstance(value, dict):
            raise r.fail("expected a string, number, boolean or list of numbers", where)
        elif value in ("inf", "-inf"):
            options[name] = decode_float(value)
    casa = options.get("convention", "xpsfit")
    if casa not in CONVENTIONS:
        raise r.fail(f"expected one of {', '.join(CONVENTIONS)}", "background.options.convention")
    points = d.get("average_points", 5)
    least = 0 if casa == "casaxps" else 1  # CasaXPS's Av Width 0 averages one channel
    if isinstance(points, bool) or not isinstance(points, int) or points < least:
        raise r.fail(f"expected an integer of at least {least}", "background.average_points")
    return BackgroundSpec(
        kind=cast(BackgroundKind, kind),
        average_points=points,
        params=r.params(d.get("params", {}), "background.params"),
        options=options,
    )


def _window(r: _Reader, raw: object) -> tuple[float, float] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) != 2:
        raise r.fail("expected [low, high] in eV or null", "window")
    lo, hi = (r.number(v, f"window[{i}]") for i, v in enumerate(raw))
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo == hi:
        raise r.fail("window needs two different finite energies (eV)", "window")
    return lo, hi


def _fractions(r: _Reader, raw: object) -> list[FractionDef]:
    if not isinstance(raw, list):
        raise r.fail(f"expected a list, got {_show(raw)}", "fractions")
    out = []
    for i, item in enumerate(raw):
        key = f"fractions[{i}]"
        d = r.table(item, key)
        r.no_unknown(d, ("name", "expression"), key)
        name = str(r.text(r.get(d, "name", key), _join(key, "name")))
        expression = str(r.text(r.get(d, "expression", key), _join(key, "expression")))
        out.append(FractionDef(name=name, expression=expression))
    return out


def spec_from_dict(data: Mapping[str, Any], source: str | None = None) -> FitSpec:
    """Rebuild a fit specification from :func:`spec_to_dict` output and validate it.

    Parameters
    ----------
    data
        The dictionary (e.g. from ``json.load``).
    source
        Name of the file or object it came from, used in error messages.

    Raises
    ------
    SpecError
        Missing key, wrong type, unknown key, NaN, or a failure of
        :meth:`~xpsfit.spec.FitSpec.validate` (unknown reference, constraint cycle...).
    """
    r = _Reader(source)
    d = r.table(data, "")
    allowed = ("region", "window", "background", "components", "shared", "fractions")
    r.no_unknown(d, allowed, "")
    comps_raw = r.get(d, "components", "")
    if not isinstance(comps_raw, list):
        raise r.fail(f"expected a list, got {_show(comps_raw)}", "components")
    spec = FitSpec(
        region=str(r.text(d.get("region", ""), "region")),
        window=_window(r, d.get("window")),
        background=_background(r, r.get(d, "background", "")),
        components=tuple(_component(r, c, f"components[{i}]") for i, c in enumerate(comps_raw)),
        shared=r.params(d.get("shared", {}), "shared"),
        fractions=tuple(_fractions(r, d.get("fractions", []))),
    )
    spec.validate(source)
    return spec


def param_from_dict(data: Mapping[str, Any], source: str | None = None, key: str = "") -> Param:
    """Rebuild one :class:`~xpsfit.spec.Param` from :func:`param_to_dict` output.

    Raises
    ------
    SpecError
        Missing ``value``, wrong type, unknown key or NaN, naming ``source`` and ``key``.
    """
    return _Reader(source).param(data, key)
