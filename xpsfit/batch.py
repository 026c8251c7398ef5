"""Fit many spectra with templates: :func:`fit_many`, locally or on a Dask cluster.

The run is planned as work units of about ``chunk_size`` spectra each: a unit names spectra
by file path and position (``[path, start, stop]``; the workers read the files themselves),
or carries in-memory spectra as plain data. Files are first counted by the workers
(:func:`xpsfit.batch_worker.index_files`). Each unit is fitted in a worker
(:func:`xpsfit.batch_worker.run_unit`), which writes the unit's Parquet part files and returns
a small summary, so results stream to disk as units finish and the calling process holds one
unit at a time. Every spectrum is fitted from its template (no seeding from other spectra),
so the plan and where units run never change a number.

Resuming: the plan and the fingerprint of the inputs (path, size, modification time),
templates and options (channel weights included) are stored in ``OUT/manifest.json``; calling
again with the same arguments and ``OUT`` runs only the units without results. ``OUT``
holding another run is a :class:`~xpsfit.batch_store.BatchError` naming what differs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias, get_args

from xpsfit import __version__
from xpsfit.batch_run import DaskRunner, PoolRunner, Runner, SequentialRunner, Task
from xpsfit.batch_store import (
    BatchError,
    done_units,
    fingerprint_changes,
    read_manifest,
    require_pyarrow,
    status_counts,
    write_csv_tables,
    write_manifest,
)
from xpsfit.batch_worker import index_files, run_unit
from xpsfit.fitting import Weights
from xpsfit.quant_settings import QuantSettings
from xpsfit.reference import normalize_region
from xpsfit.spec import FitSpec
from xpsfit.specjson import spec_to_dict
from xpsfit.spectrum import Spectrum
from xpsfit.templates import Template, load_template

__all__ = ["BatchResult", "fit_many"]

Input: TypeAlias = "str | os.PathLike[str] | Spectrum"
TemplateLike: TypeAlias = "FitSpec | Template | str | os.PathLike[str]"
Progress: TypeAlias = Callable[[int, int], None]

#: Largest default unit, spectra (a unit of small spectra then takes about a second).
MAX_CHUNK = 100
#: Files counted per indexing task.
INDEX_GROUP = 16
#: Runs of at most this many spectra get CSV tables by default.
CSV_AUTO_LIMIT = 100_000


@dataclass(frozen=True)
class BatchResult:
    """What a batch run left in its output folder.

    Parameters
    ----------
    out
        The output folder (Parquet datasets ``spectra/``, ``lines/``, ``fractions/``).
    n_spectra
        Spectra in the plan.
    counts
        Spectra per status (``ok``, ``failed``, ``bad_input``, ``skipped``) among the
        finished units.
    units_run, units_reused
        Units fitted by this call, and units whose results an earlier call left.
    complete
        Whether every unit has results (false after a cancel).
    dashboard_link
        The Dask dashboard of the cluster, when one was used.
    paths
        CSV tables and map files written by this call.
    n_advised
        Fitted spectra with advice on their fit (column ``advice`` of the spectra table,
        :func:`xpsfit.physics_checks.result_warnings`).
    """

    out: Path
    n_spectra: int
    counts: Mapping[str, int]
    units_run: int
    units_reused: int
    complete: bool
    dashboard_link: str | None
    paths: tuple[Path, ...]
    n_advised: int = 0

    @property
    def n_ok(self) -> int:
        """Spectra with a usable fit."""
        return int(self.counts.get("ok", 0))


def _split_inputs(inputs: Sequence[Input] | Input) -> tuple[list[str], list[Spectrum]]:
    """File paths (absolute, each once) and in-memory spectra, in the order given."""
    paths: list[str] = []
    memory: list[Spectrum] = []
    if isinstance(inputs, (str, os.PathLike, Spectrum)):
        inputs = [inputs]
    for item in inputs:
        if isinstance(item, Spectrum):
            memory.append(item)
        else:
            paths.append(os.path.abspath(os.fspath(item)))
    return list(dict.fromkeys(paths)), memory


def _template_dicts(templates: Mapping[str, FitSpec | Template] | Sequence[TemplateLike]) -> dict[str, Any]:  # fmt: skip
    """Plain spec dictionaries by normalised region label."""
    pairs: list[tuple[str | None, TemplateLike]]
    if isinstance(templates, Mapping):
        pairs = [(str(k), v) for k, v in templates.items()]
    else:
        pairs = [(None, t) for t in templates]
    out: dict[str, Any] = {}
    for region, item in pairs:
        if isinstance(item, (str, os.PathLike)):
            item = load_template(item)
        spec = item.spec if isinstance(item, Template) else item
        spec.validate(source=f"template for {region or spec.region}")
        key = normalize_region(region or spec.region)
        if key in out:
            raise BatchError(f"two templates for region {region or spec.region!r}")
        out[key] = spec_to_dict(spec)
    if not out:
        raise BatchError("no template given")
    return out


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _memory_digest(memory: Sequence[Spectrum]) -> str:
    h = hashlib.sha256()
    for s in memory:
        for f in dataclasses.fields(s):
            value = getattr(s, f.name)
            h.update(value.tobytes() if hasattr(value, "tobytes") else repr(value).encode())
    return h.hexdigest()


def _fingerprint(paths: Sequence[str], memory: Sequence[Spectrum], specs: Any, options: Any) -> dict[str, Any]:  # fmt: skip
    """What must not change for a run to be resumed: inputs, templates, options."""
    files: list[dict[str, Any]] = []
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:  # listed as unreadable by its unit
            files.append({"path": p, "size": None, "mtime_ns": None})
            continue
        files.append({"path": p, "size": st.st_size, "mtime_ns": st.st_mtime_ns})
    return {
        "files": files,
        "memory": {"n": len(memory), "sha256": _memory_digest(memory)},
        "templates_sha256": _digest(specs),
        "options": options,
    }


def _units(counts: Sequence[tuple[str, int]], n_memory: int, chunk: int) -> list[dict[str, Any]]:
    """Cut files (``(path, n_spectra)``) then the in-memory spectra into units."""
    pieces: list[tuple[str | None, int, int]] = []
    for name, n in counts:
        pieces += [(name, a, min(a + chunk, n)) for a in range(0, n, chunk)]
    pieces += [(None, a, min(a + chunk, n_memory)) for a in range(0, n_memory, chunk)]
    units: list[dict[str, Any]] = []
    current: dict[str, Any] = {"files": [], "memory": None, "n": 0}
    for path, a, b in pieces:
        if current["n"] and (current["n"] + b - a > chunk or path is None):
            units.append(current)
            current = {"files": [], "memory": None, "n": 0}
        if path is None:
            current["memory"] = [a, b]
        else:
            current["files"].append([path, a, b])
        current["n"] += b - a
    if current["n"]:
        units.append(current)
    width = max(6, len(str(len(units))))
    return [{"id": f"u{i:0{width}d}", **u} for i, u in enumerate(units)]


def _index(runner: Runner, paths: Sequence[str]) -> list[dict[str, Any]]:
    """Spectrum count (or read error) per file, counted by the workers."""
    tasks: list[Task] = [
        (f"index{k:06d}", (list(paths[k : k + INDEX_GROUP]),))
        for k in range(0, len(paths), INDEX_GROUP)
    ]
    found = {}
    for _, entries in runner.run(index_files, tasks):
        found.update({e["path"]: e for e in entries})
    return [found[p] for p in paths]


def _plan(out: Path, runner: Runner, fingerprint: dict[str, Any], specs: Any,
          n_memory: int, chunk_size: int | None) -> dict[str, Any]:  # fmt: skip
    """The manifest of the run: the earlier one when it matches, else a new plan."""
    old = read_manifest(out)
    if old is not None:
        changes = fingerprint_changes(old.get("fingerprint", {}), fingerprint)
        if changes:
            raise BatchError(
                f"{out} holds the results of another run ({'; '.join(changes)}); choose "
                "another output folder"
            )
        return old
    index = _index(runner, [f["path"] for f in fingerprint["files"]])
    # an unreadable file still gets a unit: its worker writes the read error as its status
    counts = [(e["path"], max(int(e["n"]), 1 if e["error"] else 0)) for e in index]
    total = sum(n for _, n in counts) + n_memory
    chunk = chunk_size or min(MAX_CHUNK, max(1, math.ceil(total / 64)))
    manifest = {
        "format": "xpsfit-batch",
        "version": 1,
        "xpsfit": __version__,
        "fingerprint": fingerprint,
        "index": index,
        "templates": specs,
        "chunk_size": chunk,
        "n_spectra": total,
        "units": _units(counts, n_memory, chunk),
    }
    write_manifest(out, manifest)
    return manifest


def _plain(s: Spectrum) -> dict[str, Any]:
    out = {f.name: getattr(s, f.name) for f in dataclasses.fields(s)}
    out["metadata"] = dict(s.metadata)
    return out


def _payload(unit: Mapping[str, Any], memory: Sequence[Spectrum]) -> dict[str, Any]:
    span = unit.get("memory")
    shipped = [] if span is None else [(i, _plain(memory[i])) for i in range(*span)]
    return {"id": unit["id"], "items": unit["files"], "spectra": shipped}


def _runner(jobs: int | None, scheduler: Any, retries: int, prefix: str) -> Runner:
    if scheduler is not None:
        return DaskRunner(scheduler, retries, prefix)
    workers = max(1, jobs if jobs is not None else os.cpu_count() or 1)
    return SequentialRunner() if workers == 1 else PoolRunner(workers, restarts=retries)


def _finish(out: Path, units: Sequence[str], n_spectra: int, csv: bool | None,
            maps: bool) -> list[Path]:  # fmt: skip
    """CSV tables (small runs, or when asked) and maps (when spectra have positions)."""
    paths: list[Path] = []
    if csv or (csv is None and n_spectra <= CSV_AUTO_LIMIT):
        paths += write_csv_tables(out, units)
    if maps:
        from xpsfit.batch_maps import write_maps  # matplotlib only when maps are drawn

        paths += write_maps(out, units)
    return paths


def _drive(
    runner: Runner,
    tasks: Sequence[Task],
    size: Mapping[str, int],
    start: tuple[int, int],
    progress: Progress | None,
    cancel: Callable[[], bool] | None,
) -> int:
    """Run the unit tasks, reporting ``progress(done, total)`` in spectra and stopping once
    ``cancel()`` is true; returns how many units finished."""
    finished, total = start
    ran = 0
    results = runner.run(run_unit, tasks)
    for uid, _ in results:
        ran += 1
        finished += size[uid]
        if progress is not None:
            progress(finished, total)
        if cancel is not None and cancel():
            results.close()
            break
    return ran


def fit_many(
    spectra: Sequence[Input] | Input,
    templates: Mapping[str, FitSpec | Template] | Sequence[TemplateLike],
    out: str | os.PathLike[str],
    *,
    jobs: int | None = None,
    scheduler: Any = None,
    chunk_size: int | None = None,
    retries: int = 3,
    monte_carlo: int = 0,
    mc_seed: int | None = 0,
    max_nfev: int | None = None,
    weights: Weights = "poisson",
    quant: QuantSettings | None = None,
    csv: bool | None = None,
    maps: bool = True,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> BatchResult:
    """Fit every spectrum of many files (or in-memory spectra) with its region's template.

    Parameters
    ----------
    spectra
        Instrument file paths (every spectrum of each file, read by the workers with
        :func:`xpsfit.read`) and/or :class:`~xpsfit.spectrum.Spectrum` objects.
    templates
        Templates or fit specifications (or template files), each used for the spectra of
        its region; or a mapping from region label to template. Spectra of other regions
        get status ``skipped``.
    out
        Output folder (see :mod:`xpsfit.batch_store`); on a cluster it must be visible to
        every worker at the same path, like the input files.
    jobs
        Local worker processes (default: all cores; 1 runs in this process).
    scheduler
        Address of a ``dask.distributed`` scheduler, or a ``distributed.Client``; runs
        there instead of locally (needs the ``dask`` extra).
    chunk_size
        Spectra per work unit (default: ``total / 64`` clipped to 1..:data:`MAX_CHUNK`).
    retries
        Retries of a failed task on a cluster; restarts of a local pool whose worker died.
    monte_carlo, mc_seed, max_nfev
        Monte Carlo replicas per spectrum, their base seed, evaluation limit per fit.
    weights
        Channel weights, as for :func:`xpsfit.fitting.fit`: ``"poisson"`` (counts) or
        ``"uniform"`` (data that are not counts; negative intensities are then no reason to
        refuse a spectrum). Part of what a resumed run must match.
    quant
        Sensitivity factors and corrections of the atomic % columns and maps (default:
        :class:`~xpsfit.quant_settings.QuantSettings`); part of what a resumed run must match.
    csv
        Write ``status.csv``, ``failed.csv``, ``fits.csv``, ``fractions.csv`` (default:
        for runs of at most :data:`CSV_AUTO_LIMIT` spectra).
    maps
        Write fraction and atomic % maps when spectra carry positions
        (``metadata["x"]``, ``metadata["y"]``; see :mod:`xpsfit.batch_maps`).
    progress
        ``progress(done, total)`` in spectra, called as units finish.
    cancel
        Polled as units finish; once true, no further unit starts, the call returns with
        ``complete=False`` and a later call with the same arguments resumes.

    Returns
    -------
    BatchResult
        Counts per status, what ran, and the files written.

    Raises
    ------
    BatchError
        A missing optional extra, unknown ``weights``, an output folder holding another run,
        or a local pool whose workers kept dying.
    SpecError
        An invalid template.
    """
    require_pyarrow()
    if weights not in get_args(Weights):
        raise BatchError(f"unknown weights {weights!r}; use poisson or uniform")
    folder = Path(out).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    paths, memory = _split_inputs(spectra)
    specs = _template_dicts(templates)
    options = {"monte_carlo": int(monte_carlo), "mc_seed": mc_seed, "max_nfev": max_nfev,
               "weights": weights, "quant": (quant or QuantSettings()).describe()}  # fmt: skip
    fingerprint = _fingerprint(paths, memory, specs, {**options, "chunk_size": chunk_size})
    runner = _runner(jobs, scheduler, retries, "xpsfit-" + _digest([str(folder), fingerprint])[:16])
    try:
        manifest = _plan(folder, runner, fingerprint, specs, len(memory), chunk_size)
        units = manifest["units"]
        done = done_units(folder)
        size = {u["id"]: int(u["n"]) for u in units}
        finished = sum(size[u] for u in done if u in size)
        if progress is not None:
            progress(finished, manifest["n_spectra"])
        context = {"out": str(folder), "templates": specs, "options": options}
        tasks: list[Task] = [
            (u["id"], (_payload(u, memory), context)) for u in units if u["id"] not in done
        ]
        ran = _drive(runner, tasks, size, (finished, manifest["n_spectra"]), progress, cancel)
    finally:
        runner.close()
    ids = [u["id"] for u in units]
    complete = done_units(folder) >= set(ids)
    written = _finish(folder, ids, manifest["n_spectra"], csv, maps) if complete else []
    counts, advised = status_counts(folder, ids)
    reused = len(units) - len(tasks)
    return BatchResult(
        folder, manifest["n_spectra"], counts, ran, reused, complete, runner.link, tuple(written),
        advised,
    )  # fmt: skip
