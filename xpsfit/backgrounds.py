"""Inelastic backgrounds of XPS spectra: Shirley, linear and Tougaard.

Static backgrounds from the measured data (:func:`shirley`, :func:`linear`, :func:`tougaard`)
validate their input and return a :class:`BackgroundResult`. The fit-time kernels
(:func:`cumulative_integral`, :func:`shirley_step`, :func:`tougaard_kernel`,
:func:`tougaard_matrix`) live in :mod:`xpsfit.background_kernels` and are re-exported here. The
binding-energy axis may come in either order; outputs follow the input order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, TypeAlias, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xpsfit.background_casa import shirley_channel_sum
from xpsfit.background_kernels import (
    TOUGAARD_B,
    TOUGAARD_C,
    TOUGAARD_D,
    TOUGAARD_U3,
    FloatArray,
    TougaardForm,
    cumulative_integral,
    shirley_step,
    tougaard_defaults,
    tougaard_kernel,
    tougaard_matrix,
)
from xpsfit.errors import FitError, SpecError
from xpsfit.shirley_solver import MAX_STEP_FRACTION, solve_shirley

__all__ = [
    "MAX_STEP_FRACTION",
    "TOUGAARD_B",
    "TOUGAARD_C",
    "TOUGAARD_D",
    "TOUGAARD_U3",
    "BackgroundResult",
    "FloatArray",
    "ShirleyRule",
    "TougaardForm",
    "cumulative_integral",
    "linear",
    "shirley",
    "shirley_step",
    "tougaard",
    "tougaard_defaults",
    "tougaard_kernel",
    "tougaard_matrix",
]


@dataclass(frozen=True, eq=False)
class BackgroundResult:
    """A background and how it was obtained.

    Parameters
    ----------
    background
        Background intensity per channel, in the order of the input axis (read-only).
    iterations, converged, tolerance
        Iterations made, whether the requested relative tolerance was met (0, True and 0 for
        non-iterative backgrounds).
    change
        Largest change of the background in the last iteration as a fraction of the step
        ``|I_high - I_low|`` (0 for non-iterative backgrounds).
    message
        What happened, e.g. ``"converged after 7 iterations"``.
    params
        The numbers used: ``i_low``, ``i_high`` (end levels, intensity) and per algorithm
        ``slope`` (intensity/eV), ``peak_area`` (intensity x eV), ``B``, ``C``, ``D`` (eV^2).
    """

    background: FloatArray
    iterations: int
    converged: bool
    tolerance: float
    change: float
    message: str
    params: Mapping[str, float]


#: How the Shirley integrals are taken: trapezoid rule, or CasaXPS's running channel sums.
ShirleyRule: TypeAlias = Literal["trapezoid", "channel_sum"]

# --------------------------------------------------------------------------- static backgrounds


@dataclass(frozen=True)
class _Prepared:
    """Validated data sorted by ascending binding energy, and the permutation that sorted it."""

    energy: FloatArray
    intensity: FloatArray
    order: NDArray[np.intp]

    def result(
        self, background: FloatArray, message: str, params: dict[str, float], **iteration: float
    ) -> BackgroundResult:
        """Wrap a background on the sorted axis as a result in the input order."""
        out = np.empty_like(background)
        out[self.order] = background
        out.setflags(write=False)
        return BackgroundResult(
            background=out,
            iterations=int(iteration.get("iterations", 0)),
            converged=bool(iteration.get("converged", True)),
            tolerance=float(iteration.get("tolerance", 0.0)),
            change=float(iteration.get("change", 0.0)),
            message=message,
            params=MappingProxyType(params),
        )


def _prepare(binding_energy: ArrayLike, intensity: ArrayLike) -> _Prepared:
    x = np.asarray(binding_energy, dtype=np.float64)
    y = np.asarray(intensity, dtype=np.float64)
    if x.ndim != 1 or y.ndim != 1 or x.size != y.size:
        raise FitError(
            f"binding energy (shape {x.shape}) and intensity (shape {y.shape}) must be "
            "one-dimensional arrays of the same length"
        )
    if x.size < 2:
        raise FitError(f"a background needs at least 2 channels, got {x.size}")
    for name, values in (("binding energy", x), ("intensity", y)):
        if not np.isfinite(values).all():
            bad = int(np.count_nonzero(~np.isfinite(values)))
            raise FitError(f"{name} has {bad} non-finite value(s) (NaN or inf)")
    order = np.argsort(x, kind="stable")
    energy = x[order]
    if energy[-1] == energy[0]:
        raise FitError(f"binding-energy axis has zero width (all channels at {energy[0]} eV)")
    return _Prepared(energy, y[order], order)


def _check_count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise SpecError(f"{name} must be an integer of at least 1, not {value!r}")


def _end_levels(
    data: _Prepared,
    average_points: int,
    start_offset: float,
    end_offset: float,
    given: tuple[float, float] | None = None,
) -> tuple[float, float]:
    """End levels from ``given`` (e.g. :func:`xpsfit.background_casa.tie_levels`) or the mean
    of ``average_points`` channels at each end, plus the offsets."""
    for name, offset in (("start_offset", start_offset), ("end_offset", end_offset)):
        if not np.isfinite(offset):
            raise SpecError(f"{name} must be a finite intensity, not {offset}")
    if given is not None:
        if len(given) != 2 or not np.isfinite(given).all():
            raise SpecError(f"end levels must be two finite intensities, not {given!r}")
        return float(given[0]) + float(start_offset), float(given[1]) + float(end_offset)
    _check_count("average_points", average_points)
    k = max(1, min(int(average_points), data.energy.size // 2))
    i_low = float(data.intensity[:k].sum()) / k + float(start_offset)
    i_high = float(data.intensity[-k:].sum()) / k + float(end_offset)
    return i_low, i_high


def linear(
    binding_energy: ArrayLike,
    intensity: ArrayLike,
    *,
    average_points: int = 5,
    start_offset: float = 0.0,
    end_offset: float = 0.0,
    end_levels: tuple[float, float] | None = None,
) -> BackgroundResult:
    """Straight-line background between the two end levels.

    The line runs from ``I_low`` at the lowest to ``I_high`` at the highest binding energy,
    where each end level is the mean intensity of ``average_points`` channels at that end
    (at most half the channels) plus its offset.

    Parameters
    ----------
    binding_energy, intensity
        Binding energies (eV, any order) and intensity per channel (counts or counts/s).
    average_points, start_offset, end_offset
        End levels: mean of ``average_points`` (>= 1, at most half the) channels at each end,
        plus these intensities at the low- and high-binding-energy end.
    end_levels
        ``(I_low, I_high)`` to use instead of the means (the offsets are still added), e.g.
        CasaXPS's tie points from :func:`xpsfit.background_casa.tie_levels`.

    Returns
    -------
    BackgroundResult
        With ``params`` ``i_low``, ``i_high`` and ``slope`` (intensity/eV).

    Raises
    ------
    FitError
        Fewer than 2 channels, mismatched or non-finite (NaN, inf) arrays, zero-width axis.
    SpecError
        Invalid options.
    """
    data = _prepare(binding_energy, intensity)
    i_low, i_high = _end_levels(data, average_points, start_offset, end_offset, end_levels)
    x = data.energy
    slope = float((i_high - i_low) / (x[-1] - x[0]))
    return data.result(
        i_low + slope * (x - x[0]),
        "straight line between the end levels",
        {"i_low": i_low, "i_high": i_high, "slope": slope},
    )


def shirley(
    binding_energy: ArrayLike,
    intensity: ArrayLike,
    *,
    average_points: int = 5,
    start_offset: float = 0.0,
    end_offset: float = 0.0,
    tolerance: float = 1e-6,
    max_iterations: int = 100,
    end_levels: tuple[float, float] | None = None,
    rule: ShirleyRule = "trapezoid",
) -> BackgroundResult:
    """Shirley background: the fixed point of the Proctor-Sherwood iteration.

    ``B(E) = I_low + (I_high - I_low) * A(E_low..E) / A(E_low..E_high)``, where ``A`` is the
    trapezoid integral of ``intensity - B`` from the lowest binding energy. Rather than
    substituting the formula into itself (which oscillates once the step approaches the peak
    height), the fixed point is solved for exactly: it obeys ``dB/dE = mu * (I - B)`` with
    ``mu = (I_high - I_low) / A(E_low..E_high)``, so each trial ``mu`` gives a background in one
    pass and ``mu`` is the first rate (from 0) at which it ends at ``I_high`` (see
    :mod:`xpsfit.shirley_solver`). The result is the same background the substitution settles on
    whenever it settles. ``converged`` means that one more substitution changes the background
    by at most ``tolerance`` times the step ``|I_high - I_low|``.

    When no Shirley background reaches the end level at the top of the step (the data beyond
    the peaks lie above every Shirley step: a rising tail, or an end level lifted by noise),
    there is no fixed point; the closest Shirley background, scaled to meet both end levels, is
    returned with ``converged`` False and a message saying by how much it falls short. When no
    usable peak area is left (as for a pure step or random data), the straight line between
    the end levels is returned, also with ``converged`` False.

    Parameters
    ----------
    binding_energy, intensity
        Binding energies (eV, any order) and intensity per channel (counts or counts/s).
    average_points, start_offset, end_offset
        End levels: mean of ``average_points`` (>= 1, at most half the) channels at each end,
        plus these intensities at the low- and high-binding-energy end.
    end_levels
        ``(I_low, I_high)`` to use instead of the means (the offsets are still added), e.g.
        CasaXPS's tie points from :func:`xpsfit.background_casa.tie_levels`.
    tolerance
        Relative convergence tolerance, > 0 (largest change under one more substitution as a
        fraction of the step).
    max_iterations
        Cap on the trial rates ``mu`` evaluated (one pass over the channels each), >= 1; with
        ``rule="channel_sum"`` on the substitutions.
    rule
        ``"trapezoid"``: the integrals by the trapezoid rule, solved exactly as above.
        ``"channel_sum"``: CasaXPS's rule, the integrals as running sums of the channels below
        each one, by substitution (:func:`xpsfit.background_casa.shirley_channel_sum`).

    Returns
    -------
    BackgroundResult
        With ``params`` ``i_low``, ``i_high``, ``peak_area`` (area of ``intensity - B``,
        intensity x eV) and ``rate`` (``mu``, 1/eV; 0 for equal end levels or a straight line).

    Raises
    ------
    FitError, SpecError
        Unusable data (see :func:`linear`); invalid options.
    """
    data = _prepare(binding_energy, intensity)
    i_low, i_high = _end_levels(data, average_points, start_offset, end_offset, end_levels)
    if not (np.isfinite(tolerance) and tolerance > 0):
        raise SpecError(f"Shirley tolerance must be a positive number, not {tolerance}")
    _check_count("max_iterations", max_iterations)
    if rule not in get_args(ShirleyRule):
        raise SpecError(
            f"Shirley rule must be one of {', '.join(get_args(ShirleyRule))}, not {rule!r}"
        )
    solve = solve_shirley if rule == "trapezoid" else shirley_channel_sum
    solution = solve(
        data.energy,
        data.intensity,
        (i_low, i_high),
        tolerance=float(tolerance),
        max_iterations=int(max_iterations),
    )
    return data.result(
        solution.background,
        solution.message,
        {
            "i_low": i_low,
            "i_high": i_high,
            "peak_area": solution.peak_area,
            "rate": solution.rate,
        },
        iterations=solution.iterations,
        converged=solution.converged,
        tolerance=tolerance,
        change=solution.change,
    )


def _fitted_B(B: float, reach: float, rise: float) -> tuple[float, str]:
    """B >= 0 closest to ``B * reach == rise``, or the given B when ``reach`` is 0."""
    if reach != 0.0 and np.isfinite(rise / reach):
        fitted = max(rise / reach, 0.0)
        return fitted, f"B = {fitted:.6g} eV^2 chosen so the background meets the high-BE end"
    return B, f"B = {B:.6g} eV^2 as given: there is no loss signal to match to the high-BE end"


def tougaard(
    binding_energy: ArrayLike,
    intensity: ArrayLike,
    *,
    B: float | None = None,
    C: float | None = None,
    D: float | None = None,
    form: TougaardForm = "U2",
    gap: float = 0.0,
    fit_B: bool = True,
    average_points: int = 5,
    start_offset: float = 0.0,
    end_offset: float = 0.0,
    end_levels: tuple[float, float] | None = None,
) -> BackgroundResult:
    """Static Tougaard background from the measured spectrum.

    ``background(E) = I_low + B * integral over E' < E of K(E - E') j(E') dE'`` with
    ``j = intensity - I_low``: the loss integral of the measured signal above the
    low-binding-energy level (see :func:`tougaard_matrix` and :func:`tougaard_kernel`).

    With ``fit_B`` the given ``B`` is replaced by the value that makes the background equal
    ``I_high`` at the highest binding energy (the usual way of choosing B for a finite window),
    clipped at 0 when that value would be negative; when the loss integral there is 0 (e.g.
    flat data) B cannot be matched and the given value is kept. The message says which.
    ``C`` and ``D`` are always used as given.

    Parameters
    ----------
    binding_energy, intensity
        Binding energies (eV, any order) and intensity per channel (counts or counts/s).
    B, C, D
        Cross-section parameters, eV^2; each left out takes the form's universal value
        (:func:`~xpsfit.background_kernels.tougaard_defaults`: U2 B = 2866, C = 1643; U3 for
        polymers B = 434, C = 551, D = 436). D is used by U3.
    form
        ``"U2"`` (two-parameter) or ``"U3"`` (three-parameter) cross-section.
    gap
        No losses below this energy, eV (CasaXPS's fourth cross-section number; 0: none).
    fit_B
        Match B to the high-binding-energy end level (see above).
    average_points, start_offset, end_offset
        End levels: mean of ``average_points`` (>= 1, at most half the) channels at each end,
        plus these intensities at the low- and high-binding-energy end.
    end_levels
        ``(I_low, I_high)`` to use instead of the means (the offsets are still added), e.g.
        CasaXPS's tie points from :func:`xpsfit.background_casa.tie_levels`.

    Returns
    -------
    BackgroundResult
        With ``params`` ``i_low``, ``i_high``, ``B``, ``C``, ``D`` and ``gap``.

    Raises
    ------
    FitError, SpecError
        Unusable data (see :func:`linear`); invalid options or cross-section parameters.
    """
    data = _prepare(binding_energy, intensity)
    i_low, i_high = _end_levels(data, average_points, start_offset, end_offset, end_levels)
    defaults = tougaard_defaults(form)
    B, C, D = (d if v is None else v for v, d in zip((B, C, D), defaults, strict=True))
    if not np.isfinite(B):
        raise SpecError(f"Tougaard B must be a finite number of eV^2, not {B}")
    loss = tougaard_matrix(data.energy, C, D, form, gap) @ (data.intensity - i_low)
    if fit_B:
        B_used, how = _fitted_B(float(B), float(loss[-1]), i_high - i_low)
    else:
        B_used, how = float(B), f"B = {float(B):.6g} eV^2 as given"
    return data.result(
        i_low + B_used * loss,
        f"{form} cross-section, {how}",
        {
            "i_low": i_low,
            "i_high": i_high,
            "B": B_used,
            "C": float(C),
            "D": float(D),
            "gap": float(gap),
        },
    )
