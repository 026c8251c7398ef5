"""Model curves at a specification's current values (what an editor draws while dragging):
each background the way the fit makes it, lines with links resolved, and a fit reproduced."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from numpy.typing import NDArray

from xpsfit import backgrounds
from xpsfit.background_kernels import cumulative_integral
from xpsfit.errors import FitError, SpecError
from xpsfit.fitting import fit
from xpsfit.lineshapes import evaluate
from xpsfit.model_cache import ModelCache
from xpsfit.models import build
from xpsfit.preview_model import evaluate_model, evaluate_spec, spec_window
from xpsfit.spec import BackgroundSpec, Doublet, FitSpec, Param, Peak, param_name
from xpsfit.spectrum import Spectrum

FloatArray = NDArray[np.float64]
BE = np.linspace(770.0, 810.0, 401)  # eV


def _gauss(x: FloatArray, center: float, fwhm: float, area: float) -> FloatArray:
    sigma = fwhm / (2.0 * math.sqrt(2.0 * math.log(2.0)))
    return area * np.exp(-0.5 * ((x - center) / sigma) ** 2) / (sigma * math.sqrt(2.0 * math.pi))


@pytest.fixture
def spectrum(rng: np.random.Generator) -> Spectrum:
    """A Co 2p-like doublet on a Shirley-like step, Poisson noise."""
    lines = _gauss(BE, 780.0, 1.8, 30000.0) + _gauss(BE, 795.0, 1.8, 15000.0)
    step = 0.08 * cumulative_integral(BE, lines)
    y = rng.poisson(1000.0 + step + lines).astype(np.float64)
    return Spectrum(BE, y, region="Co 2p", sample="s")


def _spec(kind: str, **bg: object) -> FitSpec:
    doublet = Doublet(
        "A", "gaussian", Param(780.3, 778.0, 782.0), Param(2.0, 0.5, 4.0), Param(25000.0, 0.0),
        splitting=Param(15.0, vary=False), area_ratio=Param(0.5, vary=False),
    )  # fmt: skip
    return FitSpec(
        region="Co 2p",
        window=(772.0, 805.0),
        background=BackgroundSpec(kind, **bg),  # type: ignore[arg-type]
        components=(doublet,),
    )


def test_static_shirley_is_the_data_background(spectrum: Spectrum) -> None:
    spec = _spec("shirley")
    curves = evaluate_spec(spec, spectrum)
    win = spectrum.crop(772.0, 805.0)
    expected = backgrounds.shirley(win.binding_energy, win.intensity, average_points=5)
    np.testing.assert_array_equal(curves.binding_energy, win.binding_energy)
    np.testing.assert_allclose(curves.background, expected.background, rtol=1e-12)
    # a static background does not follow the lines
    moved = spec.with_component(replace(spec.components[0], center=Param(781.5, 778.0, 782.0)))
    np.testing.assert_array_equal(evaluate_spec(moved, spectrum).background, curves.background)


def test_linear_background(spectrum: Spectrum) -> None:
    curves = evaluate_spec(_spec("linear", average_points=3), spectrum)
    win = spectrum.crop(772.0, 805.0)
    expected = backgrounds.linear(win.binding_energy, win.intensity, average_points=3)
    np.testing.assert_allclose(curves.background, expected.background, rtol=1e-12)


def test_active_shirley_follows_the_current_lines(spectrum: Spectrum) -> None:
    bg_params = {"offset": Param(1000.0), "k": Param(0.08, 0.0)}
    spec = _spec("active_shirley", params=bg_params)
    for center in (780.3, 781.2):  # a drag moves the doublet: the step moves with it
        comp = replace(spec.components[0], center=Param(center, 778.0, 782.0))
        curves = evaluate_spec(spec.with_component(comp), spectrum)
        x = curves.binding_energy
        major = evaluate("gaussian", x, 25000.0, center, 2.0)
        minor = evaluate("gaussian", x, 12500.0, center + 15.0, 2.0)
        np.testing.assert_allclose(curves.lines[0].curve, major, rtol=1e-12)
        np.testing.assert_allclose(curves.lines[1].curve, minor, rtol=1e-12)
        expected = 1000.0 + 0.08 * cumulative_integral(x, major + minor)
        np.testing.assert_allclose(curves.background, expected, rtol=1e-12)
        np.testing.assert_allclose(curves.envelope, expected + major + minor, rtol=1e-12)
    assert [ln.role for ln in curves.lines] == ["major", "minor"]
    assert curves.lines[1].center == pytest.approx(781.2 + 15.0)
    assert curves.lines[0].height == pytest.approx(float(np.max(major)), rel=1e-3)


def test_evaluating_a_fit_reproduces_its_curves(spectrum: Spectrum) -> None:
    for kind in ("active_shirley", "shirley"):
        res = fit(spectrum, _spec(kind))
        assert res.ok, res.message
        curves = evaluate_spec(res.spec, spectrum)
        np.testing.assert_array_equal(curves.binding_energy, res.binding_energy)
        scale = float(np.max(res.data))
        assert np.max(np.abs(curves.background - res.background)) < 1e-6 * scale, kind
        assert np.max(np.abs(curves.envelope - res.envelope)) < 1e-6 * scale, kind


def test_values_override_the_start_values(spectrum: Spectrum) -> None:
    spec = _spec("shirley")
    model = build(spec, spec_window(spectrum, spec))
    name = param_name("A", "center")
    shifted = evaluate_model(model, {name: 781.0})
    assert shifted.lines[0].center == 781.0
    assert shifted.lines[1].center == pytest.approx(796.0)  # the minor line follows the link
    assert evaluate_model(model).lines[0].center == 780.3


def test_a_line_without_a_positive_width_is_left_out(spectrum: Spectrum) -> None:
    spec = _spec("linear")
    narrow = Peak("B", "gaussian", Param(790.0), Param(1.0, expr=f"{param_name('A', 'fwhm')} - 5"),
                  Param(1000.0))  # fmt: skip
    curves = evaluate_spec(replace(spec, components=(*spec.components, narrow)), spectrum)
    assert [ln.component for ln in curves.lines] == ["A", "A"]
    assert np.all(np.isfinite(curves.envelope))


def test_a_cache_gives_the_same_curves(spectrum: Spectrum) -> None:
    cache = ModelCache()
    spec = _spec("active_shirley")
    first = evaluate_spec(spec, spectrum, cache)
    again = evaluate_spec(spec, spectrum, cache)
    np.testing.assert_array_equal(first.envelope, again.envelope)
    np.testing.assert_array_equal(first.envelope, evaluate_spec(spec, spectrum).envelope)


def test_bad_input_raises_project_errors(spectrum: Spectrum) -> None:
    with pytest.raises(FitError, match="fewer than 2 channels"):
        evaluate_spec(replace(_spec("shirley"), window=(700.0, 700.05)), spectrum)
    bad = _spec("shirley").with_component(
        replace(_spec("shirley").components[0], lineshape="no-such-shape")
    )
    with pytest.raises(SpecError, match="unknown line shape"):
        evaluate_spec(bad, spectrum)
