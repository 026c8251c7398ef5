"""Fit a whole depth profile: every region at every etch level, in parallel processes.

Three ways to start each level's fit (``seed``):

- ``"previous"`` (default): each level starts from the previous level's fitted model (the
  first from the template) where the data determined it, and from the template elsewhere;
  it starts from the template's values instead when those fit the level better, and is
  repeated from the template when it looks wrong (see
  :func:`xpsfit.profile_seed.seeded_start` and :func:`xpsfit.profile_seed.doubtful`); a
  failed level does not break the chain;
- ``"template"``: every level starts from the template;
- ``"global"``: one simultaneous fit of all levels of a region in which the chosen
  parameters (centers, widths, splittings, shape) are shared by every level and only the
  areas (and background) vary per level (see :mod:`xpsfit.profile_global`).

Charge correction applies to the whole profile first (:class:`ChargeCorrection`). Work is
shared between this process and ``jobs - 1`` worker processes (kept between runs, see
:mod:`xpsfit.profile_pool`), to which it is shipped as plain data (all of it runs here for one
job, ``jobs=1`` or a profile too small to pay for the pool); ``progress(done, total)`` is
called as spectra finish and ``cancel()`` is polled between them and inside each fit. Every
spectrum gets its own status: a bad one (NaN, all zero, too few points, non-monotonic axis,
spikes, negative counts) gets a structured :class:`~xpsfit.profile_result.SpectrumIssue` and
the others finish.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from typing import Any, TypeAlias

from xpsfit.errors import SpecError, XpsfitError
from xpsfit.fitting import Weights
from xpsfit.profile import DepthProfile, ProfileError
from xpsfit.profile_charge import ChargeCorrection, level_shifts
from xpsfit.profile_global import DEFAULT_SHARED, SharedQuantity, run_any
from xpsfit.profile_jobs import make_job
from xpsfit.profile_pool import lease, run_in_worker
from xpsfit.profile_result import (
    ProfileResult,
    SeedMode,
    SpectrumFit,
    SpectrumIssue,
    SpectrumStatus,
)
from xpsfit.profile_transport import decode_outcome, live_outcome
from xpsfit.spec import FitSpec
from xpsfit.spec_transport import encode_spec
from xpsfit.spectrum import Spectrum

__all__ = ["ChargeCorrection", "fit_profile", "fit_profiles"]

log = logging.getLogger(__name__)
Progress: TypeAlias = Callable[[int, int], None]
Cancel: TypeAlias = Callable[[], bool]


@dataclass
class _Run:
    """Bookkeeping of one call: outcomes by item key, progress and cancel callbacks."""

    total: int
    progress: Progress | None
    cancel: Cancel | None
    done: int = 0

    def advance(self, n: int) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(self.done, self.total)

    def cancelled(self) -> bool:
        return self.cancel is not None and bool(self.cancel())


def _chains(
    profile: DepthProfile,
    templates: Mapping[str, FitSpec],
    shifts: Mapping[int, float],
    seed: str,
    workers: int,
) -> list[tuple[str, str, list[tuple[str, Spectrum]]]]:
    """Jobs of a profile: one chain per region (seeded and global modes), or the region's
    independent spectra in about ``4 x workers`` batches (template mode)."""
    chains: list[tuple[str, str, list[tuple[str, Spectrum]]]] = []
    for region in profile.regions():
        if region not in templates:
            continue
        items = [
            (
                f"{profile.sample}|{region}|{lv.index}",
                s.shifted(shifts[lv.index]) if shifts[lv.index] else s,
            )
            for lv, s in profile.series(region)
        ]
        if seed in ("previous", "global"):
            chains.append((f"{profile.sample}|{region}", region, items))
        else:
            size = max(1, math.ceil(len(items) / (4 * workers)))
            chains += [
                (items[i][0], region, items[i : i + size]) for i in range(0, len(items), size)
            ]
    return chains


#: Below this many spectra per worker process the pool's start-up costs more than it saves
#: and the jobs run in the calling process.
MIN_SPECTRA_PER_WORKER = 4


def _channels(job: Mapping[str, Any]) -> int:
    return sum(len(fields["intensity"]) for _, fields in job["items"])


def _run_here(
    jobs: Sequence[dict[str, Any]], outcomes: dict[str, dict[str, Any]], run: _Run
) -> None:
    """Run jobs in this process (results stay live objects: nothing is pickled)."""
    for job in jobs:
        if run.cancelled():
            return
        for outcome in run_any({**job, "live": True}, run.cancelled):
            outcomes[outcome["key"]] = outcome
            run.advance(1)


def _execute(jobs: list[dict[str, Any]], workers: int, run: _Run) -> dict[str, dict[str, Any]]:
    """Run the jobs on ``workers`` cores: this process and ``workers - 1`` pool processes
    (kept from one run to the next, see :mod:`xpsfit.profile_pool`).

    The jobs are queued largest first; the pool processes take them from the front while this
    process takes them from the back (a queued job it withdraws from the pool), so all cores
    work until the queue is empty and no long job starts last. Since this process works too,
    the pool can only add throughput: on a machine whose other cores are busy the run costs
    about what a single process would.
    """
    outcomes: dict[str, dict[str, Any]] = {}
    if workers <= 1 or len(jobs) <= 1 or run.total < MIN_SPECTRA_PER_WORKER * workers:
        _run_here(jobs, outcomes, run)
        return outcomes
    ordered = sorted(jobs, key=_channels, reverse=True)
    with lease(workers - 1) as lent:
        pool, stop = lent.pool, lent.stop
        futures = [pool.submit(run_in_worker, j) for j in ordered]
        pending: set[Future[list[dict[str, Any]]]] = set(futures)
        for fut, job in zip(reversed(futures), reversed(ordered), strict=True):
            if run.cancelled() or not fut.cancel():
                break  # cancelled, or the pool has reached this job: the rest are its
            pending.discard(fut)
            _run_here([job], outcomes, run)
            finished = {f for f in pending if f.done()}
            pending -= finished
            _gather(finished, outcomes, run)
        while pending:
            finished, pending = wait(pending, timeout=0.05, return_when=FIRST_COMPLETED)
            _gather(finished, outcomes, run)
            if pending and run.cancelled():
                stop.set()
                for fut in pending:
                    fut.cancel()
                pool.shutdown(wait=True, cancel_futures=True)
                _gather({f for f in pending if not f.cancelled()}, outcomes, run)
                break
    return outcomes


@contextlib.contextmanager
def _older_objects_frozen() -> Iterator[None]:
    """Leave the objects that exist before the run out of garbage collection during it
    (:func:`gc.freeze`): a full collection then scans only what the run made instead of the
    whole heap (which stalled this process, and with it the feeding of the pool, for about
    45 ms every few runs), and forked workers do not touch the pages they share with this
    process. A process that freezes objects itself is left as it is."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _gather(
    finished: set[Future[list[dict[str, Any]]]], outcomes: dict[str, dict[str, Any]], run: _Run
) -> None:
    """Record the outcomes of finished jobs (a cancelled chain returns the levels it did),
    unpickled now, between this process's own jobs, rather than all at the end."""
    for fut in finished:
        done = fut.result()
        for outcome in done:
            outcomes[outcome["key"]] = live_outcome(outcome)
        run.advance(len(done))


def _collect(
    profile: DepthProfile,
    templates: Mapping[str, FitSpec],
    shifts: Mapping[int, float],
    outcomes: Mapping[str, Mapping[str, Any]],
) -> list[SpectrumFit]:
    fits = []
    for region in profile.regions():
        for lv, spectrum in profile.series(region):
            key = f"{profile.sample}|{region}|{lv.index}"
            common = (spectrum, profile.sample, region, lv.index, lv.etch_time, lv.depth)
            if region not in templates:
                issue = SpectrumIssue(
                    "no_template", f"{spectrum.label}: no template for region {region!r}"
                )
                fits.append(SpectrumFit(*common, "failed", None, issue, shifts[lv.index]))
                continue
            if key not in outcomes:
                issue = SpectrumIssue("cancelled", f"{spectrum.label}: cancelled before fitting")
                fits.append(SpectrumFit(*common, "cancelled", None, issue, shifts[lv.index]))
                continue
            result, problem = decode_outcome(outcomes[key])
            status: SpectrumStatus = "ok" if problem is None and result is not None else "failed"
            fits.append(SpectrumFit(*common, status, result, problem, shifts[lv.index]))
    return fits


def fit_profiles(
    profiles: Sequence[DepthProfile],
    templates: Mapping[str, FitSpec],
    *,
    seed: SeedMode = "previous",
    charge_correction: ChargeCorrection | None = None,
    shared: Sequence[SharedQuantity] = DEFAULT_SHARED,
    jobs: int | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    monte_carlo: int = 0,
    mc_seed: int | None = 0,
    max_nfev: int | None = None,
    weights: Weights = "poisson",
) -> list[ProfileResult]:
    """Fit several profiles in one process pool (see :func:`fit_profile` for the arguments).

    Raises
    ------
    SpecError
        An unknown seed mode or a template that does not validate.
    ProfileError
        Charge correction impossible (no reference spectrum, reference peak not found).
    """
    if seed not in ("previous", "template", "global"):
        raise SpecError(f"unknown seed mode {seed!r}; use previous, template or global")
    for region, spec in templates.items():
        spec.validate(source=f"template for {region}")
    cc = charge_correction or ChargeCorrection()
    try:
        shifts = [level_shifts(p, cc, templates, weights) for p in profiles]
    except XpsfitError as exc:
        raise ProfileError(f"charge correction failed: {exc}") from exc
    workers = max(1, jobs if jobs is not None else os.cpu_count() or 1)
    run = _Run(sum(p.n_spectra for p in profiles), progress, cancel)
    options = {
        "charge_correction": cc.describe(),
        "monte_carlo": monte_carlo,
        "mc_seed": mc_seed,
        "max_nfev": max_nfev,
        "weights": weights,
        "shared": list(shared) if seed == "global" else [],
    }
    job_list = []
    encoded = {region: encode_spec(spec) for region, spec in templates.items()}
    for profile, sh in zip(profiles, shifts, strict=True):
        for key, region, chain in _chains(profile, templates, sh, seed, workers):
            job = make_job(
                key,
                chain,
                encoded[region],
                seed=seed,
                monte_carlo=monte_carlo,
                mc_seed=mc_seed,
                max_nfev=max_nfev,
                weights=weights,
            )
            job_list.append(
                {**job, "kind": "global" if seed == "global" else "chain", "shared": list(shared)}
            )
    with _older_objects_frozen():
        outcomes = _execute(job_list, workers, run)
    out = [
        ProfileResult(
            p.sample, p.depth_scale, seed, tuple(_collect(p, templates, sh, outcomes)), options
        )
        for p, sh in zip(profiles, shifts, strict=True)
    ]
    return out


def fit_profile(
    profile: DepthProfile,
    templates: Mapping[str, FitSpec],
    *,
    seed: SeedMode = "previous",
    charge_correction: ChargeCorrection | None = None,
    shared: Sequence[SharedQuantity] = DEFAULT_SHARED,
    jobs: int | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    monte_carlo: int = 0,
    mc_seed: int | None = 0,
    max_nfev: int | None = None,
    weights: Weights = "poisson",
) -> ProfileResult:
    """Fit every region of a depth profile at every level with one template per region.

    Parameters
    ----------
    profile
        The spectra grouped by level and region.
    templates
        Fit model per region label; regions without one get status ``failed`` /
        ``no_template``.
    seed
        ``"previous"``, ``"template"`` or ``"global"`` (see the module docstring).
    charge_correction
        Shift applied to the profile before fitting (default: none).
    shared
        In global mode, which quantities all levels share: any of ``"center"``, ``"fwhm"``,
        ``"splitting"``, ``"shape"`` (areas always vary per level).
    jobs
        Worker processes (default: all cores; 1 fits in this process).
    progress
        ``progress(done, total)`` called as spectra finish.
    cancel
        Polled between spectra and inside every fit (Monte Carlo replicas included; worker
        processes see it through a shared event within :data:`~xpsfit.profile_jobs.CANCEL_POLL_S`
        s); once it returns true the call returns promptly and unfinished spectra get status
        ``cancelled``.
    monte_carlo
        Monte Carlo replicas per spectrum (0: none).
    mc_seed
        Base seed of the Monte Carlo replicas (each spectrum derives its own).
    max_nfev
        Evaluation limit per fit.
    weights
        Channel weights, as for :func:`xpsfit.fitting.fit` (with ``"uniform"``, negative
        intensities are no reason to refuse a spectrum); the charge correction's reference
        fit uses them too.

    Returns
    -------
    ProfileResult
        One :class:`~xpsfit.profile_result.SpectrumFit` per spectrum.
    """
    return fit_profiles(
        [profile],
        templates,
        seed=seed,
        charge_correction=charge_correction,
        shared=shared,
        jobs=jobs,
        progress=progress,
        cancel=cancel,
        monte_carlo=monte_carlo,
        mc_seed=mc_seed,
        max_nfev=max_nfev,
        weights=weights,
    )[0]
