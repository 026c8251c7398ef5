"""``xpsfit info``: one line or JSON object per spectrum, errors per file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from xpsfit.cli import info
from xpsfit.io import phi, text  # register the readers used below
from xpsfit.spectrum import Spectrum

assert (phi.READER.name, text.READER.name) == ("phi", "text")


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    info.register(parser.add_subparsers())
    args = parser.parse_args(["info", *argv])
    code: int = args.func(args)
    return code


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "C1s.csv"
    path.write_text("BE,cps\n" + "".join(f"{280 + 0.5 * i},{100 + i}\n" for i in range(10)))
    return path


def test_text_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run([str(_csv(tmp_path))]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert "| C 1s |" in line
    assert "10 pts 280.00-284.50 eV" in line


def test_json_objects(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["--json", str(_csv(tmp_path))]) == 0
    (obj,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert obj["region"] == "C 1s"
    assert obj["points"] == 10
    assert obj["be_min"] == 280.0
    assert obj["level"] is None
    assert obj["casa_fit"] is None


def test_unreadable_file_reports_and_continues(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "empty.csv"
    bad.write_text("nothing here\n")
    assert _run([str(bad), str(_csv(tmp_path))]) == 2
    out = capsys.readouterr()
    assert "no numeric table" in out.err
    assert len(out.out.splitlines()) == 1


def test_summary_of_a_profile_spectrum() -> None:
    s = Spectrum(
        np.arange(5.0), np.ones(5), region="Co 2p", etch_level=3, etch_time=90.0,
        source_energy=1486.6, metadata={"warnings": ("w1",)},
    )  # fmt: skip
    summary = info.spectrum_summary(s)
    assert (summary["level"], summary["etch_time"], summary["warnings"]) == (3, 90.0, ["w1"])


@pytest.mark.realdata
def test_casaxps_fit_is_listed(realdata: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("xpsfit.io.vamas")
    pytest.importorskip("xpsfit.io.casa")
    assert _run(["--json", str(realdata / "pynxtools-xps/FeO_analyzed.vms")]) == 0
    (obj,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    fit = obj["casa_fit"]
    assert fit["background"] == "tougaard"
    centers = [c["center"] for c in fit["components"]]
    assert centers == pytest.approx([709.05, 716.00, 722.13, 729.89], abs=0.05)


@pytest.mark.realdata
def test_profile_file_lists_levels(realdata: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["--json", str(realdata / "ENGR241-Q2/x1pt1_depth.pro")]) == 0
    objs = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(objs) == 20
    assert [o["level"] for o in objs[:4]] == [0, 1, 2, 3]
    assert [o["etch_time"] for o in objs[:4]] == [0.0, 60.0, 120.0, 180.0]
