"""Long work off the GUI thread: fits run as tasks on a thread pool.

A :class:`Task` wraps ``work(progress, cancel)``: ``progress(done, total)`` reports steps and
``cancel`` is a :class:`threading.Event` the work polls (the core's fit functions accept it). The
task's signals arrive on the GUI thread through queued connections, so handlers may touch
widgets and the document.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal

from xpsfit.errors import XpsfitError

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Work = Callable[[Progress, threading.Event], Any]


class TaskSignals(QObject):
    """Signals of one task: ``progress(done, total)``, then exactly one of ``done(result)``,
    ``failed(message)`` or ``cancelled()``; ``ended()`` when the worker thread is free again
    (after a cancel the work may need a moment to wind down; its result is discarded)."""

    progress = Signal(int, int)
    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    ended = Signal()


class Task(QRunnable):
    """One unit of background work with progress and cooperative cancel."""

    def __init__(self, work: Work, name: str = "task") -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.name = name
        self.signals = TaskSignals()
        self.cancel_event = threading.Event()
        self.finished_event = threading.Event()
        self._lock = threading.Lock()
        self._work = work

    def cancel(self) -> None:
        """Cancel now: emit ``cancelled`` at once (the caller's view of the task ends here)
        and ask the work to stop; whatever it still returns is discarded."""
        with self._lock:
            if self.cancel_event.is_set() or self.finished_event.is_set():
                return
            self.cancel_event.set()
        self.signals.cancelled.emit()

    def run(self) -> None:
        try:
            result = self._work(self._progress, self.cancel_event)
        except XpsfitError as exc:
            message = str(exc)
            self._finish(lambda: self.signals.failed.emit(message))
        except Exception as exc:  # a bug in the work must reach the log panel, not kill Qt
            log.exception("%s failed", self.name)
            message = f"{type(exc).__name__}: {exc}"
            self._finish(lambda: self.signals.failed.emit(message))
        else:
            self._finish(lambda: self.signals.done.emit(result))
        self.signals.ended.emit()

    def _progress(self, done: int, total: int) -> None:
        if not self.cancel_event.is_set():
            self.signals.progress.emit(done, total)

    def _finish(self, emit: Callable[[], None]) -> None:
        with self._lock:
            cancelled = self.cancel_event.is_set()
            self.finished_event.set()
        if not cancelled:
            emit()


class TaskRunner(QObject):
    """Starts tasks on a private thread pool and keeps them alive until they finish."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, threads: int = 2) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self.tasks: list[Task] = []
        self._alive: list[Task] = []

    def start(self, task: Task) -> Task:
        """Run ``task`` in the pool; returns it so callers can connect and cancel."""
        self.tasks.append(task)
        self._alive.append(task)
        queued = Qt.ConnectionType.QueuedConnection
        for sig in (task.signals.done, task.signals.failed, task.signals.cancelled):
            sig.connect(lambda *_a, t=task: self._forget(t), queued)
        task.signals.ended.connect(lambda t=task: self._alive.remove(t), queued)
        self.pool.start(task)
        self.busy_changed.emit(True)
        return task

    def _forget(self, task: Task) -> None:
        if task in self.tasks:
            self.tasks.remove(task)
        if not self.tasks:
            self.busy_changed.emit(False)

    def cancel_all(self) -> None:
        """Cancel every running task."""
        for task in list(self.tasks):
            task.cancel()

    def wait(self, msecs: int = 30000) -> bool:
        """Block until every worker thread is free (used at exit and in tests)."""
        return self.pool.waitForDone(msecs)
