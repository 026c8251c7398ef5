"""The document's fits as :class:`~xpsfit.profile_result.ProfileResult` s, so the depth-profile
view and the exports use the core's quantification and export functions unchanged."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from xpsfit.errors import SpecError, XpsfitError
from xpsfit.profile import DepthScale, SputterRate
from xpsfit.profile_result import ProfileResult, SpectrumFit
from xpsfit.quant_settings import QuantSettings
from xpsfit.quantify import FractionRow
from xpsfit.spectrum import Spectrum
from xpsfit_ui.document import Document

#: Project setting holding the sputter rate: ``{"nm_per_s": float, "reference_material": str}``.
SPUTTER_RATE_KEY = "sputter_rate"


#: Project setting holding the atomic % choices (:meth:`QuantSettings.describe`'s plain data).
QUANT_KEY = "quantification"


def quant_settings(settings: Mapping[str, Any]) -> QuantSettings:
    """The atomic % settings recorded in the project settings (the defaults when none).

    Raises
    ------
    SpecError
        A stored value that is not valid, naming the setting.
    """
    stored = settings.get(QUANT_KEY) or {}
    try:
        return QuantSettings.from_dict(stored)
    except SpecError as exc:
        raise SpecError(f"project setting {QUANT_KEY}: {exc.message}", key=exc.key) from None


def depth_scale(settings: Mapping[str, Any]) -> DepthScale:
    """The depth scale recorded in the project settings (etch time when none)."""
    rate = settings.get(SPUTTER_RATE_KEY)
    if not rate:
        return DepthScale()
    return DepthScale(
        "sputter_rate", rate=SputterRate(float(rate["nm_per_s"]), rate["reference_material"])
    )


def spectrum_level(spectrum: Spectrum) -> int:
    """A spectrum's etch level; a spectrum without one (a single measurement, not a depth
    profile) is level 0 of its sample."""
    return 0 if spectrum.etch_level is None else spectrum.etch_level


def profile_results(doc: Document) -> list[ProfileResult]:
    """One :class:`ProfileResult` per sample with every fitted spectrum, so that fractions,
    atomic % and the exports cover single measurements too (:func:`spectrum_level`)."""
    scale = depth_scale(doc.project.settings)
    by_sample: dict[str, list[SpectrumFit]] = {}
    for sid in doc.ids():
        sp = doc.spectrum(sid)
        res = doc.result(sid)
        if res is None:
            continue
        level = spectrum_level(sp)
        try:
            depth = scale.depth(level, sp.etch_time)
        except XpsfitError:
            depth = None
        fit = SpectrumFit(
            spectrum=sp,
            sample=sp.sample,
            region=sp.region,
            level=level,
            etch_time=sp.etch_time,
            depth=depth,
            status="ok" if res.ok else "failed",
            result=res,  # fitted on ``sp`` as it is: any charge shift is already in its axis
        )
        by_sample.setdefault(sp.sample, []).append(fit)
    return [
        ProfileResult(
            sample, scale, "previous", tuple(sorted(fits, key=lambda f: (f.region, f.level)))
        )
        for sample, fits in by_sample.items()
    ]


def sid_of(doc: Document, sample: str, region: str, level: int) -> str | None:
    """The id of the spectrum at a profile point, if any."""
    for sid in doc.ids():
        sp = doc.spectrum(sid)
        if (sp.sample, sp.region, spectrum_level(sp)) == (sample, region, level):
            return sid
    return None


def fraction_names(results: Sequence[ProfileResult], region: str) -> list[str]:
    """The fractions fitted for ``region``, in the order the fit specifications define them
    (the template's first fraction first), never alphabetically."""
    names: dict[str, None] = {}
    for pr in results:
        for f in pr.region_fits(region):
            if f.result is not None:
                defined = (fd.name for fd in f.result.spec.fractions)
                names.update(dict.fromkeys(n for n in defined if n in f.result.fractions))
    return list(names)


#: Which one-sigma errors :func:`fraction_errors` gives.
MC_ERRORS = "Monte Carlo"
COVARIANCE_ERRORS = "covariance"
MIXED_ERRORS = "Monte Carlo where run, else covariance"


def fraction_errors(rows: Sequence[FractionRow]) -> tuple[list[float], str]:
    """One-sigma error of each fraction row (0..1) and what kind they are.

    The Monte Carlo error where the fit ran Monte Carlo replicas, the covariance error
    otherwise (0 when neither exists). The kind is :data:`MC_ERRORS`,
    :data:`COVARIANCE_ERRORS` or :data:`MIXED_ERRORS`.
    """
    errors = [r.mc_err if r.mc_err is not None else (r.err or 0.0) for r in rows]
    n_mc = sum(r.mc_err is not None for r in rows)
    if rows and n_mc == len(rows):
        return errors, MC_ERRORS
    return errors, MIXED_ERRORS if n_mc else COVARIANCE_ERRORS
