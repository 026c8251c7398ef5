"""Contract tests over every registered line shape, plus the registry's error handling."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

from xpsfit.errors import SpecError
from xpsfit.lineshapes import LINESHAPES, evaluate, gl_half_width, height, voigt_widths
from xpsfit.lineshapes_casa import window_half_width

SYMMETRIC = ("gaussian", "lorentzian", "gl", "sgl", "pseudo_voigt", "voigt")
ASYMMETRIC = ("doniach_sunjic", "la", "lf")
ALL = tuple(LINESHAPES)

# Parameter sets that exercise each shape away from its defaults.
CASES: dict[str, list[dict[str, float]]] = {
    "gaussian": [{}],
    "lorentzian": [{}],
    "gl": [{"m": 0.0}, {"m": 30.0}, {"m": 75.0}, {"m": 100.0}],
    "sgl": [{"m": 0.0}, {"m": 30.0}, {"m": 100.0}],
    "pseudo_voigt": [{"m": 0.0}, {"m": 50.0}, {"m": 100.0}],
    "voigt": [{"m": 0.0}, {"m": 30.0}, {"m": 70.0}, {"m": 100.0}],
    "doniach_sunjic": [{"alpha": 0.0, "gauss_fwhm": 0.5}, {"alpha": 0.2, "gauss_fwhm": 0.8}],
    "la": [{"alpha": 1.0, "beta": 1.0, "m": 0.0}, {"alpha": 0.7, "beta": 3.0, "m": 120.0}],
    "lf": [{"alpha": 0.54, "beta": 10.0, "w": 0.34, "m": 161.0}, {"alpha": 1.5, "beta": 1.0}],
}


def _cases(keys: tuple[str, ...]) -> list[tuple[str, dict[str, float]]]:
    return [(key, params) for key in keys for params in CASES[key]]


def _case_id(case: tuple[str, dict[str, float]]) -> str:
    key, params = case
    return key + "".join(f"-{k}{v:g}" for k, v in params.items())


def _gauss_fwhm(key: str, fwhm: float, shape: dict[str, float]) -> float:
    if key == "doniach_sunjic":
        return shape.get("gauss_fwhm", 0.3)
    return shape.get("m", 0.0) / 100.0 * fwhm


def _measured_fwhm(x: np.ndarray, y: np.ndarray) -> float:
    """Distance between the half-maximum crossings, linearly interpolated."""
    half = y.max() / 2.0
    above = np.flatnonzero(y >= half)
    i, j = above[0], above[-1]
    left = np.interp(half, [y[i - 1], y[i]], [x[i - 1], x[i]])
    right = np.interp(half, [y[j + 1], y[j]], [x[j + 1], x[j]])
    return float(right - left)


def test_registry_covers_the_agreed_keys() -> None:
    assert set(LINESHAPES) == set(SYMMETRIC + ASYMMETRIC)
    for key, shape in LINESHAPES.items():
        assert shape.key == key
        assert shape.formula
        assert shape.func.__doc__
        assert "Parameters" in shape.func.__doc__
        for p in shape.params:
            assert p.min <= p.default <= p.max, (key, p.name)
    with pytest.raises(TypeError):
        LINESHAPES["x"] = LINESHAPES["gl"]  # type: ignore[index]


def test_unknown_key_names_the_known_keys() -> None:
    with pytest.raises(SpecError, match=r"'glx'.*gaussian.*lf"):
        evaluate("glx", np.arange(3.0), 1.0, 1.0, 1.0)
    with pytest.raises(SpecError, match="'glx'"):
        height("glx", 1.0, 0.0, 1.0)


def test_unknown_shape_parameter_and_bad_width_are_spec_errors() -> None:
    with pytest.raises(SpecError, match=r"no parameter.*alpha.*its parameters: m"):
        evaluate("gl", np.arange(3.0), 1.0, 1.0, 1.0, alpha=0.1)
    for bad in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(SpecError, match="FWHM"):
            evaluate("gaussian", np.arange(3.0), 1.0, 1.0, bad)


@pytest.mark.parametrize("case", _cases(ALL), ids=_case_id)
class TestLineShapeContract:
    """Every shape: pure, vectorised, linear in area, order invariant, height consistent."""

    def test_read_only_input_is_untouched(self, case: tuple[str, dict[str, float]]) -> None:
        key, shape = case
        x = np.linspace(280.0, 300.0, 401)
        x.setflags(write=False)
        before = x.copy()
        y = evaluate(key, x, 1.0, 290.0, 1.3, **shape)
        assert y.dtype == np.float64
        assert y.shape == x.shape
        np.testing.assert_array_equal(x, before)

    def test_axis_order_invariant(self, case: tuple[str, dict[str, float]]) -> None:
        key, shape = case
        x = np.linspace(280.0, 300.0, 401)
        forward = evaluate(key, x, 2.0, 289.7, 1.1, **shape)
        backward = evaluate(key, x[::-1], 2.0, 289.7, 1.1, **shape)
        np.testing.assert_allclose(backward, forward[::-1], rtol=1e-12, atol=0)

    def test_linear_in_area(self, case: tuple[str, dict[str, float]]) -> None:
        key, shape = case
        x = np.linspace(280.0, 300.0, 401)
        one = evaluate(key, x, 1.0, 290.0, 1.3, **shape)
        np.testing.assert_allclose(evaluate(key, x, 3.5, 290.0, 1.3, **shape), 3.5 * one)
        np.testing.assert_allclose(evaluate(key, x, -2.0, 290.0, 1.3, **shape), -2.0 * one)
        assert np.all(one >= 0.0)
        assert one.max() > 0.0

    def test_height_is_the_curve_maximum(self, case: tuple[str, dict[str, float]]) -> None:
        key, shape = case
        reach = window_half_width(1.3, _gauss_fwhm(key, 1.3, shape)) / 4.0
        x = np.linspace(290.0 - reach, 290.0 + reach, 200_001)
        y = evaluate(key, x, 7.0, 290.0, 1.3, **shape)
        assert height(key, 7.0, 290.0, 1.3, **shape) == pytest.approx(y.max(), rel=2e-4)

    def test_area(self, case: tuple[str, dict[str, float]]) -> None:
        key, shape = case
        center, fwhm = 10.0, 0.8
        if key in SYMMETRIC:

            def f(e: float) -> float:
                return float(evaluate(key, np.array([e]), 1.0, center, fwhm, **shape)[0])

            total = sum(
                quad(f, a, b, limit=200)[0]
                for a, b in ((-np.inf, center - 5), (center - 5, center + 5), (center + 5, np.inf))
            )
        else:
            half = window_half_width(fwhm, _gauss_fwhm(key, fwhm, shape))
            x = np.linspace(center - half, center + half, 400_001)
            total = float(np.trapezoid(evaluate(key, x, 1.0, center, fwhm, **shape), x))
        assert total == pytest.approx(1.0, rel=1e-3)


@pytest.mark.parametrize("case", _cases(SYMMETRIC), ids=_case_id)
def test_symmetric_peak_at_center_with_the_stated_fwhm(case: tuple[str, dict[str, float]]) -> None:
    key, shape = case
    center, fwhm = 531.2, 1.7
    x = np.linspace(center - 6 * fwhm, center + 6 * fwhm, 240_001)
    y = evaluate(key, x, 1.0, center, fwhm, **shape)
    assert x[np.argmax(y)] == pytest.approx(center, abs=1e-9 + (x[1] - x[0]))
    np.testing.assert_allclose(y, y[::-1], rtol=1e-9, atol=1e-15)
    assert _measured_fwhm(x, y) == pytest.approx(fwhm, rel=5e-3)


def test_gl_half_width_limits_and_casa_width() -> None:
    assert gl_half_width(0.0) == pytest.approx(0.5, abs=1e-12)
    assert gl_half_width(100.0) == pytest.approx(0.5, abs=1e-12)
    # CasaXPS's GL(30) width parameter F is 3.8 % wider than the curve.
    assert 2 * gl_half_width(30.0) == pytest.approx(0.962, abs=1e-3)


def test_voigt_widths_reproduce_the_lorentzian_share() -> None:
    f_g, f_l = voigt_widths(2.0, 30.0)
    assert f_l / (f_l + f_g) == pytest.approx(0.3)
    assert voigt_widths(2.0, 0.0) == pytest.approx((2.0, 0.0))
    assert voigt_widths(2.0, 100.0)[1] == pytest.approx(2.0, rel=1e-4)


finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=80, deadline=None)
@given(
    key=st.sampled_from(ALL),
    center=st.floats(-50.0, 1500.0),
    fwhm=st.floats(0.02, 8.0),
    area=st.floats(-1e6, 1e6),
    fractions=st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4),
    offset=st.floats(-100.0, 100.0),
)
def test_finite_everywhere(
    key: str, center: float, fwhm: float, area: float, fractions: list[float], offset: float
) -> None:
    shape = LINESHAPES[key]
    params = {
        p.name: p.min + f * (p.max - p.min) for p, f in zip(shape.params, fractions, strict=False)
    }
    x = np.linspace(center + offset - 30.0, center + offset + 30.0, 400)
    y = evaluate(key, x, area, center, fwhm, **params)
    assert np.all(np.isfinite(y))
    assert math.isfinite(height(key, area, center, fwhm, **params))
