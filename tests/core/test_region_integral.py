"""Regions fitted without components (CasaXPS's quantification regions): their data above the
background, integrated, count in atomic %, the peak table and the report."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from xpsfit.export import report_text
from xpsfit.fitting import fit
from xpsfit.lineshapes import evaluate
from xpsfit.profile import DepthScale
from xpsfit.profile_result import ProfileResult, SpectrumFit
from xpsfit.quant_settings import QuantSettings
from xpsfit.quantify import atomic_rows, line_quant, region_area
from xpsfit.region_integral import region_integral
from xpsfit.spec import BackgroundSpec, FitSpec, Param, Peak
from xpsfit.spectrum import Spectrum

O_AREA, C_AREA = 9000.0, 4000.0


def _spectrum(rng: np.random.Generator, region: str, center: float, area: float) -> Spectrum:
    be = np.linspace(center - 10.0, center + 10.0, 201)
    y = evaluate("gl", be, area, center, 1.4, m=30.0) + 150.0 + 2.0 * (be - be[0])
    return Spectrum(be, rng.poisson(y).astype(np.float64), region=region, source_energy=1486.6,
                    source_label="Al Ka", sample="s", etch_level=0)  # fmt: skip


def _region_only(spectrum: Spectrum) -> FitSpec:
    be = spectrum.binding_energy
    return FitSpec(region=spectrum.region, window=(float(be[0]), float(be[-1])),
                   background=BackgroundSpec("linear"))  # fmt: skip


def test_integral_recovers_the_area_within_its_error(rng: np.random.Generator) -> None:
    """Over 200 noise draws the integral's error is the spread of the integrals."""
    areas, errs = [], []
    for _ in range(200):
        sp = _spectrum(rng, "O 1s", 531.0, O_AREA)
        whole = region_integral(fit(sp, _region_only(sp)))
        areas.append(whole.area.value)
        errs.append(whole.area.stderr)
        assert whole.position == pytest.approx(531.0, abs=0.3)
        assert whole.fwhm == pytest.approx(1.4, abs=0.3)
    # the linear background through the end channels leaves the GL tails' share out
    inside = float(np.trapezoid(evaluate("gl", np.linspace(521, 541, 2001), O_AREA, 531.0, 1.4, m=30.0),
                                np.linspace(521, 541, 2001)))  # fmt: skip
    assert np.mean(areas) == pytest.approx(inside, rel=0.03)
    assert np.std(areas) == pytest.approx(np.mean(errs), rel=0.15)


def test_integration_regions_count_in_atomic_percent(rng: np.random.Generator) -> None:
    o1s = _spectrum(rng, "O 1s", 531.0, O_AREA)
    c1s = _spectrum(rng, "C 1s", 284.8, C_AREA)
    peak = Peak("C-C", "gl", Param(284.8, 283.8, 285.8), Param(1.4, 0.5, 3.0), Param(1.0, 0.0),
                shape={"m": Param(30.0, vary=False)})  # fmt: skip
    c_spec = FitSpec(region="C 1s", background=BackgroundSpec("linear"), components=(peak,))
    fits = (
        SpectrumFit(c1s, "s", "C 1s", 0, None, None, "ok", fit(c1s, c_spec)),
        SpectrumFit(o1s, "s", "O 1s", 0, None, None, "ok", fit(o1s, _region_only(o1s))),
    )
    pr = ProfileResult("s", DepthScale(), "template", fits)
    settings = QuantSettings(ke_exponent=0.0)
    o_result = fits[1].result
    assert o_result is not None
    assert (o_result.lines, o_result.status) == ((), "converged")
    assert region_area(o_result) == region_integral(o_result).area
    rows = {r.element: r for r in atomic_rows([pr], settings)}
    expected = (O_AREA / 2.93) / (O_AREA / 2.93 + C_AREA / 1.0)
    assert rows["O"].percent == pytest.approx(100.0 * expected, abs=2.0)
    assert rows["O"].err is not None
    assert 0.0 < rows["O"].err < 1.0
    lines = line_quant([pr], settings)
    (region,) = [r for r in lines if r.region == "O 1s"]
    assert (region.label, region.role, region.component) == ("integration region", "single", "")
    assert region.percent == pytest.approx(rows["O"].percent, rel=1e-12)
    text = report_text([pr], settings)
    row = next(ln for ln in text.splitlines() if ln.startswith("integration region\t"))
    assert float(row.split("\t")[-1]) == pytest.approx(region.percent, rel=1e-12)
    assert "nan" not in text.lower()


def test_uniform_weights_give_no_integral_error(rng: np.random.Generator) -> None:
    sp = _spectrum(rng, "O 1s", 531.0, O_AREA)
    whole = region_integral(fit(sp, _region_only(sp), weights="uniform"))
    assert whole.area.stderr is None
    assert whole.area.value > 0


@pytest.mark.parametrize(
    ("fitted", "static"),
    [
        (BackgroundSpec("active_shirley", params={"slope": Param(0.0)}), BackgroundSpec("shirley")),
        (BackgroundSpec("tougaard", params={"B": Param(2866.0, 0.0)}), BackgroundSpec("tougaard")),
    ],
)
def test_a_fitted_background_integrates_as_its_static_form(
    rng: np.random.Generator, fitted: BackgroundSpec, static: BackgroundSpec
) -> None:
    """Without components a fitted background has no lines to follow: an integration region
    takes its static form (an active Shirley drawn flat through the data would integrate the
    step as signal)."""
    sp = _spectrum(rng, "O 1s", 531.0, O_AREA)
    spec = _region_only(sp)
    a = fit(sp, replace(spec, background=fitted))
    b = fit(sp, replace(spec, background=static))
    np.testing.assert_array_equal(a.background, b.background)
    assert a.status == "converged"
    assert region_integral(a).area == region_integral(b).area
