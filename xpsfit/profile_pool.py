"""The worker processes of depth-profile fits, kept from one run to the next.

Starting worker processes costs a profile run more than the fork itself: the first jobs of a
new worker run on memory pages it has not copied yet. The ``workers - 1`` processes of a run
(:func:`xpsfit.profile_fit.fit_profiles`) are therefore kept and reused by the next run with
the same number of workers, until :data:`IDLE_S` pass without a run, a run is cancelled (its
workers may still be busy with jobs that were running) or fails (a worker may have died).
One run uses the kept processes at a time; a run that starts while another uses them gets
processes of its own, which end with it.

Jobs are plain data (:mod:`xpsfit.profile_jobs`) and carry everything a fit needs, so a kept
worker gives the same results as a new one.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import process as futures_process
from dataclasses import dataclass
from typing import Any

from xpsfit.profile_global import run_any
from xpsfit.profile_jobs import SharedCancel

__all__ = ["IDLE_S", "Lease", "lease", "pool_context", "run_in_worker"]

#: Seconds without a run after which the kept worker processes end.
IDLE_S = 60.0


def pool_context() -> Any:
    """The multiprocessing context of worker pools: ``fork`` where it is safe and the default
    (Python 3.11 on POSIX), else ``forkserver`` or ``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    if sys.version_info < (3, 12) and "fork" in methods:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


_worker_stop: Any = None  # in a pool worker: the pool's cancel event (set by _start_worker)


def _start_worker(stop: Any) -> None:
    """Pool initializer: keep the pool's cancel event (events cannot travel with a job)."""
    global _worker_stop
    _worker_stop = stop


def run_in_worker(job: dict[str, Any]) -> list[dict[str, Any]]:
    """Run one job in a pool worker, cancelled when the pool's event is set."""
    return run_any(job, SharedCancel(_worker_stop))


@dataclass(frozen=True)
class Lease:
    """Worker processes lent to one run: the pool, and the event that cancels its jobs."""

    pool: ProcessPoolExecutor
    stop: Any


_queue_setting = threading.Lock()


@contextlib.contextmanager
def _no_extra_queued_calls() -> Iterator[None]:
    """Pools made inside queue no job beyond one per worker process.

    :class:`~concurrent.futures.ProcessPoolExecutor` queues ``EXTRA_QUEUED_CALLS`` (1) more
    calls than it has processes, fixed when it is made; a queued call can no longer be
    cancelled. The calling process of a run takes jobs back from the end of the queue
    (:func:`xpsfit.profile_fit.fit_profiles`), so at the end of a run with one worker process
    it idled while that process finished its running job and two queued ones (whole chains of
    levels when seeding). With one queued job per process seeded runs of the demo on 2
    processes took 0.205-0.214 s instead of 0.232-0.235 s (and, on a slower day, 0.289
    against 0.308 s); template-started runs, whose jobs are short, took 0.215-0.219 against
    0.204-0.211 s (and 0.299 against 0.294 s): within the spread of those runs.
    """
    with _queue_setting:
        saved = getattr(futures_process, "EXTRA_QUEUED_CALLS", None)
        if saved is None:  # a Python without the setting: its own queueing applies
            yield
            return
        setattr(futures_process, "EXTRA_QUEUED_CALLS", 0)  # noqa: B010 (Final in typeshed)
        try:
            yield
        finally:
            setattr(futures_process, "EXTRA_QUEUED_CALLS", saved)  # noqa: B010


def _new(size: int) -> Lease:
    ctx = pool_context()
    stop = ctx.Event()  # the workers inherit it when they start
    with _no_extra_queued_calls():
        pool = ProcessPoolExecutor(
            size, mp_context=ctx, initializer=_start_worker, initargs=(stop,)
        )
    return Lease(pool, stop)


class _Keeper:
    """The kept pool, whether a run uses it, and the timer that ends it when idle."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.kept: tuple[int, Lease] | None = None
        self.busy = False
        self.timer: threading.Timer | None = None

    def after_fork(self) -> None:
        """A forked worker keeps nothing of its parent's pool and gets an unlocked lock (a
        thread of the parent may have held it at the fork)."""
        self.lock = threading.Lock()
        self.kept, self.busy, self.timer = None, False, None

    def take(self, size: int) -> Lease | None:
        """The kept pool of ``size`` workers (started if need be), or ``None`` when busy."""
        with self.lock:
            if self.busy:
                return None
            self.busy = True
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
            if self.kept is not None and self.kept[0] != size:
                self.kept[1].pool.shutdown(wait=False, cancel_futures=True)
                self.kept = None
            if self.kept is None:
                self.kept = (size, _new(size))
            lent = self.kept[1]
        lent.stop.clear()
        return lent

    def give_back(self, lent: Lease, reusable: bool) -> None:
        """End a run: keep the pool for the next one, or end it when it may be unusable."""
        with self.lock:
            self.busy = False
            if self.kept is None or self.kept[1] is not lent:
                return
            if not reusable:
                self.kept = None
            else:
                self.timer = threading.Timer(IDLE_S, self.expire, args=(lent,))
                self.timer.daemon = True
                self.timer.start()
        if not reusable:
            lent.pool.shutdown(wait=True, cancel_futures=True)

    def expire(self, lent: Lease) -> None:
        """End the kept pool if it is still ``lent`` and no run uses it."""
        with self.lock:
            if self.busy or self.kept is None or self.kept[1] is not lent:
                return
            self.kept = None
            self.timer = None
        lent.pool.shutdown(wait=False)


_keeper = _Keeper()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_keeper.after_fork)


@contextlib.contextmanager
def lease(size: int) -> Iterator[Lease]:
    """Worker processes for one run: the kept ones when free, else a pool of the run's own.

    The kept pool is given back for the next run unless the run raised or its cancel event
    was set (then it is shut down: its workers may be busy or gone).
    """
    lent = _keeper.take(size)
    if lent is None:
        own = _new(size)
        with own.pool:
            yield own
        return
    reusable = False
    try:
        yield lent
        reusable = not lent.stop.is_set()
    finally:
        _keeper.give_back(lent, reusable)
