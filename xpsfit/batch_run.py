"""Where batch tasks run: in this process, in a local process pool, or on a Dask cluster.

Every runner takes named tasks ``(key, args)`` for one top-level function and yields
``(key, result)`` as tasks finish (in any order); closing the iterator (the caller stopped,
e.g. cancelled) drops the tasks not started. Scheduling, retries and data transfer are the
executor's: :class:`concurrent.futures.ProcessPoolExecutor` locally (a pool whose worker
died is started again, :attr:`PoolRunner.restarts` times at most), and
``dask.distributed`` on a cluster (task keys are the unit ids of the run, ``retries`` as
given; a task whose worker died is run again elsewhere by the scheduler).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeAlias

from xpsfit.batch_store import EXTRA_HINT, BatchError
from xpsfit.profile_pool import pool_context

__all__ = ["DaskRunner", "PoolRunner", "Runner", "SequentialRunner", "Task", "connect"]

log = logging.getLogger(__name__)
Task: TypeAlias = tuple[str, tuple[Any, ...]]
#: How long to wait for a Dask scheduler, s.
CONNECT_TIMEOUT_S = 30
Results: TypeAlias = Generator[tuple[str, Any], None, None]


def connect(address: str) -> Any:
    """A ``distributed.Client`` connected to the scheduler at ``address``.

    Raises
    ------
    BatchError
        dask.distributed is not installed, or the scheduler cannot be reached.
    """
    try:
        distributed = importlib.import_module("distributed")
    except ImportError:
        raise BatchError(f"a Dask scheduler needs dask.distributed: {EXTRA_HINT}") from None
    try:
        return distributed.Client(address, timeout=CONNECT_TIMEOUT_S)
    except OSError as exc:
        raise BatchError(f"cannot reach the Dask scheduler {address}: {exc}") from None


class SequentialRunner:
    """Runs the tasks one after another in this process."""

    link: str | None = None

    def run(self, fn: Callable[..., Any], tasks: Sequence[Task]) -> Results:
        """Yield ``(key, fn(*args))`` task by task."""
        for key, args in tasks:
            yield key, fn(*args)

    def close(self) -> None:
        """Nothing to release."""


class PoolRunner:
    """Runs the tasks in ``jobs`` local worker processes, a few tasks ahead of the workers.

    Parameters
    ----------
    jobs
        Worker processes.
    restarts
        How often a pool whose worker process died is replaced before the run stops with a
        :class:`BatchError` (the tasks that did not finish are submitted again each time).
    """

    link: str | None = None

    def __init__(self, jobs: int, restarts: int = 3) -> None:
        self.jobs = jobs
        self.restarts = restarts

    def run(self, fn: Callable[..., Any], tasks: Sequence[Task]) -> Results:
        """Yield ``(key, result)`` as tasks finish."""
        todo = list(reversed(tasks))  # popped from the end: plan order
        for attempt in range(self.restarts + 1):
            try:
                yield from self._pool(fn, todo)
                return
            except BrokenProcessPool:
                log.warning("a worker process died; restarting the pool (%d)", attempt + 1)
        raise BatchError(f"worker processes died {self.restarts + 1} times; run again to resume")

    def _pool(self, fn: Callable[..., Any], todo: list[Task]) -> Results:
        """Run ``todo`` (consumed as tasks finish: on failure it holds the unfinished ones)."""
        ahead = 4 * self.jobs
        running: dict[Future[Any], Task] = {}
        pool = ProcessPoolExecutor(self.jobs, mp_context=pool_context())
        try:
            while todo or running:
                while todo and len(running) < ahead:
                    running[pool.submit(fn, *todo[-1][1])] = todo[-1]
                    todo.pop()
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished:
                    task = running[fut]
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        todo.extend(running.values())
                        raise
                    del running[fut]
                    yield task[0], result
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """Nothing to release (each run owns its pool)."""


class DaskRunner:
    """Runs the tasks on a ``dask.distributed`` cluster.

    Parameters
    ----------
    scheduler
        Scheduler address (``tcp://host:8786``) or a connected ``distributed.Client``.
    retries
        Retries of a task that raised (a task whose worker died is rescheduled anyway).
    prefix
        Prefix of the task keys, unique to the run, so that two runs on one cluster never
        share a key while one run's unit always has the same key.
    """

    def __init__(self, scheduler: Any, retries: int, prefix: str) -> None:
        self._own = isinstance(scheduler, str)
        self.client = connect(scheduler) if self._own else scheduler
        self.retries = retries
        self.prefix = prefix
        self.link: str | None = self.client.dashboard_link

    def run(self, fn: Callable[..., Any], tasks: Sequence[Task]) -> Results:
        """Yield ``(key, result)`` as tasks finish; unfinished tasks are released on close."""
        futures = {}
        for key, args in tasks:
            fut = self.client.submit(fn, *args, key=f"{self.prefix}-{key}", retries=self.retries)
            futures[fut.key] = (key, fut)
        distributed = importlib.import_module("distributed")
        done = distributed.as_completed([f for _, f in futures.values()])
        try:
            for fut in done:
                key, _ = futures.pop(fut.key)
                try:
                    result = fut.result()
                except distributed.KilledWorker as exc:
                    raise BatchError(
                        f"work unit {key} was running on every worker that died ({exc}); "
                        "run again to resume"
                    ) from None
                fut.release()
                yield key, result
        finally:
            for _, fut in futures.values():
                fut.cancel()

    def close(self) -> None:
        """Disconnect from the scheduler when this runner connected to it."""
        if self._own:
            self.client.close()


Runner: TypeAlias = SequentialRunner | PoolRunner | DaskRunner
