"""Inelastic backgrounds of XPS spectra: Shirley, linear and Tougaard.

Static backgrounds from the measured data (:func:`shirley`, :func:`linear`, :func:`tougaard`)
validate their input and return a :class:`BackgroundResult`. The fit-time kernels
(:func:`cumulative_integral`, :func:`shirley_step`, :func:`tougaard_kernel`,
:func:`tougaard_matrix`) are pure and fast and check shapes only. The binding-energy axis may
come in either order; outputs follow the input order. Electrons that lose energy appear at
*higher* binding energy, so the background at ``E`` is built from the signal at ``E' < E``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, TypeAlias, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xpsfit.errors import FitError, SpecError

FloatArray: TypeAlias = NDArray[np.float64]
TougaardForm: TypeAlias = Literal["U2", "U3"]

#: Largest magnitude of the normalised Shirley step A(E_low..E) / A(total) that is accepted;
#: beyond it the region holds no usable peak area and the iteration uses the straight line.
MAX_STEP_FRACTION = 2.0


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


# --------------------------------------------------------------------------- fit-time kernels


def _check_axis(binding_energy: ArrayLike, signal: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(binding_energy, dtype=np.float64)
    s = np.asarray(signal, dtype=np.float64)
    if x.ndim != 1 or x.size < 1 or s.ndim < 1 or s.shape[-1] != x.size:
        raise FitError(
            f"signal of shape {s.shape} does not match a binding-energy axis of shape {x.shape}"
        )
    return x, s


def _cumtrapz_ascending(x: FloatArray, s: FloatArray) -> FloatArray:
    out = np.zeros(s.shape)
    if x.size > 1:
        np.cumsum(0.5 * np.diff(x) * (s[..., 1:] + s[..., :-1]), axis=-1, out=out[..., 1:])
    return out


def cumulative_integral(binding_energy: ArrayLike, signal: ArrayLike) -> FloatArray:
    """Cumulative trapezoid integral of ``signal`` from the low-binding-energy end.

    ``result[i] = integral of signal dE from min(E) to E_i``, so the result is 0 at the lowest
    binding energy whatever the order of the axis.

    Parameters
    ----------
    binding_energy
        Monotonic binding-energy axis (ascending or descending), eV, shape ``(n,)``.
    signal
        Values on that axis, shape ``(..., n)``; leading axes are independent signals.

    Returns
    -------
    numpy.ndarray
        Integral (signal x eV), same shape and channel order as ``signal``.
    """
    x, s = _check_axis(binding_energy, signal)
    if x[0] > x[-1]:
        return _cumtrapz_ascending(x[::-1], s[..., ::-1])[..., ::-1]
    return _cumtrapz_ascending(x, s)


def shirley_step(binding_energy: ArrayLike, signal: ArrayLike) -> FloatArray:
    """Normalised Shirley step of ``signal``: its cumulative integral divided by its total.

    The step is 0 at the lowest and 1 at the highest binding energy; an active Shirley
    background is ``I_low + k * shirley_step(E, peaks)``. Where the total integral is 0 the
    step is 0 everywhere.

    Parameters
    ----------
    binding_energy, signal
        As for :func:`cumulative_integral` (eV; shape ``(n,)`` and ``(..., n)``).

    Returns
    -------
    numpy.ndarray
        Dimensionless step, same shape and channel order as ``signal``.
    """
    x, s = _check_axis(binding_energy, signal)
    descending = bool(x[0] > x[-1])
    if descending:
        x, s = x[::-1], s[..., ::-1]
    area = _cumtrapz_ascending(x, s)
    total = area[..., -1:]
    step = np.divide(area, total, out=np.zeros(area.shape), where=total != 0)
    return step[..., ::-1] if descending else step


def _check_cross_section(C: float, D: float, form: str) -> None:
    if form not in get_args(TougaardForm):
        raise SpecError(f"Tougaard form must be 'U2' or 'U3', not {form!r}")
    if not (np.isfinite(C) and C > 0):
        raise SpecError(f"Tougaard C must be a positive number of eV^2, not {C}")
    if form == "U3" and not (np.isfinite(D) and D > 0):
        raise SpecError(f"Tougaard D must be a positive number of eV^2 for U3, not {D}")


def tougaard_kernel(
    energy_loss: ArrayLike, C: float, D: float = 1.0, form: TougaardForm = "U2"
) -> FloatArray:
    """Universal inelastic cross-section of Tougaard with B = 1.

    ``U2: K(T) = T / (C + T^2)^2`` and ``U3: K(T) = T / ((C - T^2)^2 + D T^2)``, for an energy
    loss ``T >= 0``; K is 0 for ``T <= 0``. ``U2`` peaks at ``T = sqrt(C / 3)``; ``U3`` with
    ``D = 4 C`` equals ``U2``.

    Parameters
    ----------
    energy_loss
        Energy loss T, eV.
    C, D
        Cross-section parameters, eV^2, > 0 (universal U2: C = 1643; D is used by U3 only).
    form
        ``"U2"`` or ``"U3"``.

    Returns
    -------
    numpy.ndarray
        K(T) / B, 1/eV^3 (times B in eV^2 it is a loss probability per eV).
    """
    _check_cross_section(C, D, form)
    loss = np.asarray(energy_loss, dtype=np.float64)
    t = np.maximum(loss, 0.0, out=np.empty(loss.shape))
    denom = np.multiply(t, t)
    if form == "U2":
        denom += C
        denom *= denom
    else:
        gap = C - denom
        gap *= gap
        denom *= D
        denom += gap
    return np.divide(t, denom, out=t)


def _trapezoid_weights(x: FloatArray) -> FloatArray:
    weights = np.zeros(x.size)
    if x.size > 1:
        d = np.abs(np.diff(x))
        weights[0] = 0.5 * d[0]
        weights[-1] = 0.5 * d[-1]
        weights[1:-1] = 0.5 * (d[:-1] + d[1:])
    return weights


def _uniform_spacing(x: FloatArray) -> float:
    """The channel spacing of an evenly spaced axis (signed, eV), or 0 when uneven."""
    d = np.diff(x)
    h = float(d[0])
    return h if h != 0 and bool(np.all(np.abs(d - h) <= 1e-9 * abs(h))) else 0.0


def tougaard_matrix(
    binding_energy: ArrayLike, C: float, D: float = 1.0, form: TougaardForm = "U2"
) -> FloatArray:
    """Matrix of the Tougaard loss integral on an axis, with B = 1.

    ``(M @ j)[i] = integral over E' < E_i of K(E_i - E') j(E') dE'`` by the trapezoid rule on
    the channels, with K from :func:`tougaard_kernel`. The Tougaard background of a signal
    ``j`` is ``B * M @ j``. On an evenly spaced axis the kernel is evaluated once per lag.

    Parameters
    ----------
    binding_energy
        Monotonic binding-energy axis (ascending or descending), eV, shape ``(n,)``.
    C, D, form
        Cross-section, as in :func:`tougaard_kernel` (eV^2, eV^2, ``"U2"`` or ``"U3"``).

    Returns
    -------
    numpy.ndarray
        Shape ``(n, n)``, rows and columns in the order of the input axis, 1/eV^2.
    """
    x = np.asarray(binding_energy, dtype=np.float64)
    if x.ndim != 1 or x.size < 1:
        raise FitError(f"binding-energy axis must be one-dimensional and non-empty, not {x.shape}")
    n = x.size
    weights = _trapezoid_weights(x)
    h = _uniform_spacing(x) if n > 1 else 0.0
    if h == 0.0:
        matrix = tougaard_kernel(np.subtract.outer(x, x), C, D, form)
        matrix *= weights
        return matrix
    # Evenly spaced: M[i, k] = K(|i - k| h) on one side of the diagonal (a Toeplitz matrix).
    per_lag = tougaard_kernel(abs(h) * np.arange(n), C, D, form)
    pieces = (per_lag[::-1], np.zeros(n - 1)) if h > 0 else (np.zeros(n - 1), per_lag)
    windows = np.lib.stride_tricks.sliding_window_view(np.concatenate(pieces), n)[::-1]
    return np.multiply(windows, weights, out=np.empty((n, n)))


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
        bad = int(np.count_nonzero(~np.isfinite(values)))
        if bad:
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
    data: _Prepared, average_points: int, start_offset: float, end_offset: float
) -> tuple[float, float]:
    _check_count("average_points", average_points)
    for name, offset in (("start_offset", start_offset), ("end_offset", end_offset)):
        if not np.isfinite(offset):
            raise SpecError(f"{name} must be a finite intensity, not {offset}")
    k = max(1, min(int(average_points), data.energy.size // 2))
    i_low = float(np.mean(data.intensity[:k])) + float(start_offset)
    i_high = float(np.mean(data.intensity[-k:])) + float(end_offset)
    return i_low, i_high


def linear(
    binding_energy: ArrayLike,
    intensity: ArrayLike,
    *,
    average_points: int = 5,
    start_offset: float = 0.0,
    end_offset: float = 0.0,
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
    i_low, i_high = _end_levels(data, average_points, start_offset, end_offset)
    x = data.energy
    slope = float((i_high - i_low) / (x[-1] - x[0]))
    return data.result(
        i_low + slope * (x - x[0]),
        "straight line between the end levels",
        {"i_low": i_low, "i_high": i_high, "slope": slope},
    )


def _shirley_iterate(
    data: _Prepared, i_low: float, step: float, tolerance: float, max_iterations: int
) -> tuple[FloatArray, int, float, float]:
    """Proctor-Sherwood substitution on the normalised step; returns the step fraction,
    iterations made, the last change and the last total area."""
    x = data.energy
    half_dx = 0.5 * np.diff(x)
    ramp = (x - x[0]) / (x[-1] - x[0])
    above = data.intensity - i_low
    fraction = np.zeros(x.size)
    area = np.zeros(x.size)
    change, total, iterations = np.inf, 0.0, 0
    while iterations < max_iterations and change > tolerance:
        iterations += 1
        residual = above - step * fraction
        np.cumsum(half_dx * (residual[1:] + residual[:-1]), out=area[1:])
        total = float(area[-1])
        largest = max(float(area.max()), -float(area.min()))
        usable = total != 0.0 and largest <= MAX_STEP_FRACTION * abs(total)
        new = area / total if usable else ramp
        change = float(np.max(np.abs(new - fraction)))
        fraction = new
    return fraction, iterations, change, total


def shirley(
    binding_energy: ArrayLike,
    intensity: ArrayLike,
    *,
    average_points: int = 5,
    start_offset: float = 0.0,
    end_offset: float = 0.0,
    tolerance: float = 1e-6,
    max_iterations: int = 100,
) -> BackgroundResult:
    """Iterative Shirley background (Proctor and Sherwood).

    ``B(E) = I_low + (I_high - I_low) * A(E_low..E) / A(E_low..E_high)``, where ``A`` is the
    trapezoid integral of ``intensity - B`` from the lowest binding energy. Starting from
    ``B = I_low``, the formula is iterated until the background changes by at most
    ``tolerance`` times the step ``|I_high - I_low|``, or ``max_iterations`` is reached (the
    result then says so; plain substitution does not settle when the step approaches the
    peak height). When an iteration finds no usable peak area (the total is 0, or the
    normalised area leaves ``[-MAX_STEP_FRACTION, MAX_STEP_FRACTION]``, as for flat data) it
    uses the straight line between the end levels instead.

    Parameters
    ----------
    binding_energy, intensity
        Binding energies (eV, any order) and intensity per channel (counts or counts/s).
    average_points, start_offset, end_offset
        End levels: mean of ``average_points`` (>= 1, at most half the) channels at each end,
        plus these intensities at the low- and high-binding-energy end.
    tolerance
        Relative convergence tolerance, > 0 (largest change as a fraction of the step).
    max_iterations
        Iteration cap, >= 1.

    Returns
    -------
    BackgroundResult
        With ``params`` ``i_low``, ``i_high`` and ``peak_area`` (the last total area of
        ``intensity - B``, intensity x eV).

    Raises
    ------
    FitError, SpecError
        Unusable data (see :func:`linear`); invalid options.
    """
    data = _prepare(binding_energy, intensity)
    i_low, i_high = _end_levels(data, average_points, start_offset, end_offset)
    if not (np.isfinite(tolerance) and tolerance > 0):
        raise SpecError(f"Shirley tolerance must be a positive number, not {tolerance}")
    _check_count("max_iterations", max_iterations)
    step = i_high - i_low
    fraction, iterations, change, total = _shirley_iterate(
        data, i_low, step, tolerance, max_iterations
    )
    converged = change <= tolerance
    if converged:
        message = f"converged after {iterations} iterations"
    else:
        message = (
            f"stopped at the cap of {max_iterations} iterations, last change {change:.3g} "
            f"(tolerance {tolerance:.3g})"
        )
    return data.result(
        i_low + step * fraction,
        message,
        {"i_low": i_low, "i_high": i_high, "peak_area": total},
        iterations=iterations,
        converged=converged,
        tolerance=tolerance,
        change=change,
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
    B: float = 2866.0,
    C: float = 1643.0,
    D: float = 1.0,
    form: TougaardForm = "U2",
    fit_B: bool = True,
    average_points: int = 5,
    start_offset: float = 0.0,
    end_offset: float = 0.0,
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
        Cross-section parameters, eV^2 (universal U2: B = 2866, C = 1643). D is used by U3.
    form
        ``"U2"`` (two-parameter) or ``"U3"`` (three-parameter) cross-section.
    fit_B
        Match B to the high-binding-energy end level (see above).
    average_points, start_offset, end_offset
        End levels: mean of ``average_points`` (>= 1, at most half the) channels at each end,
        plus these intensities at the low- and high-binding-energy end.

    Returns
    -------
    BackgroundResult
        With ``params`` ``i_low``, ``i_high``, ``B``, ``C`` and ``D``.

    Raises
    ------
    FitError, SpecError
        Unusable data (see :func:`linear`); invalid options or cross-section parameters.
    """
    data = _prepare(binding_energy, intensity)
    i_low, i_high = _end_levels(data, average_points, start_offset, end_offset)
    if not np.isfinite(B):
        raise SpecError(f"Tougaard B must be a finite number of eV^2, not {B}")
    loss = tougaard_matrix(data.energy, C, D, form) @ (data.intensity - i_low)
    if fit_B:
        B_used, how = _fitted_B(float(B), float(loss[-1]), i_high - i_low)
    else:
        B_used, how = float(B), f"B = {float(B):.6g} eV^2 as given"
    return data.result(
        i_low + B_used * loss,
        f"{form} cross-section, {how}",
        {"i_low": i_low, "i_high": i_high, "B": B_used, "C": float(C), "D": float(D)},
    )
