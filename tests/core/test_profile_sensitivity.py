"""Model sensitivity: refits with alternative models and the spread of each fraction."""

from __future__ import annotations

import pytest

from xpsfit.demo import demo_depth_scale, demo_spectra
from xpsfit.demo_specs import CO2P_FRACTION, DEMO_SPECS
from xpsfit.profile import DepthProfile
from xpsfit.profile_fit import fit_profile
from xpsfit.sensitivity import (
    DEFAULT_VARIANTS,
    background_variant,
    doublet_width_variant,
    lineshape_variant,
    model_sensitivity,
)
from xpsfit.spec import Doublet


def test_variants_rewrite_the_template() -> None:
    spec = DEMO_SPECS["Co 2p"]
    voigt = lineshape_variant("voigt", m=30.0).apply(spec)
    assert {c.lineshape for c in voigt.components} == {"voigt"}
    assert all(c.shape["m"].value == 30.0 and not c.shape["m"].vary for c in voigt.components)
    assert background_variant("tougaard").apply(spec).background.kind == "tougaard"
    free = doublet_width_variant(False).apply(spec)
    assert all(c.fwhm_ratio.vary for c in free.components if isinstance(c, Doublet))
    assert len({v.name for v in DEFAULT_VARIANTS}) == len(DEFAULT_VARIANTS) == 8


def test_spread_over_variants_per_level() -> None:
    profile = DepthProfile.from_spectra(demo_spectra("ceramic-LCO"), depth_scale=demo_depth_scale())
    templates = {"Co 2p": DEMO_SPECS["Co 2p"], "O 1s": DEMO_SPECS["O 1s"]}  # O 1s has no fraction
    variants = (lineshape_variant("gl", m=30.0), lineshape_variant("voigt", m=30.0))
    rows = model_sensitivity([profile], templates, variants, jobs=1)
    assert [(r.region, r.level) for r in rows] == [("Co 2p", lv) for lv in range(9)]
    base = fit_profile(profile, {"Co 2p": DEMO_SPECS["Co 2p"]}, jobs=1)
    for row in rows:
        fit = base.get("Co 2p", row.level).result
        assert fit is not None
        assert row.baseline == fit.fractions[CO2P_FRACTION].value
        gl, voigt = row.values["line shape gl(30)"], row.values["line shape voigt(30)"]
        assert gl is not None
        assert voigt is not None
        assert gl == pytest.approx(row.baseline, abs=1e-6)  # the demo model is GL(30)
        assert row.spread == pytest.approx(abs(gl - voigt))
        assert row.std is not None
        assert 0.0 < row.spread < 0.05
