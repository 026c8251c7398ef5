"""Fitting from the GUI: one spectrum, or whole depth profiles, always off the GUI thread.

Work runs as :class:`~xpsfit_ui.workers.Task` s; results come back as one undoable
:class:`~xpsfit_ui.commands.FitResultsCommand` per batch, followed by an autosave.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from xpsfit.fitting import fit
from xpsfit.profile import DepthProfile
from xpsfit.profile_fit import fit_profiles
from xpsfit.profile_result import ProfileResult, SeedMode
from xpsfit.result import FitResult
from xpsfit.spec import FitSpec
from xpsfit.spectrum import Spectrum
from xpsfit_ui.commands import FitResultsCommand
from xpsfit_ui.document import Document
from xpsfit_ui.workers import Progress, Task, TaskRunner

log = logging.getLogger(__name__)

#: A fit's input specification and its result.
Fitted = tuple[FitSpec, FitResult]


def _profile_jobs(
    doc: Document, sids: Sequence[str]
) -> list[tuple[DepthProfile, dict[str, FitSpec]]]:
    """One depth profile per sample among ``sids``, with a template per region: the spec of
    the shallowest spectrum of that region that has components."""
    by_sample: dict[str, list[str]] = {}
    for sid in sids:
        by_sample.setdefault(doc.spectrum(sid).sample, []).append(sid)
    jobs = []
    for members in by_sample.values():
        spectra = [doc.spectrum(s) for s in members]
        templates: dict[str, FitSpec] = {}
        for sid in sorted(members, key=lambda s: doc.spectrum(s).etch_level or 0):
            spec = doc.spec(sid)
            region = doc.spectrum(sid).region
            if spec.components and region not in templates:
                templates[region] = spec
        if templates:
            keep = [sp for sp in spectra if sp.region in templates]
            jobs.append((DepthProfile.from_spectra(keep), templates))
    return jobs


def _match(doc: Document, results: Sequence[ProfileResult]) -> dict[str, FitResult]:
    """Map every usable fit of a profile back to the document's spectrum id."""
    index: dict[tuple[str, str, int | None], str] = {}
    for sid in doc.ids():
        sp = doc.spectrum(sid)
        index.setdefault((sp.sample, sp.region, sp.etch_level), sid)
    out: dict[str, FitResult] = {}
    for pr in results:
        for f in pr.fits:
            sid = index.get((f.spectrum.sample, f.spectrum.region, f.spectrum.etch_level))
            if sid is not None and f.result is not None:
                out[sid] = f.result
    return out


class FitController(QObject):
    """Starts fits and turns their results into undoable document edits.

    Signals
    -------
    progress(int, int)
        Steps done and total of the running batch.
    message(str, int)
        A log line and its logging level.
    batch_finished()
        A batch stored its results (the window autosaves).
    """

    progress = Signal(int, int)
    message = Signal(str, int)
    batch_finished = Signal()

    def __init__(self, doc: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.runner = TaskRunner(self)
        self.last_profiles: list[ProfileResult] = []

    def _start(
        self,
        work: Callable[[Progress, threading.Event], object],
        name: str,
        on_done: Callable[[Any], None],
    ) -> Task:
        """Connect every handler (queued to the GUI thread), then start the task."""
        task = Task(work, name)
        queued = Qt.ConnectionType.QueuedConnection
        task.signals.progress.connect(self.progress, queued)
        task.signals.done.connect(on_done, queued)
        task.signals.failed.connect(
            lambda m: self.message.emit(f"{name}: {m}", logging.ERROR), queued
        )
        task.signals.cancelled.connect(
            lambda: self.message.emit(f"{name}: cancelled", logging.WARNING), queued
        )
        return self.runner.start(task)

    def fit_spectra(self, sids: Sequence[str], monte_carlo: int = 0) -> Task:
        """Fit each spectrum with its own specification (no seeding between them)."""
        jobs: list[tuple[str, Spectrum, FitSpec]] = [
            (sid, self.doc.spectrum(sid), self.doc.spec(sid)) for sid in sids
        ]

        def work(progress: Progress, cancel: threading.Event) -> dict[str, Fitted]:
            out: dict[str, Fitted] = {}
            for i, (sid, spectrum, spec) in enumerate(jobs):
                if cancel.is_set():
                    break
                res = fit(spectrum, spec, cancel=cancel.is_set, monte_carlo=monte_carlo)
                out[sid] = (spec, res)
                progress(i + 1, len(jobs))
            return out

        return self._start(work, "Fit", self._store)

    def fit_profiles(
        self, sids: Sequence[str], seed: SeedMode = "previous", monte_carlo: int = 0
    ) -> Task:
        """Fit the depth profiles of the samples among ``sids`` (process pool, all cores);
        each region's template is the model of its shallowest spectrum that has components."""
        jobs = _profile_jobs(self.doc, sids)
        profiles = [p for p, _ in jobs]
        templates: dict[str, FitSpec] = {}
        for _, tmpl in jobs:
            for region, spec in tmpl.items():
                templates.setdefault(region, spec)

        def work(progress: Progress, cancel: threading.Event) -> list[ProfileResult]:
            if not profiles:
                return []
            return fit_profiles(
                profiles,
                templates,
                seed=seed,
                monte_carlo=monte_carlo,
                progress=progress,
                cancel=cancel.is_set,
            )

        return self._start(work, "Profile fit", self._store_profiles)

    def _store(self, fitted: Mapping[str, Fitted]) -> None:
        if not fitted:
            return
        results = {sid: res for sid, (_spec, res) in fitted.items()}
        edited = {sid for sid, (spec, _res) in fitted.items() if self.doc.spec(sid) != spec}
        for sid, res in results.items():
            level = logging.INFO if res.ok else logging.WARNING
            label = self.doc.spectrum(sid).label
            self.message.emit(f"{label}: {res.status}, reduced chi-square {res.redchi:.3g}", level)
        text = "Fit" if len(results) == 1 else f"Fit {len(results)} spectra"
        self.doc.undo_stack.push(FitResultsCommand(self.doc, results, text, edited))
        self.batch_finished.emit()

    def _store_profiles(self, profiles: list[ProfileResult]) -> None:
        self.last_profiles = profiles
        for pr in profiles:
            for f in pr.failures():
                why = f.issue.message if f.issue else f.status
                self.message.emit(f"{pr.sample} {f.region} level {f.level}: {why}", logging.WARNING)
        results = _match(self.doc, profiles)
        if results:
            self.doc.undo_stack.push(
                FitResultsCommand(self.doc, results, f"Fit profile ({len(results)} spectra)")
            )
        self.batch_finished.emit()
