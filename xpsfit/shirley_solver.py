"""The Shirley background as the exact fixed point of the Proctor-Sherwood substitution.

The substitution ``B <- I_low + S * A(E) / A(E_high)`` (``S = I_high - I_low``, ``A`` the
trapezoid integral of ``I - B`` from the lowest binding energy) has its fixed points where
``dB/dE = mu * (I - B)`` with the rate ``mu = S / A(E_high)`` (1/eV). On the channels this reads
``(1 + q_i) B_i = (1 - q_i) B_(i-1) + q_i (I_(i-1) + I_i)`` with ``q_i = mu * h_i / 2``,
``B_0 = I_low``: one pass per trial rate gives the whole background, each ``B_i`` a weighted mean
of ``B_(i-1)`` and the data, and the fixed point is the rate at which it ends at ``I_high``.

Why the substitution itself fails for big steps: linearised about the fixed point it maps an
error ``e`` to ``-mu * (V e - f * (V e)(E_high))`` (``V`` the running integral, ``f`` the
normalised step). For two peaks ``Delta`` eV apart with areas ``a_low``, ``a_high`` its largest
eigenvalues are a complex pair of modulus ``mu * Delta / sqrt(pi^2 + ln^2(a_high / a_low))``;
above 1 the iterates oscillate with growing amplitude, whatever the noise.

Which rate: the mismatch ``g(mu) = B(E_high; mu) - I_high`` is ``-S`` at ``mu = 0`` and rises as
the exponential memory ``1/mu`` of the background shortens; the Shirley rate is its first zero.
Past the first maximum of ``g`` the background starts to follow the data channel by channel and
further zeros are spurious. When that first maximum stays below 0, no Shirley background reaches
``I_high``: the data beyond the peaks lie above every Shirley step (a rising tail, or an end
level that noise has lifted). The rate of the closest approach is then used and the result says
that it is not a fixed point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg.lapack import dgtsv

from xpsfit.background_kernels import FloatArray, cumtrapz_ascending

#: Largest normalised step ``(B - I_low) / (I_high - I_low)`` accepted, and ``1 -`` its lowest;
#: a Shirley candidate leaving ``[1 - MAX_STEP_FRACTION, MAX_STEP_FRACTION]`` holds no usable
#: peak area and the straight line between the end levels is used instead.
MAX_STEP_FRACTION = 2.0

#: Factor between trial rates while looking for the first sign change or maximum of the mismatch.
_RATE_FACTOR = 2.0**0.5

#: The mismatch has levelled off when a step of the rate raises it by less than this share of
#: its steepest rise so far.
_PLATEAU = 0.05

#: How far past the start of a plateau (as a factor of the rate) a zero is still looked for.
_KNEE_REACH = 4.0

#: Factor on the largest rate a step under the data allows, for noise in the data.
_NOISE_ALLOWANCE = 2.0

#: The rate search stops when the mismatch is below this share of ``tolerance * |S|``.
_GAP_SHARE = 1e-3


@dataclass(frozen=True)
class ShirleySolution:
    """A Shirley background on an ascending axis and how it was found.

    Parameters
    ----------
    background
        Background per channel, ascending binding energy.
    iterations
        Trial rates evaluated (one pass over the channels each).
    converged
        One more Proctor-Sherwood substitution changes the background by at most the
        tolerance (as a fraction of the step).
    change
        That largest change as a fraction of ``|I_high - I_low|``.
    rate
        ``mu = (I_high - I_low) / A(E_high)``, 1/eV (0 when the step is 0).
    peak_area
        ``A(E_high)``: area of ``intensity - background``, intensity x eV.
    message
        What happened.
    """

    background: FloatArray
    iterations: int
    converged: bool
    change: float
    rate: float
    peak_area: float
    message: str


class _IterationCapError(Exception):
    """Raised inside the rate search when the iteration cap is used up."""


class _RateSearch:
    """Shirley-shaped backgrounds of one spectrum (ascending axis, rising step) by rate."""

    def __init__(self, energy: FloatArray, intensity: FloatArray, ends: tuple[float, float]):
        self.energy, self.intensity = energy, intensity
        self.i_low, self.i_high = ends
        self.width = np.diff(energy)
        self.half = 0.5 * self.width
        self.mean = 0.5 * (intensity[1:] + intensity[:-1])
        # Across channel pair i the background keeps r_i = (1 - q_i) / (1 + q_i) of its value
        # and takes 1 - r_i of the pair's mean intensity (q_i = rate * half[i]), so it ends at
        # I_low + sum_i (memory[i + 1] - memory[i]) * (mean[i] - I_low), memory[i] the product
        # of r over pair i and all pairs above it (1 above the last). Summed by parts with the
        # pairs counted from the high end, that is mean[-1] + memory @ weights (see gap).
        from_high = self.mean[::-1]
        self._weights = np.empty(from_high.size)
        np.subtract(from_high[1:], from_high[:-1], out=self._weights[:-1])
        self._weights[-1] = self.i_low - from_high[-1]
        self._half_from_high = self.half[::-1].copy()
        self._last_gap = float(self.mean[-1] - self.i_high)
        self.cap = 0
        self.calls = 0
        self.tried: list[tuple[float, float]] = [(0.0, self.i_low - self.i_high)]

    def gap(self, rate: float) -> float:
        """``B(E_high; rate) - I_high``; one iteration."""
        if self.calls >= self.cap:
            raise _IterationCapError
        self.calls += 1
        # memory[j]: the product of r over the j + 1 highest channel pairs.
        q = rate * self._half_from_high
        memory = 1.0 - q
        q += 1.0
        memory /= q
        np.multiply.accumulate(memory, out=memory)
        value = self._last_gap + float(memory @ self._weights)
        self.tried.append((rate, value))
        return value

    def closest(self) -> float:
        """The rate tried so far whose background ended nearest to ``I_high``."""
        return min(self.tried, key=lambda pair: abs(pair[1]))[0]

    def background(self, rate: float) -> FloatArray:
        """The whole background of ``dB/dE = rate * (I - B)`` from ``B = I_low``."""
        q = rate * self.half
        diagonal = np.empty(self.energy.size)
        diagonal[0] = 1.0
        np.add(q, 1.0, out=diagonal[1:])
        rhs = np.empty(self.energy.size)
        rhs[0] = self.i_low
        np.multiply(q, 2.0 * self.mean, out=rhs[1:])
        # A lower bidiagonal system with a diagonal above 1 (q >= 0): never singular, and the
        # tridiagonal solver's pivoting never swaps rows (|1 + q| > |q - 1|).
        out: FloatArray = dgtsv(
            q - 1.0, diagonal, np.zeros(q.size), rhs, overwrite_d=1, overwrite_b=1
        )[3]
        return out

    def trapezoid(self, values: FloatArray) -> FloatArray:
        """Cumulative trapezoid integral of ``values`` from the lowest energy (values x eV)."""
        out = np.zeros(values.size)
        np.add.accumulate(self.half * (values[1:] + values[:-1]), out=out[1:])
        return out


Point = tuple[float, float]


def _maximum(search: _RateSearch, a: Point, c: Point, b: Point) -> tuple[Point, Point]:
    """Narrow rates ``a < c < b`` with ``gap(c)`` above both ends to the first maximum of the
    mismatch, stopping early at a rate with ``gap >= 0``; returns ``a`` (below 0) and ``c``."""
    while b[0] - a[0] > 0.02 * c[0] and c[1] < 0.0:
        left = c[0] - a[0] > b[0] - c[0]
        if left:
            rate = float(np.sqrt(a[0] * c[0])) if a[0] > 0.0 else 0.5 * c[0]
        else:
            rate = float(np.sqrt(c[0] * b[0]))
        probe = (rate, search.gap(rate))
        if probe[1] >= c[1]:
            a, c, b = (a, probe, c) if left else (c, probe, b)
        elif left:
            a = probe
        else:
            b = probe
    return a, c


def _bracket(search: _RateSearch, start: float, top: float) -> tuple[Point, Point] | float:
    """Rates around the first zero of the mismatch (gaps below and at or above 0), or the rate
    of the closest approach when the mismatch levels off below zero: it falls, or rises by less
    than ``_PLATEAU`` of its steepest rise per step and has not reached 0 within ``_KNEE_REACH``
    times that rate (past that the background can only reach ``I_high`` by following the
    noise), or it still rises at ``top``."""
    zero_rate: Point = (0.0, search.i_low - search.i_high)
    here = (start, search.gap(start))
    if here[1] >= 0.0:
        return zero_rate, here
    before, steepest, knee = zero_rate, 0.0, 0.0
    while here[0] < top:
        rate = min(_RATE_FACTOR * here[0], top)
        after = (rate, search.gap(rate))
        if after[1] >= 0.0:
            return here, after
        rise = after[1] - here[1]
        if rise < 0.0:
            low, peak = _maximum(search, before, here, after)
            return (low, peak) if peak[1] >= 0.0 else (knee or peak[0])
        if not knee and rise < _PLATEAU * steepest:
            knee, top = here[0], min(top, _KNEE_REACH * here[0])
        steepest = max(steepest, rise)
        before, here = here, after
    return knee or here[0]


def _zero(search: _RateSearch, lo: Point, hi: Point, goal: float) -> float:
    """Illinois (modified regula falsi) for the zero of the mismatch between two rates."""
    side = 0
    while hi[0] - lo[0] > 1e-13 * hi[0]:
        rate = hi[0] - hi[1] * (hi[0] - lo[0]) / (hi[1] - lo[1])
        gap = search.gap(rate)
        if abs(gap) <= goal:
            return rate
        if gap < 0.0:
            lo = (rate, gap)
            hi = (hi[0], hi[1] * (0.5 if side < 0 else 1.0))
            side = -1
        else:
            hi = (rate, gap)
            lo = (lo[0], lo[1] * (0.5 if side > 0 else 1.0))
            side = 1
    return lo[0] if -lo[1] < hi[1] else hi[0]


def _substitute(search: _RateSearch, background: FloatArray) -> tuple[FloatArray, float] | None:
    """One Proctor-Sherwood substitution, or None when it finds no usable peak area."""
    area = search.trapezoid(search.intensity - background)
    total = float(area[-1])
    if not total > 0.0:
        return None
    # The normalised step area / total must stay within [1 - MAX_STEP_FRACTION, MAX_STEP_FRACTION].
    if area.max() > MAX_STEP_FRACTION * total or area.min() < (1.0 - MAX_STEP_FRACTION) * total:
        return None
    area *= (search.i_high - search.i_low) / total
    area += search.i_low
    return area, total


def _message(search: _RateSearch, rate: float, change: float, how: str, tolerance: float) -> str:
    n, step = search.calls, search.i_high - search.i_low
    if how == "cap":
        return (
            f"stopped at the cap of {search.cap} iterations, last change {change:.3g} "
            f"(tolerance {tolerance:.3g})"
        )
    if change <= tolerance:
        return f"converged after {n} iterations"
    if how == "zero":
        return (
            f"not converged after {n} iterations: one more substitution changes the "
            f"background by {change:.3g} of the step (tolerance {tolerance:.3g})"
        )
    short = -dict(search.tried)[rate]
    return (
        f"no Shirley fixed point: every Shirley background ends at least {short:.4g} "
        f"({100.0 * short / step:.2g} % of the step) short of the higher end level, as the "
        "data beyond the peaks lie above the Shirley step (a rising tail or a noisy end level); "
        f"the closest one, scaled to meet both end levels, is used (last change {change:.3g}, "
        f"{n} iterations)"
    )


def _finish(search: _RateSearch, rate: float, how: str, tolerance: float) -> ShirleySolution:
    step = search.i_high - search.i_low
    candidate = search.background(rate)
    shaped = _substitute(search, candidate)
    again = _substitute(search, shaped[0]) if shaped is not None else None
    if shaped is None or again is None:
        x = search.energy
        line = search.i_low + step * (x - x[0]) / (x[-1] - x[0])
        change = float(np.max(np.abs(line - candidate))) / step
        area = float(search.trapezoid(search.intensity - line)[-1])
        message = (
            "no usable peak area above a Shirley background: straight line between the end levels"
        )
        return ShirleySolution(line, search.calls, False, change, 0.0, area, message)
    change = float(np.max(np.abs(again[0] - shaped[0]))) / step
    message = _message(search, rate, change, how, tolerance)
    converged = change <= tolerance and how != "cap"
    return ShirleySolution(
        shaped[0], search.calls, converged, change, step / shaped[1], shaped[1], message
    )


def _solve_rising(
    energy: FloatArray, intensity: FloatArray, ends: tuple[float, float], tolerance: float, cap: int
) -> ShirleySolution:
    search = _RateSearch(energy, intensity, ends)
    search.cap = cap
    step = ends[1] - ends[0]
    area = float(search.width @ (search.mean - ends[0]))
    # A step between the end levels under the data leaves at least the area of the data above
    # I_high, so the rate hardly exceeds step / that area (twice it is allowed for noise);
    # zeros beyond come from a background that follows the data channel by channel.
    above = float(search.trapezoid(np.maximum(intensity - ends[1], 0.0))[-1])
    top = 1.0 / float(search.width.max())
    top = min(top, _NOISE_ALLOWANCE * step / above) if above > 0.0 else top
    start = min(step / area if area > 0.0 else 1.0 / float(energy[-1] - energy[0]), top)
    try:
        found = _bracket(search, start, top)
        if isinstance(found, float):
            return _finish(search, found, "closest", tolerance)
        return _finish(
            search, _zero(search, *found, _GAP_SHARE * tolerance * step), "zero", tolerance
        )
    except _IterationCapError:
        return _finish(search, search.closest(), "cap", tolerance)


def solve_shirley(
    energy: FloatArray,
    intensity: FloatArray,
    ends: tuple[float, float],
    *,
    tolerance: float,
    max_iterations: int,
) -> ShirleySolution:
    """The Shirley background of a spectrum on an ascending binding-energy axis.

    Parameters
    ----------
    energy
        Ascending binding energies, eV, at least 2 channels spanning a nonzero width.
    intensity
        Finite intensity per channel (counts or counts/s).
    ends
        End levels ``(I_low, I_high)`` at the lowest and highest binding energy (intensity).
    tolerance
        Largest change under one more substitution, as a fraction of the step, > 0.
    max_iterations
        Cap on the trial rates evaluated, >= 1.

    Returns
    -------
    ShirleySolution
        The background (ascending order), the rate and peak area, and how it was found.
    """
    i_low, i_high = ends
    if i_high == i_low:
        area = float(cumtrapz_ascending(energy, intensity - i_low)[-1])
        flat = np.full(energy.size, i_low)
        return ShirleySolution(flat, 0, True, 0.0, 0.0, area, "equal end levels: flat background")
    if i_high > i_low:
        return _solve_rising(energy, intensity, ends, tolerance, max_iterations)
    mirrored = _solve_rising(
        -energy[::-1], intensity[::-1], (i_high, i_low), tolerance, max_iterations
    )
    return ShirleySolution(
        mirrored.background[::-1].copy(),
        mirrored.iterations,
        mirrored.converged,
        mirrored.change,
        -mirrored.rate,
        mirrored.peak_area,
        mirrored.message,
    )
