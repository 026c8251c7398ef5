"""What fitting a depth profile produces: one status per spectrum, plain immutable data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, TypeAlias

from xpsfit.profile import DepthScale
from xpsfit.result import FitResult
from xpsfit.spectrum import Spectrum

SeedMode: TypeAlias = Literal["previous", "template", "global"]
SpectrumStatus: TypeAlias = Literal["ok", "failed", "cancelled"]
IssueCode: TypeAlias = Literal[
    "non_finite",
    "all_zero",
    "too_few_points",
    "non_monotonic",
    "spikes",
    "negative_counts",
    "no_template",
    "fit_failed",
    "cancelled",
]


@dataclass(frozen=True)
class SpectrumIssue:
    """Why a spectrum has no usable fit.

    Parameters
    ----------
    code
        Machine-readable reason (e.g. ``"spikes"``).
    message
        The reason in words, naming the spectrum.
    """

    code: IssueCode
    message: str


@dataclass(frozen=True)
class SpectrumFit:
    """The outcome for one spectrum of a profile.

    Parameters
    ----------
    spectrum
        The spectrum as given (before charge correction).
    sample, region, level
        Where it sits in the profile.
    etch_time, depth
        Level coordinates, s and nm (``None`` when unknown).
    status
        ``"ok"`` (usable fit), ``"failed"`` or ``"cancelled"``.
    result
        The fit, when there is one (a fit that did not converge is kept with status failed).
    issue
        The reason when ``status`` is not ``"ok"``.
    charge_shift
        Binding-energy shift applied before fitting, eV.
    """

    spectrum: Spectrum
    sample: str
    region: str
    level: int
    etch_time: float | None
    depth: float | None
    status: SpectrumStatus
    result: FitResult | None = None
    issue: SpectrumIssue | None = None
    charge_shift: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the spectrum has a usable fit."""
        return self.status == "ok" and self.result is not None


@dataclass(frozen=True)
class ProfileResult:
    """Every spectrum's fit of one sample's depth profile.

    Parameters
    ----------
    sample
        Sample identifier.
    depth_scale
        How depths were obtained.
    seed
        How each level's fit was started (``"previous"``, ``"template"`` or ``"global"``).
    fits
        One entry per spectrum, ordered by region then level.
    options
        The options of the run as plain data (charge correction, Monte Carlo replicas...).
    """

    sample: str
    depth_scale: DepthScale
    seed: SeedMode
    fits: tuple[SpectrumFit, ...]
    options: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fits", tuple(self.fits))
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))

    def regions(self) -> list[str]:
        """Region labels in order of first appearance."""
        return list(dict.fromkeys(f.region for f in self.fits))

    def levels(self) -> list[int]:
        """Etch levels present, ascending."""
        return sorted({f.level for f in self.fits})

    def region_fits(self, region: str) -> list[SpectrumFit]:
        """The fits of one region in level order."""
        return sorted((f for f in self.fits if f.region == region), key=lambda f: f.level)

    def get(self, region: str, level: int) -> SpectrumFit:
        """The fit of one region at one level.

        Raises
        ------
        KeyError
            If there is none.
        """
        for f in self.fits:
            if f.region == region and f.level == level:
                return f
        raise KeyError((region, level))

    @property
    def n_ok(self) -> int:
        """Number of spectra with a usable fit."""
        return sum(f.ok for f in self.fits)

    def failures(self) -> list[SpectrumFit]:
        """Every spectrum without a usable fit."""
        return [f for f in self.fits if not f.ok]
