"""What a batch worker does with one work unit: read, fit, write the unit's part files.

A unit is plain data (see :mod:`xpsfit.batch`): either file items ``[path, start, stop]`` (the
spectra ``start`` to ``stop - 1`` of what :func:`xpsfit.io.read` returns for the file, read
here, in the worker) or in-memory spectra ``[index, fields]`` shipped as plain fields. Each
spectrum is fitted from its region's template exactly as the depth-profile workflow fits a
level in ``seed="template"`` mode (:func:`xpsfit.profile_jobs.run_job`), so how spectra are
grouped into units never changes a number. The rows go to the unit's part files
(:func:`xpsfit.batch_store.write_unit`) and only a small summary goes back.

Statuses: ``ok``; ``failed`` (the fit raised or did not give a usable result); ``bad_input``
(unreadable file, spectrum refused by :func:`xpsfit.profile_jobs.check_spectrum` with the
run's channel weights);
``skipped`` (no template for the spectrum's region). Every status but ``ok`` has a ``code``
and a ``reason`` naming the file and spectrum.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xpsfit.batch_store import RowSink, write_unit
from xpsfit.errors import XpsfitError
from xpsfit.io import read
from xpsfit.physics_checks import result_warnings
from xpsfit.profile_jobs import make_job, run_job
from xpsfit.profile_result import SpectrumFit
from xpsfit.profile_transport import decode_outcome
from xpsfit.quant_settings import QuantSettings
from xpsfit.quantify import corrected_area, region_area
from xpsfit.reference import Library, load_library, normalize_region
from xpsfit.result import FitResult
from xpsfit.rsf import scofield_table
from xpsfit.spec_transport import encode_spec
from xpsfit.spectrum import Spectrum

__all__ = ["index_files", "position", "run_unit"]

log = logging.getLogger(__name__)

#: Issue codes of spectra refused before fitting (the others are fit failures).
BAD_INPUT_CODES = frozenset(
    {"non_finite", "all_zero", "too_few_points", "non_monotonic", "spikes", "negative_counts"}
)


def position(spectrum: Spectrum, key: str) -> float | None:
    """The map coordinate ``metadata[key]`` (``"x"`` or ``"y"``) as a float, else ``None``."""
    value = spectrum.metadata.get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def index_files(paths: Sequence[str]) -> list[dict[str, Any]]:
    """Count the spectra of each file (runs in a worker): ``{"path", "n", "error"}``."""
    out: list[dict[str, Any]] = []
    for path in paths:
        try:
            out.append({"path": path, "n": len(read(path)), "error": None})
        except Exception as exc:  # an unreadable file must not stop the batch
            out.append({"path": path, "n": 0, "error": _read_error(path, exc)})
    return out


def _read_error(path: str, exc: Exception) -> str:
    """Why a file could not be read, naming it (a reader defect is logged with its traceback)."""
    if isinstance(exc, OSError):
        return f"{path}: {exc.strerror or exc}"
    if not isinstance(exc, XpsfitError):
        log.error("reading %s raised", path, exc_info=exc)
        return f"{path}: internal error {type(exc).__name__}: {exc}"
    return str(exc) if str(exc).startswith(path) else f"{path}: {exc}"


def _head(sink: RowSink, file: str, index: int, s: Spectrum | None) -> dict[str, Any]:
    """The spectrum-table cells that do not depend on the fit."""
    return {
        "_seq": sink.next_seq(),
        "file": file,
        "index": index,
        "block": "" if s is None else s.block,
        "sample": "" if s is None else s.sample,
        "region": "" if s is None else s.region,
        "level": None if s is None else s.etch_level,
        "etch_time_s": None if s is None else s.etch_time,
        "x": None if s is None else position(s, "x"),
        "y": None if s is None else position(s, "y"),
    }


@dataclass(frozen=True)
class _Quant:
    """Atomic % settings and the cross-section table, loaded once per unit."""

    settings: QuantSettings
    table: Mapping[tuple[str, str, str], float]

    @classmethod
    def load(cls, settings: Mapping[str, Any]) -> _Quant:
        """From the run's settings as plain data (:meth:`QuantSettings.describe`)."""
        return cls(QuantSettings.from_dict(settings), scofield_table())

    def cells(self, spectrum: Spectrum, result: FitResult) -> dict[str, Any]:
        """Region area, and the area over sensitivity x transmission x E_K^n (atomic %)."""
        area = region_area(result)
        out: dict[str, Any] = {"area": area.value, "area_err": area.stderr}
        sf = SpectrumFit(spectrum, spectrum.sample, spectrum.region, 0, None, None, "ok", result)
        try:
            rsf, corrected = corrected_area(sf, self.settings, self.table)
        except XpsfitError:
            return {**out, "rsf": None, "quant_area": None, "quant_err": None}
        return {**out, "rsf": rsf, "quant_area": corrected.value, "quant_err": corrected.stderr}


def _record(
    sink: RowSink,
    head: dict[str, Any],
    spectrum: Spectrum,
    outcome: Mapping[str, Any],
    quant: _Quant,
    library: Library,
) -> None:
    """Rows of one fitted (or refused) spectrum (a job's outcome has a fit, an issue or both)."""
    result, issue = decode_outcome(outcome)
    if issue is not None:
        status = "bad_input" if issue.code in BAD_INPUT_CODES else "failed"
        sink.spectrum(head, status, issue.code, issue.message, result)
    else:
        assert result is not None
        advice = "; ".join(str(w) for w in result_warnings(result, library))
        sink.spectrum(head, "ok", "", "", result, quant.cells(spectrum, result), advice)
    if result is not None:
        sink.lines(head, result)
        if issue is None:
            sink.fractions(head, result)


def _fit_group(
    sink: RowSink,
    spec: dict[str, Any],
    items: list[tuple[dict[str, Any], Spectrum]],
    options: Mapping[str, Any],
    quant: _Quant,
    library: Library,
) -> None:
    """Fit spectra of one template, in order, each from the template."""
    chain = [(str(n), s) for n, (_, s) in enumerate(items)]
    job = make_job(
        "unit",
        chain,
        encode_spec(spec),
        seed="template",
        monte_carlo=int(options.get("monte_carlo", 0)),
        mc_seed=options.get("mc_seed", 0),
        max_nfev=options.get("max_nfev"),
        weights=options.get("weights", "poisson"),
    )
    outcomes = {o["key"]: o for o in run_job({**job, "live": True})}
    for n, (head, spectrum) in enumerate(items):
        _record(sink, head, spectrum, outcomes[str(n)], quant, library)


def _spectra_of(unit: Mapping[str, Any], sink: RowSink) -> list[tuple[dict[str, Any], Spectrum]]:
    """The unit's spectra with their table heads; unreadable ones go to the sink directly."""
    out: list[tuple[dict[str, Any], Spectrum]] = []
    for index, fields in unit.get("spectra", ()):
        s = Spectrum(**fields)
        out.append((_head(sink, s.source_file, int(index), s), s))
    for path, start, stop in unit.get("items", ()):
        try:
            spectra = read(path)
        except Exception as exc:  # an unreadable file must not stop the batch
            reason = _read_error(path, exc)
            for i in range(start, stop):
                sink.spectrum(_head(sink, path, i, None), "bad_input", "unreadable", reason)
            continue
        for i in range(start, stop):
            if i >= len(spectra):
                reason = f"{path}: spectrum {i} is missing (the file now holds {len(spectra)})"
                sink.spectrum(_head(sink, path, i, None), "bad_input", "missing", reason)
                continue
            out.append((_head(sink, path, i, spectra[i]), spectra[i]))
    return out


def run_unit(unit: Mapping[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
    """Fit one unit and write its part files (runs in a worker); returns its summary.

    ``context`` holds ``out`` (the output folder), ``templates`` (plain spec dicts by
    normalised region) and ``options`` (``monte_carlo``, ``mc_seed``, ``max_nfev``,
    ``weights``, ``quant``: the atomic % settings as plain data). The part files replace any
    earlier ones of the same unit, so a unit run twice (a retry after a lost worker) leaves
    one copy of its rows. Returns ``{"id", "spectra", "ok", "pid"}``.
    """
    sink = RowSink()
    templates: Mapping[str, dict[str, Any]] = context["templates"]
    quant, library = _Quant.load(context["options"].get("quant", {})), load_library()
    groups: dict[str, list[tuple[dict[str, Any], Spectrum]]] = {}
    for head, spectrum in _spectra_of(unit, sink):
        key = normalize_region(spectrum.region)
        if key not in templates:
            reason = f"{spectrum.label}: no template for region {spectrum.region!r}"
            sink.spectrum(head, "skipped", "no_template", reason)
            continue
        groups.setdefault(key, []).append((head, spectrum))
    for key, items in groups.items():
        _fit_group(sink, templates[key], items, context["options"], quant, library)
    write_unit(Path(context["out"]), str(unit["id"]), sink)
    return {"id": unit["id"], "spectra": sink.n_spectra, "ok": sink.n_ok, "pid": os.getpid()}
