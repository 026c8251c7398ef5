"""CasaXPS processing in VAMAS comments <-> FitSpec."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from xpsfit.errors import SpecError
from xpsfit.io.casa import (
    calibration_shift,
    fit_spec_from_spectrum,
    format_casa_lines,
    parse_component,
    parse_lineshape,
    spec_from_casa_lines,
)
from xpsfit.io.vamas import load_vamas, parse_vamas_bytes
from xpsfit.io.vamas_write import format_vamas
from xpsfit.spec import BackgroundSpec, Doublet, FitSpec, Link, Param, Peak
from xpsfit.spectrum import Spectrum

NEW = (
    "CASA comp (*Mo 3d MoO2*) (*LA(1.53,243)*) Area 575.94473 1e-020 2327991 6 0.66666667 "
    "MFWHM 1.0329112 0.2949286 7.3732149 6 1 Position 1252.7173 0 0 6 -3.14 RSF 10.804667 "
    "MASS 95.9219 INDEX -1 (*Mo 3d*) CONST (**) UNCORRECTEDRSF 9.5"
)
OLD = (
    "CASA comp (*None*) (*GL(30)*) Area 17770.559 0.001 10000000 -1 1 MFWHM 2.2286028 0.4 10 -1 1 "
    "Position 1146.1424 1136.7 1156.7 -1 1 RSF 1 MASS 0 INDEX -1 (*NoTag*)"
)


def test_feo_fit_matches_casaxps_tables(realdata: Path) -> None:
    (feo,) = load_vamas(realdata / "pynxtools-xps/FeO_analyzed.vms")
    spec = fit_spec_from_spectrum(feo)
    assert spec is not None
    assert spec.region == "Fe 2p"
    centers = [c.center.value for c in spec.components]
    # CasaXPS's own line-shape export of this fit: BE = 1486.61 - KE
    assert centers == pytest.approx([709.05, 716.00, 722.13, 729.89], abs=0.005)
    with (realdata / "pynxtools-xps/FeO_analyzed_results.csv").open(encoding="latin-1") as fh:
        rows = [r for r in csv.reader(fh, delimiter="\t") if r[:1] == ["Fe 2p"] and len(r) > 3]
    table = [float(r[1]) for r in rows]
    assert table == [709.03, 715.73, 722.18, 730.22]
    # the peak table was exported at a slightly different fit state (its areas differ too)
    assert centers == pytest.approx(table, abs=0.35)
    assert [c.lineshape for c in spec.components] == ["lf", "sgl", "lf", "sgl"]
    assert dict((k, p.value) for k, p in spec.components[0].shape.items()) == {
        "alpha": 0.54, "beta": 10.0, "w": 80.0, "m": 100.0, "c": 6.0,
    }  # fmt: skip
    bg = spec.background
    assert bg.kind == "tougaard"
    assert bg.options["tougaard_form"] == "U3"
    assert (bg.params["B"].value, bg.params["C"].value, bg.params["D"].value) == (
        335.44588,
        551.0,
        436.0,
    )
    assert spec.window == pytest.approx((1486.61 - 786.7632, 1486.61 - 737.52081))
    spec.validate()


def test_old_syntax_and_shirley(realdata: Path) -> None:
    spectra = load_vamas(realdata / "feranick-xps/casaxps.vms")
    specs = [fit_spec_from_spectrum(s) for s in spectra]
    assert [len(s.components) if s else None for s in specs] == [2, 1, None]
    assert specs[0] is not None
    assert specs[0].background.kind == "shirley"
    assert specs[0].components[0].shape["m"].value == 30.0


def test_regions_only_file(realdata: Path) -> None:
    spectra = load_vamas(realdata / "cheminfo-vamas/polyethyleneglycol.vms")
    c1s = fit_spec_from_spectrum(spectra[1])
    assert c1s is not None
    assert c1s.components == ()
    assert c1s.region == "C 1s"
    assert c1s.window == pytest.approx((1486.6 - 1203.5916, 1486.6 - 1194.8785))


def test_block_comment_fixture_links_and_calibration(realdata: Path) -> None:
    lines = (realdata / "cheminfo-vamas/casaBlockComment.txt").read_text().splitlines()
    assert calibration_shift(lines) == pytest.approx((284.8 - 281.17) + (284.8 - 284.7999))
    spec = spec_from_casa_lines(lines, 1486.6)
    assert spec is not None
    assert len(spec.components) == 10
    minor = spec.components[1]
    assert minor.area.link == Link(spec.components[0].id, "ratio", 0.66666667)
    assert minor.center.link == Link(spec.components[0].id, "offset", 3.14)
    assert minor.species == spec.components[0].species
    spec.validate()


def test_calib_lines_shift_the_axis_and_the_fit_follows() -> None:
    region = "CASA region (*C 1s*) (*Shirley*) 1195 1205 1 2 0 0 0 0 0 0 (*C 1s*) 12 0 1"
    comment = ("Casa Info Follows", "0", "0", "1", region, "1", OLD)
    s = Spectrum(
        binding_energy=[280.0, 281.0, 282.0],
        intensity=[1.0, 2.0, 3.0],
        source_energy=1486.6,
        region="C 1s",
        element="C",
        transition="1s",
        metadata={"comment": comment, "casa_lines": (region, OLD)},
    )
    text = format_vamas([s])
    assert "xpsfit-metadata" not in text
    calib = "Calib M = 281 A = 284.8 BE ADD\nCalib M = 284.7 A = 284.8 BE ADD\n"
    casa_file = text.replace("Casa Info Follows\n0\n", "Casa Info Follows\n2\n" + calib, 1)
    (raw,) = parse_vamas_bytes(casa_file.encode(), "calib.vms")
    assert raw.metadata["casa_calibration_shift"] == pytest.approx(3.9)
    assert raw.binding_energy.tolist() == pytest.approx([283.9, 284.9, 285.9])
    spec = fit_spec_from_spectrum(raw)
    assert spec is not None
    # CasaXPS positions are kinetic energies on the calibrated scale: BE = hv - KE
    assert spec.components[0].center.value == pytest.approx(1486.6 - 1146.1424)
    # written again, the Calib lines are dropped because the axis is already calibrated
    (again,) = parse_vamas_bytes(format_vamas([raw]).encode(), "again.vms")
    assert np.array_equal(again.binding_energy, raw.binding_energy)
    assert dict(again.metadata) == dict(raw.metadata)


def test_parse_component_both_syntaxes() -> None:
    new, old = parse_component(NEW), parse_component(OLD)
    assert (new.name, new.lineshape, new.area.link, new.position.factor) == (
        "Mo 3d MoO2",
        "LA(1.53,243)",
        6,
        -3.14,
    )
    assert (old.name, old.fwhm.value, old.position.min) == ("None", 2.2286028, 1136.7)


def test_lineshapes() -> None:
    assert parse_lineshape("GL(30)") == ("gl", {"m": 30.0})
    assert parse_lineshape("SGL(10)") == ("sgl", {"m": 10.0})
    assert parse_lineshape("LA(1.53,243)") == ("la", {"alpha": 1.53, "beta": 1.53, "m": 243.0})
    assert parse_lineshape("LA(1,2,50)") == ("la", {"alpha": 1.0, "beta": 2.0, "m": 50.0})
    assert parse_lineshape("LF(0.8,1.3,25,280)")[1]["w"] == 25.0
    with pytest.raises(SpecError):
        parse_lineshape("DS(0.1,20)")


def _fit() -> FitSpec:
    return FitSpec(
        region="Co 2p", window=(772.0, 800.0),
        background=BackgroundSpec("shirley", average_points=3),
        components=(
            Peak("Co3", "gl", Param(779.3, 778.5, 780.0), Param(1.2, 0.5, 3.0),
                 Param(1000.0, 0.0, 1e6), {"m": Param(30.0, vary=False)}),
            Peak("Co3-b", "gl", Param(794.4, link=Link("Co3", "offset", 15.1)),
                 Param(1.2, link=Link("Co3", "ratio", 1.0)), Param(500.0, link=Link("Co3", "ratio", 0.5)),
                 {"m": Param(30.0, vary=False)}),
            Peak("Co2", "la", Param(781.9, vary=False), Param(2.0, 1.0, 4.0),
                 Param(300.0, 0.0, 1e5), {"alpha": Param(1.0, vary=False),
                                          "beta": Param(2.0, vary=False), "m": Param(50.0, vary=False)}),
        ),
    )  # fmt: skip


def test_components_round_trip_through_a_vamas_file() -> None:
    be = np.linspace(772.0, 800.0, 57)
    s = Spectrum(
        binding_energy=be, intensity=np.ones_like(be), source_energy=1486.6, region="Co 2p"
    )
    text = format_vamas([s], fits={0: _fit()})
    assert "CASA comp (*Co3-b*) (*GL(30.0)*)" in text
    (back,) = parse_vamas_bytes(text.encode(), "fit.vms")
    got, want = fit_spec_from_spectrum(back), _fit()
    assert got is not None
    assert got.ids() == want.ids()
    assert got.window == pytest.approx(want.window, abs=1e-9)
    assert got.background.kind == "shirley"
    assert got.background.average_points == 3
    for g, w in zip(got.components, want.components, strict=True):
        assert g.lineshape == w.lineshape
        assert {k: p.value for k, p in g.shape.items()} == {k: p.value for k, p in w.shape.items()}
        for name in ("center", "fwhm", "area"):
            gp, wp = getattr(g, name), getattr(w, name)
            assert gp.value == pytest.approx(wp.value, abs=1e-9)
            assert (gp.vary, gp.link) == (wp.vary, wp.link)
            if gp.vary and gp.link is None:
                assert (gp.min, gp.max) == pytest.approx((wp.min, wp.max), abs=1e-9)


def test_doublet_is_written_as_two_linked_components() -> None:
    d = Doublet("Ti", "gl", Param(458.5), Param(1.0), Param(100.0), {"m": Param(30.0, vary=False)},
                splitting=Param(5.7, vary=False), area_ratio=Param(0.5, vary=False))  # fmt: skip
    spec = FitSpec(region="Ti 2p", window=(450.0, 470.0), components=(d,))
    lines = format_casa_lines(spec, 1486.6)
    back = spec_from_casa_lines(lines, 1486.6)
    assert back is not None
    assert back.ids() == ["Ti", "Ti-minor"]
    minor = back.components[1]
    assert minor.center.link is not None
    assert minor.center.link.value == pytest.approx(5.7)
    assert minor.area.link == Link("Ti", "ratio", 0.5)


def test_unwritable_specs_are_spec_errors() -> None:
    with pytest.raises(SpecError):
        format_casa_lines(FitSpec(window=(1.0, 2.0), background=BackgroundSpec("none")), 1486.6)
    with pytest.raises(SpecError):
        format_casa_lines(_fit(), 0.0)
    with pytest.raises(SpecError):
        spec_from_casa_lines([OLD], 0.0)
