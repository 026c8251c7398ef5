"""Plain-data fit jobs for worker processes, spectrum checks, and the worker itself.

A job is a dictionary of plain values (arrays, strings, numbers, the spec as
:func:`xpsfit.specjson.spec_to_dict`), never live objects; a worker answers with one outcome
per spectrum (:mod:`xpsfit.profile_transport`). One job is a chain: the spectra of one region
in level order, each seeded by the previous good fit when ``seed == "previous"`` (see
:mod:`xpsfit.profile_seed`).
"""

from __future__ import annotations

import dataclasses
import logging
import time
import zlib
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from xpsfit.errors import XpsfitError
from xpsfit.fitting import FitCancelled, Fitter, Weights, shared_fitter
from xpsfit.models import start_values
from xpsfit.profile_result import IssueCode, SpectrumIssue
from xpsfit.profile_seed import doubtful, seeded_start
from xpsfit.profile_transport import outcome_of
from xpsfit.result import FitResult
from xpsfit.spec import FitSpec
from xpsfit.spec_transport import decode_spec
from xpsfit.spectrum import Spectrum

log = logging.getLogger(__name__)

__all__ = [
    "CANCEL_POLL_S",
    "MIN_POINTS",
    "SharedCancel",
    "check_spectrum",
    "failure_text",
    "fit_options",
    "make_job",
    "run_job",
    "seed_for",
]

#: Fewest channels a spectrum must have to be fitted.
MIN_POINTS = 8
#: A channel farther than this many robust noise widths (and twice the smoothed range) from
#: its running median is a spike.
SPIKE_SIGMAS = 25.0


def check_spectrum(spectrum: Spectrum, weights: Weights = "poisson") -> SpectrumIssue | None:
    """Refuse a spectrum that cannot give a meaningful fit, with the reason.

    Checks, in order: non-finite values, fewer than :data:`MIN_POINTS` channels, an energy
    axis that is not strictly monotonic, all-zero counts, negative counts (Poisson data: any
    channel < 0; data with given uncertainties: below -5 sigma; none with ``weights``
    ``"uniform"``) and huge spikes (single channels far above both the noise and the smoothed
    signal range).
    """
    be, y, label = spectrum.binding_energy, spectrum.intensity, spectrum.label
    if not (np.isfinite(y).all() and np.isfinite(be).all()):
        bad = int(np.count_nonzero(~np.isfinite(y)) + np.count_nonzero(~np.isfinite(be)))
        return _issue("non_finite", f"{label}: {bad} of {y.size} values are NaN or infinite")
    if y.size < MIN_POINTS:
        return _issue("too_few_points", f"{label}: {y.size} channels, at least {MIN_POINTS} needed")
    if not (np.diff(be) > 0).all():
        return _issue("non_monotonic", f"{label}: the binding-energy axis is not monotonic")
    if not y.any():
        return _issue("all_zero", f"{label}: every channel is zero")
    below = y < (0.0 if spectrum.uncertainty is None else -5.0 * spectrum.uncertainty)
    if weights == "poisson" and below.any():
        return _issue(
            "negative_counts",
            f"{label}: {int(np.count_nonzero(below))} negative channels (minimum "
            f"{float(y.min())!r}); if the data are not counts, fit with uniform weights "
            "(weights='uniform', --weights uniform)",
        )
    spikes = _spike_channels(y)
    if spikes is not None:
        where = ", ".join(f"{float(e):.2f}" for e in be[spikes][:5])
        return _issue("spikes", f"{label}: {int(spikes.sum())} spike channel(s) at {where} eV")
    return None


def _spike_channels(
    y: np.ndarray[Any, np.dtype[np.float64]],
) -> np.ndarray[Any, np.dtype[np.bool_]] | None:
    """Where finite data ``y`` (at least 5 channels) has spikes, or None when it has none.

    A spike is farther from the 5-channel running median (end channels repeated) than both
    :data:`SPIKE_SIGMAS` robust noise widths (at least 1) and twice the range of that median.
    """
    padded = np.concatenate((y[:1], y[:1], y, y[-1:], y[-1:]))
    a, b, c, d, e = (padded[k : k + y.size] for k in range(5))
    # Of a..d, low and high are the middle two (in some order); the median of all five is the
    # median of those two and e.
    low = np.maximum(np.minimum(a, b), np.minimum(c, d))
    high = np.minimum(np.maximum(a, b), np.maximum(c, d))
    smooth = np.maximum(np.minimum(low, high), np.minimum(np.maximum(low, high), e))
    dev = y - smooth
    size = np.abs(dev)
    span = float(smooth.max() - smooth.min())
    if not size.max() > max(SPIKE_SIGMAS, 2.0 * span):  # the noise width is at least 1
        return None
    noise = 1.4826 * float(np.median(np.abs(dev - np.median(dev))))
    noise = max(noise, float(np.sqrt(max(float(np.median(np.abs(smooth))), 1.0))))
    spikes = size > max(SPIKE_SIGMAS * noise, 2.0 * span)
    return spikes if spikes.any() else None


#: How often a worker process reads the shared cancel flag, s (far below the 1 s a user
#: waits for Cancel, far above the cost of one read).
CANCEL_POLL_S = 0.05


class SharedCancel:
    """The ``cancel`` callable of worker processes: true once a shared event is set.

    Parameters
    ----------
    event
        An event other processes can read: a :class:`multiprocessing.Event` the worker
        inherited (anything with ``is_set()``).
    interval
        Least time between two reads of the event, s (a read takes a lock shared between
        processes, and fits poll before every model evaluation).
    """

    def __init__(self, event: Any, interval: float = CANCEL_POLL_S) -> None:
        self.event = event
        self.interval = interval
        self._next_read = 0.0
        self._cancelled = False

    def __call__(self) -> bool:
        if not self._cancelled and time.monotonic() >= self._next_read:
            self._next_read = time.monotonic() + self.interval
            self._cancelled = bool(self.event.is_set())
        return self._cancelled


def _issue(code: IssueCode, message: str) -> SpectrumIssue:
    return SpectrumIssue(code, message)


def seed_for(base: int | None, spectrum: Spectrum) -> int | None:
    """A reproducible Monte Carlo seed per spectrum (from the base seed and its label)."""
    if base is None:
        return None
    return (int(base) * 1_000_003 + zlib.crc32(spectrum.label.encode())) % (2**32)


def _spectrum_plain(spectrum: Spectrum) -> dict[str, Any]:
    out = {f.name: getattr(spectrum, f.name) for f in dataclasses.fields(spectrum)}
    out["metadata"] = dict(spectrum.metadata)
    return out


def make_job(
    key: str,
    chain: list[tuple[str, Spectrum]],
    spec: Mapping[str, Any],
    *,
    seed: str,
    monte_carlo: int,
    mc_seed: int | None,
    max_nfev: int | None,
    weights: Weights = "poisson",
) -> dict[str, Any]:
    """A plain-data job: ``chain`` is ``[(item_key, spectrum), ...]`` in level order, ``spec``
    the template as :func:`xpsfit.spec_transport.encode_spec` gives it (encode a template once
    for all its jobs)."""
    return {
        "key": key,
        "items": [(k, _spectrum_plain(s)) for k, s in chain],
        **spec,
        "seed": seed,
        "monte_carlo": int(monte_carlo),
        "mc_seed": mc_seed,
        "max_nfev": max_nfev,
        "weights": weights,
    }


def fit_options(
    job: Mapping[str, Any], spectrum: Spectrum, cancel: Callable[[], bool] | None = None
) -> dict[str, Any]:
    """Keyword arguments of :func:`xpsfit.fitting.fit` for one spectrum of a job."""
    opts: dict[str, Any] = {
        "monte_carlo": job["monte_carlo"],
        "seed": seed_for(job["mc_seed"], spectrum),
        "cancel": cancel,
        "weights": job["weights"],
    }
    if job["max_nfev"] is not None:
        opts["max_nfev"] = int(job["max_nfev"])
    return opts


def failure_text(spectrum: Spectrum, exc: Exception) -> str:
    """The reason a fit raised: the message of an xpsfit error, else the error type too (and
    the traceback goes to the log, since that is a defect rather than bad input)."""
    if isinstance(exc, XpsfitError):
        return f"{spectrum.label}: {exc}"
    log.error("fit of %s raised", spectrum.label, exc_info=exc)
    return f"{spectrum.label}: internal error {type(exc).__name__}: {exc}"


def _fit_one(
    fitter: Fitter,
    spectrum: Spectrum,
    spec: FitSpec,
    job: Mapping[str, Any],
    alternatives: tuple[Mapping[str, float], ...] = (),
    cancel: Callable[[], bool] | None = None,
    keep: Callable[[FitResult, int], bool] | None = None,
) -> tuple[FitResult, int]:
    opts = fit_options(job, spectrum, cancel)
    # a seeded start carries the previous level's fitted background: the spec's own start
    # (the template's line values) takes it too, instead of one derived from the data
    background = {n: v for alt in alternatives for n, v in alt.items() if n.startswith("bg_")}
    return fitter.fit_starts(
        spectrum, spec, alternatives, keep=keep, background_start=background, **opts
    )


def _fit_level(
    fitter: Fitter,
    spectrum: Spectrum,
    template: FitSpec,
    job: Mapping[str, Any],
    start: tuple[Mapping[str, float], ...],
    previous: FitResult | None,
    cancel: Callable[[], bool] | None,
) -> FitResult:
    """One level: from the seeded start, or the template's when it fits better; repeated from
    the template when it began from the seeded start and looks wrong (:func:`doubtful`), the
    lower chi-square kept. The Monte Carlo replicas run once, for the fit that is kept."""

    def settled(result: FitResult, chosen: int) -> bool:
        return not (chosen and doubtful(result, previous, template))

    result, chosen = _fit_one(fitter, spectrum, template, job, start, cancel, settled)
    if settled(result, chosen):
        return result
    retry, _ = _fit_one(fitter, spectrum, template, job, (), cancel, lambda *_: False)
    retry_won = retry.ok and retry.chisqr < result.chisqr
    if job["monte_carlo"] <= 0:
        return retry if retry_won else result
    # the kept fit again (the same numbers), now with its Monte Carlo replicas
    kept, _ = _fit_one(fitter, spectrum, template, job, () if retry_won else start, cancel)
    return kept


def run_job(
    job: Mapping[str, Any], cancel: Callable[[], bool] | None = None
) -> list[dict[str, Any]]:
    """Fit a job's chain; returns one plain outcome per item (runs in a worker process).

    ``cancel`` is polled before each level and inside every fit (Monte Carlo replicas
    included); once it returns true the chain stops and the outcomes so far are returned
    (the remaining items have none).
    """
    template = decode_spec(job)
    seeding = job["seed"] == "previous"
    template_start = start_values(template) if seeding else {}
    fitter = shared_fitter()
    previous: FitResult | None = None
    start: tuple[Mapping[str, float], ...] = ()
    out: list[dict[str, Any]] = []
    for key, fields in job["items"]:
        if cancel is not None and cancel():
            break
        spectrum = Spectrum(**fields)
        issue = check_spectrum(spectrum, job["weights"])
        if issue is not None:
            out.append({"key": key, "issue": [issue.code, issue.message]})
            continue
        try:
            result = _fit_level(fitter, spectrum, template, job, start, previous, cancel)
        except FitCancelled:
            break
        except Exception as exc:  # one spectrum's failure must not stop the profile
            out.append({"key": key, "issue": ["fit_failed", failure_text(spectrum, exc)]})
            continue
        out.append(outcome_of(key, spectrum, result, live=bool(job.get("live"))))
        if result.ok and seeding:
            seeded = seeded_start(result, template, template_start)
            start, previous = ((seeded,) if seeded else ()), result
    return out
