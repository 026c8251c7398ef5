"""Fit results: plain, immutable data produced by :func:`xpsfit.fit` and read by everything
downstream (profiles, fractions, exports, the GUI, project files).

Missing uncertainties are ``None``, never NaN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, TypeAlias

import numpy as np
from numpy.typing import NDArray

from xpsfit.spec import FitSpec

FloatArray = NDArray[np.float64]
FitStatus: TypeAlias = Literal["converged", "at_bound", "max_evaluations", "failed"]
LineRole: TypeAlias = Literal["single", "major", "minor"]
#: Channel weights of a fit (see :func:`xpsfit.fitting.fit`).
Weights: TypeAlias = Literal["poisson", "uniform"]


@dataclass(frozen=True)
class Estimate:
    """A fitted quantity with its one-sigma standard error (``None`` when not estimated)."""

    value: float
    stderr: float | None = None


@dataclass(frozen=True)
class ParamResult:
    """One lmfit parameter after the fit.

    Parameters
    ----------
    name
        lmfit parameter name (see :func:`xpsfit.spec.param_name`).
    value, stderr
        Best value and one-sigma error (``None`` when not estimated).
    vary
        Whether it was free.
    expr
        The constraint expression, if it was tied.
    at_bound
        ``"min"`` or ``"max"`` when the best value sits on that bound, else ``None``.
    """

    name: str
    value: float
    stderr: float | None
    vary: bool
    expr: str | None = None
    at_bound: Literal["min", "max"] | None = None


@dataclass(frozen=True)
class LineResult:
    """One drawn line of a component: a single peak, or the major/minor line of a doublet.

    Parameters
    ----------
    component
        Id of the spec component it belongs to.
    role
        ``"single"``, ``"major"`` or ``"minor"``.
    label
        Display text, e.g. ``"Co3+ 2p3/2"``.
    species
        Species the area counts toward (satellites: the parent's species).
    lineshape
        Line-shape key.
    center, fwhm, area, height
        Binding energy (eV), FWHM (eV), area (intensity x eV), peak height (intensity).
    curve
        The line on the fit grid (without background), intensity.
    """

    component: str
    role: LineRole
    label: str
    species: str
    lineshape: str
    center: Estimate
    fwhm: Estimate
    area: Estimate
    height: Estimate
    curve: FloatArray


@dataclass(frozen=True)
class MonteCarloSummary:
    """Spread of refits of synthetic replicas (fitted model plus noise).

    ``params`` and ``fractions`` map names to the standard deviation over replicas;
    ``n_replicas`` counts the replicas that fitted, ``seed`` makes the run reproducible.
    """

    n_replicas: int
    seed: int | None
    params: Mapping[str, float]
    species_areas: Mapping[str, float]
    fractions: Mapping[str, float]


@dataclass(frozen=True)
class FitResult:
    """Everything one fit produced.

    Parameters
    ----------
    spec
        The specification with every parameter's value replaced by its fitted value (use it to
        seed the next fit or to save as a template).
    spectrum_label
        :attr:`xpsfit.Spectrum.label` of the fitted spectrum.
    binding_energy, data, sigma
        The fit grid (eV, ascending) with the data and per-channel standard deviations.
    background, envelope, residual
        Background, background + all lines, ``data - envelope``.
    lines
        Every drawn line.
    params
        Every lmfit parameter by name.
    species
        Species ids in order, and ``species_areas`` their total areas with errors.
    species_covariance
        Covariance matrix of the species areas (order of ``species``), or ``None``.
    fractions
        Each :class:`~xpsfit.spec.FractionDef` of the spec evaluated with its error.
    chisqr, redchi
        Weighted chi-square and reduced chi-square.
    nfev, ndata, nvarys
        Function evaluations, data points, free parameters.
    status, message
        Outcome: ``"converged"`` only when the minimiser converged and error bars exist. The
        message also names fractions that could not be evaluated and a static background that
        fell back to an approximation (``"background: ..."``, from ``background_info``).
    background_info
        Background diagnostics (iterations, converged flag, tolerance, fitted B/C...).
    monte_carlo
        Monte Carlo spread when requested.
    weights
        The channel weights of the fit (``"poisson"`` or ``"uniform"``), which ``sigma``,
        ``chisqr`` and every error bar depend on.
    """

    spec: FitSpec
    spectrum_label: str
    binding_energy: FloatArray
    data: FloatArray
    sigma: FloatArray
    background: FloatArray
    envelope: FloatArray
    residual: FloatArray
    lines: tuple[LineResult, ...]
    params: Mapping[str, ParamResult]
    species: tuple[str, ...]
    species_areas: Mapping[str, Estimate]
    species_covariance: FloatArray | None
    fractions: Mapping[str, Estimate]
    chisqr: float
    redchi: float
    nfev: int
    ndata: int
    nvarys: int
    status: FitStatus
    message: str = ""
    background_info: Mapping[str, float | int | bool | str] = field(default_factory=dict)
    monte_carlo: MonteCarloSummary | None = None
    weights: Weights = "poisson"

    def __post_init__(self) -> None:
        for name in ("params", "species_areas", "fractions", "background_info"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    @property
    def ok(self) -> bool:
        """True when the fit produced usable numbers (converged or at a bound)."""
        return self.status in ("converged", "at_bound")

    def found(self, component: str, sigmas: float = 2.0) -> bool:
        """True when the fit clearly found a component: one of its lines has an area above
        ``sigmas`` of its standard errors."""
        return any(
            ln.area.stderr is not None and ln.area.value > sigmas * ln.area.stderr
            for ln in self.lines
            if ln.component == component
        )

    def line(self, component: str, role: LineRole | None = None) -> LineResult:
        """The line of a component (the major line of a doublet unless ``role`` says otherwise).

        Raises
        ------
        KeyError
            If there is no such line.
        """
        for ln in self.lines:
            if ln.component == component and (role is None or ln.role == role):
                if role is None and ln.role == "minor":
                    continue
                return ln
        raise KeyError((component, role))
