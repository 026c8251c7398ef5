"""Fitting from the GUI: one spectrum, or whole depth profiles, always off the GUI thread.

Work runs as :class:`~xpsfit_ui.workers.Task` s; results come back as one undoable
:class:`~xpsfit_ui.commands.FitResultsCommand` per batch, followed by an autosave.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from xpsfit.errors import XpsfitError
from xpsfit.fitting import Weights, fit
from xpsfit.physics_checks import grouped_advice, result_warnings
from xpsfit.profile import DepthProfile
from xpsfit.profile_fit import fit_profiles
from xpsfit.profile_result import ProfileResult, SeedMode
from xpsfit.reference import Library, load_library
from xpsfit.result import FitResult
from xpsfit.spec import FitSpec
from xpsfit.spectrum import Spectrum
from xpsfit_ui.commands import FitResultsCommand
from xpsfit_ui.document import Document
from xpsfit_ui.workers import Progress, Task, TaskRunner

log = logging.getLogger(__name__)

#: A fit's input specification and its result.
Fitted = tuple[FitSpec, FitResult]

#: Project setting holding the channel weights of every fit: ``"poisson"`` (the default, also
#: for projects saved without it) or ``"uniform"``.
WEIGHTS_KEY = "fit_weights"
#: How the menu and the messages name each weighting.
WEIGHTS_TEXT: dict[Weights, str] = {"poisson": "Poisson (counts)", "uniform": "Uniform"}


def fit_weights(settings: Mapping[str, Any]) -> Weights:
    """The channel weights set in the project settings (Poisson when unset).

    Raises
    ------
    XpsfitError
        The project file holds another value.
    """
    value = settings.get(WEIGHTS_KEY, "poisson")
    if value == "poisson":
        return "poisson"
    if value == "uniform":
        return "uniform"
    raise XpsfitError(
        f"project setting {WEIGHTS_KEY} is {value!r}; expected 'poisson' or 'uniform'"
    )


def weights_text(settings: Mapping[str, Any]) -> str:
    """How the menu names the fit weights set in ``settings`` (an invalid value as it is)."""
    value = settings.get(WEIGHTS_KEY, "poisson")
    return next((t for k, t in WEIGHTS_TEXT.items() if k == value), repr(value))


def weights_note(settings: Mapping[str, Any]) -> str:
    """The fit weights set in ``settings`` and where a user changes them, for failure
    messages."""
    return f"(fit weights: {weights_text(settings)}; change them in Fit > Weights)"


def stale_reason(doc: Document, sid: str) -> str:
    """Why the stored fit of a spectrum no longer stands for the current state ("" when it
    does, or when there is none): its model was edited since, or it was fitted with other
    weights than the project's setting (Fit > Weights)."""
    res = doc.result(sid)
    if res is None:
        return ""
    reasons = ["model edited since the last fit"] if res.spec != doc.spec(sid) else []
    settings = doc.project.settings
    if res.weights != settings.get(WEIGHTS_KEY, "poisson"):
        reasons.append(
            f"fitted with {WEIGHTS_TEXT[res.weights]} weights, the project fits with "
            f"{weights_text(settings)} weights (Fit > Weights)"
        )
    return "; ".join(reasons)


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


def profile_scope(doc: Document, sids: Sequence[str]) -> list[str]:
    """What "fit profile" fits for a selection: every level of each (sample, region) among
    ``sids`` (selecting one spectrum selects its whole depth series); every spectrum when
    nothing is selected."""
    if not sids:
        return doc.ids()
    series = {(doc.spectrum(sid).sample, doc.spectrum(sid).region) for sid in sids}
    return [
        sid for sid in doc.ids() if (doc.spectrum(sid).sample, doc.spectrum(sid).region) in series
    ]


def _match(
    doc: Document, results: Sequence[ProfileResult], sids: Collection[str]
) -> dict[str, FitResult]:
    """Map every usable fit of a profile back to the id of the document spectrum it fitted
    (among ``sids``, the spectra of the job, when still in the document)."""
    index: dict[tuple[str, str, int | None], str] = {}
    for sid in doc.ids():
        if sid not in sids:
            continue
        sp = doc.spectrum(sid)
        index.setdefault((sp.sample, sp.region, sp.etch_level), sid)
    out: dict[str, FitResult] = {}
    for pr in results:
        for f in pr.fits:
            sid = index.get((f.spectrum.sample, f.spectrum.region, f.spectrum.etch_level))
            if sid is not None and f.result is not None:
                out[sid] = f.result
    return out


def _stored_text(name: str, stored: int, stale: int) -> str:
    text = f"{name}: stored {stored} result{'s' if stored != 1 else ''}"
    return text + (f" ({stale} stale: edited while fitting)" if stale else "")


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
    status(str)
        One line on the state of the latest batch, for the status bar ("... cancelled:
        nothing stored", "... stored 9 results").
    """

    progress = Signal(int, int)
    message = Signal(str, int)
    batch_finished = Signal()
    status = Signal(str)

    def __init__(self, doc: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.runner = TaskRunner(self)

    def start(
        self,
        work: Callable[[Progress, threading.Event], object],
        name: str,
        on_done: Callable[[Any], None],
    ) -> Task:
        """Connect every handler (queued to the GUI thread), then start the task; the log
        line of a failure names the fit weights."""
        task = Task(work, name)
        queued = Qt.ConnectionType.QueuedConnection
        note = weights_note(self.doc.project.settings)
        task.signals.progress.connect(self.progress, queued)
        task.signals.done.connect(on_done, queued)
        task.signals.failed.connect(
            lambda m: self.message.emit(f"{name}: {m} {note}", logging.ERROR), queued
        )
        task.signals.failed.connect(
            lambda m: self.status.emit(f"{name} failed: {m} {note}"), queued
        )
        task.signals.cancelled.connect(lambda: self._cancelled(name), queued)
        self.status.emit(f"{name} running...")
        return self.runner.start(task)

    def _cancelled(self, name: str) -> None:
        self.message.emit(f"{name}: cancelled, nothing stored", logging.WARNING)
        self.status.emit(f"{name} cancelled: nothing stored")

    def fit_spectra(self, sids: Sequence[str], monte_carlo: int = 0) -> Task:
        """Fit each spectrum with its own specification (no seeding between them)."""
        jobs: list[tuple[str, Spectrum, FitSpec]] = [
            (sid, self.doc.spectrum(sid), self.doc.spec(sid)) for sid in sids
        ]
        settings = self.doc.project.settings

        def work(progress: Progress, cancel: threading.Event) -> dict[str, Fitted]:
            weights = fit_weights(settings)
            out: dict[str, Fitted] = {}
            for i, (sid, spectrum, spec) in enumerate(jobs):
                if cancel.is_set():
                    break
                res = fit(spectrum, spec, weights=weights, cancel=cancel.is_set,
                          monte_carlo=monte_carlo)  # fmt: skip
                out[sid] = (spec, res)
                progress(i + 1, len(jobs))
            return out

        return self.start(work, "Fit", self._store)

    def fit_profiles(
        self, sids: Sequence[str], seed: SeedMode = "previous", monte_carlo: int = 0
    ) -> Task:
        """Fit the depth profiles of the samples among ``sids`` (process pool, all cores);
        each region's template is the model of its shallowest spectrum that has components.

        ``monte_carlo`` replicas per spectrum (0: none) give Monte Carlo errors. A spectrum
        whose spec is edited while the job runs keeps the edit; its result is stored as stale.
        """
        jobs = _profile_jobs(self.doc, sids)
        started = {sid: self.doc.spec(sid) for sid in sids}
        profiles = [p for p, _ in jobs]
        templates: dict[str, FitSpec] = {}
        for _, tmpl in jobs:
            for region, spec in tmpl.items():
                templates.setdefault(region, spec)
        settings = self.doc.project.settings

        def work(progress: Progress, cancel: threading.Event) -> list[ProfileResult]:
            weights = fit_weights(settings)
            if not profiles:
                return []
            return fit_profiles(
                profiles,
                templates,
                seed=seed,
                monte_carlo=monte_carlo,
                progress=progress,
                cancel=cancel.is_set,
                weights=weights,
            )

        note = weights_note(settings)
        return self.start(
            work, "Profile fit", lambda found: self._store_profiles(found, started, note)
        )

    def _advise(self, label: str, result: FitResult, library: Library) -> None:
        """Log the physics advice on a fit (:func:`xpsfit.physics_checks.result_warnings`)."""
        for w in result_warnings(result, library):
            self.message.emit(f"{label}: {w}", logging.WARNING)

    def _store(self, fitted: Mapping[str, Fitted]) -> None:
        if not fitted:
            return
        results = {sid: res for sid, (_spec, res) in fitted.items()}
        edited = {sid for sid, (spec, _res) in fitted.items() if self.doc.spec(sid) != spec}
        library = load_library()
        for sid, res in results.items():
            level = logging.INFO if res.ok else logging.WARNING
            label = self.doc.spectrum(sid).label
            self.message.emit(f"{label}: {res.status}, reduced chi-square {res.redchi:.3g}", level)
            self._advise(label, res, library)
        text = "Fit" if len(results) == 1 else f"Fit {len(results)} spectra"
        self.doc.undo_stack.push(FitResultsCommand(self.doc, results, text, edited))
        self.status.emit(_stored_text("Fit", len(results), len(edited)))
        self.batch_finished.emit()

    def _store_profiles(
        self, profiles: list[ProfileResult], started: Mapping[str, FitSpec], note: str
    ) -> None:
        """Store a profile job's results; spectra whose spec changed since ``started`` keep
        the edit and get their result as stale (as for single fits). A spectrum refused for
        negative counts gets ``note`` (the fit weights) in its log line."""
        library = load_library()
        for pr in profiles:
            for f in pr.failures():
                why = f.issue.message if f.issue else f.status
                if f.issue is not None and f.issue.code == "negative_counts":
                    why = f"{why} {note}"
                self.message.emit(f"{pr.sample} {f.region} level {f.level}: {why}", logging.WARNING)
        series = (
            (f"{pr.sample} {f.region}", f.level, f.result)
            for pr in profiles
            for f in pr.fits
            if f.result is not None
        )
        for line in grouped_advice(series, library):
            self.message.emit(line, logging.WARNING)
        results = _match(self.doc, profiles, started)
        edited = {sid for sid in results if self.doc.spec(sid) != started[sid]}
        if edited:
            self.message.emit(
                f"{len(edited)} spectra were edited during the profile fit: the edits are kept, "
                "their results are stale",
                logging.WARNING,
            )
        if results:
            text = f"Fit profile ({len(results)} spectra)"
            self.doc.undo_stack.push(FitResultsCommand(self.doc, results, text, edited))
        self.status.emit(_stored_text("Profile fit", len(results), len(edited)))
        self.batch_finished.emit()
