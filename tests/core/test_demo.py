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
from xpsfit.io import read
from xpsfit.templates import load_template


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
