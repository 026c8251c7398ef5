"""VAMAS (ISO 14976) writer whose output the xpsfit reader reads back identically.

Numbers are written with ``repr`` (shortest exact float64 text). The scan mode is REGULAR when
every axis is exactly ``start + step * i`` (as the reader computes it), IRREGULAR otherwise.
The abscissa is kinetic or binding energy as the spectrum was recorded
(``metadata["vamas"]`` abscissa label), falling back to binding energy when ``h nu - KE`` would
not reproduce the axis bit for bit. Etch time (s) and etch level are written as experiment
variables ``Etch Time`` / ``Etch Level`` so depth profiles survive; missing values are written
as ``1e+37`` (VAMAS's "not recorded"). After writing, the text is read back in memory; whatever
VAMAS fields could not carry exactly (strings with line breaks, metadata the format has no
place for) is stored in one comment line per block (:data:`~xpsfit.io.vamas_block.META_PREFIX`
followed by JSON) that the reader applies. CasaXPS fits given in ``fits`` are written as a
``Casa Info Follows`` section so CasaXPS shows them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from xpsfit.atomic import write_text_atomic
from xpsfit.errors import XpsfitError
from xpsfit.io.casa import counts_per_cps, format_casa_lines
from xpsfit.io.vamas import IDENTIFIER, SCALAR_GROUPS, parse_vamas_bytes, regular_axis
from xpsfit.io.vamas_block import META_PREFIX, OVERRIDABLE, UNKNOWN, encode_plain, field_default
from xpsfit.spec import FitSpec
from xpsfit.spectrum import Spectrum

_FORMAT_LINE = f"{IDENTIFIER} 1988 May 4"
_ETCH_TIME = ("Etch Time", "s")
_ETCH_LEVEL = ("Etch Level", "d")


@dataclass(frozen=True)
class _Axis:
    label: str
    x: NDArray[np.float64]  # abscissa in file order
    order: NDArray[np.intp]  # channel order in the file (indices into the spectrum arrays)


def _text(value: object) -> str:
    return " ".join(str(value).replace("\x00", "").split("\n")).replace("\r", " ").strip()


def _num(value: float | None) -> str:
    return UNKNOWN if value is None else repr(float(value))


def _pairs(s: Spectrum) -> dict[str, str]:
    raw = s.metadata.get("vamas", ())
    try:
        return {str(k): _text(v) for k, v in raw}
    except (TypeError, ValueError):
        return {}


def _axis(s: Spectrum, pairs: Mapping[str, str]) -> _Axis:
    """The abscissa to write: kinetic when recorded so and exactly invertible."""
    be = s.binding_energy
    kinetic_axis = s.metadata.get("energy_axis") == "kinetic"
    label = pairs.get("abscissa_label", field_default("abscissa_label", kinetic_axis))
    if kinetic_axis or "binding" in label.lower():
        return _Axis(label, be.copy(), np.arange(be.size))
    hv = s.source_energy
    if hv > 0:
        ke = hv - be
        if np.array_equal(hv - ke, be):
            return _Axis(label, ke[::-1].copy(), np.arange(be.size)[::-1])
    return _Axis(field_default("abscissa_label"), be.copy(), np.arange(be.size))


def _regular(x: NDArray[np.float64]) -> tuple[float, float] | None:
    """``(start, step)`` when the reader's :func:`regular_axis` reproduces ``x`` exactly."""
    if x.size < 2:
        return (float(x[0]), 1.0) if x.size == 1 else None
    step = float(x[1] - x[0])
    if np.array_equal(regular_axis(float(x[0]), step, x.size), x):
        return float(x[0]), step
    return None


def _variables(spectra: Sequence[Spectrum]) -> list[tuple[str, str]]:
    seen: dict[tuple[str, str], None] = {}
    for s in spectra:
        for item in s.metadata.get("experiment_variables", ()):
            seen.setdefault((_text(item[0]), _text(item[1])), None)
    if any(s.etch_time is not None for s in spectra):
        seen.setdefault(_ETCH_TIME, None)
    if any(s.etch_level is not None for s in spectra):
        seen.setdefault(_ETCH_LEVEL, None)
    return list(seen)


def _variable_values(s: Spectrum, variables: Sequence[tuple[str, str]]) -> list[str]:
    own = {(_text(i[0]), _text(i[1])): i[2] for i in s.metadata.get("experiment_variables", ())}
    out = []
    for var in variables:
        if var == _ETCH_TIME and var not in own:
            out.append(_num(s.etch_time))
        elif var == _ETCH_LEVEL and var not in own:
            out.append(UNKNOWN if s.etch_level is None else str(s.etch_level))
        else:
            value = own.get(var)
            out.append(_text(value) if isinstance(value, str) else _num(value))
    return out


def _columns(s: Spectrum, pairs: Mapping[str, str]) -> list[tuple[str, str, NDArray[np.float64]]]:
    cols = [
        (pairs.get("ordinate_label", "Intensity"), pairs.get("ordinate_units", "d"), s.intensity)
    ]
    meta = s.metadata
    if "transmission" in meta:
        label, unit = meta.get("transmission_label", ("Transmission", "d"))
        cols.append((_text(label), _text(unit), np.asarray(meta["transmission"], dtype=np.float64)))
    if s.uncertainty is not None:
        cols.append(("uncertainty", "d", s.uncertainty))
    for label, unit, values in meta.get("corresponding_variables", ()):
        cols.append((_text(label), _text(unit), np.asarray(values, dtype=np.float64)))
    return [c for c in cols if c[2].shape == s.intensity.shape]


def _parse_section(comment: Sequence[str]) -> tuple[list[str], list[str], int] | None:
    """Processing lines, annotation lines and end index of a leading CasaXPS section."""
    if not comment or not comment[0].startswith("Casa Info Follows"):
        return None
    try:
        i = 1
        n = int(comment[i])
        procs = list(comment[i + 1 : i + 1 + n])
        i += 1 + n
        n = int(comment[i])
        annots = list(comment[i + 1 : i + 1 + 2 * n])
        i += 1 + 2 * n
        for _ in range(2):  # regions, then components
            i += 1 + int(comment[i])
    except (IndexError, ValueError):
        return None
    return (procs, annots, i) if i <= len(comment) else None


def _casa_comment(comment: Sequence[str], fit_lines: Sequence[str] | None) -> list[str]:
    """The block comment with its CasaXPS section rewritten.

    ``Calib`` lines are dropped (the written axis is already calibrated); the fit is replaced
    by ``fit_lines`` when given. A comment without CasaXPS content is returned unchanged.
    """
    parsed = _parse_section(comment)
    calib = [c for c in comment if c.lower().startswith("calib ")]
    if parsed is None:
        rest = [c for c in comment if c not in calib]
        if fit_lines is None:
            return rest
        procs: list[str] = []
        annots: list[str] = []
        head: Sequence[str] = ()
    else:
        procs, annots, end = parsed
        head, rest = comment[:end], list(comment[end:])
    regions = [c for c in head if c.lower().startswith("casa region")]
    comps = [c for c in head if c.lower().startswith("casa comp")]
    if fit_lines is not None:
        regions, comps = list(fit_lines[:1]), list(fit_lines[1:])
    procs = [p for p in procs if p not in calib]
    return [
        "Casa Info Follows", str(len(procs)), *procs, str(len(annots) // 2), *annots,
        str(len(regions)), *regions, str(len(comps)), *comps, *rest,
    ]  # fmt: skip


def _fit_lines(s: Spectrum, fit: FitSpec, rsf: float) -> list[str]:
    meta = s.metadata
    offset = float(meta.get("charge_shift", 0.0)) - float(meta.get("casa_calibration_shift", 0.0))
    be = s.binding_energy
    window = (float(be[0]), float(be[-1])) if be.size else None
    return format_casa_lines(
        fit, s.source_energy, window=window, offset=offset, area_scale=counts_per_cps(s), rsf=rsf
    )


def _block_lines(
    s: Spectrum,
    variables: Sequence[tuple[str, str]],
    scan: str,
    comment: Sequence[str],
) -> list[str]:
    """The lines of one NORM-mode block."""
    pairs = _pairs(s)
    axis = _axis(s, pairs)
    tech = _text(s.metadata.get("technique", "XPS"))
    values = {
        **pairs, "source_label": _text(s.source_label), "source_energy": repr(s.source_energy),
        "pass_energy": _num(s.pass_energy), "species": _text(s.element),
        "transition": _text(s.transition), "collection_time": _num(s.dwell_time),
        "scans": "-1" if s.scans is None else str(s.scans),
    }  # fmt: skip
    out = [_text(s.block), _text(s.sample)]
    groups = {g: (names, cond) for g, names, cond in SCALAR_GROUPS}
    cols = _columns(s, pairs)
    for g in range(40):
        if g == 7:
            out += [str(len(comment)), *comment]
        elif g == 8:
            out.append(tech)
        elif g == 10:
            out += _variable_values(s, variables)
        elif g == 30 and scan == "REGULAR":
            start, step = _regular(axis.x) or (0.0, 1.0)
            out += [axis.label, pairs.get("abscissa_units", "eV"), repr(start), repr(step)]
        elif g == 31:
            heads = [(label, unit) for label, unit, _ in cols]
            if scan == "IRREGULAR":
                heads.insert(0, (axis.label, pairs.get("abscissa_units", "eV")))
            out += [str(len(heads)), *(x for h in heads for x in h)]
        elif g == 39:
            params = s.metadata.get("parameters", ())
            out += [str(len(params)), *(_text(x) for p in params for x in p)]
        elif g in groups and groups[g][1]("NORM", tech):
            out += [values.get(n, field_default(n)) for n in groups[g][0]]
    data = [c[2][axis.order] for c in cols]
    if scan == "IRREGULAR":
        data.insert(0, axis.x)
    matrix = np.column_stack(data)
    out.append(str(matrix.size))
    for k in range(matrix.shape[1]):
        out += [
            repr(float(np.nanmin(matrix[:, k], initial=np.inf))),
            repr(float(np.nanmax(matrix[:, k], initial=-np.inf))),
        ]
    out += [repr(v) for v in matrix.ravel().tolist()]
    return out


def _header_lines(
    spectra: Sequence[Spectrum], variables: Sequence[tuple[str, str]], scan: str
) -> list[str]:
    meta = spectra[0].metadata
    ident = [
        _text(meta.get(k, "")) for k in ("institution", "instrument", "operator", "experiment")
    ]
    comment = [_text(c) for c in meta.get("file_comment", ())]
    out = [_FORMAT_LINE, *ident, str(len(comment)), *comment, "NORM", scan, str(len(spectra))]
    out += [str(len(variables)), *(x for v in variables for x in v)]
    return [*out, "0", "0", "0", "0", str(len(spectra))]


def _comment(
    s: Spectrum, fit: tuple[FitSpec, float] | None, patch: Mapping[str, Any] | None
) -> list[str]:
    comment = [_text(c) for c in s.metadata.get("comment", ())]
    comment = _casa_comment(comment, None if fit is None else _fit_lines(s, *fit))
    if patch:
        text = json.dumps(encode_plain(dict(patch)), ensure_ascii=True, separators=(",", ":"))
        comment.append(META_PREFIX + text)
    return comment


def _render(
    spectra: Sequence[Spectrum],
    fits: Mapping[int, tuple[FitSpec, float]],
    patches: Sequence[Mapping[str, Any]],
) -> str:
    variables = _variables(spectra)
    regular = all(_regular(_axis(s, _pairs(s)).x) is not None for s in spectra)
    scan = "REGULAR" if regular else "IRREGULAR"
    lines = _header_lines(spectra, variables, scan)
    for i, s in enumerate(spectra):
        lines += _block_lines(s, variables, scan, _comment(s, fits.get(i), patches[i]))
    lines.append("end of experiment")
    return "\n".join(lines) + "\n"


def _patch(original: Spectrum, reread: Spectrum) -> dict[str, Any]:
    """What the metadata line must restore so that ``reread`` equals ``original``."""
    fields = {
        k: getattr(original, k) for k in OVERRIDABLE if getattr(original, k) != getattr(reread, k)
    }
    old, new = dict(original.metadata), dict(reread.metadata)
    changed = {k: v for k, v in old.items() if k not in new or new[k] != v}
    drop = [k for k in new if k not in old and k != "warnings"]
    if "warnings" in new and "warnings" not in old:
        changed["warnings"] = ()
    out: dict[str, Any] = {}
    if fields:
        out["fields"] = fields
    if changed:
        out["metadata"] = changed
    if drop:
        out["drop"] = drop
    return out


def format_vamas(
    spectra: Sequence[Spectrum],
    *,
    fits: Mapping[int, FitSpec] | None = None,
    rsf: Mapping[int, float] | None = None,
) -> str:
    """The VAMAS text of ``spectra`` (see :func:`write_vamas`)."""
    if not spectra:
        raise XpsfitError("no spectra to write")
    factors = dict(rsf or {})
    casa = {i: (spec, float(factors.get(i, 1.0))) for i, spec in (fits or {}).items()}
    plain = _render(spectra, casa, [{}] * len(spectra))
    reread = parse_vamas_bytes(plain.encode("utf-8"), "<written>")
    if len(reread) != len(spectra):
        raise XpsfitError("the written VAMAS text does not read back (internal error)")
    targets = [
        s
        if i not in casa
        else s.replace(
            metadata={
                **s.metadata,
                "comment": r.metadata.get("comment", ()),
                "casa_lines": r.metadata.get("casa_lines", ()),
            }
        )
        for i, (s, r) in enumerate(zip(spectra, reread, strict=True))
    ]
    patches = [_patch(t, r) for t, r in zip(targets, reread, strict=True)]
    return _render(spectra, casa, patches) if any(patches) else plain


def write_vamas(
    path: str | os.PathLike[str],
    spectra: Sequence[Spectrum],
    *,
    fits: Mapping[int, FitSpec] | None = None,
    rsf: Mapping[int, float] | None = None,
) -> None:
    """Write spectra to a VAMAS file atomically.

    Parameters
    ----------
    path
        Destination file (written via a temporary file and a rename).
    spectra
        The spectra, one block each, in order. Header metadata (institution, instrument,
        operator, experiment, file comment) comes from the first spectrum.
    fits
        CasaXPS fits to store, by index into ``spectra`` (binding energies, eV); written as
        ``CASA region``/``CASA comp`` lines in kinetic energy.
    rsf
        Sensitivity factor written with each fit (by the same index; 1 when not given), so
        that CasaXPS quantifies with it and :func:`xpsfit.rsf.sensitivity_factor` reads it
        back with ``file_rsf``.

    Raises
    ------
    XpsfitError
        If there is nothing to write.
    SpecError
        If a fit uses something CasaXPS cannot express.

    Notes
    -----
    ``xpsfit.io.vamas.load_vamas`` reads the file back with identical arrays (float64),
    fields and metadata, except ``source_file`` (the new path) and, for blocks written with a
    fit, the comment and ``casa_lines`` that now hold that fit.
    """
    write_text_atomic(path, format_vamas(spectra, fits=fits, rsf=rsf))
