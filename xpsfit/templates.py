"""Fit templates: a fit specification without data, saved as versioned JSON.

File layout (UTF-8 JSON, written atomically)::

    {"format": "xpsfit-template", "schema_version": 1, "name": str, "description": str,
     "charge_shift": null | number, "spec": <xpsfit.specjson layout>}

``charge_shift`` (eV) is the charge correction of the spectrum the template was saved from
(``null`` for library templates, whose energies are charge referenced). When a template with a
recorded shift is applied to a spectrum with another one, its window and centers move by the
difference, so they follow the charge correction. Loading validates everything and raises one
:class:`~xpsfit.errors.SpecError` naming the file and the key.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import platformdirs

from xpsfit.atomic import write_text_atomic
from xpsfit.errors import FitError, SpecError, XpsfitError
from xpsfit.lineshapes import LINESHAPES
from xpsfit.reference import Library, load_library, normalize_region
from xpsfit.result import FitResult
from xpsfit.spec import Doublet, FitSpec, Param, Peak
from xpsfit.specjson import decode_float, encode_float, spec_from_dict, spec_to_dict
from xpsfit.spectrum import Spectrum
from xpsfit.template_library import default_template, template_from_library

__all__ = [
    "TEMPLATE_ENV",
    "TEMPLATE_FORMAT",
    "TEMPLATE_SCHEMA_VERSION",
    "Template",
    "apply_template",
    "check_spec",
    "default_specs",
    "default_template",
    "load_template",
    "save_template",
    "template_from_dict",
    "template_from_fit",
    "template_from_library",
    "template_to_dict",
    "user_template_dir",
]

K = TypeVar("K")

TEMPLATE_FORMAT = "xpsfit-template"
#: Version written by this xpsfit; files of this or an older version are read.
TEMPLATE_SCHEMA_VERSION = 1
#: Environment variable naming the user template folder.
TEMPLATE_ENV = "XPSFIT_TEMPLATE_PATH"
_OPERATOR_RE = re.compile(r"\s+|[()*/+\-]|\d+(\.\d*)?([eE][+-]?\d+)?")


@dataclass(frozen=True)
class Template:
    """A named fit specification without data.

    Attributes
    ----------
    spec
        The fit specification (region, window, background, components, fractions).
    name, description
        What the user calls it and why.
    charge_shift
        Charge correction (eV) of the spectrum the energies refer to; ``None`` when they are
        charge referenced (library templates).
    """

    spec: FitSpec
    name: str
    description: str = ""
    charge_shift: float | None = None


def user_template_dir() -> Path:
    """The user template folder: ``$XPSFIT_TEMPLATE_PATH`` or ``user_data_dir("xpsfit")/templates``."""
    env = os.environ.get(TEMPLATE_ENV)
    return Path(env) if env else Path(platformdirs.user_data_dir("xpsfit")) / "templates"


# -- validation --------------------------------------------------------------------------------
def _fraction_names(expression: str, species: list[str]) -> list[str]:
    """Unknown names in a fraction expression (species ids are matched longest first)."""
    known = sorted(species, key=len, reverse=True)
    unknown, pos = [], 0
    while pos < len(expression):
        hit = next((s for s in known if expression.startswith(s, pos)), None)
        if hit is not None:
            pos += len(hit)
            continue
        op = _OPERATOR_RE.match(expression, pos)
        if op is not None:
            pos = op.end()
            continue
        end = pos
        while end < len(expression) and expression[end] not in " ()*/":
            end += 1
        unknown.append(expression[pos : max(end, pos + 1)])
        pos = max(end, pos + 1)
    return unknown


def check_spec(spec: FitSpec, source: str | None = None) -> None:
    """Validate a specification as a template: references, cycles, line shapes, fractions.

    Raises
    ------
    SpecError
        Naming ``source`` and the offending key.
    """
    spec.validate(source)
    for comp in spec.components:
        shape = LINESHAPES.get(comp.lineshape)
        key = f"components.{comp.id}"
        if shape is None:
            known = ", ".join(LINESHAPES)
            raise SpecError(
                f"unknown line shape {comp.lineshape!r} (known: {known})",
                source=source,
                key=f"{key}.lineshape",
            )
        extra = sorted(set(comp.shape) - set(shape.param_names))
        if extra:
            raise SpecError(
                f"line shape {comp.lineshape!r} has no parameter {extra[0]!r}",
                source=source,
                key=f"{key}.shape.{extra[0]}",
            )
    species = spec.species()
    for i, frac in enumerate(spec.fractions):
        unknown = _fraction_names(frac.expression, species)
        if unknown or not frac.expression.strip():
            raise SpecError(
                f"unknown species {unknown[0]!r} in {frac.expression!r} (species: "
                f"{', '.join(species)})"
                if unknown
                else "empty fraction expression",
                source=source,
                key=f"fractions[{i}].expression",
            )


# -- reading and writing -----------------------------------------------------------------------
def template_to_dict(template: Template) -> dict[str, Any]:
    """A template as a plain JSON-able dictionary (current schema version)."""
    shift = template.charge_shift
    return {
        "format": TEMPLATE_FORMAT,
        "schema_version": TEMPLATE_SCHEMA_VERSION,
        "name": template.name,
        "description": template.description,
        "charge_shift": None if shift is None else encode_float(shift),
        "spec": spec_to_dict(template.spec),
    }


def _text(d: Mapping[str, Any], name: str, source: str | None, required: bool) -> str:
    if name not in d and not required:
        return ""
    if name not in d:
        raise SpecError("missing required key", source=source, key=name)
    if not isinstance(d[name], str):
        raise SpecError(f"expected a string, got {d[name]!r}", source=source, key=name)
    return str(d[name])


def template_from_dict(data: object, source: str | None = None) -> Template:
    """Rebuild and validate a template from :func:`template_to_dict` output.

    Raises
    ------
    SpecError
        Wrong format, unsupported version, missing key, wrong type, unknown species in a
        fraction, unknown reference, constraint cycle... naming ``source`` and the key.
    """
    if not isinstance(data, Mapping):
        raise SpecError("a template is a JSON object", source=source)
    if data.get("format") != TEMPLATE_FORMAT:
        raise SpecError(
            f"not an xpsfit template (format {data.get('format')!r})", source=source, key="format"
        )
    version = data.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise SpecError(
            f"expected a positive integer, got {version!r}", source=source, key="schema_version"
        )
    if version > TEMPLATE_SCHEMA_VERSION:
        raise SpecError(
            f"written by a newer xpsfit (schema_version {version}, this one reads up to "
            f"{TEMPLATE_SCHEMA_VERSION})",
            source=source,
            key="schema_version",
        )
    allowed = {"format", "schema_version", "name", "description", "charge_shift", "spec"}
    extra = sorted(set(data) - allowed)
    if extra:
        raise SpecError(f"unknown key {extra[0]!r}", source=source, key=extra[0])
    if "spec" not in data:
        raise SpecError("missing required key", source=source, key="spec")
    raw_shift = data.get("charge_shift")
    shift = (
        None if raw_shift is None else decode_float(raw_shift, source=source, key="charge_shift")
    )
    spec = spec_from_dict(data["spec"], source=source)
    check_spec(spec, source)
    return Template(
        spec=spec,
        name=_text(data, "name", source, True),
        description=_text(data, "description", source, False),
        charge_shift=shift,
    )


def load_template(path: str | os.PathLike[str]) -> Template:
    """Read and validate a template file.

    Raises
    ------
    SpecError
        Not JSON, or invalid (naming the file and the key).
    OSError
        If the file cannot be read.
    """
    source = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SpecError(f"not a JSON file: {exc}", source=source) from None
    return template_from_dict(data, source)


def save_template(path: str | os.PathLike[str], template: Template) -> None:
    """Validate and write a template atomically (indented JSON, full float precision).

    Raises
    ------
    SpecError
        If the template is invalid (nothing is written).
    """
    check_spec(template.spec, str(path))
    text = json.dumps(template_to_dict(template), indent=2, ensure_ascii=False, allow_nan=False)
    write_text_atomic(path, text + "\n")


def template_from_fit(
    result: FitResult, name: str, *, description: str = "", spectrum: Spectrum | None = None
) -> Template:
    """Save the current model of a fit as a template (fitted values become start values).

    Parameters
    ----------
    result
        The fit; its :attr:`~xpsfit.result.FitResult.spec` holds the fitted values.
    name, description
        Template name and description.
    spectrum
        The fitted spectrum; its ``metadata["charge_shift"]`` (eV, 0 when absent) is recorded
        so that the template follows the charge correction when applied elsewhere.
    """
    shift = None if spectrum is None else float(spectrum.metadata.get("charge_shift", 0.0))
    return Template(spec=result.spec, name=name, description=description, charge_shift=shift)


# -- applying ----------------------------------------------------------------------------------
def _shift_param(par: Param, delta: float) -> Param:
    if par.link is not None or par.expr is not None:
        return par
    return replace(par, value=par.value + delta, min=par.min + delta, max=par.max + delta)


def _scaled_area(comp: Peak, scale: float) -> Param:
    a = comp.area
    return replace(a, value=a.value * scale, max=a.max * scale if math.isfinite(a.max) else a.max)


def _net_area(spectrum: Spectrum, window: tuple[float, float]) -> float:
    """Area above a straight line through the window ends (intensity x eV), at least 0."""
    part = spectrum.crop(*window)
    x, y = part.binding_energy, part.intensity
    ends = max(1, min(5, x.size // 10))
    y0, y1 = float(np.mean(y[:ends])), float(np.mean(y[-ends:]))
    line = y0 + (y1 - y0) * (x - x[0]) / (x[-1] - x[0])
    return max(float(np.trapezoid(y - line, x)), 0.0)


def _template_area(spec: FitSpec) -> float:
    total = 0.0
    for comp in spec.components:
        factor = 1.0 + comp.area_ratio.value if isinstance(comp, Doublet) else 1.0
        total += comp.area.value * factor
    return total


def apply_template(template: Template | FitSpec, spectrum: Spectrum) -> FitSpec:
    """Adapt a template to a spectrum of its region, ready for :func:`xpsfit.fitting.fit`.

    The window and every free center move by ``spectrum charge_shift - template
    charge_shift`` (eV) when the template records one, the window is clipped to the data,
    and the start areas are scaled so that the model's total area matches the data's net
    area above a straight line.

    Raises
    ------
    SpecError
        If the spectrum's region is a different one.
    FitError
        If the window holds fewer than 2 channels of the spectrum.
    """
    tpl = template if isinstance(template, Template) else Template(template, name="")
    spec = tpl.spec
    want, have = normalize_region(spec.region), normalize_region(spectrum.region)
    if want and have and not have.startswith(want):
        raise SpecError(
            f"template for {spec.region!r} applied to a {spectrum.region!r} spectrum", key="region"
        )
    delta = 0.0
    if tpl.charge_shift is not None:
        delta = float(spectrum.metadata.get("charge_shift", 0.0)) - tpl.charge_shift
    lo, hi = float(spectrum.binding_energy[0]), float(spectrum.binding_energy[-1])
    window = (lo, hi) if spec.window is None else (spec.window[0] + delta, spec.window[1] + delta)
    window = (max(window[0], lo), min(window[1], hi))
    if window[0] >= window[1]:
        raise FitError(
            f"spectrum {spectrum.full_label} ({lo:g}-{hi:g} eV) does not reach the template window "
            f"{spec.window} eV of {spec.region}"
        )
    net, model = _net_area(spectrum, window), _template_area(spec)
    scale = net / model if net > 0 and model > 0 else 1.0
    comps = tuple(
        replace(c, center=_shift_param(c.center, delta), area=_scaled_area(c, scale))
        for c in spec.components
    )
    return replace(spec, window=window, components=comps)


def default_specs(
    spectra: Mapping[K, Spectrum], library: Library | None = None
) -> tuple[dict[K, FitSpec], dict[K, str]]:
    """Every spectrum's starting model: its region's default template, applied to it.

    Parameters
    ----------
    spectra
        Spectra by any key (e.g. a project's spectrum ids).
    library
        The reference library; default :func:`xpsfit.reference.load_library` (read once).

    Returns
    -------
    tuple
        ``(specs, missing)``: the applied templates (:func:`apply_template`) by key, and for
        the spectra without one the reason (the library has no such region, or the template
        does not fit the data) by key.
    """
    lib = load_library() if library is None else library
    templates: dict[str, FitSpec | XpsfitError] = {}
    specs: dict[K, FitSpec] = {}
    missing: dict[K, str] = {}
    for key, spectrum in spectra.items():
        if spectrum.region not in templates:
            try:
                templates[spectrum.region] = default_template(spectrum.region, library=lib)
            except XpsfitError as exc:
                templates[spectrum.region] = exc
        template = templates[spectrum.region]
        if isinstance(template, XpsfitError):
            missing[key] = str(template)
            continue
        try:
            specs[key] = apply_template(template, spectrum)
        except XpsfitError as exc:
            missing[key] = str(exc)
    return specs, missing
