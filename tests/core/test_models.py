"""Spec -> parameter table: links, tolerances, shared parameters, doublets, linear split."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xpsfit.errors import SpecError
from xpsfit.models import build
from xpsfit.spec import BackgroundSpec, Doublet, FitSpec, Link, Param, Peak
from xpsfit.spectrum import Spectrum


@pytest.fixture
def window() -> Spectrum:
    be = np.linspace(770.0, 810.0, 201)
    return Spectrum(be, 100.0 + 1000.0 * np.exp(-((be - 780.0) ** 2)))


def _peak(cid: str, center: Param | float = 780.0, **kw: Param) -> Peak:
    c = center if isinstance(center, Param) else Param(center)
    return Peak(cid, "gl", c, kw.get("fwhm", Param(1.5, 0.5, 3.0)), kw.get("area", Param(100, 0)))


def _build(window: Spectrum, *comps: Peak, **kw: object) -> object:
    spec = FitSpec("Co 2p", None, BackgroundSpec("none"), comps, **kw)  # type: ignore[arg-type]
    return build(spec, window)


def test_links_become_expressions(window: Spectrum) -> None:
    comps = (
        _peak("Co3+"),
        _peak("B", Param(0, link=Link("Co3+", "offset", 1.5))),
        _peak("C", Param(0, link=Link("Co3+", "offset", -2.0))),
        _peak("D", area=Param(0, link=Link("Co3+", "ratio", 0.5))),
        _peak("E", fwhm=Param(0, link=Link("Co3+", "equal"))),
    )
    model = _build(window, *comps)
    assert model.param("B_center").expr == "Co3p_center + 1.5"
    assert model.param("C_center").expr == "Co3p_center - 2.0"
    assert model.param("D_area").expr == "Co3p_area * 0.5"
    assert model.param("E_fwhm").expr == "Co3p_fwhm"
    values = model.values(model.start())
    assert values["B_center"] == pytest.approx(781.5)
    assert values["D_area"] == pytest.approx(50.0)
    # D's area follows Co3+'s linearly, so Co3+'s area is solved by projection
    assert "Co3p_area" in model.linear
    assert "D_area" not in model.free


def test_tolerance_becomes_bounded_helper(window: Spectrum) -> None:
    comps = (
        _peak("A"),
        _peak("B", Param(0, link=Link("A", "offset", 1.5, tolerance=0.2))),
        _peak("C", area=Param(0, link=Link("A", "ratio", 0.3, tolerance=0.1))),
    )
    model = _build(window, *comps)
    helper = model.param("B_center_offset")
    assert (helper.value, helper.min, helper.max) == (1.5, pytest.approx(1.3), pytest.approx(1.7))
    assert model.param("B_center").expr == "A_center + B_center_offset"
    assert model.param("C_area").expr == "A_area * C_area_factor"
    assert "A_area" in model.linear
    assert "C_area_factor" in model.nonlinear
    lm = model.to_lmfit()
    assert lm["B_center"].expr == "A_center + B_center_offset"
    assert lm["B_center_offset"].min == pytest.approx(1.3)


def test_shared_and_raw_expressions(window: Spectrum) -> None:
    comps = (_peak("A", fwhm=Param(1, expr="w")), _peak("B", area=Param(1, expr="2 * A_area")))
    model = _build(window, *comps, shared={"w": Param(1.2, 0.5, 2.0)})
    assert model.param("w").is_free
    assert model.param("A_fwhm").expr == "w"
    # a raw expression may be nonlinear: the area it uses is then fitted nonlinearly
    assert "A_area" in model.nonlinear
    assert "A_area" not in model.linear
    assert model.values(model.start())["B_area"] == pytest.approx(200.0)


def test_doublet_minor_line_expressions(window: Spectrum) -> None:
    d = Doublet(
        "Co2+", "voigt", Param(781.9), Param(2.0, 0.5, 4), Param(10, 0),
        splitting=Param(15.6, 15.0, 16.0), area_ratio=Param(0.5, vary=False),
    )  # fmt: skip
    model = _build(window, d)
    assert model.param("Co2p_minor_center").expr == "Co2p_center + Co2p_splitting"
    assert model.param("Co2p_minor_area").expr == "Co2p_area * Co2p_area_ratio"
    assert model.param("Co2p_minor_fwhm").expr == "Co2p_fwhm * Co2p_fwhm_ratio"
    assert model.param("Co2p_splitting").is_free
    assert not model.param("Co2p_area_ratio").vary
    assert [ln.role for ln in model.lines] == ["major", "minor"]
    assert model.line_roots == (0, 0)
    assert model.param("Co2p_m").value == 30.0
    assert not model.param("Co2p_m").vary


def test_bounds_clip_to_physics(window: Spectrum) -> None:
    model = _build(window, _peak("A", fwhm=Param(1.0, -5.0, 3.0)))
    assert model.param("A_fwhm").min > 0
    assert model.param("A_m").max == 100.0


@pytest.mark.parametrize(
    ("comps", "shared", "match"),
    [
        ((_peak("A", area=Param(1, expr="nothing * 2")),), {}, "unknown name"),
        ((_peak("A", area=Param(1, expr="__import__('os')")),), {}, "not allowed"),
        ((_peak("A", area=Param(1, expr="x.real")),), {"x": Param(1)}, "not allowed"),
        (
            (_peak("A", fwhm=Param(1, expr="B_fwhm")), _peak("B", fwhm=Param(1, expr="A_fwhm"))),
            {},
            "cycle",
        ),
        ((Peak("A", "nope", Param(1), Param(1), Param(1)),), {}, "line shape"),
        ((_peak("A"),), {"A_center": Param(1)}, "shared"),
    ],
)
def test_bad_specs_raise(
    window: Spectrum, comps: tuple[Peak, ...], shared: dict[str, Param], match: str
) -> None:
    with pytest.raises(SpecError, match=match):
        _build(window, *comps, shared=shared)


def test_active_shirley_parameters(window: Spectrum) -> None:
    spec = FitSpec(
        "", None, BackgroundSpec("active_shirley", params={"slope": Param(0.0)}), (_peak("A"),)
    )
    model = build(spec, window)
    assert {"bg_offset", "bg_slope"} <= set(model.linear)
    k = model.param("bg_k")
    assert k.min == 0.0
    assert math.isinf(k.max)
    assert "bg_k" in model.nonlinear
