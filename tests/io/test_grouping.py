"""Grouping spectra by sample and etch level; labelling folders of text files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from xpsfit.errors import ParseError
from xpsfit.grouping import (
    FileInfo,
    assign_levels,
    group_spectra,
    info_from_name,
    read_folder,
    read_table,
)
from xpsfit.io import phi, specs, text
from xpsfit.io.registry import read
from xpsfit.spectrum import Spectrum

assert text.READER.name == "text"  # registered for read() in read_folder


def _spec(sample: str = "A", region: str = "C 1s", **kw: object) -> Spectrum:
    return Spectrum(np.arange(280.0, 290.0), np.ones(10), sample=sample, region=region, **kw)  # type: ignore[arg-type]


def test_explicit_levels_are_kept_and_grouped() -> None:
    spectra = [_spec(etch_level=lv, region=r) for lv in (2, 0, 1) for r in ("C 1s", "O 1s")]
    groups = group_spectra(spectra)
    assert [(g.sample, g.level, len(g.spectra)) for g in groups] == [
        ("A", 0, 2),
        ("A", 1, 2),
        ("A", 2, 2),
    ]
    assert [s.region for s in groups[0].spectra] == ["C 1s", "O 1s"]


def test_etch_times_are_ranked_per_sample() -> None:
    spectra = [_spec("A", etch_time=t) for t in (120.0, 0.0, 60.0)] + [_spec("B", etch_time=30.0)]
    groups = group_spectra(spectra)
    assert [(g.sample, g.level, g.etch_time) for g in groups] == [
        ("A", 0, 0.0), ("A", 1, 60.0), ("A", 2, 120.0), ("B", None, 30.0),
    ]  # fmt: skip


def test_one_common_etch_time_is_not_a_profile() -> None:
    spectra = [_spec(etch_time=0.0, region=r) for r in ("C 1s", "O 1s", "N 1s")]
    assert [s.etch_level for s in assign_levels(spectra)] == [None, None, None]
    assert len(group_spectra(spectra)) == 1


def test_variable_from_experiment_variables_or_metadata() -> None:
    angle = [
        _spec(metadata={"experiment_variables": (("Angle", "degree", a),)})
        for a in (55.0, 0.0, 40.0)
    ]
    assert [s.etch_level for s in assign_levels(angle, variable="angle")] == [2, 0, 1]
    cycles = [_spec(metadata={"cycle": c}) for c in (0, 1, 1)]
    assert [s.etch_level for s in assign_levels(cycles, variable="cycle")] == [0, 1, 1]
    missing = assign_levels([_spec()], variable="cycle")
    assert missing[0].etch_level is None


@pytest.mark.realdata
def test_phi_profile_groups_by_cycle(realdata: Path) -> None:
    groups = group_spectra(phi.load(realdata / "ENGR241-Q2/x1pt1_depth.pro"))
    assert [g.level for g in groups] == [0, 1, 2, 3]
    assert [g.etch_time for g in groups] == [0.0, 60.0, 120.0, 180.0]
    assert [s.region for s in groups[0].spectra] == ["O 1s", "C 1s", "N 1s", "Ti 2p", "Si 2p"]


@pytest.mark.realdata
def test_specs_groups_and_cycles(realdata: Path) -> None:
    spectra = specs.load(realdata / "pynxtools-xps/MgFe2O4.xy")
    groups = group_spectra(spectra, variable="cycle")
    samples = {g.sample for g in groups}
    assert len(samples) == 3
    second = [g for g in groups if g.sample.startswith("2 ")]
    assert [g.level for g in second] == [0, 1, 2, 3, 4]


@pytest.mark.realdata
def test_vamas_angle_series(realdata: Path) -> None:
    pytest.importorskip("xpsfit.io.vamas")
    spectra = read(realdata / "cheminfo-vamas/ARXPS.vms")
    groups = group_spectra(spectra, variable="Angle")
    assert [g.level for g in groups] == [0, 1, 2, 3, 4]
    assert all(sorted(s.region for s in g.spectra) == ["Al 2p", "C 1s", "O 1s"] for g in groups)


def _write(folder: Path, name: str, start: float) -> Path:
    path = folder / name
    rows = "\n".join(f"{start + 0.1 * i:.1f},{100 + i}" for i in range(10))
    path.write_text("BE,cps\n" + rows + "\n")
    return path


def test_read_folder_with_a_filename_pattern(tmp_path: Path) -> None:
    paths = [
        _write(tmp_path, f"LCO-bare_L{lv}_{r}.csv", s)
        for lv in (0, 1)
        for r, s in (("Co2p", 775), ("O1s", 528))
    ]
    spectra = read_folder(paths, pattern=r"(?P<sample>[^_]+)_L(?P<level>\d+)_(?P<region>\w+)\.csv")
    assert sorted((s.sample, s.etch_level, s.region) for s in spectra) == [
        ("LCO-bare", 0, "Co 2p"), ("LCO-bare", 0, "O 1s"), ("LCO-bare", 1, "Co 2p"), ("LCO-bare", 1, "O 1s"),
    ]  # fmt: skip
    assert len(group_spectra(spectra)) == 2


def test_read_folder_with_a_table(tmp_path: Path) -> None:
    a, b = _write(tmp_path, "a.csv", 280), _write(tmp_path, "b.csv", 280)
    table = read_table("file,sample,level,etch_time\na.csv,S1,0,0\nb.csv,S1,1,30\n")
    spectra = read_folder([b, a], table=table)
    assert [(s.sample, s.etch_level, s.etch_time) for s in spectra] == [
        ("S1", 0, 0.0),
        ("S1", 1, 30.0),
    ]


def test_folder_errors(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.csv", 280)
    with pytest.raises(ParseError, match="does not match"):
        read_folder([a], pattern=r"(?P<level>\d+)")
    with pytest.raises(ParseError, match="not listed"):
        read_folder([a], table={})
    with pytest.raises(ParseError, match="'file' column"):
        read_table("name,level\nx,1\n")
    with pytest.raises(ParseError, match="not an integer"):
        read_table("file,level\nx,one\n")
    assert info_from_name("S_3.csv", r"(?P<sample>\w)_(?P<time>\d+)") == FileInfo(
        "S", None, 3.0, ""
    )
