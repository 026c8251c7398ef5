"""Turn a raw VAMAS block into a :class:`~xpsfit.spectrum.Spectrum`.

Energy scale: a kinetic abscissa becomes binding energy with the block's own source energy,
``BE = h nu - KE`` (the analyser work function is already part of the recorded kinetic
energy and is not subtracted again). A block whose source energy is 0 or unknown (Auger data
labelled XPS) keeps its kinetic axis: ``binding_energy`` then holds kinetic energies and
``metadata["energy_axis"] == "kinetic"`` says so, with a warning. CasaXPS ``Calib`` lines in
the block comment shift the binding-energy axis by the sum of their ``A - M`` (recorded with
:meth:`Spectrum.shifted` and in ``metadata["casa_calibration_shift"]``).

Metadata keys (present only when they carry information): ``technique``, ``comment``,
``casa_lines``, ``experiment_variables`` ``((label, unit, value), ...)``, ``transmission``
(per channel), ``corresponding_variables`` ``((label, unit, values), ...)``, ``transmission_label``
``(label, unit)``, ``parameters`` ``((label, unit, value), ...)``, ``vamas`` (other block
fields as ``(name, text)`` pairs, sorted), ``casa_calibration_shift`` (eV),
``institution``, ``instrument``, ``operator``, ``experiment``, ``file_comment``,
``experiment_mode``, ``energy_axis``, ``warnings``; in MAP and MAPDP files ``x`` and ``y``,
the block's analysis position (the VAMAS x and y coordinates as numbers, in the file's map
units: ISO 14976 gives them no physical unit, often pixel indices of the map; absent when not
recorded). A comment line starting with :data:`META_PREFIX` (written by
:mod:`xpsfit.io.vamas_write`) restores what VAMAS fields cannot hold exactly.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from xpsfit.io.casa import calibration_shift, is_casa_line
from xpsfit.io.regions import identify_region
from xpsfit.io.textlines import parse_float
from xpsfit.io.vamas import HUGE, RawBlock, VamasHeader
from xpsfit.spectrum import Spectrum

META_PREFIX = "xpsfit-metadata "
#: Spectrum fields the metadata line may restore.
OVERRIDABLE = (
    "region", "element", "transition", "source_label", "source_energy", "pass_energy", "scans",
    "dwell_time", "sample", "block", "etch_level", "etch_time",
)  # fmt: skip
#: Block fields mapped onto Spectrum attributes (never copied into ``metadata["vamas"]``).
MAPPED = frozenset(
    {"block_id", "sample", "technique", "source_label", "source_energy", "pass_energy",
     "species", "transition", "collection_time", "scans", "abscissa_start",
     "abscissa_increment"}
)  # fmt: skip
#: Text the writer puts in a field when the spectrum says nothing about it.
FIELD_DEFAULTS: Mapping[str, str] = {
    **dict.fromkeys(("year", "month", "day", "hour", "minute", "second", "gmt_offset"), "0"),
    "analyser_mode": "FAT", "target_bias": "0", "charge": "-1",
    "signal_mode": "pulse counting", "time_correction": "0",
    "abscissa_units": "eV", "ordinate_label": "Intensity", "ordinate_units": "d",
}  # fmt: skip
UNKNOWN = "1e+37"
_TIME_UNITS = {"s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0, "": 1.0,
               "ms": 1e-3, "min": 60.0, "mins": 60.0, "minutes": 60.0, "h": 3600.0,
               "hr": 3600.0, "hours": 3600.0}  # fmt: skip


def field_default(name: str, kinetic_axis: bool = False) -> str:
    """The text the writer uses for a block field when nothing else is known."""
    if name == "abscissa_label":
        return "Kinetic Energy" if kinetic_axis else "Binding Energy"
    return FIELD_DEFAULTS.get(name, UNKNOWN)


def encode_plain(value: Any) -> Any:
    """Encode a plain metadata value for JSON, keeping tuples, lists and mappings apart."""
    if isinstance(value, np.ndarray):
        value = tuple(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, tuple):
        return {"t": [encode_plain(v) for v in value]}
    if isinstance(value, list):
        return {"l": [encode_plain(v) for v in value]}
    if isinstance(value, Mapping):
        return {"m": [[str(k), encode_plain(v)] for k, v in value.items()]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def decode_plain(value: Any) -> Any:
    """Inverse of :func:`encode_plain`."""
    if isinstance(value, dict):
        if "t" in value:
            return tuple(decode_plain(v) for v in value["t"])
        if "l" in value:
            return [decode_plain(v) for v in value["l"]]
        if "m" in value:
            return {str(k): decode_plain(v) for k, v in value["m"]}
    return value


def _number(text: str | None) -> float | None:
    """A finite number below :data:`HUGE` (VAMAS writes 1E37 for "not recorded"), else None."""
    if text is None:
        return None
    try:
        value = parse_float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and abs(value) < HUGE else None


def _split_meta(
    comment: tuple[str, ...], warnings: list[str]
) -> tuple[tuple[str, ...], dict[str, Any]]:
    kept: list[str] = []
    meta: dict[str, Any] = {}
    for line in comment:
        if line.startswith(META_PREFIX):
            try:
                decoded = decode_plain(json.loads(line[len(META_PREFIX) :]))
                if not isinstance(decoded, dict):
                    raise ValueError("not an object")
                meta = decoded
                continue
            except (ValueError, RecursionError):
                warnings.append("unreadable xpsfit metadata line in the block comment ignored")
        kept.append(line)
    return tuple(kept), meta


def _experiment_variables(
    hdr: VamasHeader, block: RawBlock
) -> tuple[float | None, int | None, tuple[tuple[str, str, float | str], ...]]:
    """Split the experiment variables into etch time (s), etch level and the rest."""
    etch_time: float | None = None
    etch_level: int | None = None
    rest: list[tuple[str, str, float | str]] = []
    for (label, unit), raw in zip(hdr.variables, block.variable_values, strict=False):
        low, value = label.lower(), _number(raw)
        etchy = "etch" in low or "sputter" in low
        if etchy and "time" in low and value is not None and unit.lower() in _TIME_UNITS:
            etch_time = value * _TIME_UNITS[unit.lower()]
        elif etchy and "level" in low and value is not None and value == int(value) >= 0:
            etch_level = int(value)
        elif value is not None:
            rest.append((label, unit, value))
        elif raw and _number(raw) is None and not raw.lower().startswith("1e"):
            rest.append((label, unit, raw))
    return etch_time, etch_level, tuple(rest)


def _columns(
    hdr: VamasHeader, block: RawBlock
) -> tuple[tuple[tuple[str, str], ...], dict[str, str]]:
    """Labels of the ordinate columns and the abscissa/ordinate label fields."""
    corr = block.corresponding
    fields: dict[str, str] = {}
    if hdr.scan_mode == "IRREGULAR":
        fields["abscissa_label"], fields["abscissa_units"] = corr[0]
        corr = corr[1:]
    fields["ordinate_label"], fields["ordinate_units"] = corr[0]
    return corr, fields


def _energy(
    block: RawBlock, label: str, source_energy: float, meta: dict[str, Any], warnings: list[str]
) -> NDArray[np.float64]:
    if "binding" in label.lower():
        return block.axis
    if source_energy > 0:
        return source_energy - block.axis
    meta["energy_axis"] = "kinetic"
    warnings.append(
        "source energy is 0 or unknown: the kinetic-energy axis is kept "
        "(binding_energy holds kinetic energies)"
    )
    return block.axis


def _order(energy: NDArray[np.float64], warnings: list[str]) -> NDArray[np.intp]:
    n = energy.size
    if n < 2 or bool(np.all(np.diff(energy) >= 0)):
        return np.arange(n)
    if bool(np.all(np.diff(energy) <= 0)):
        return np.arange(n)[::-1]
    warnings.append("the energy axis is not monotonic; channels were sorted by energy")
    return np.argsort(energy, kind="stable")


def _per_channel(
    corr: tuple[tuple[str, str], ...], ordinate: NDArray[np.float64], meta: dict[str, Any]
) -> NDArray[np.float64] | None:
    """Put the extra corresponding variables into metadata; return the uncertainty column."""
    uncertainty = None
    others: list[tuple[str, str, tuple[float, ...]]] = []
    for k, (label, unit) in enumerate(corr[1:], start=1):
        column = ordinate[:, k]
        if label.lower() == "uncertainty" and uncertainty is None:
            uncertainty = column
        elif "transmission" in label.lower() and "transmission" not in meta:
            meta["transmission"] = tuple(column.tolist())
            meta["transmission_label"] = (label, unit)
        else:
            others.append((label, unit, tuple(column.tolist())))
    if others:
        meta["corresponding_variables"] = tuple(others)
    return uncertainty


def _header_meta(hdr: VamasHeader, meta: dict[str, Any]) -> None:
    for key in ("institution", "instrument", "operator", "experiment"):
        if getattr(hdr, key):
            meta[key] = getattr(hdr, key)
    if hdr.comment:
        meta["file_comment"] = hdr.comment
    if hdr.experiment_mode != "NORM":
        meta["experiment_mode"] = hdr.experiment_mode


def _position_meta(hdr: VamasHeader, fields: Mapping[str, str], meta: dict[str, Any]) -> None:
    """The analysis position of a MAP or MAPDP block as ``meta["x"]``, ``meta["y"]``."""
    if hdr.experiment_mode not in ("MAP", "MAPDP"):
        return
    x, y = _number(fields.get("x")), _number(fields.get("y"))
    if x is not None and y is not None:
        meta["x"], meta["y"] = x, y


def _vamas_pairs(fields: Mapping[str, str], kinetic_axis: bool) -> tuple[tuple[str, str], ...]:
    return tuple(
        sorted(
            (name, text)
            for name, text in fields.items()
            if name not in MAPPED and text != field_default(name, kinetic_axis)
        )
    )


def _descriptive_meta(
    block: RawBlock, comment: tuple[str, ...], fields: Mapping[str, str], meta: dict[str, Any]
) -> None:
    """Technique, comment, CasaXPS lines, additional parameters and other block fields."""
    if fields.get("technique", "XPS") != "XPS":
        meta["technique"] = fields["technique"]
    if comment:
        meta["comment"] = comment
    casa = tuple(line for line in comment if is_casa_line(line))
    if casa:
        meta["casa_lines"] = casa
    if block.parameters:
        meta["parameters"] = tuple(
            (lab, unit, v if (v := _number(raw)) is not None else raw)
            for lab, unit, raw in block.parameters
        )
    pairs = _vamas_pairs(fields, meta.get("energy_axis") == "kinetic")
    if pairs:
        meta["vamas"] = pairs


def block_to_spectrum(hdr: VamasHeader, block: RawBlock, name: str) -> Spectrum:
    """Convert one raw block (see :func:`xpsfit.io.vamas.read_blocks`) to a Spectrum."""
    f = block.fields
    warnings = list(block.warnings)
    comment, override = _split_meta(block.comment, warnings)
    meta: dict[str, Any] = {}
    _header_meta(hdr, meta)
    _position_meta(hdr, f, meta)
    corr, label_fields = _columns(hdr, block)
    fields = {**f, **label_fields}
    source_energy = _number(f.get("source_energy")) or 0.0
    energy = _energy(block, fields.get("abscissa_label", ""), source_energy, meta, warnings)
    order = _order(energy, warnings)
    energy, ordinate = energy[order], block.ordinate[order]
    intensity = ordinate[:, 0]
    bad = int(np.count_nonzero(~np.isfinite(intensity)))
    if bad:
        warnings.append(f"{bad} non-finite intensity value(s) (nan or inf)")
    uncertainty = _per_channel(corr, ordinate, meta)
    etch_time, etch_level, variables = _experiment_variables(hdr, block)
    if variables:
        meta["experiment_variables"] = variables
    _descriptive_meta(block, comment, fields, meta)
    species, transition = f.get("species", ""), f.get("transition", "")
    label = f"{species} {transition}".strip() or f.get("block_id", "")
    be_lo, be_hi = (float(energy[0]), float(energy[-1])) if energy.size else (math.nan, math.nan)
    region = identify_region(label, be_lo, be_hi)
    scans = _number(f.get("scans"))
    values: dict[str, Any] = {
        "region": region.region, "element": region.element, "transition": region.transition,
        "source_label": f.get("source_label", ""), "source_energy": source_energy,
        "pass_energy": _number(f.get("pass_energy")),
        "scans": int(scans) if scans is not None and scans == int(scans) >= 0 else None,
        "dwell_time": _number(f.get("collection_time")), "sample": f.get("sample", ""),
        "block": f.get("block_id", ""), "etch_level": etch_level, "etch_time": etch_time,
    }  # fmt: skip
    spectrum = Spectrum(
        binding_energy=energy, intensity=intensity, uncertainty=uncertainty,
        source_file=name, metadata=meta, **values,
    )  # fmt: skip
    shift = calibration_shift(meta.get("casa_lines", ()))
    if shift:
        spectrum = spectrum.shifted(shift, "CasaXPS calibration")
        meta = {**spectrum.metadata, "casa_calibration_shift": shift}
    return _apply_override(spectrum, meta, override, warnings)


def _valid_field(name: str, value: Any) -> bool:
    """Whether a restored Spectrum field has the type the field needs."""
    if name not in OVERRIDABLE:
        return False
    if name in ("source_energy",):
        return isinstance(value, float)
    if name in ("pass_energy", "dwell_time", "etch_time"):
        return value is None or isinstance(value, float)
    if name in ("scans", "etch_level"):
        return value is None or (isinstance(value, int) and not isinstance(value, bool))
    return isinstance(value, str)


def _apply_override(
    spectrum: Spectrum, meta: dict[str, Any], override: Mapping[str, Any], warnings: list[str]
) -> Spectrum:
    """Apply the writer's metadata line and attach the warnings."""
    fields = override.get("fields", {})
    changes = (
        {k: v for k, v in fields.items() if _valid_field(k, v)} if isinstance(fields, dict) else {}
    )
    stored = override.get("metadata", {})
    if isinstance(stored, dict):
        meta.update(stored)
    for key in override.get("drop", ()) if isinstance(override.get("drop"), list) else ():
        meta.pop(str(key), None)
    kept = meta.pop("warnings", ())
    kept = tuple(str(w) for w in kept) if isinstance(kept, tuple) else ()
    merged = tuple(dict.fromkeys((*kept, *warnings)))
    if merged:
        meta["warnings"] = merged
    return spectrum.replace(metadata=meta, **changes)
