"""Model sensitivity: refits with alternative models, the spread of each fraction, the CLI."""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import math
import statistics
from pathlib import Path

import pytest

import xpsfit.cli.demo as demo_cli
import xpsfit.cli.profile as profile_cli
from xpsfit.demo import demo_depth_scale, demo_spectra
from xpsfit.demo_specs import CO2P_FRACTION, DEMO_SPECS
from xpsfit.profile import DepthProfile
from xpsfit.profile_fit import fit_profile
from xpsfit.sensitivity import (
    ACCEPT_RATIO,
    DEFAULT_VARIANTS,
    background_variant,
    doublet_width_variant,
    lineshape_variant,
    model_sensitivity,
)
from xpsfit.sensitivity_table import SENSITIVITY_COLUMNS
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


def test_variants_the_data_reject_are_left_out_of_the_spread() -> None:
    profile = DepthProfile.from_spectra(demo_spectra("ceramic-LCO"), depth_scale=demo_depth_scale())
    templates = {"Co 2p": DEMO_SPECS["Co 2p"]}
    variants = (
        lineshape_variant("gl", m=30.0),
        lineshape_variant("voigt", m=30.0),
        lineshape_variant("gl", m=100.0),  # pure Lorentzians: a poor model of GL(30) lines
    )
    rows = model_sensitivity([profile], templates, variants, jobs=1)
    lorentz = "line shape gl(100)"
    for row in rows:
        assert row.baseline_redchi is not None
        assert lorentz in row.rejected
        assert row.rejected[lorentz] > ACCEPT_RATIO * max(row.baseline_redchi, 1.0)
        assert row.values[lorentz] is None
        kept = [v for v in row.values.values() if v is not None]
        assert len(kept) == 2
        assert row.spread == pytest.approx(max(kept) - min(kept))
        assert row.spread is not None
        assert row.spread < 0.05


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="xpsfit")
    sub = parser.add_subparsers(dest="command")
    demo_cli.register(sub)
    profile_cli.register(sub)
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    assert _cli(["demo", "--out", str(folder)]) == 0
    return folder


@pytest.fixture(scope="module")
def sensitivity_run(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One sample, Co 2p (doublets) and B 1s (singlets, with a fraction given on the command
    line), every default variant."""
    out = tmp_path_factory.mktemp("sensitivity")
    capture = io.StringIO()
    with contextlib.redirect_stderr(capture):
        code = _cli([
            "profile", str(demo / "demo_glassy-ceramic-LCO.vms"),
            "--template", str(demo / "templates" / "Co2p.json"),
            "--template", str(demo / "templates" / "B1s.json"),
            "--region", "Co 2p", "--region", "B 1s",
            "--fraction", "Li3BO3 / (Li3BO3 + Li2B4O7)",
            "--jobs", "1", "--no-plots", "--sensitivity", "--out", str(out),
        ])  # fmt: skip
    assert code == 0
    return out, capture.getvalue()


def _cell(text: str) -> float | None:
    return None if text == "" else float(text)


def _rejected(row: dict[str, str]) -> dict[str, float]:
    """The ``rejected`` cell: ``name (reduced chi-square X); ...`` -> {name: X}."""
    out = {}
    for part in filter(None, row["rejected"].split("; ")):
        name, _, rest = part.rpartition(" (reduced chi-square ")
        out[name] = float(rest.rstrip(")"))
    return out


def test_cli_sensitivity_table(sensitivity_run: tuple[Path, str]) -> None:
    out, err = sensitivity_run
    rows = _read(out / "sensitivity.csv")
    names = [v.name for v in DEFAULT_VARIANTS]
    assert list(rows[0]) == [*SENSITIVITY_COLUMNS, *names]
    fractions = _read(out / "fractions.csv")
    key = ("sample", "region", "level", "fraction")
    assert [tuple(r[k] for k in key) for r in rows] == [tuple(r[k] for k in key) for r in fractions]
    assert len(rows) == 18
    for row, base in zip(rows, fractions, strict=True):
        assert (row["value"], row["err"], row["etch_time_s"]) == (
            base["value"],
            base["err"],
            base["etch_time_s"],
        )
        values = [_cell(row[n]) for n in names if row[n] != ""]
        assert all(v is not None and 0.0 <= v <= 1.0 for v in values)
        got = [v for v in values if v is not None]
        systematic = float(row["systematic"])
        assert math.isfinite(systematic)
        assert systematic >= 0.0
        assert systematic == max(got) - min(got)
        assert float(row["systematic_std"]) == pytest.approx(statistics.stdev(got), rel=1e-12)
        assert int(row["n_variants"]) == len(got)
        base_redchi = float(row["baseline_redchi"])
        for name, redchi in _rejected(row).items():
            assert row[name] == ""
            assert redchi > ACCEPT_RATIO * max(base_redchi, 1.0) * (1 - 1e-3)
    co = [r for r in rows if r["region"] == "Co 2p"]
    assert [int(r["level"]) for r in co] == list(range(9))
    assert all(r["fraction"] == CO2P_FRACTION for r in co)
    assert all(int(r["n_variants"]) + len(_rejected(r)) == 8 for r in co)
    assert all("background tougaard" in _rejected(r) for r in co)  # the demo is not Tougaard
    assert "126/126 refits" in err  # 9 Co 2p x 8 variants + 9 B 1s x 6 variants
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["options"]["sensitivity"] == names


def test_cli_sensitivity_without_doublets(sensitivity_run: tuple[Path, str]) -> None:
    """B 1s has no doublet: the width variants do not apply, the spread is over the other six."""
    import openpyxl

    out, _ = sensitivity_run
    rows = [r for r in _read(out / "sensitivity.csv") if r["region"] == "B 1s"]
    assert len(rows) == 9
    for row in rows:
        assert row["doublet widths tied"] == row["doublet widths free"] == ""
        assert int(row["n_variants"]) + len(_rejected(row)) == 6
        assert float(row["systematic"]) >= 0.0
    book = openpyxl.load_workbook(out / "profile.xlsx", read_only=True)
    sheet = list(book["sensitivity"].iter_rows(values_only=True))
    table = _read(out / "sensitivity.csv")
    assert list(sheet[0]) == list(table[0])
    assert len(sheet) == 1 + len(table)
    assert book.sheetnames.index("sensitivity") < book.sheetnames.index("curves")


def test_cli_sensitivity_without_fractions(
    demo: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "run"
    code = _cli([
        "profile", str(demo / "demo_bare-LCO.vms"),
        "--template", str(demo / "templates" / "O1s.json"), "--region", "O 1s",
        "--jobs", "1", "--no-plots", "--sensitivity", "--out", str(out),
    ])  # fmt: skip
    assert code == 0
    assert "no fitted region defines a fraction" in caplog.text
    with (out / "sensitivity.csv").open(encoding="utf-8", newline="") as fh:
        table = list(csv.reader(fh))
    assert table == [[*SENSITIVITY_COLUMNS, *(v.name for v in DEFAULT_VARIANTS)]]
