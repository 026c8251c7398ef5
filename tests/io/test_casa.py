"""CasaXPS processing in VAMAS comments <-> FitSpec."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import numpy as np
import pytest

from xpsfit.casa_shapes import casa_to_lineshape
from xpsfit.errors import SpecError
from xpsfit.fitting import fit
from xpsfit.io.casa import (
    calibration_shift,
    counts_per_cps,
    fit_spec_from_spectrum,
    format_casa_lines,
    format_lineshape,
    parse_component,
    parse_lineshape,
    spec_from_casa_lines,
)
from xpsfit.io.casa_lines import sgl_share_of_pseudo_voigt, sgl_share_of_voigt, stored_rsf
from xpsfit.io.vamas import load_vamas, parse_vamas_bytes
from xpsfit.io.vamas_write import format_vamas
from xpsfit.lineshapes import evaluate, gl_half_width
from xpsfit.preview_model import evaluate_spec
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
    _, lorentz, shape = casa_to_lineshape("LF(0.54,10,80,100,6)", 3.8576238)
    first = spec.components[0]
    assert {k: p.value for k, p in first.shape.items()} == shape
    assert shape["w"] == pytest.approx(100.0 / 80.0**2)
    assert not any(p.vary for p in first.shape.values())
    # MFWHM 3.8576238 (bounds 1.07 .. 26.75) is CasaXPS's F; ours is the Lorentzian width
    assert first.fwhm.value == pytest.approx(lorentz, rel=1e-12)
    scale = lorentz / 3.8576238
    assert (first.fwhm.min, first.fwhm.max) == pytest.approx((1.07 * scale, 26.75 * scale))
    # SGL: F is the FWHM
    assert spec.components[1].fwhm.value == 8.0
    bg = spec.background
    assert bg.kind == "tougaard"
    assert bg.options["tougaard_form"] == "U3"
    # static, as CasaXPS computes it: B meets the high-BE tie point, the gap is 3 eV
    assert "B" not in bg.params
    assert (bg.params["C"].value, bg.params["D"].value) == (551.0, 436.0)
    assert bg.options["tougaard_gap"] == 3.0
    assert bg.options["casa_cross_section"] == (335.44588, 551.0, 436.0, 3.0)
    assert spec.window == pytest.approx((1486.61 - 786.7632, 1486.61 - 737.52081))
    spec.validate()


def test_feo_components_reproduce_casaxps_curves(realdata: Path, feo_export: np.ndarray) -> None:
    (feo,) = load_vamas(realdata / "pynxtools-xps/FeO_analyzed.vms")
    spec = fit_spec_from_spectrum(feo)
    assert spec is not None
    # CasaXPS's component curves in counts, the spectrum's unit (the imported areas are in
    # counts, see counts_per_cps), background removed
    be, curves = feo_export[:, 8], feo_export[:, 2:6] - feo_export[:, 6:7]
    # measured: LF 0.063 % and 0.061 %, SGL 0.14 % and 0.14 % of the peak height
    limits = {"lf": 1e-3, "sgl": 2e-3}
    for comp, theirs in zip(spec.components, curves.T, strict=True):
        shape = {k: p.value for k, p in comp.shape.items()}
        ours = evaluate(
            comp.lineshape, be, comp.area.value, comp.center.value, comp.fwhm.value, **shape
        )
        assert np.abs(ours - theirs).max() < limits[comp.lineshape] * theirs.max()


def test_feo_casaxps_model_refits_from_its_bounds(realdata: Path) -> None:
    """The stored FeO model starts its 716 eV satellite on its center and FWHM bounds; the
    refit still moves them (reduced chi-square measured 4.75; 469 when they stayed)."""
    (feo,) = load_vamas(realdata / "pynxtools-xps/FeO_analyzed.vms")
    spec = fit_spec_from_spectrum(feo)
    assert spec is not None
    sat = spec.components[1]
    assert (sat.center.value, sat.fwhm.value) == (sat.center.max, sat.fwhm.max)
    result = fit(feo, spec)
    assert result.ok
    assert result.redchi < 10.0


def test_old_syntax_and_shirley(realdata: Path) -> None:
    spectra = load_vamas(realdata / "feranick-xps/casaxps.vms")
    specs = [fit_spec_from_spectrum(s) for s in spectra]
    assert [len(s.components) if s else None for s in specs] == [2, 1, None]
    assert specs[0] is not None
    # CasaXPS named the regions "None": the specs take the spectra's regions
    assert [s.region for s in specs[:2] if s] == [spectra[0].region, spectra[1].region]
    assert specs[0].region == "Pd 3d"
    assert specs[0].background.kind == "shirley"
    # CasaXPS's tie points (Av Width 1: 3 channels centred on each end) and channel sums
    assert specs[0].background.average_points == 1
    assert specs[0].background.options["convention"] == "casaxps"
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
        binding_energy=np.array([280.0, 281.0, 282.0]),
        intensity=np.array([1.0, 2.0, 3.0]),
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


def test_lineshapes_are_converted(caplog: pytest.LogCaptureFixture) -> None:
    assert parse_lineshape("GL(30)", 1.0) == ("gl", 2.0 * gl_half_width(30.0), {"m": 30.0})
    assert parse_lineshape("SGL(10)", 1.3) == ("sgl", 1.3, {"m": 10.0})
    for text in ("LA(1.53,243)", "LA(1,2,50)", "LF(0.8,1.3,25,280)"):
        assert parse_lineshape(text, 0.9) == casa_to_lineshape(text, 0.9)
    assert parse_lineshape("LF(0.8,1.3,25,280)", 1.0)[2]["w"] == pytest.approx(100.0 / 25.0**2)
    with caplog.at_level(logging.WARNING):
        assert parse_lineshape("LA(1.53,243)*z", 0.9) == casa_to_lineshape("LA(1.53,243)", 0.9)
    assert "modifier '*z'" in caplog.text
    for bad in ("DS(0.1,20)", "GL", "GL(130)"):
        with pytest.raises(SpecError, match="lineshape"):
            parse_lineshape(bad, 1.0)
    with pytest.raises(SpecError, match="width F"):
        parse_lineshape("GL(30)", 0.0)


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
    # CasaXPS's width field of a GL(30) is the product's width parameter, not the FWHM
    f_casa = 1.2 / (2.0 * gl_half_width(30.0))
    assert f"CASA comp (*Co3-b*) (*GL(30)*) Area 500.0 0.0 0.0 0 0.5 MFWHM {f_casa!r}" in text
    (back,) = parse_vamas_bytes(text.encode(), "fit.vms")
    got, want = fit_spec_from_spectrum(back), _fit()
    assert got is not None
    assert got.ids() == want.ids()
    assert got.window == pytest.approx(want.window, abs=1e-9)
    assert got.background.kind == "shirley"
    assert got.background.average_points == 3
    for g, w in zip(got.components, want.components, strict=True):
        assert g.lineshape == w.lineshape
        # LA writes its Gaussian width with 6 significant digits
        assert {k: p.value for k, p in g.shape.items()} == pytest.approx(
            {k: p.value for k, p in w.shape.items()}, rel=1e-5
        )
        for name in ("center", "fwhm", "area"):
            gp, wp = getattr(g, name), getattr(w, name)
            assert gp.value == pytest.approx(wp.value, abs=1e-9)
            assert gp.vary == wp.vary
            if gp.link is not None and wp.link is not None:
                assert gp.link.value == pytest.approx(wp.link.value, abs=1e-12)
                assert (gp.link.ref, gp.link.kind) == (wp.link.ref, wp.link.kind)
            else:
                assert gp.link == wp.link
            if gp.vary and gp.link is None:
                assert (gp.min, gp.max) == pytest.approx((wp.min, wp.max), abs=1e-9)


def _peak(cid: str, key: str, fwhm: Param, shape: dict[str, float], center: float = 700.0) -> Peak:
    return Peak(cid, key, Param(center, center - 1.0, center + 1.0), fwhm,
                Param(1000.0, 0.0, 1e6), {k: Param(v, vary=False) for k, v in shape.items()})  # fmt: skip


def _round_trip(*peaks: Peak) -> FitSpec:
    spec = FitSpec(region="X 1s", window=(690.0, 710.0), components=peaks)
    back = spec_from_casa_lines(format_casa_lines(spec, 1486.6), 1486.6)
    assert back is not None
    return back


@pytest.mark.parametrize("m", [0.0, 10.0, 30.0, 47.5, 90.0, 100.0])
def test_gl_round_trip_keeps_fwhm_bounds_and_mix(m: float) -> None:
    (got,) = _round_trip(_peak("a", "gl", Param(1.37, 0.4, 3.1), {"m": m})).components
    assert got.lineshape == "gl"
    assert abs(got.shape["m"].value - m) <= 1e-9
    assert (got.fwhm.value, got.fwhm.min, got.fwhm.max) == pytest.approx((1.37, 0.4, 3.1), abs=1e-9)


@pytest.mark.parametrize(
    ("key", "shape"),
    [
        ("la", {"alpha": 1.53, "beta": 1.53, "m": 412.4925}),
        ("la", {"alpha": 0.8, "beta": 2.3, "m": 8.4875}),
        ("lf", {"alpha": 0.54, "beta": 10.0, "w": 100.0 / 80.0**2, "m": 169.75}),
        ("lf", {"alpha": 0.9, "beta": 1.4, "w": 4.0, "m": 33.3}),
    ],
)
def test_la_lf_round_trip(key: str, shape: dict[str, float]) -> None:
    (got,) = _round_trip(_peak("a", key, Param(0.95, 0.3, 2.0), shape)).components
    assert got.lineshape == key
    assert {k: p.value for k, p in got.shape.items()} == pytest.approx(shape, rel=1e-5)
    assert (got.fwhm.value, got.fwhm.min, got.fwhm.max) == pytest.approx(
        (0.95, 0.3, 2.0), rel=1e-12
    )


def test_width_links_between_different_line_shapes_are_converted() -> None:
    a = _peak("a", "gl", Param(1.2, 0.5, 3.0), {"m": 30.0})
    b = _peak("b", "sgl", Param(1.8, link=Link("a", "ratio", 1.5)), {"m": 30.0}, 705.0)
    spec = FitSpec(region="X 1s", window=(690.0, 710.0), components=(a, b))
    lines = format_casa_lines(spec, 1486.6)
    ca, cb = parse_component(lines[1]), parse_component(lines[2])
    # CasaXPS's link multiplies CasaXPS's width fields: F_b = factor * F_a
    assert cb.fwhm.link == 0
    assert cb.fwhm.value == pytest.approx(cb.fwhm.factor * ca.fwhm.value)
    assert ca.fwhm.value == pytest.approx(1.2 / (2.0 * gl_half_width(30.0)))
    assert cb.fwhm.value == pytest.approx(1.8)
    back = spec_from_casa_lines(lines, 1486.6)
    assert back is not None
    link = back.components[1].fwhm.link
    assert link is not None
    assert (link.ref, link.kind) == ("a", "ratio")
    assert link.value == pytest.approx(1.5, rel=1e-12)


def test_width_links_between_equal_line_shapes_keep_casaxps_factor() -> None:
    lines = [
        "CASA comp (*A*) (*LA(1.53,243)*) Area 500 0 1e6 -1 1 MFWHM 0.9 0.2 2 -1 1 "
        "Position 1257.2 1257 1257.4 -1 1 RSF 1 MASS 0 INDEX -1 (*Mo 3d*)",
        "CASA comp (*B*) (*LA(1.53,243)*) Area 300 0 1e6 -1 1 MFWHM 0.99 0.2 2 0 1.1 "
        "Position 1254.1 1254 1254.2 -1 1 RSF 1 MASS 0 INDEX -1 (*Mo 3d*)",
    ]
    spec = spec_from_casa_lines(lines, 1486.6)
    assert spec is not None
    first, second = spec.components
    assert second.fwhm.link == Link("A", "ratio", 1.1)
    assert second.fwhm.value == pytest.approx(1.1 * first.fwhm.value)
    assert first.fwhm.value == pytest.approx(casa_to_lineshape("LA(1.53,243)", 0.9)[1])


def test_voigt_is_written_as_the_nearest_sgl(caplog: pytest.LogCaptureFixture) -> None:
    x = np.linspace(690.0, 710.0, 2001)
    with caplog.at_level(logging.WARNING):
        (got,) = _round_trip(_peak("Ni0", "voigt", Param(1.1, 0.5, 2.0), {"m": 40.0})).components
    assert "Ni0: CasaXPS has no Voigt; written as SGL(" in caplog.text
    assert (got.lineshape, got.area.value) == ("sgl", 1000.0)
    assert got.fwhm.value == pytest.approx(1.1, rel=1e-12)
    voigt = evaluate("voigt", x, 1000.0, 700.0, 1.1, m=40.0)
    sgl = evaluate("sgl", x, 1000.0, 700.0, got.fwhm.value, m=got.shape["m"].value)
    assert np.abs(sgl - voigt).max() < 7e-3 * voigt.max()
    assert sgl_share_of_voigt(0.0) == 0.0
    # the Voigt's Olivero-Longbothum width is 1e-5 off a pure Lorentzian's
    assert sgl_share_of_voigt(100.0) == pytest.approx(100.0, abs=1e-3)


@pytest.mark.parametrize("eta", [0.0, 25.0, 50.0, 100.0])
def test_pseudo_voigt_is_written_as_the_identical_sgl(eta: float) -> None:
    (got,) = _round_trip(_peak("a", "pseudo_voigt", Param(1.1), {"m": eta})).components
    assert got.shape["m"].value == pytest.approx(sgl_share_of_pseudo_voigt(eta), rel=1e-5)
    x = np.linspace(690.0, 710.0, 801)
    want = evaluate("pseudo_voigt", x, 1000.0, 700.0, 1.1, m=eta)
    have = evaluate("sgl", x, 1000.0, 700.0, got.fwhm.value, m=got.shape["m"].value)
    np.testing.assert_allclose(have, want, rtol=1e-5, atol=1e-12)


def test_shapes_without_casaxps_equivalent_are_refused_by_name() -> None:
    ds = _peak("Pt0", "doniach_sunjic", Param(0.5), {"alpha": 0.1, "gauss_fwhm": 0.3})
    with pytest.raises(SpecError, match=r"'Pt0'.*no CasaXPS equivalent"):
        _round_trip(ds)
    with pytest.raises(SpecError, match=r"'a'.*FWHM"):
        format_lineshape("gl", 0.0, {"m": 30.0}, component="a")


def test_free_shape_parameters_are_written_fixed(caplog: pytest.LogCaptureFixture) -> None:
    free = Peak("a", "gl", Param(700.0), Param(1.0), Param(10.0), {"m": Param(30.0, 0.0, 100.0)})
    with caplog.at_level(logging.WARNING):
        (got,) = _round_trip(free).components
    assert "does not vary line-shape parameters" in caplog.text
    assert not got.shape["m"].vary


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


def test_imported_feo_model_draws_casaxps_envelope(realdata: Path, feo_export: np.ndarray) -> None:
    """Opened, not refitted: the stored model on the imported background is the envelope
    CasaXPS exported (counts), so the user sees the fit they made in CasaXPS."""
    (feo,) = load_vamas(realdata / "pynxtools-xps/FeO_analyzed.vms")
    spec = fit_spec_from_spectrum(feo)
    assert spec is not None
    assert counts_per_cps(feo) == 2.0  # 2 s dwell x 1 scan
    curves = evaluate_spec(spec, feo)
    ours = curves.background + sum(line.curve for line in curves.lines)
    theirs = np.interp(curves.binding_energy, feo_export[:, 8], feo_export[:, 7])
    assert np.abs(ours - theirs).max() < 0.003 * theirs.max()


def test_casaxps_areas_are_per_second(realdata: Path) -> None:
    """CasaXPS's areas are in CPS x eV: a stored Si 2p area of 67018 (0.2 s x 25 scans) is
    335088 counts x eV, and the refit lands within 1 % of it."""
    spectra = load_vamas(realdata / "feranick-xps/casaxps.vms")
    si = next(s for s in spectra if s.region == "Si 2p")
    spec = fit_spec_from_spectrum(si)
    assert spec is not None
    assert counts_per_cps(si) == pytest.approx(5.0)
    (comp,) = spec.components
    assert comp.area.value == pytest.approx(5.0 * 67017.591, rel=1e-9)
    result = fit(si, spec)
    (line,) = result.lines
    assert line.area.value == pytest.approx(comp.area.value, rel=0.01)


def test_written_lines_carry_the_sensitivity_factor() -> None:
    d = Doublet("Ti", "gl", Param(458.5), Param(1.0), Param(100.0), {"m": Param(30.0, vary=False)},
                splitting=Param(5.7, vary=False), area_ratio=Param(0.5, vary=False))  # fmt: skip
    spec = FitSpec(region="Ti 2p", window=(450.0, 470.0), components=(d,))
    lines = format_casa_lines(spec, 1486.6, rsf=2.001)
    assert stored_rsf(lines) == 2.001
    assert all(" RSF 2.001 " in ln and ln.endswith("UNCORRECTEDRSF 2.001") for ln in lines[1:])
    assert stored_rsf(format_casa_lines(spec, 1486.6)) == 1.0
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(SpecError, match="sensitivity factor"):
            format_casa_lines(spec, 1486.6, rsf=bad)


@pytest.mark.parametrize(
    ("options", "name", "numbers"),
    [
        ({}, "U 2 Tougaard", ["2866.0", "1643.0", "1.0", "0.0"]),  # xpsfit's default form: U2
        ({"tougaard_form": "U3", "tougaard_gap": 3.0}, "U 3 Tougaard",
         ["434.0", "551.0", "436.0", "3.0"]),
    ],
)  # fmt: skip
def test_tougaard_is_written_in_its_own_form_with_its_cross_section(
    options: dict[str, object], name: str, numbers: list[str]
) -> None:
    spec = FitSpec(
        region="C 1s", window=(280.0, 295.0), background=BackgroundSpec("tougaard", options=options)
    )
    (line,) = format_casa_lines(spec, 1486.6)
    assert f"(*{name}*)" in line
    assert line.split(")")[2].split()[6:10] == numbers
    assert stored_rsf([line]) == 1.0
