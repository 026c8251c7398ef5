"""Conversion of CasaXPS line-shape strings to xpsfit line shapes and back."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xpsfit.casa_shapes import (
    GAUSS_PER_INDEX,
    LA_SHORTHAND_INDEX,
    WIDTH_SCALE,
    casa_to_lineshape,
    lineshape_to_casa,
)
from xpsfit.errors import SpecError
from xpsfit.lineshapes import evaluate, gl_half_width


def test_gl_width_field_is_the_product_parameter() -> None:
    key, fwhm, shape = casa_to_lineshape("GL(30)", 1.5)
    assert (key, shape) == ("gl", {"m": 30.0})
    assert fwhm == pytest.approx(2.0 * gl_half_width(30.0) * 1.5)
    # Our curve is CasaXPS's product with width parameter F = 1.5 eV.
    x = np.linspace(-4.0, 4.0, 81)
    ours = evaluate(key, x, 1.0, 0.0, fwhm, **shape)
    product = np.exp(-4 * math.log(2) * 0.7 * (x / 1.5) ** 2) / (1 + 4 * 0.3 * (x / 1.5) ** 2)
    np.testing.assert_allclose(ours / ours.max(), product, rtol=1e-12)


def test_sgl_width_field_is_the_fwhm() -> None:
    assert casa_to_lineshape("SGL(30)", 8.0) == ("sgl", 8.0, {"m": 30.0})


def test_la_three_parameters() -> None:
    key, fwhm, shape = casa_to_lineshape("LA(1.1,2.3,5)", 1.2)
    assert key == "la"
    assert (shape["alpha"], shape["beta"]) == (1.1, 2.3)
    ratio = GAUSS_PER_INDEX * 5
    assert shape["m"] == pytest.approx(100 * ratio)
    voigt = 0.5346 * fwhm + math.sqrt(0.2166 * fwhm**2 + (ratio * fwhm) ** 2)
    assert voigt == pytest.approx(WIDTH_SCALE * 1.2)


def test_la_two_parameters_repeat_the_exponent() -> None:
    two = casa_to_lineshape("LA(1.53,243)", 0.9)
    three = casa_to_lineshape("LA(1.53,1.53,243)", 0.9)
    assert two == three


def test_la_one_parameter_shorthand() -> None:
    short = casa_to_lineshape("LA(50)", 1.0)
    explicit = casa_to_lineshape(f"LA(1,1,{LA_SHORTHAND_INDEX / 2})", 1.0)
    assert short == explicit
    assert casa_to_lineshape("LA(100)", 1.0)[2]["m"] == 0.0


def test_lf_damping_in_lorentzian_widths() -> None:
    key, fwhm, shape = casa_to_lineshape("LF(0.54,10,80,100,6)", 3.8576238)
    assert key == "lf"
    assert shape["w"] == pytest.approx(100.0 / 80.0**2)
    assert casa_to_lineshape("LF(0.54,10,80,100)", 3.8576238) == (key, fwhm, shape)
    # The damping width D = F sqrt(100 / w) is w_casa Lorentzian widths.
    assert fwhm * math.sqrt(100.0 / shape["w"]) == pytest.approx(80.0 * fwhm)


@pytest.mark.parametrize(
    "text",
    ["GL(30)", "SGL(10)", "GL(0)", "LA(1.53,243)", "LA(1.1,2.3,5)", "LF(0.54,10,80,100)"],
)
def test_round_trip(text: str) -> None:
    key, fwhm, shape = casa_to_lineshape(text, 2.5)
    back, casa_fwhm = lineshape_to_casa(key, fwhm, shape)
    assert casa_fwhm == pytest.approx(2.5, rel=1e-12)
    assert casa_to_lineshape(back, casa_fwhm)[2] == pytest.approx(shape, rel=1e-5)
    assert back.split("(")[0] == text.split("(")[0]


def test_la_round_trip_writes_all_three_parameters() -> None:
    assert lineshape_to_casa("la", 1.0, {"alpha": 1.2, "beta": 4.0, "m": 0.0}) == (
        "LA(1.2,4,0)",
        pytest.approx(1.0 * (0.5346 + math.sqrt(0.2166)) / WIDTH_SCALE),
    )


def test_pure_shapes_map_to_gl() -> None:
    assert lineshape_to_casa("gaussian", 1.1, {}) == ("GL(0)", 1.1)
    assert lineshape_to_casa("lorentzian", 1.1, {}) == ("GL(100)", 1.1)


@pytest.mark.parametrize(
    "text",
    [
        "GL",
        "GL(30",
        "GL(abc)",
        "GL(130)",
        "GL(30,2)",
        "XX(1)",
        "DS(0.1,200)",
        "LA(0,1,5)",
        "LA(1,1,-2)",
        "LA(1,2,3,4)",
        "LF(1,1,80)",
        "LF(1,1,0,100)",
        "GL(nan)",
        "GL(30)T(1.5)",
    ],
)
def test_bad_strings_are_refused(text: str) -> None:
    with pytest.raises(SpecError):
        casa_to_lineshape(text, 1.0)


@pytest.mark.parametrize("F", [0.0, -1.0, math.inf, math.nan])
def test_bad_width_is_refused(F: float) -> None:
    with pytest.raises(SpecError, match="width F"):
        casa_to_lineshape("GL(30)", F)


def test_inverse_refusals() -> None:
    with pytest.raises(SpecError, match="no CasaXPS equivalent"):
        lineshape_to_casa("voigt", 1.0, {"m": 30.0})
    with pytest.raises(SpecError, match="is an LA"):
        lineshape_to_casa("lf", 1.0, {"w": 0.0})
    with pytest.raises(SpecError, match="no parameter"):
        lineshape_to_casa("gl", 1.0, {"q": 1.0})
    with pytest.raises(SpecError, match="FWHM"):
        lineshape_to_casa("gl", 0.0, {})
