"""The output folder of a batch run: Parquet part files per unit, the manifest, CSV tables.

Layout of ``OUT``:

- ``manifest.json``: the inputs (path, size, modification time, spectrum count), the
  templates, the options and the plan (units); what a resumed run checks and reuses;
- ``spectra/<unit>.parquet``: one row per spectrum (:data:`SPECTRA_COLUMNS`): where it
  came from, status, code and reason, advice on the fit, reduced chi-square, region area and
  the area corrected for sensitivity (for atomic %), map position;
- ``lines/<unit>.parquet``: one row per fitted line (:data:`LINE_COLUMNS`);
- ``fractions/<unit>.parquet``: one row per fraction of a usable fit (:data:`FRACTION_COLUMNS`).

Each folder is a Parquet dataset (``pyarrow.parquet.read_table("OUT/spectra")``). A unit's
three files are written atomically (temporary file, then :func:`os.replace`) under names
made from the unit id, the ``spectra`` file last: it marks the unit done, and a unit written
again (a retry) replaces its files instead of adding rows. Parquet needs the optional
``pyarrow`` (extra ``dask``); its absence is a one-line :class:`BatchError`.
"""

from __future__ import annotations

import csv
import importlib
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from xpsfit.atomic import atomic_write, write_text_atomic
from xpsfit.errors import XpsfitError
from xpsfit.export import FIT_COLUMNS, format_cell
from xpsfit.export import FRACTION_COLUMNS as PROFILE_FRACTION_COLUMNS
from xpsfit.quant_settings import QuantSettings
from xpsfit.result import FitResult

__all__ = [
    "EXTRA_HINT",
    "FRACTION_COLUMNS",
    "LINE_COLUMNS",
    "SPECTRA_COLUMNS",
    "BatchError",
    "RowSink",
    "done_units",
    "fingerprint_changes",
    "read_manifest",
    "read_part",
    "require_pyarrow",
    "status_counts",
    "write_csv_tables",
    "write_manifest",
    "write_unit",
]

EXTRA_HINT = 'pip install "xpsfit[dask]"'
MANIFEST = "manifest.json"
TABLES = ("lines", "fractions", "spectra")  # write order: "spectra" marks a unit done

#: Columns of the per-spectrum table: (name, type); types are Arrow type names.
SPECTRA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("file", "string"), ("index", "int64"), ("block", "string"), ("sample", "string"),
    ("region", "string"), ("level", "int64"), ("etch_time_s", "float64"), ("x", "float64"),
    ("y", "float64"), ("status", "string"), ("code", "string"), ("reason", "string"),
    ("advice", "string"), ("redchi", "float64"), ("nfev", "int64"), ("area", "float64"),
    ("area_err", "float64"), ("rsf", "float64"), ("quant_area", "float64"),
    ("quant_err", "float64"),
)  # fmt: skip
LINE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("file", "string"), ("index", "int64"), ("component", "string"), ("line", "string"),
    ("species", "string"), ("center", "float64"), ("center_err", "float64"),
    ("fwhm", "float64"), ("fwhm_err", "float64"), ("area", "float64"), ("area_err", "float64"),
)  # fmt: skip
FRACTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("file", "string"), ("index", "int64"), ("region", "string"), ("fraction", "string"),
    ("value", "float64"), ("err", "float64"), ("mc_err", "float64"),
)  # fmt: skip
_SCHEMAS = {"spectra": SPECTRA_COLUMNS, "lines": LINE_COLUMNS, "fractions": FRACTION_COLUMNS}


class BatchError(XpsfitError):
    """A batch run cannot start or go on (missing extra, foreign output folder, lost workers)."""


def require_pyarrow() -> Any:
    """The ``pyarrow.parquet`` module, or a :class:`BatchError` naming the extra."""
    try:
        return importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise BatchError(
            f"batch results are Parquet files, which need pyarrow: {EXTRA_HINT}"
        ) from None


class RowSink:
    """Rows of one unit as they are produced, in spectrum order (plain Python values)."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
        self._seq = 0
        self.n_ok = 0

    def next_seq(self) -> int:
        """An ordinal for the next spectrum (rows are written in this order)."""
        self._seq += 1
        return self._seq

    @property
    def n_spectra(self) -> int:
        """Spectra recorded so far."""
        return len(self.rows["spectra"])

    def spectrum(
        self,
        head: Mapping[str, Any],
        status: str,
        code: str,
        reason: str,
        result: FitResult | None = None,
        quant: Mapping[str, Any] | None = None,
        advice: str = "",
    ) -> None:
        """The status row of one spectrum (``quant``: area columns of a usable fit;
        ``advice``: :func:`xpsfit.physics_checks.result_warnings` of it, joined by ``"; "``)."""
        row = {**head, "status": status, "code": code, "reason": reason, "advice": advice}
        row["redchi"] = None if result is None else result.redchi
        row["nfev"] = None if result is None else result.nfev
        self.rows["spectra"].append({**row, **(quant or {})})
        self.n_ok += status == "ok"

    def lines(self, head: Mapping[str, Any], result: FitResult) -> None:
        """One row per drawn line of a fit."""
        for ln in result.lines:
            self.rows["lines"].append(
                {"_seq": head["_seq"], "file": head["file"], "index": head["index"],
                 "component": ln.component, "line": ln.role, "species": ln.species,
                 "center": ln.center.value, "center_err": ln.center.stderr,
                 "fwhm": ln.fwhm.value, "fwhm_err": ln.fwhm.stderr,
                 "area": ln.area.value, "area_err": ln.area.stderr}
            )  # fmt: skip

    def fractions(self, head: Mapping[str, Any], result: FitResult) -> None:
        """One row per fraction of a usable fit (``mc_err`` when Monte Carlo ran)."""
        mc = result.monte_carlo
        for name, est in result.fractions.items():
            self.rows["fractions"].append(
                {"_seq": head["_seq"], "file": head["file"], "index": head["index"],
                 "region": head["region"], "fraction": name, "value": est.value,
                 "err": est.stderr, "mc_err": None if mc is None else mc.fractions.get(name)}
            )  # fmt: skip


def _table(name: str, rows: list[dict[str, Any]]) -> Any:
    pa = importlib.import_module("pyarrow")
    ordered = sorted(rows, key=lambda r: int(r["_seq"]))
    schema = pa.schema([(col, getattr(pa, kind)()) for col, kind in _SCHEMAS[name]])
    return pa.Table.from_pydict(
        {col: [r.get(col) for r in ordered] for col, _ in _SCHEMAS[name]}, schema=schema
    )


def part_path(out: Path, table: str, unit: str) -> Path:
    """The part file of one unit in one table."""
    return out / table / f"{unit}.parquet"


def write_unit(out: Path, unit: str, sink: RowSink) -> None:
    """Write the three part files of a unit atomically, ``spectra`` last."""
    pq = require_pyarrow()
    for name in TABLES:
        with atomic_write(part_path(out, name, unit), "wb") as fh:
            pq.write_table(_table(name, sink.rows[name]), fh)


def done_units(out: Path) -> set[str]:
    """Ids of the units whose results are complete in ``out``."""
    folder = out / "spectra"
    return {p.stem for p in folder.glob("*.parquet")} if folder.is_dir() else set()


def read_part(out: Path, table: str, unit: str) -> list[dict[str, Any]]:
    """The rows of one unit's part file as dictionaries."""
    rows: list[dict[str, Any]] = (
        require_pyarrow().read_table(part_path(out, table, unit)).to_pylist()
    )
    return rows


def status_counts(out: Path, units: Sequence[str]) -> tuple[dict[str, int], int]:
    """Spectra per status over the finished ones of ``units``, and how many of them have
    advice on their fit (column ``advice``; parts written before it existed count none); one
    read of each part."""
    pq = require_pyarrow()
    counts: dict[str, int] = {}
    advised = 0
    for unit in sorted(done_units(out) & set(units)):
        path = part_path(out, "spectra", unit)
        columns = ["status", "advice"] if "advice" in pq.read_schema(path).names else ["status"]
        table = pq.read_table(path, columns=columns)
        for status in table.column("status").to_pylist():
            counts[status] = counts.get(status, 0) + 1
        if "advice" in columns:
            advised += sum(1 for a in table.column("advice").to_pylist() if a)
    return counts, advised


def write_manifest(out: Path, manifest: Mapping[str, Any]) -> None:
    """Write ``manifest.json`` atomically (sorted keys, so equal runs give equal files)."""
    write_text_atomic(out / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The manifest of an earlier run in ``out``, or ``None`` when there is none.

    Raises
    ------
    BatchError
        The file exists but is not a manifest.
    """
    path = out / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BatchError(f"{path}: not a batch manifest ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != "xpsfit-batch":
        raise BatchError(f"{path}: not a batch manifest")
    return data


#: Options a manifest written before they existed had: their values then.
OPTION_DEFAULTS: Mapping[str, Any] = {"weights": "poisson", "quant": QuantSettings().describe()}


def fingerprint_changes(stored: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[str]:
    """What differs between the fingerprint of a stored run and that of a new call, in words.

    ``stored`` and ``wanted`` are the ``fingerprint`` of manifests (``files``, ``memory``,
    ``templates_sha256``, ``options``); an option the stored run does not name had its value
    of :data:`OPTION_DEFAULTS`. An empty list means the run can be resumed.
    """
    changes = []
    if stored.get("files") != wanted["files"]:
        changes.append("other input files, or files changed since")
    if stored.get("memory") != wanted["memory"]:
        changes.append("other in-memory spectra")
    if stored.get("templates_sha256") != wanted["templates_sha256"]:
        changes.append("other templates")
    old = {**OPTION_DEFAULTS, **stored.get("options", {})}
    new = wanted["options"]
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            changes.append(f"{key} {old.get(key)!r} there, {new.get(key)!r} now")
    return changes


STATUS_CSV_COLUMNS = tuple(name for name, _ in SPECTRA_COLUMNS)
FITS_CSV_COLUMNS = (*FIT_COLUMNS, "index", "x", "y")
FRACTIONS_CSV_COLUMNS = ("file", "index", *PROFILE_FRACTION_COLUMNS, "x", "y")


def _csv_rows(out: Path, units: Sequence[str]) -> Iterator[tuple[str, list[Any]]]:
    """Rows of every CSV table, unit by unit in plan order (one unit in memory at a time)."""
    for unit in units:
        spectra = read_part(out, "spectra", unit)
        by_key = {(r["file"], r["index"]): r for r in spectra}
        lines: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for ln in read_part(out, "lines", unit):
            lines.setdefault((ln["file"], ln["index"]), []).append(ln)
        for s in spectra:
            row = [s.get(c) for c in STATUS_CSV_COLUMNS]  # parts of older runs lack "advice"
            yield "status", row
            if s["status"] != "ok":
                yield "failed", row
            head = [s["file"], s["sample"], s["region"], s["level"], s["etch_time_s"], None]
            tail = [s["status"], f"{s['code']}: {s['reason']}" if s["code"] else ""]
            where = [s["index"], s["x"], s["y"]]
            for ln in lines.get((s["file"], s["index"]), [{}]):
                cells = [ln.get(c) for c in ("component", "line", "species", "center",
                         "center_err", "fwhm", "fwhm_err", "area", "area_err")]  # fmt: skip
                yield "fits", [*head, *cells, *tail, *where]
        for fr in read_part(out, "fractions", unit):
            s = by_key[(fr["file"], fr["index"])]
            yield "fractions", [
                fr["file"], fr["index"], s["sample"], fr["region"], s["level"],
                s["etch_time_s"], None, fr["fraction"], fr["value"], fr["err"], fr["mc_err"],
                s["x"], s["y"],
            ]  # fmt: skip


def write_csv_tables(out: Path, units: Sequence[str]) -> list[Path]:
    """Write ``status.csv``, ``failed.csv``, ``fits.csv`` and ``fractions.csv`` from the parts.

    ``fits.csv`` and ``fractions.csv`` have the columns of the depth-profile workflow's
    tables (see :mod:`xpsfit.export`) plus the spectrum's index in its file and its map
    position; ``status.csv`` has one row per spectrum, ``failed.csv`` those not ``ok``.
    Rows follow the plan order, whatever order the units finished in.
    """
    headers = {
        "status": STATUS_CSV_COLUMNS,
        "failed": STATUS_CSV_COLUMNS,
        "fits": FITS_CSV_COLUMNS,
        "fractions": FRACTIONS_CSV_COLUMNS,
    }
    paths = [out / f"{name}.csv" for name in headers]
    with (
        atomic_write(paths[0]) as f_status,
        atomic_write(paths[1]) as f_failed,
        atomic_write(paths[2]) as f_fits,
        atomic_write(paths[3]) as f_fractions,
    ):
        handles = {"status": f_status, "failed": f_failed, "fits": f_fits, "fractions": f_fractions}
        writers = {k: csv.writer(fh, lineterminator="\n") for k, fh in handles.items()}
        for name, header in headers.items():
            writers[name].writerow(header)
        for name, row in _csv_rows(out, units):
            writers[name].writerow([format_cell(v) for v in row])
    return paths
