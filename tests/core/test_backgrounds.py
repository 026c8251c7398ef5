"""Backgrounds: a contract every background and kernel honours, then the physics of each.

The contract classes carry the tests; each algorithm is one line (a subclass naming it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import integrate, special

import xpsfit
from xpsfit import backgrounds as bg
from xpsfit.errors import FitError, SpecError
from xpsfit.model_background import background_model
from xpsfit.spec import BackgroundSpec, Param
from xpsfit.spectrum import Spectrum

FloatArray = NDArray[np.float64]
AXIS = np.linspace(770.0, 810.0, 401)  # eV, 0.1 eV steps


def gaussian(x: FloatArray, center: float, fwhm: float, area: float) -> FloatArray:
    sigma = fwhm / (2.0 * math.sqrt(2.0 * math.log(2.0)))
    return area * np.exp(-0.5 * ((x - center) / sigma) ** 2) / (sigma * math.sqrt(2.0 * math.pi))


def gaussian_cdf(x: FloatArray, center: float, fwhm: float, area: float) -> FloatArray:
    sigma = fwhm / (2.0 * math.sqrt(2.0 * math.log(2.0)))
    return area * 0.5 * (1.0 + special.erf((x - center) / (sigma * math.sqrt(2.0))))


def doublet(x: FloatArray) -> FloatArray:
    return gaussian(x, 780.0, 1.8, 3000.0) + gaussian(x, 795.3, 2.0, 1500.0)


def doublet_on_step(x: FloatArray, i_low: float = 200.0, k: float = 0.08) -> FloatArray:
    """Peaks on an exact Shirley step: I_low + k * (analytic cumulative peak area)."""
    step = gaussian_cdf(x, 780.0, 1.8, 3000.0) + gaussian_cdf(x, 795.3, 2.0, 1500.0)
    return doublet(x) + i_low + k * step


# --------------------------------------------------------------------------- independent references


def reference_shirley(
    energy: FloatArray, counts: FloatArray, ends: int = 5, tol: float = 1e-10
) -> FloatArray:
    """Shirley written from the formula with plain loops, walking down from the highest BE.

    B(E) = I_high - (I_high - I_low) * A(E..E_high) / A(E_low..E_high), A the trapezoid area of
    (counts - B); the same background as the low-BE form, written the other way round.
    """
    pairs = sorted(zip(energy.tolist(), counts.tolist(), strict=True), reverse=True)
    e = [p[0] for p in pairs]
    v = [p[1] for p in pairs]
    n = len(v)
    high = sum(v[:ends]) / ends
    low = sum(v[n - ends :]) / ends
    b = [low] * n
    for _ in range(1000):
        above = [0.0] * n
        for i in range(1, n):
            width = e[i - 1] - e[i]
            above[i] = above[i - 1] + width * ((v[i - 1] - b[i - 1]) + (v[i] - b[i])) / 2.0
        new = [high - (high - low) * above[i] / above[n - 1] for i in range(n)]
        delta = max(abs(new[i] - b[i]) for i in range(n))
        b = new
        if delta < tol * abs(high - low):
            break
    by_energy = dict(zip(e, b, strict=True))
    return np.array([by_energy[float(x)] for x in energy])


def reference_kernel(t: float, C: float, D: float, form: str) -> float:
    if t <= 0.0:
        return 0.0
    if form == "U2":
        return t / (C + t * t) ** 2
    return t / ((C - t * t) ** 2 + D * t * t)


def reference_tougaard_loss(
    energy: FloatArray, signal: FloatArray, C: float, D: float = 1.0, form: str = "U2"
) -> FloatArray:
    """Loss integral over E' < E of K(E - E') j(E') dE', trapezoids summed in a double loop."""
    order = sorted(range(len(energy)), key=lambda i: energy[i])
    e = [float(energy[i]) for i in order]
    j = [float(signal[i]) for i in order]
    loss_sorted = []
    for i in range(len(e)):
        f = [reference_kernel(e[i] - e[m], C, D, form) * j[m] for m in range(i + 1)]
        loss_sorted.append(sum((e[m + 1] - e[m]) * (f[m] + f[m + 1]) / 2 for m in range(i)))
    out = np.empty(len(e))
    out[order] = loss_sorted
    return out


# --------------------------------------------------------------------------- contracts


class KernelContract:
    """What every background and fit-time kernel honours. Subclasses set ``kernel``."""

    kernel: ClassVar[Callable[[FloatArray, FloatArray], FloatArray]]

    def compute(self, x: FloatArray, y: FloatArray) -> FloatArray:
        return np.asarray(type(self).kernel(x, y))

    def test_finite_with_the_input_shape(self) -> None:
        out = self.compute(AXIS, doublet_on_step(AXIS))
        assert out.shape == AXIS.shape
        assert np.all(np.isfinite(out))

    def test_input_not_mutated(self) -> None:
        x, y = AXIS.copy(), doublet_on_step(AXIS)
        x0, y0 = x.copy(), y.copy()
        self.compute(x, y)
        np.testing.assert_array_equal(x, x0)
        np.testing.assert_array_equal(y, y0)

    def test_read_only_input_accepted(self) -> None:
        x, y = AXIS.copy(), doublet_on_step(AXIS)
        expected = self.compute(x, y)
        x.setflags(write=False)
        y.setflags(write=False)
        np.testing.assert_array_equal(self.compute(x, y), expected)

    def test_axis_order_invariant(self) -> None:
        y = doublet_on_step(AXIS)
        forward = self.compute(AXIS, y)
        backward = self.compute(AXIS[::-1].copy(), y[::-1].copy())
        np.testing.assert_allclose(backward[::-1], forward, rtol=1e-10, atol=1e-9)

    def test_flat_data_finite(self) -> None:
        assert np.all(np.isfinite(self.compute(AXIS, np.full(AXIS.size, 37.0))))

    def test_two_points_finite(self) -> None:
        out = self.compute(np.array([100.0, 101.0]), np.array([5.0, 9.0]))
        assert out.shape == (2,)
        assert np.all(np.isfinite(out))


class BackgroundContract(KernelContract):
    """What every static background honours on top of the kernel contract."""

    algorithm: ClassVar[Callable[..., bg.BackgroundResult]]

    def run(self, x: FloatArray, y: FloatArray) -> bg.BackgroundResult:
        return type(self).algorithm(x, y)

    def compute(self, x: FloatArray, y: FloatArray) -> FloatArray:
        return self.run(x, y).background

    def assert_sane(self, y: FloatArray, x: FloatArray = AXIS) -> bg.BackgroundResult:
        result = self.run(x, y)
        span = float(np.ptp(y))
        assert np.all(np.isfinite(result.background))
        assert np.all(result.background >= y.min() - span - 1e-9)
        assert np.all(result.background <= y.max() + span + 1e-9)
        return result

    def test_result_described(self) -> None:
        result = self.run(AXIS, doublet_on_step(AXIS))
        assert not result.background.flags.writeable
        assert result.message
        assert result.iterations >= 0
        assert {"i_low", "i_high"} <= set(result.params)
        assert all(math.isfinite(v) for v in result.params.values())

    def test_flat_data_gives_flat_background(self) -> None:
        result = self.run(AXIS, np.full(AXIS.size, 37.0))
        np.testing.assert_allclose(result.background, 37.0, rtol=1e-12)

    def test_pure_step(self) -> None:
        self.assert_sane(np.where(AXIS > 790.0, 300.0, 100.0))

    def test_noisy_ends(self, rng: np.random.Generator) -> None:
        y = doublet_on_step(AXIS)
        y[:8] += rng.normal(0.0, 80.0, 8)
        y[-8:] += rng.normal(0.0, 80.0, 8)
        self.assert_sane(y)

    @pytest.mark.parametrize("window", [slice(0, 100), slice(105, None), slice(95, 110)])
    def test_window_cutting_through_a_peak(self, window: slice) -> None:
        self.assert_sane(doublet_on_step(AXIS)[window], AXIS[window])

    def test_unsorted_axis_gives_output_in_input_order(self, rng: np.random.Generator) -> None:
        y = doublet_on_step(AXIS)
        perm = rng.permutation(AXIS.size)
        np.testing.assert_allclose(
            self.compute(AXIS[perm], y[perm]), self.compute(AXIS, y)[perm], rtol=1e-10
        )

    @pytest.mark.parametrize("where", [0, 200, -1])
    @pytest.mark.parametrize("bad", [math.nan, math.inf])
    def test_non_finite_intensity_raises(self, where: int, bad: float) -> None:
        y = doublet_on_step(AXIS)
        y[where] = bad
        with pytest.raises(FitError, match="intensity has 1 non-finite"):
            self.run(AXIS, y)

    def test_non_finite_energy_raises(self) -> None:
        x = AXIS.copy()
        x[3] = math.nan
        with pytest.raises(FitError, match="binding energy has 1 non-finite"):
            self.run(x, doublet_on_step(AXIS))

    @pytest.mark.parametrize(
        ("x", "y", "match"),
        [
            (np.array([1.0]), np.array([2.0]), "at least 2 channels"),
            (np.array([]), np.array([]), "at least 2 channels"),
            (np.arange(5.0), np.arange(4.0), "same length"),
            (np.full(4, 3.0), np.arange(4.0), "zero width"),
        ],
    )
    def test_unusable_data_raises(self, x: FloatArray, y: FloatArray, match: str) -> None:
        with pytest.raises(FitError, match=match):
            self.run(x, y)

    def test_random_finite_data_gives_a_bounded_background(self, rng: np.random.Generator) -> None:
        for _ in range(60):
            n = int(rng.integers(2, 41))
            y = rng.choice([1.0, 1e3, 1e6]) * rng.standard_normal(n)
            y[rng.random(n) < 0.2] *= -50.0  # spikes of both signs
            x = np.linspace(0.0, 0.5 * (n - 1), n)
            self.assert_sane(y, x[::-1].copy() if rng.random() < 0.5 else x)


# --------------------------------------------------------------------------- one line per algorithm


class TestShirley(BackgroundContract):
    algorithm = staticmethod(bg.shirley)


class TestShirleyChannelSum(BackgroundContract):
    algorithm = staticmethod(partial(bg.shirley, rule="channel_sum"))


class TestLinear(BackgroundContract):
    algorithm = staticmethod(bg.linear)


class TestTougaardU2(BackgroundContract):
    algorithm = staticmethod(bg.tougaard)


class TestTougaardU3(BackgroundContract):
    algorithm = staticmethod(partial(bg.tougaard, form="U3", C=551.0, D=436.0))


class TestTougaardGivenB(BackgroundContract):
    algorithm = staticmethod(partial(bg.tougaard, B=500.0, fit_B=False))


class TestCumulativeIntegral(KernelContract):
    kernel = staticmethod(bg.cumulative_integral)


class TestShirleyStep(KernelContract):
    kernel = staticmethod(bg.shirley_step)


class TestTougaardMatrixProduct(KernelContract):
    kernel = staticmethod(lambda x, y: bg.tougaard_matrix(x, 1643.0) @ y)


class TestTougaardMatrixProductU3(KernelContract):
    kernel = staticmethod(lambda x, y: bg.tougaard_matrix(x, 551.0, 436.0, "U3") @ y)


# --------------------------------------------------------------------------- Shirley physics


def test_shirley_recovers_a_known_step_under_gaussian_peaks() -> None:
    y = doublet_on_step(AXIS)
    truth = y - doublet(AXIS)
    result = bg.shirley(AXIS, y)
    step = result.params["i_high"] - result.params["i_low"]
    assert result.converged
    # The trapezoid sums on 0.1 eV channels differ from the analytic step by ~2e-4 of it.
    assert np.max(np.abs(result.background - truth)) < 1e-3 * step


def test_shirley_recovers_a_known_step_under_a_voigt_peak() -> None:
    fine = np.linspace(770.0, 810.0, 4001)
    peak = 4000.0 * special.voigt_profile(fine - 790.0, 0.6, 0.15)
    y_fine = 150.0 + peak + 0.1 * integrate.cumulative_trapezoid(peak, fine, initial=0.0)
    x, y, tail, truth = fine[::10], y_fine[::10], peak[::10], (y_fine - peak)[::10]
    step = float(truth[-1] - truth[0])
    # The Lorentzian tails lift both end levels by 0.1 % of the step; integrated across the
    # 40 eV window that tilts the background by up to ~0.7 % of the step.
    plain = bg.shirley(x, y)
    assert np.max(np.abs(plain.background - truth)) < 1e-2 * step
    # With the tails taken off the end levels (the offsets), the step is recovered.
    exact_ends = bg.shirley(x, y, average_points=1, start_offset=-tail[0], end_offset=-tail[-1])
    assert np.max(np.abs(exact_ends.background - truth)) < 1e-3 * step


def test_shirley_agrees_with_an_independent_implementation(rng: np.random.Generator) -> None:
    y = rng.poisson(doublet_on_step(AXIS, i_low=400.0, k=0.15)).astype(float)
    reference = reference_shirley(AXIS, y)
    step = abs(reference[-1] - reference[0])
    for x, yy in ((AXIS, y), (AXIS[::-1], y[::-1])):
        ours = bg.shirley(x, yy).background
        expected = reference if x[0] < x[-1] else reference[::-1]
        assert np.max(np.abs(ours - expected)) < 1e-3 * step  # the stated requirement
        assert np.max(np.abs(ours - expected)) < 1e-5 * step  # what the default tolerance gives


@pytest.mark.parametrize("k", [0.05, 0.15])
def test_shirley_on_an_uneven_axis_agrees_with_an_independent_implementation(
    k: float, rng: np.random.Generator
) -> None:
    # Jittered channel widths: every channel pair has its own share of the rate.
    x = np.sort(AXIS + rng.uniform(-0.03, 0.03, AXIS.size))
    y = doublet_on_step(x, i_low=400.0, k=k)
    reference = reference_shirley(x, y)
    step = abs(reference[-1] - reference[0])
    result = bg.shirley(x, y)
    assert result.converged, result.message
    assert np.max(np.abs(result.background - reference)) < 1e-5 * step
    falling = bg.shirley(-x[::-1], y[::-1])
    np.testing.assert_allclose(falling.background[::-1], result.background, rtol=1e-9)


def test_a_repeated_channel_changes_no_shirley_integral() -> None:
    # Two channels at one energy (e.g. joined scans) make a pair of zero width.
    y = doublet_on_step(AXIS, i_low=400.0, k=0.3)
    once = bg.shirley(AXIS, y)
    twice = bg.shirley(np.insert(AXIS, 150, AXIS[150]), np.insert(y, 150, y[150]))
    step = once.params["i_high"] - once.params["i_low"]
    assert twice.converged, twice.message
    assert np.max(np.abs(np.delete(twice.background, 150) - once.background)) < 1e-9 * step


def test_shirley_reports_the_iteration_cap() -> None:
    result = bg.shirley(AXIS, doublet_on_step(AXIS), max_iterations=2)
    assert not result.converged
    assert result.iterations == 2
    assert result.change > result.tolerance
    assert "cap of 2 iterations" in result.message


def test_shirley_reports_convergence() -> None:
    result = bg.shirley(AXIS, doublet_on_step(AXIS), tolerance=1e-8)
    assert result.converged
    assert result.change <= 1e-8
    assert result.message == f"converged after {result.iterations} iterations"


def test_end_levels_average_and_offsets() -> None:
    y = np.arange(20.0)
    result = bg.linear(np.arange(20.0), y, average_points=3, start_offset=1.0, end_offset=-2.0)
    assert result.params["i_low"] == pytest.approx(1.0 + 1.0)
    assert result.params["i_high"] == pytest.approx(18.0 - 2.0)
    assert result.background[0] == pytest.approx(2.0)
    assert result.background[-1] == pytest.approx(16.0)
    assert result.params["slope"] == pytest.approx(14.0 / 19.0)


def test_two_points_keep_their_own_end_levels() -> None:
    result = bg.shirley(np.array([101.0, 100.0]), np.array([9.0, 5.0]))
    np.testing.assert_allclose(result.background, [9.0, 5.0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"average_points": 0}, "average_points"),
        ({"average_points": 2.5}, "average_points"),
        ({"tolerance": 0.0}, "tolerance"),
        ({"max_iterations": 0}, "max_iterations"),
        ({"start_offset": math.nan}, "start_offset"),
    ],
)
def test_shirley_rejects_bad_options(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(SpecError, match=match):
        bg.shirley(AXIS, doublet_on_step(AXIS), **kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- fit-time kernels


def test_cumulative_integral_is_exact_for_a_line_and_zero_at_low_binding_energy() -> None:
    x = np.array([3.0, 2.5, 1.0, 0.0])
    out = bg.cumulative_integral(x, 2.0 + 3.0 * x)
    np.testing.assert_allclose(out, 2.0 * x + 1.5 * x**2)
    assert out[-1] == 0.0


def test_kernels_treat_leading_axes_as_independent_signals() -> None:
    rows = np.stack([doublet(AXIS), gaussian(AXIS, 790.0, 1.0, 10.0)])
    for kernel in (bg.cumulative_integral, bg.shirley_step):
        both = kernel(AXIS, rows)
        np.testing.assert_allclose(both[1], kernel(AXIS, rows[1]))


def test_shirley_step_rises_monotonically_from_zero_to_one() -> None:
    for x in (AXIS, AXIS[::-1]):
        step = bg.shirley_step(x, doublet(x))
        ascending = step if x[0] < x[-1] else step[::-1]
        assert ascending[0] == 0.0
        assert ascending[-1] == pytest.approx(1.0)
        assert np.all(np.diff(ascending) >= 0.0)


def test_shirley_step_of_no_signal_is_zero() -> None:
    np.testing.assert_array_equal(bg.shirley_step(AXIS, np.zeros(AXIS.size)), 0.0)


def test_kernel_shape_mismatch_raises() -> None:
    with pytest.raises(FitError, match="does not match"):
        bg.cumulative_integral(AXIS, np.ones(3))


# --------------------------------------------------------------------------- Tougaard physics


def test_u2_peaks_at_sqrt_c_over_3_and_integrates_to_one_over_2c() -> None:
    C = 1643.0
    t = np.linspace(0.0, 100.0, 200001)
    k = bg.tougaard_kernel(t, C)
    assert t[np.argmax(k)] == pytest.approx(math.sqrt(C / 3.0), abs=1e-3)
    area, _ = integrate.quad(lambda v: float(bg.tougaard_kernel(v, C)), 0.0, np.inf)
    assert area == pytest.approx(1.0 / (2.0 * C), rel=1e-8)


def test_u3_peak_position_and_its_u2_limit() -> None:
    C, D = 551.0, 436.0
    t = np.linspace(0.0, 100.0, 200001)
    u = ((2 * C - D) + math.sqrt((2 * C - D) ** 2 + 12 * C**2)) / 6.0  # dK/dT = 0
    assert t[np.argmax(bg.tougaard_kernel(t, C, D, "U3"))] == pytest.approx(math.sqrt(u), abs=1e-3)
    np.testing.assert_allclose(bg.tougaard_kernel(t, C, 4 * C, "U3"), bg.tougaard_kernel(t, C))


def test_kernel_is_zero_without_energy_loss() -> None:
    np.testing.assert_array_equal(bg.tougaard_kernel(np.array([-5.0, 0.0]), 1643.0), 0.0)


@pytest.mark.parametrize(("form", "C", "D"), [("U2", 1643.0, 1.0), ("U3", 551.0, 436.0)])
@pytest.mark.parametrize("axis", ["even", "uneven", "descending"])
def test_tougaard_matrix_equals_a_direct_convolution(
    form: str, C: float, D: float, axis: str, rng: np.random.Generator
) -> None:
    x = np.linspace(700.0, 740.0, 121)
    if axis == "uneven":
        x = np.sort(x + rng.uniform(-0.1, 0.1, x.size))
    elif axis == "descending":
        x = x[::-1].copy()
    signal = gaussian(x, 710.0, 2.0, 100.0) + 0.5
    ours = bg.tougaard_matrix(x, C, D, form) @ signal  # type: ignore[arg-type]
    np.testing.assert_allclose(ours, reference_tougaard_loss(x, signal, C, D, form), rtol=1e-10)


@pytest.mark.parametrize(
    ("form", "B", "C", "D"), [("U2", 2866.0, 1643.0, 1.0), ("U3", 400.0, 551.0, 436.0)]
)
def test_tougaard_recovers_a_background_made_by_the_same_kernel(
    form: str, B: float, C: float, D: float
) -> None:
    x = np.linspace(770.0, 830.0, 241)
    peak = gaussian(x, 785.0, 1.5, 5000.0)
    loss = (
        np.array([[reference_kernel(e - f, C, D, form) for f in x] for e in x])
        * np.gradient(x)[None, :]
    )
    loss[:, 0] *= 0.5  # trapezoid end weight at the low-BE edge
    measured = np.linalg.solve(np.eye(x.size) - B * loss, peak)  # j = peak + B * loss @ j
    truth = 50.0 + measured - peak
    given = bg.tougaard(x, 50.0 + measured, B=B, C=C, D=D, form=form, fit_B=False)  # type: ignore[arg-type]
    np.testing.assert_allclose(given.background, truth, atol=1e-6 * np.ptp(truth))
    fitted = bg.tougaard(x, 50.0 + measured, C=C, D=D, form=form, average_points=1)  # type: ignore[arg-type]
    assert fitted.params["B"] == pytest.approx(B, rel=1e-6)
    np.testing.assert_allclose(fitted.background, truth, atol=1e-5 * np.ptp(truth))


def test_tougaard_keeps_b_when_it_cannot_be_matched() -> None:
    result = bg.tougaard(AXIS, np.full(AXIS.size, 80.0), B=1234.0)
    assert result.params["B"] == 1234.0
    assert "as given" in result.message


def test_tougaard_b_is_never_negative() -> None:
    y = doublet(AXIS) + np.where(AXIS < 800.0, 300.0, 100.0)
    result = bg.tougaard(AXIS, y)
    assert result.params["B"] == 0.0
    np.testing.assert_allclose(result.background, result.params["i_low"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"form": "U4"}, "form"),
        ({"C": 0.0}, "C must be"),
        ({"C": -3.0}, "C must be"),
        ({"form": "U3", "D": 0.0}, "D must be"),
        ({"B": math.inf}, "B must be"),
    ],
)
def test_tougaard_rejects_bad_cross_sections(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(SpecError, match=match):
        bg.tougaard(AXIS, doublet_on_step(AXIS), **kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- Shirley convergence


def reference_substitution(energy: FloatArray, counts: FloatArray, b: FloatArray) -> FloatArray:
    """One Proctor-Sherwood substitution written with a plain loop (ascending axis)."""
    n = len(energy)
    area = [0.0] * n
    for i in range(1, n):
        residual = (counts[i - 1] - b[i - 1]) + (counts[i] - b[i])
        area[i] = area[i - 1] + (energy[i] - energy[i - 1]) * residual / 2.0
    return np.array([b[0] + (b[-1] - b[0]) * a / area[-1] for a in area])


@pytest.mark.parametrize("k", [0.3, 0.5, 1.0])
def test_big_clean_steps_converge_to_the_known_step(k: float) -> None:
    # Step 0.86 to 2.9 times the main peak height: plain substitution oscillates here.
    y = doublet_on_step(AXIS, i_low=400.0, k=k)
    truth = y - doublet(AXIS)
    result = bg.shirley(AXIS, y)
    step = result.params["i_high"] - result.params["i_low"]
    assert result.converged, result.message
    assert result.iterations <= 30
    assert result.params["rate"] == pytest.approx(k, rel=2e-3)  # mu = step / peak area
    assert np.max(np.abs(result.background - truth)) < 1e-3 * step


def test_plain_substitution_is_not_a_contraction_for_big_steps() -> None:
    # Linearised substitution: e -> -mu (V e - f (V e)[-1]); for two peaks Delta apart with
    # area ratio r its largest eigenvalues have modulus mu Delta / sqrt(pi^2 + ln^2 r).
    n = AXIS.size
    running = np.tril(np.full((n, n), 0.1))
    running[:, 0] -= 0.05
    running[np.arange(n), np.arange(n)] -= 0.05
    running[0, 0] = 0.0
    for k in (0.1, 0.3):
        fraction = bg.shirley_step(AXIS, doublet(AXIS))
        jacobian = -k * (running - np.outer(fraction, running[-1]))
        radius = float(np.max(np.abs(np.linalg.eigvals(jacobian))))
        assert radius == pytest.approx(k * 15.3 / math.hypot(math.pi, math.log(0.5)), rel=0.02)
    assert radius > 1.0


@pytest.mark.parametrize(("k", "least"), [(0.05, 20), (0.1, 16), (0.2, 13), (0.3, 13)])
def test_poisson_data_converge_to_the_reference_fixed_point(k: float, least: int) -> None:
    expected = doublet_on_step(AXIS, i_low=400.0, k=k)
    converged = 0
    for seed in range(20):
        y = np.random.default_rng(seed).poisson(expected).astype(float)
        result = bg.shirley(AXIS, y)
        step = result.params["i_high"] - result.params["i_low"]
        assert result.iterations <= 30
        if result.converged:
            converged += 1
            again = reference_substitution(AXIS, y, result.background)
            assert np.max(np.abs(again - result.background)) <= 1e-6 * step
        else:
            assert result.message.startswith(("no Shirley fixed point", "no usable peak area"))
            assert result.change > result.tolerance
        reference = reference_shirley(AXIS, y)
        if np.max(np.abs(reference_substitution(AXIS, y, reference) - reference)) < 1e-6 * step:
            assert result.converged  # wherever the plain iteration settles, so do we
            assert np.max(np.abs(result.background - reference)) < 1e-3 * step
    assert converged >= least


def test_a_rising_tail_has_no_fixed_point_and_says_so() -> None:
    # The data beyond the peaks climb above any Shirley step: no background reaches I_high.
    y = doublet_on_step(AXIS, i_low=400.0, k=0.1) + np.clip(AXIS - 800.0, 0.0, None) * 40.0
    result = bg.shirley(AXIS, y)
    assert not result.converged
    assert result.message.startswith(("no Shirley fixed point", "no usable peak area"))
    assert result.background[0] == pytest.approx(result.params["i_low"])
    assert result.background[-1] == pytest.approx(result.params["i_high"])
    assert np.all(np.isfinite(result.background))


def test_a_falling_step_is_the_mirror_of_a_rising_one() -> None:
    y = doublet_on_step(AXIS, i_low=400.0, k=0.3)
    rising = bg.shirley(AXIS, y)
    falling = bg.shirley(-AXIS[::-1], y[::-1])
    assert falling.converged
    np.testing.assert_allclose(falling.background[::-1], rising.background, rtol=1e-9)
    assert falling.params["rate"] == pytest.approx(-rising.params["rate"])


def _quantera_cu_2p(folder: Path) -> tuple[FloatArray, FloatArray]:
    """Cu 2p from the decoded PHI Quantera narrow scan (first two CSV columns)."""
    rows = [
        line.split(",")[:2]
        for line in (folder / "M-DaC_XPS" / "XPS_PHI_QUANTERA_narrow.csv").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    data = np.array([[float(a), float(b)] for a, b in rows if a and b])
    return data[:, 0], data[:, 1]


def test_real_transition_metal_2p_spectra(realdata: Path) -> None:
    fe = next(s for s in xpsfit.read(realdata / "pynxtools-xps" / "FeO_analyzed.vms"))
    ni = next(s for s in xpsfit.read(realdata / "LG4X-V2" / "0-150W.vms") if s.region == "Ni 2p")
    spectra = {
        "Fe 2p": (fe.binding_energy, fe.intensity),
        "Ni 2p": (ni.binding_energy, ni.intensity),
        "Cu 2p": _quantera_cu_2p(realdata),
    }
    results = {name: bg.shirley(*xy) for name, xy in spectra.items()}
    for name, result in results.items():
        counts = spectra[name][1]
        assert result.iterations <= 30, name
        assert np.all(np.isfinite(result.background)), name
        assert result.background.min() >= counts.min() - np.ptp(counts), name
        assert result.background.max() <= counts.max() + np.ptp(counts), name
    # Fe 2p of FeO: step 0.8 of the peak height, an exact fixed point in about ten passes.
    assert results["Fe 2p"].converged
    assert results["Fe 2p"].iterations <= 15
    # Ni 2p (a 7-count step under noise) and Cu 2p (the data keep rising beyond the
    # satellites) have none, and say so.
    assert not results["Ni 2p"].converged
    assert not results["Cu 2p"].converged
    assert results["Cu 2p"].message.startswith("no Shirley fixed point")


def test_tougaard_forms_take_their_own_universal_cross_section() -> None:
    """U2 the metals' B, C (2866, 1643 eV^2); U3 the polymers' B, C, D (434, 551, 436 eV^2):
    U2's C in the U3 form (D = 1) would be one sharp loss at 40.5 eV."""
    be = np.linspace(270.0, 300.0, 301)
    y = 100.0 + 1000.0 * np.exp(-0.5 * ((be - 285.0) / 0.8) ** 2) + 5.0 * (be - 270.0)
    u2 = bg.tougaard(be, y, fit_B=False)
    assert [u2.params[k] for k in ("B", "C", "D")] == [2866.0, 1643.0, 1.0]
    u3 = bg.tougaard(be, y, form="U3", fit_B=False)
    assert [u3.params[k] for k in ("B", "C", "D")] == [434.0, 551.0, 436.0]
    assert bg.tougaard(be, y, form="U3", C=600.0).params["D"] == 436.0
    u3_fitted = BackgroundSpec(
        "tougaard", params={"B": Param(434.0, 0.0)}, options={"tougaard_form": "U3"}
    )
    model = background_model(u3_fitted, Spectrum(be, y))
    assert model.fixed_matrix is not None
    np.testing.assert_array_equal(model.fixed_matrix, bg.tougaard_matrix(be, 551.0, 436.0, "U3"))
