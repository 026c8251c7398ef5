"""The model an opened spectrum starts from: its stored CasaXPS fit, else the default
template of its region."""

from __future__ import annotations

from pathlib import Path

import pytest

from xpsfit.demo import demo_spectra
from xpsfit.io.vamas import load_vamas
from xpsfit.starting_models import starting_models
from xpsfit.template_library import default_template


def test_a_stored_casaxps_fit_is_the_start(realdata: Path) -> None:
    (feo,) = load_vamas(realdata / "pynxtools-xps/FeO_analyzed.vms")
    start = starting_models({"feo": feo})
    assert start.from_file == ("feo",)
    spec = start.specs["feo"]
    assert [c.lineshape for c in spec.components] == ["lf", "sgl", "lf", "sgl"]
    assert spec.background.kind == "tougaard"
    assert spec.background.options["convention"] == "casaxps"


def test_a_casaxps_region_without_components_frames_the_default_template(
    realdata: Path,
) -> None:
    spectra = load_vamas(realdata / "cheminfo-vamas/polyethyleneglycol.vms")
    c1s = next(s for s in spectra if s.region == "C 1s")
    spec = starting_models({"c": c1s}).specs["c"]
    template = default_template("C 1s")
    assert [c.id for c in spec.components] == [c.id for c in template.components]
    assert spec.window == pytest.approx((1486.6 - 1203.5916, 1486.6 - 1194.8785))
    assert (spec.background.kind, spec.background.average_points) == ("shirley", 2)
    assert spec.background.options["convention"] == "casaxps"


def test_spectra_without_a_stored_fit_start_from_their_default_template() -> None:
    spectra = dict(enumerate(s for s in demo_spectra("bare-LCO") if s.etch_level == 0))
    start = starting_models(spectra)
    assert start.from_file == ()
    assert set(start.specs) == set(spectra)
    assert not start.missing
    assert not start.unreadable


def test_an_unreadable_stored_fit_is_reported_and_the_template_used() -> None:
    (co,) = (s for s in demo_spectra("bare-LCO") if s.etch_level == 0 and s.region == "Co 2p")
    bad_line = (
        "CASA comp (*Co3+*) (*Nonsense(1)*) Area 1000 0 1e6 -1 1 MFWHM 1.5 0.5 3 -1 1 "
        "Position 705 700 710 -1 1 RSF 1 MASS 0 INDEX -1 (*Co 2p*)"
    )
    broken = co.replace(metadata={**co.metadata, "casa_lines": (bad_line,)})
    start = starting_models({"co": broken})
    assert "CasaXPS fit not readable" in start.unreadable["co"]
    assert start.from_file == ()
    assert [c.id for c in start.specs["co"].components] == [
        c.id for c in default_template("Co 2p").components
    ]
