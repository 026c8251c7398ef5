"""Model sensitivity from the GUI: refit a region's depth profiles with the alternative models
of :mod:`xpsfit.sensitivity` in a worker, and keep the spread of every fraction.

The baseline is the document's stored fits (what the depth-profile view shows); the
alternatives start from the model of the shallowest fitted level. The result is derived
data, not an edit: it is not saved or undone, and it is dropped as soon as the fits, the
spectra or the settings it came from change.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, Signal

from xpsfit.errors import XpsfitError
from xpsfit.fitting import Weights
from xpsfit.profile import DepthProfile
from xpsfit.profile_result import ProfileResult
from xpsfit.result import FitResult
from xpsfit.sensitivity import DEFAULT_VARIANTS, SystematicRow, Variant, model_sensitivity
from xpsfit.spec import FitSpec
from xpsfit.spectrum import Spectrum
from xpsfit_ui.document import Document
from xpsfit_ui.fit_controller import FitController, fit_weights
from xpsfit_ui.profile_data import depth_scale, profile_results
from xpsfit_ui.workers import Progress, Task

log = logging.getLogger(__name__)

NAME = "Model sensitivity"


@dataclass(frozen=True)
class Sources:
    """What a sensitivity run was computed from: the spectra and stored fits by spectrum id,
    and the project settings (depth scale, fit weights)."""

    spectra: Mapping[str, Spectrum]
    results: Mapping[str, FitResult]
    settings: Mapping[str, Any]

    def current(self, doc: Document) -> bool:
        """True while the document still holds exactly these spectra, fits and settings."""
        project = doc.project
        return (
            all(project.spectra.get(sid) is sp for sid, sp in self.spectra.items())
            and all(project.results.get(sid) is res for sid, res in self.results.items())
            and dict(project.settings) == dict(self.settings)
        )


@dataclass(frozen=True)
class SensitivityJob:
    """The inputs of :func:`~xpsfit.sensitivity.model_sensitivity` for one region: one depth
    profile and one baseline result per sample (in the same order), the region's template
    and the fit weights."""

    region: str
    profiles: tuple[DepthProfile, ...]
    templates: Mapping[str, FitSpec]
    base: tuple[ProfileResult, ...]
    weights: Weights
    sources: Sources


@dataclass(frozen=True)
class SensitivityResult:
    """The rows of a finished run (fractions 0..1, depths in nm, etch times in s), with the
    variants tried and what the run came from."""

    region: str
    rows: tuple[SystematicRow, ...]
    variants: tuple[Variant, ...]
    weights: Weights
    sources: Sources

    def rows_for(self, sample: str, fraction: str) -> list[SystematicRow]:
        """The rows of one sample and fraction, in level order."""
        rows = (r for r in self.rows if (r.sample, r.fraction) == (sample, fraction))
        return sorted(rows, key=lambda r: r.level)


def sensitivity_scope(doc: Document, region: str, selected: Sequence[str]) -> list[str]:
    """The samples a run covers: those of the ``selected`` spectra (every sample when none
    is selected) that have a fitted ``region``, in document order."""
    wanted = {doc.spectrum(sid).sample for sid in selected}
    fitted = [sid for sid in doc.ids_where(region=region) if doc.result(sid) is not None]
    samples = (doc.spectrum(sid).sample for sid in fitted)
    return [s for s in dict.fromkeys(samples) if not wanted or s in wanted]


def sensitivity_job(doc: Document, region: str, samples: Sequence[str]) -> SensitivityJob:
    """Collect the inputs of a run over ``region`` of these samples from the document.

    Raises
    ------
    XpsfitError
        No fitted spectrum of ``region`` with an etch level, a model without fractions, an
        invalid fit-weights setting, or spectra that do not form a depth profile.
    """
    scale = depth_scale(doc.project.settings)
    by_sample = {pr.sample: pr for pr in profile_results(doc)}
    profiles, base = [], []
    spectra: dict[str, Spectrum] = {}
    results: dict[str, FitResult] = {}
    template: FitSpec | None = None
    for sample in samples:
        pr = by_sample.get(sample)
        # single measurements (no etch level) have no depth profile to refit
        fits = () if pr is None else tuple(f for f in pr.fits if f.region == region
                                           and f.spectrum.etch_level is not None)  # fmt: skip
        if pr is None or not fits:
            continue
        sids = [s for s in doc.ids_where(sample=sample, region=region)
                if doc.spectrum(s).etch_level is not None]  # fmt: skip
        spectra.update({sid: doc.spectrum(sid) for sid in sids})
        results.update({sid: res for sid in sids if (res := doc.result(sid)) is not None})
        profiles.append(DepthProfile.from_spectra([spectra[s] for s in sids], depth_scale=scale))
        base.append(replace(pr, fits=fits))
        if template is None and fits[0].result is not None:
            template = fits[0].result.spec
    if template is None:
        raise XpsfitError(f"no fitted {region} depth profile to refit: fit the profile first (F6)")
    if not template.fractions:
        raise XpsfitError(f"the {region} model defines no fraction: nothing to compare")
    settings = doc.project.settings
    return SensitivityJob(region, tuple(profiles), {region: template}, tuple(base),
                          fit_weights(settings), Sources(spectra, results, settings))  # fmt: skip


class SensitivityController(QObject):
    """Runs model sensitivity through the fit controller's task runner (progress bar, cancel,
    log) and holds the latest result until its sources change.

    Signals
    -------
    changed()
        :attr:`result` was set or dropped.
    stored()
        A run finished and its result is :attr:`result` (the window shows it).
    """

    changed = Signal()
    stored = Signal()

    def __init__(
        self,
        doc: Document,
        fits: FitController,
        variants: Sequence[Variant] = DEFAULT_VARIANTS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.doc = doc
        self.fits = fits
        self.variants = tuple(variants)
        self.result: SensitivityResult | None = None
        doc.result_changed.connect(self._check)
        doc.spectra_changed.connect(self._check)
        doc.settings_changed.connect(self._check)

    def run(self, region: str, samples: Sequence[str]) -> Task | None:
        """Start a run over ``region`` of ``samples``; an impossible one is reported in the
        log and returns ``None``."""
        try:
            job = sensitivity_job(self.doc, region, samples)
        except XpsfitError as exc:
            self.fits.message.emit(f"{NAME}: {exc}", logging.ERROR)
            self.fits.status.emit(f"{NAME}: {exc}")
            return None
        variants = self.variants

        def work(progress: Progress, cancel: threading.Event) -> SensitivityResult:
            rows = model_sensitivity(job.profiles, job.templates, variants, base=job.base,
                                     progress=progress, cancel=cancel.is_set,
                                     weights=job.weights)  # fmt: skip
            return SensitivityResult(region, tuple(rows), variants, job.weights, job.sources)

        where = ", ".join(p.sample for p in job.profiles)
        self.fits.message.emit(f"{NAME}: refitting {region} of {where} with "
                               f"{len(variants)} alternative models", logging.INFO)  # fmt: skip
        return self.fits.start(work, NAME, self._store)

    def _store(self, result: SensitivityResult) -> None:
        if not result.sources.current(self.doc):
            self.fits.message.emit(
                f"{NAME}: the fits changed while it ran; result dropped", logging.WARNING
            )
            self.fits.status.emit(f"{NAME}: result dropped (the fits changed)")
            return
        failed = sum(v is None and k not in r.rejected for r in result.rows
                     for k, v in r.values.items())  # fmt: skip
        if failed:
            self.fits.message.emit(f"{NAME}: {failed} refits gave no usable fit", logging.WARNING)
        self.result = result
        self.fits.message.emit(f"{NAME}: {len(result.rows)} rows for {result.region}",
                               logging.INFO)  # fmt: skip
        self.fits.status.emit(f"{NAME} done: {result.region}, {len(result.rows)} rows")
        self.changed.emit()
        self.stored.emit()

    def _check(self, *_: object) -> None:
        """Drop the result when the document no longer holds what it came from."""
        if self.result is not None and not self.result.sources.current(self.doc):
            self.result = None
            self.fits.message.emit(
                f"{NAME}: result dropped (the fits it came from changed)", logging.INFO
            )
            self.changed.emit()
