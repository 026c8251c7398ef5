"""Templates: built from the library, saved and loaded exactly, validated with one clear error,
applied to spectra (charge correction, area scale), physics warnings."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from xpsfit.errors import FitError, SpecError
from xpsfit.physics_checks import fit_warnings, spec_warnings
from xpsfit.reference import Library, load_library, parse_element_file
from xpsfit.spec import Doublet, FitSpec, Link, Param
from xpsfit.spectrum import Spectrum
from xpsfit.templates import (
    TEMPLATE_SCHEMA_VERSION,
    Template,
    apply_template,
    default_specs,
    default_template,
    load_template,
    save_template,
    template_from_dict,
    template_from_library,
    template_to_dict,
)


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(include_user=False)


def test_default_co2p_template(library: Library) -> None:
    spec = default_template("Co 2p", library=library)
    assert spec.region == "Co 2p"
    assert spec.background.kind == "active_shirley"
    assert spec.ids() == ["Co2+", "Co2+_sat", "Co3+", "Co3+_sat"]
    assert spec.species() == ["Co2+", "Co3+"]
    co2, co3, sat = (spec.component(c) for c in ("Co2+", "Co3+", "Co3+_sat"))
    assert isinstance(co2, Doublet)
    assert isinstance(co3, Doublet)
    assert isinstance(sat, Doublet)
    assert co3.major_label == "2p3/2"
    assert co3.splitting.value == 15.1
    assert not co3.splitting.vary
    assert co3.area_ratio.value == 0.5
    # one Coster-Kronig FWHM ratio for the level, free within the library range
    assert co2.fwhm_ratio.is_free
    assert (co2.fwhm_ratio.min, co2.fwhm_ratio.max) == (1.0, 1.4)
    assert co3.fwhm_ratio.link == Link("Co2+", "equal")
    assert co3.center.min == pytest.approx(778.5)
    assert co3.center.max == pytest.approx(780.1)
    assert co2.center.min == pytest.approx(780.9)  # clear of Co3+, covers real Co2+ spread
    assert co3.center.is_free
    assert co3.fwhm.is_free
    assert sat.satellite_of == "Co3+"
    assert spec.species_of("Co3+_sat") == "Co3+"
    assert sat.center.link == Link("Co3+", "offset", 10.3, 0.8)
    assert sat.area.link == Link("Co3+", "ratio", 0.1, 0.06)
    assert sat.splitting.link == Link("Co3+", "equal")
    assert not sat.fwhm.vary
    assert (sat.fwhm.value, sat.fwhm.min, sat.fwhm.max) == (3.0, 1.5, 5.0)
    assert co2.splitting.value == 15.7
    # the study's figure first: the GUI's depth-profile view shows the first fraction
    assert [(f.name, f.expression) for f in spec.fractions] == [
        ("Co2+ fraction", "Co2+ / (Co2+ + Co3+)"),
        ("Co3+ fraction", "Co3+ / (Co2+ + Co3+)"),
    ]
    assert spec_warnings(spec, library) == []


def test_minor_species_follow_their_main_species(library: Library) -> None:
    ti = default_template("Ti 2p", library=library)
    ti4, ti3 = ti.component("Ti4+"), ti.component("Ti3+")
    assert isinstance(ti4, Doublet)
    assert isinstance(ti3, Doublet)
    assert ti4.center.is_free
    assert ti4.fwhm.is_free
    assert ti4.fwhm_ratio.is_free
    assert ti3.center.link == Link("Ti4+", "offset", -1.5)
    assert ti3.fwhm.link == Link("Ti4+", "ratio", 1.0)
    assert ti3.fwhm_ratio.link == Link("Ti4+", "equal")
    assert [n for n, p in ti3.params().items() if p.is_free] == ["area"]
    c1s = default_template("C 1s", library=library)
    shifts = {c.id: c.center.link.value for c in c1s.components if c.center.link}
    assert shifts == {"C-O": 1.5, "CO": 3.0, "COO": 4.0}
    assert c1s.component("CO3").center.is_free  # carbonate positions itself
    # without its main species a follower positions itself
    alone = template_from_library("Ti 2p", ["Ti3+"], library=library).component("Ti3+")
    assert alone.center.is_free
    assert alone.fwhm.is_free


def test_every_default_template_is_valid_and_round_trips(library: Library, tmp_path: Path) -> None:
    for region in library.regions():
        spec = default_template(region, library=library)
        path = tmp_path / f"{region.replace(' ', '_')}.json"
        tpl = Template(spec=spec, name=region, description="default")
        save_template(path, tpl)
        assert load_template(path) == tpl, region
        assert spec_warnings(spec, library) == [], region


def test_written_file_is_versioned_json_with_full_precision(tmp_path: Path) -> None:
    spec = template_from_library("C 1s", ["C-C", "C-O"])
    comp = spec.component("C-O")
    spec = spec.with_component(replace(comp, area=Param(0.1 + 0.2, 0.0)))
    path = tmp_path / "c1s.json"
    save_template(path, Template(spec, "C 1s pair", charge_shift=0.35))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "xpsfit-template"
    assert data["schema_version"] == TEMPLATE_SCHEMA_VERSION
    assert data["spec"]["components"][1]["area"]["value"] == 0.30000000000000004
    assert data["spec"]["components"][1]["area"]["max"] == "inf"
    assert not list(tmp_path.glob(".*.tmp"))
    assert load_template(path).spec.component("C-O").area.value == 0.1 + 0.2


def test_picked_species_alternatives_and_warnings(library: Library) -> None:
    spec = template_from_library("P 2p", ["PS4", "P2S6"], library=library, alternative="feng2023")
    comp = spec.component("PS4")
    assert isinstance(comp, Doublet)
    assert comp.splitting.value == 1.4
    warned = spec_warnings(spec, library)
    assert {(w.component, w.key) for w in warned} == {("PS4", "splitting"), ("P2S6", "splitting")}
    assert "0.8-0.9 eV" in str(warned[0])
    with pytest.raises(SpecError, match=r"unknown species 'Co4\+'.*Co3\+, Co2\+, Co0"):
        template_from_library("Co 2p", ["Co3+", "Co4+"], library=library)
    with pytest.raises(SpecError, match="has the alternative 'feng2024'"):
        template_from_library("P 2p", alternative="feng2024", library=library)
    with pytest.raises(SpecError, match="twice"):
        template_from_library("Co 2p", ["Co3+", "Co3+"], library=library)


def test_area_ratio_and_tied_width_warnings(library: Library) -> None:
    spec = template_from_library("Ti 2p", ["Ti4+"], library=library)
    ti = spec.component("Ti4+")
    assert isinstance(ti, Doublet)
    bad = spec.with_component(
        replace(ti, area_ratio=Param(0.6, vary=False), fwhm_ratio=Param(1.0, vary=False))
    )
    assert {w.key for w in spec_warnings(bad, library)} == {"area_ratio", "fwhm_ratio"}
    assert spec_warnings(replace(bad, region="Xx 9z"), library) == []


def test_fit_warnings_flag_species_outside_tolerance(library: Library) -> None:
    spec = default_template("Co 2p", library=library)
    assert fit_warnings(spec, library) == []
    co2 = spec.component("Co2+")
    moved = spec.with_component(replace(co2, center=replace(co2.center, value=783.0)))
    (warning,) = fit_warnings(moved, library)
    assert warning.component == "Co2+"
    assert warning.key == "center"
    assert "+1.10 eV" in warning.message


def _tpl_dict(library: Library) -> dict[str, Any]:
    return template_to_dict(Template(default_template("Co 2p", library=library), "Co 2p"))


def _cycle(d: dict[str, Any]) -> None:
    comps = d["spec"]["components"]
    comps[0]["fwhm"]["link"] = {"ref": "Co3+", "kind": "equal"}
    comps[2]["fwhm"]["link"] = {"ref": "Co2+", "kind": "equal"}


@pytest.mark.parametrize(
    ("mutate", "key", "match"),
    [
        (lambda d: d.pop("name"), "name", "missing required key"),
        (lambda d: d["spec"]["components"][0].pop("center"), "components.Co2+.center", "missing"),
        (lambda d: d["spec"]["components"][0]["area"].update(value="1"), "components.Co2+.area.value", "number"),
        (lambda d: d["spec"]["fractions"][0].update(expression="Co4+ / (Co3+ + Co2+)"), "fractions[0].expression", "unknown species 'Co4\\+'"),
        (_cycle, "components.Co2+.fwhm", "constraint cycle"),
        (lambda d: d["spec"]["components"][1].update(satellite_of="Co9+"), "components.Co2+_sat.satellite_of", "unknown component"),
        (lambda d: d["spec"]["components"][1]["center"]["link"].update(ref="Co9+"), "components.Co2+_sat.center", "unknown component"),
        (lambda d: d["spec"]["components"][0].update(lineshape="gauss"), "components.Co2+.lineshape", "unknown line shape"),
        (lambda d: d.update(schema_version=TEMPLATE_SCHEMA_VERSION + 1), "schema_version", "newer xpsfit"),
        (lambda d: d.update(format="casa"), "format", "not an xpsfit template"),
        (lambda d: d.update(extra=1), "extra", "unknown key"),
    ],
)  # fmt: skip
def test_invalid_template_gives_one_clear_error(
    library: Library, tmp_path: Path, mutate: Any, key: str, match: str
) -> None:
    d = _tpl_dict(library)
    mutate(d)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    with pytest.raises(SpecError, match=match) as info:
        load_template(path)
    assert info.value.source == str(path)
    assert info.value.key == key
    assert str(info.value).startswith(f"{path}: {key}: ")


def test_not_json_and_invalid_save(library: Library, tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(SpecError, match="not a JSON file") as info:
        load_template(path)
    assert info.value.source == str(path)
    good = Template(default_template("O 1s", library=library), "O 1s")
    save_template(path, good)
    broken = replace(good.spec, fractions=(replace(good.spec.fractions[0], expression="X / Y"),))
    with pytest.raises(SpecError, match="unknown species 'X'"):
        save_template(path, replace(good, spec=broken))
    assert load_template(path) == good


def test_fraction_expression_check_accepts_numbers_and_operators(library: Library) -> None:
    d = _tpl_dict(library)
    d["spec"]["fractions"][0]["expression"] = "100*Co2+/(Co2++Co3+) - 0.5e-1"
    assert template_from_dict(d).spec.fractions[0].expression.startswith("100*")


def _spectrum(spec: FitSpec, shift: float = 0.0, region: str = "Co 2p") -> Spectrum:
    x = np.arange(765.0, 815.0, 0.1)
    y = 1000.0 + 5.0e4 * np.exp(-0.5 * ((x - 780.0 - shift) / 1.0) ** 2)
    s = Spectrum(x, y, region=region)
    return s.shifted(shift) if shift else s


def test_apply_scales_areas_and_clips_window(library: Library) -> None:
    spec = default_template("Co 2p", library=library)
    spectrum = _spectrum(spec)
    applied = apply_template(spec, spectrum)
    assert applied.window == spec.window
    assert applied.component("Co3+").center == spec.component("Co3+").center
    net = 5.0e4 * 1.0 * np.sqrt(2 * np.pi)
    co3, co2 = applied.component("Co3+"), applied.component("Co2+")
    model = (co3.area.value + co2.area.value) * 1.5 * (1 + 0.1 / 2 + 0.5 / 2)
    assert model == pytest.approx(net, rel=0.02)
    narrow = spectrum.crop(775.0, 800.0)
    ends = (narrow.binding_energy[0], narrow.binding_energy[-1])
    assert apply_template(spec, narrow).window == ends


def test_apply_follows_the_charge_correction(library: Library) -> None:
    spec = default_template("Co 2p", library=library)
    tpl = Template(spec, "from a spectrum shifted by +0.3 eV", charge_shift=0.3)
    applied = apply_template(tpl, _spectrum(spec, shift=0.8))
    delta = 0.8 - 0.3
    assert applied.window == pytest.approx((spec.window[0] + delta, spec.window[1] + delta))
    co3 = applied.component("Co3+")
    assert co3.center.value == pytest.approx(779.3 + delta)
    assert co3.center.max == pytest.approx(780.1 + delta)
    assert applied.component("Co3+_sat").center.link == Link("Co3+", "offset", 10.3, 0.8)
    library_frame = apply_template(spec, _spectrum(spec, shift=0.8))
    assert library_frame.component("Co3+").center == spec.component("Co3+").center


def test_apply_refuses_other_regions_and_missing_overlap(library: Library) -> None:
    spec = default_template("Co 2p", library=library)
    with pytest.raises(SpecError, match="applied to a 'O 1s' spectrum"):
        apply_template(spec, _spectrum(spec, region="O 1s"))
    far = Spectrum(np.arange(100.0, 120.0, 0.1), np.ones(200), region="Co 2p")
    with pytest.raises(FitError, match="does not reach"):
        apply_template(spec, far)


DOCS = Path(__file__).resolve().parents[2]


def _fenced(path: Path, language: str) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def test_documented_template_example_is_current(library: Library) -> None:
    (example,) = _fenced(DOCS / "docs" / "templates.md", "json")
    tpl = template_from_dict(json.loads(example), source="docs/templates.md")
    assert tpl.spec == template_from_library("C 1s", ["C-C", "C-O"], library=library)


def test_documented_library_layout_is_valid() -> None:
    (layout,) = _fenced(DOCS / "reference_peaks" / "README.md", "toml")
    (level,) = parse_element_file(tomllib.loads(layout), "README.md")
    assert level.region == "Co 2p"
    assert level.get("Co3+").alternative("feng2023") is not None


def test_default_specs_apply_each_regions_template_and_name_the_rest(library: Library) -> None:
    be = np.arange(770.0, 810.0, 0.1)
    co = Spectrum(be, 1000.0 + 0.0 * be, region="Co 2p")
    survey = Spectrum(np.arange(0.0, 1200.0, 1.0), np.full(1200, 50.0), region="Survey")
    specs, missing = default_specs({"a": co, "b": survey, "c": co}, library)
    assert specs["a"] == apply_template(default_template("Co 2p", library=library), co)
    assert specs["c"] == specs["a"]
    assert set(missing) == {"b"}
    assert "Survey" in missing["b"]
