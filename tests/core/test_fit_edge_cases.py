"""Error bars with an absent species, and fitted specs that reproduce fits with tolerant links."""

from __future__ import annotations

import numpy as np
import pytest

from xpsfit.demo import demo_spectra
from xpsfit.fitting import fit
from xpsfit.lineshapes import evaluate
from xpsfit.preview_model import evaluate_spec
from xpsfit.spec import BackgroundSpec, FitSpec, Param, Peak, param_name
from xpsfit.spectrum import Spectrum
from xpsfit.templates import apply_template, default_template
from xpsfit.uncertainty import inert

STEP = 0.1  # eV
#: Areas (counts x eV) of the species present; carbonate (CO3) is absent.
PRESENT = {"C-C": 6.0e4, "C-O": 1.5e4, "CO": 6.0e3, "COO": 8.0e3}


def _c1s_without_carbonate(spec: FitSpec, rng: np.random.Generator) -> Spectrum:
    """C 1s of the template's lines (no CO3) on a Shirley-type background, Poisson noise."""
    lo, hi = spec.window or (0.0, 0.0)
    x = np.arange(lo - 1.0, hi + 1.0, STEP)
    peaks = np.zeros_like(x)
    cc = spec.component("C-C").center.value
    for comp in spec.components:
        if comp.id not in PRESENT:
            continue
        link = comp.center.link
        center = cc + link.value if link is not None else comp.center.value
        shape = {k: p.value for k, p in comp.shape.items()}
        peaks += evaluate(comp.lineshape, x, PRESENT[comp.id], center, comp.fwhm.value, **shape)
    background = 500.0 + 0.05 * np.cumsum(peaks) * STEP
    counts = rng.poisson(peaks + background).astype(np.float64)
    return Spectrum(x, counts, region="C 1s")


def _positive_error(stderr: float | None) -> bool:
    return stderr is not None and bool(np.isfinite(stderr)) and stderr > 0


def test_inert_flags_zero_and_negligible_columns() -> None:
    jac = np.array([[1.0, 0.0, 1e-14], [2.0, 0.0, -1e-14], [0.5, 0.0, 0.0]])
    assert inert(jac, np.array([3.0, 285.0, 2.0])).tolist() == [False, True, True]


def test_absent_species_keeps_error_bars_of_the_others() -> None:
    template = default_template("C 1s")
    # in this noise realisation the carbonate area fits to zero (in others the noise gives
    # it a small positive area, which is a proper fit with error bars)
    spectrum = _c1s_without_carbonate(template, np.random.default_rng(0))
    result = fit(spectrum, apply_template(template, spectrum))
    assert result.status == "at_bound", result.message
    assert "component CO3 fitted to zero area" in result.message
    assert "singular" not in result.message
    assert result.params["CO3_area"].at_bound == "min"
    for name in ("CO3_area", "CO3_center"):  # its FWHM is tied to C-C, which keeps an error
        assert result.params[name].stderr is None, name
    assert result.species_areas["CO3"].stderr is None
    for sp in PRESENT:
        est = result.species_areas[sp]
        assert _positive_error(est.stderr), sp
        assert abs(est.value - PRESENT[sp]) <= 4 * (est.stderr or 0.0) + 0.02 * PRESENT[sp], sp
    for cid, quantity in (("C-C", "center"), ("C-C", "fwhm"), ("C-O", "area")):
        err = result.params[param_name(cid, quantity)].stderr
        assert _positive_error(err), (cid, quantity)
    for sp in PRESENT:
        assert _positive_error(result.fractions[f"{sp} fraction"].stderr), sp
    assert result.fractions["CO3 fraction"].stderr is not None


@pytest.fixture(scope="module")
def co2p() -> list[Spectrum]:
    return [s for s in demo_spectra() if s.region == "Co 2p"][:3]


def test_fitted_spec_reproduces_envelope_with_tolerant_links(co2p: list[Spectrum]) -> None:
    template = default_template("Co 2p")
    for spectrum in co2p:
        result = fit(spectrum, template)
        assert result.ok, result.message
        moved = [
            abs(result.params[param_name(c.id, q + suffix)].value - link.value)
            for c in template.components
            for q, suffix in (("center", "_offset"), ("area", "_factor"))
            if (link := c.params()[q].link) is not None and link.tolerance > 0
        ]
        assert len(moved) == 4
        assert max(moved) > 1e-3  # the fit moved the satellites
        curves = evaluate_spec(result.spec, spectrum)
        rel = np.max(np.abs(curves.envelope - result.envelope)) / np.max(result.envelope)
        assert rel <= 1e-6, (spectrum.label, rel)


def test_refits_from_fitted_specs_stay_in_the_template_window(co2p: list[Spectrum]) -> None:
    template = default_template("Co 2p")
    windows = {c.id: (c.center.link, c.area.link) for c in template.components if c.satellite_of}
    spec = template
    for spectrum in co2p * 2:  # six seeded levels
        result = fit(spectrum, spec)
        assert result.ok, result.message
        spec = result.spec
        for cid, (center_link, area_link) in windows.items():
            comp = spec.component(cid)
            assert (comp.center.link, comp.area.link) == (center_link, area_link)
            for quantity, link in (("center_offset", center_link), ("area_factor", area_link)):
                assert link is not None
                value = result.params[param_name(cid, quantity)].value
                assert link.value - link.tolerance <= value <= link.value + link.tolerance


@pytest.mark.parametrize("side", ["max", "min"])
def test_a_start_on_its_bounds_still_moves(side: str) -> None:
    """lmfit's bound transforms have no gradient on a bound: a center and FWHM that start
    exactly there are moved inside first (xpsfit.fit_solve.START_INSIDE), else they stay."""
    be = np.arange(770.0, 790.0, 0.05)
    truth = evaluate("gl", be, 5000.0, 780.0, 1.6, m=30.0)
    y = np.random.default_rng(7).poisson(200.0 + truth).astype(float)
    spectrum = Spectrum(binding_energy=be, intensity=y, region="test")
    peak = Peak(
        "A",
        "gl",
        center=Param(781.0 if side == "max" else 779.0, 779.0, 781.0),
        fwhm=Param(2.4 if side == "max" else 1.0, 1.0, 2.4),
        area=Param(3000.0, 0.0),
        shape={"m": Param(30.0, vary=False)},
    )
    spec = FitSpec(background=BackgroundSpec("linear", 5), components=(peak,))
    result = fit(spectrum, spec)
    fitted = result.params
    assert result.status == "converged"
    assert fitted[param_name("A", "center")].value == pytest.approx(780.0, abs=0.02)
    assert fitted[param_name("A", "fwhm")].value == pytest.approx(1.6, abs=0.05)
    assert result.redchi < 1.5
