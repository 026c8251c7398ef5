"""The synthetic demo: deterministic, labelled, the study's numbers, VAMAS round trip, CLI."""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

import xpsfit.cli.demo as demo_cli
import xpsfit.cli.profile as profile_cli
from xpsfit.demo import (
    DEMO_COMMENT,
    DEMO_DEPTHS_NM,
    DEMO_SAMPLES,
    co2_fraction_truth,
    demo_spectra,
    write_demo,
)
from xpsfit.demo_specs import DEMO_SPECS
from xpsfit.fitting import Fitter
from xpsfit.io import read
from xpsfit.reference import load_library
from xpsfit.spec import Doublet, param_name
from xpsfit.templates import apply_template, default_template, load_template


def test_truth_follows_the_study() -> None:
    assert co2_fraction_truth("bare-LCO", 0.0) == pytest.approx(0.234)
    assert co2_fraction_truth("ceramic-LCO", 0.0) == pytest.approx(0.221)
    assert co2_fraction_truth("ceramic-LCO", 30.0) == pytest.approx(0.336)
    bare = [co2_fraction_truth("bare-LCO", d) for d in DEMO_DEPTHS_NM]
    assert bare == sorted(bare, reverse=True)
    glassy = [co2_fraction_truth("glassy-ceramic-LCO", d) for d in DEMO_DEPTHS_NM]
    assert max(glassy) - min(glassy) < 0.02
    assert max(glassy) < 0.08
    with pytest.raises(KeyError):
        co2_fraction_truth("unknown", 0.0)


def test_demo_is_deterministic_and_complete() -> None:
    a, b = demo_spectra(), demo_spectra()
    assert len(a) == len(b) == 117
    assert all(x == y for x, y in zip(a, b, strict=True))
    assert [s.sample for s in demo_spectra("ceramic-LCO")] == ["ceramic-LCO"] * 39
    regions = {(s.sample, s.region) for s in a}
    for sample in DEMO_SAMPLES:
        for region in ("Co 2p", "O 1s", "C 1s", "S 2p", "P 2p", "Ge 3d"):
            assert (sample, region) in regions
    assert ("bare-LCO", "Ti 2p") not in regions
    assert ("glassy-ceramic-LCO", "B 1s") in regions
    for s in a:
        assert s.metadata["comment"] == DEMO_COMMENT
        assert "SYNTHETIC" in s.metadata["comment"][0]
        assert s.etch_time == pytest.approx(10.0 * DEMO_DEPTHS_NM[s.etch_level or 0])
        assert np.all(s.intensity >= 0)


def test_vamas_round_trip_and_files(tmp_path: Path) -> None:
    paths = write_demo(tmp_path / "a")
    write_demo(tmp_path / "b")
    for p in (tmp_path / "a").rglob("*"):
        if p.is_file():
            assert p.read_bytes() == (tmp_path / "b" / p.relative_to(tmp_path / "a")).read_bytes()
    back = [s for p in paths for s in read(p)]
    original = demo_spectra()
    assert len(back) == len(original)
    for got, exp in zip(back, original, strict=True):
        assert np.array_equal(got.binding_energy, exp.binding_energy)
        assert np.array_equal(got.intensity, exp.intensity)
        assert (got.sample, got.region, got.etch_level) == (exp.sample, exp.region, exp.etch_level)
        assert got.etch_time == pytest.approx(exp.etch_time)
    text = paths[0].read_text(encoding="ascii")
    assert "SYNTHETIC DEMO DATA" in text
    assert "Etch Time" in text
    readme = (tmp_path / "a" / "README.txt").read_text(encoding="utf-8")
    assert readme.startswith("SYNTHETIC DEMO DATA")
    assert "ceramic-LCO\t30.0\t" in readme
    template = load_template(tmp_path / "a" / "templates" / "Co2p.json")
    assert template.spec.fractions[0].expression == "Co2+ / (Co2+ + Co3+)"


def test_demo_physics_agrees_with_the_library() -> None:
    """Every demo line is a library species within its tolerance, with the library's doublet
    physics (splitting of the species, FWHM ratio in range) and satellites within tolerance."""
    library = load_library(include_user=False)
    for region, spec in DEMO_SPECS.items():
        level = library.level(region)
        assert spec.window == level.window, region
        for comp in spec.components:
            if comp.satellite_of is not None:
                parent = level.get(comp.satellite_of)
                (sat,) = parent.satellites
                link = comp.center.link
                assert link is not None
                assert abs(link.value - sat.offset) <= sat.offset_tolerance, comp.id
                assert comp.area.link is not None
                assert abs(comp.area.link.value - sat.area_ratio) <= sat.area_ratio_tolerance
                assert sat.fwhm_range[0] <= comp.fwhm.value <= sat.fwhm_range[1], comp.id
                continue
            ids = level.species_ids()
            sp = level.get(comp.id if comp.id in ids else {"GeOx": "GeO2"}.get(comp.id, comp.id))
            assert abs(comp.center.value - sp.binding_energy) <= sp.tolerance, comp.id
            assert level.fwhm_range[0] <= comp.fwhm.value <= level.fwhm_range[1], comp.id
            if isinstance(comp, Doublet):
                assert comp.splitting.value == pytest.approx(level.splitting_of(sp)), comp.id
                assert comp.area_ratio.value == pytest.approx(level.area_ratio), comp.id
                lo, hi = level.fwhm_ratio_range
                assert lo <= comp.fwhm_ratio.value <= hi, comp.id
    co2 = DEMO_SPECS["Co 2p"].component("Co2+")
    assert isinstance(co2, Doublet)
    # the study's 2p3/2 positions, physical Co2+ splitting (not the study's 14.5 eV)
    assert (co2.center.value, co2.splitting.value) == (781.9, 15.7)


def test_default_templates_fit_the_demo() -> None:
    """The app's default fits: every spectrum converges, or sits at a bound only on the zero
    area of a species it lacks; the Co2+ fraction is within 2 points of the truth."""
    fitter = Fitter()
    absent = {
        "C 1s": {"CO", "COO"},
        "Ti 2p": {"Ti3+"},
        "S 2p": {"SO3", "SO4"},
        "O 1s": {"Li-Ti-O"},
    }
    for s in demo_spectra():
        result = fitter.fit(s, apply_template(default_template(s.region), s))
        assert result.status in ("converged", "at_bound"), (s.label, result.message)
        hits = {n: p.at_bound for n, p in result.params.items() if p.at_bound}
        lacking = {param_name(c, "area"): c for c in absent.get(s.region, set())}
        assert set(hits) <= set(lacking), (s.label, hits)
        for name, side in hits.items():
            assert side == "min", (s.label, name)
            assert result.species_areas[lacking[name]].value == pytest.approx(0.0, abs=1e-6)
        free = [p for n, p in result.params.items() if p.vary and n not in hits]
        assert all(p.stderr is not None for p in free), s.label
        if s.region == "Co 2p":
            truth = co2_fraction_truth(s.sample, DEMO_DEPTHS_NM[s.etch_level or 0])
            value = result.fractions["Co2+ fraction"].value
            assert abs(value - truth) <= 0.02, (s.label, value, truth)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xpsfit")
    sub = parser.add_subparsers(dest="command")
    demo_cli.register(sub)
    profile_cli.register(sub)
    return parser


def test_demo_and_profile_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = _parser()
    args = parser.parse_args(["demo", "--out", str(tmp_path / "demo")])
    assert args.func(args) == 0
    files = sorted(str(p) for p in (tmp_path / "demo").glob("*.vms"))
    out = tmp_path / "run"
    args = parser.parse_args([
        "profile", *files, "--template", str(tmp_path / "demo" / "templates" / "Co2p.json"),
        "--region", "Co 2p", "--sputter-rate", "6nm/min", "--reference-material", "Ta2O5",
        "--seed", "global", "--jobs", "2", "--no-plots", "--out", str(out),
    ])  # fmt: skip
    assert args.func(args) == 0
    err = capsys.readouterr().err
    assert "27/27 spectra" in err
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    for entry in record["inputs"]:
        assert entry["sha256"] == hashlib.sha256(Path(entry["path"]).read_bytes()).hexdigest()
    assert record["options"]["seed"] == "global"
    assert record["options"]["depth_scale"]["rate_nm_per_s"] == pytest.approx(0.1)
    assert list(record["templates"]) == ["Co 2p"]
    fractions = (out / "fractions.csv").read_text(encoding="utf-8").splitlines()
    assert len(fractions) == 1 + 27
    assert fractions[1].startswith("bare-LCO,Co 2p,0,0.0,0.0,Co2+ fraction,")
