"""VAMAS reader: golden values for every real file, and the format's variants one by one."""

from __future__ import annotations

import math
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from xpsfit.errors import ParseError
from xpsfit.io.vamas import load_vamas, parse_vamas_bytes, sniff_vamas


class Golden(NamedTuple):
    path: str
    points: tuple[int, ...]
    first_be: float
    last_be: float
    intensity_sum: float
    variables: tuple[str, ...]
    regions: tuple[str, ...]


#: Every .vms/.npl file in the real data reads; values measured once and checked ever after.
GOLDEN = [
    Golden(
        "KherveFitting/Pt4f.vms",
        (281,),
        62.0,
        90.0,
        221289.79200000002,
        ("Exp Variable",),
        ("Pt 4f",),
    ),
    Golden(
        "LG4X-V2/0-150W.vms",
        (1206, 601, 251, 301, 251),
        -5.0,
        50.0,
        3476119.0,
        ("Index", "PositionX [mm]", "PositionY [mm]", "PositionZ [mm]"),
        ("Survey", "Ni 2p", "O 1s", "C 1s", "W 4f"),
    ),
    Golden(
        "LG4X-V2/Mutlipak_vms.npl",
        (601, 601, 501, 401, 401),
        275.0,
        240.0,
        5093681.25,
        (),
        ("C 1s", "O 1s", "S 2p", "N 1s", "Mo 3d"),
    ),
    Golden(
        "cheminfo-vamas/ARXPS.vms",
        (201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201),
        523.0,
        86.0,
        2207089.0,
        ("Angle", "PositionX [mm]", "PositionY [mm]", "PositionZ [mm]"),
        (
            "O 1s",
            "C 1s",
            "Al 2p",
            "O 1s",
            "C 1s",
            "Al 2p",
            "O 1s",
            "C 1s",
            "Al 2p",
            "O 1s",
            "C 1s",
            "Al 2p",
            "O 1s",
            "C 1s",
            "Al 2p",
        ),
    ),
    Golden(
        "cheminfo-vamas/multiplex.vms",
        (1206, 91, 91),
        -5.0,
        35.0,
        57080803.0,
        ("Index", "PositionX [mm]", "PositionY [mm]", "PositionZ [mm]"),
        ("Survey", "O 1s", "Ta 4f"),
    ),
    Golden(
        "cheminfo-vamas/polyethyleneglycol.vms",
        (1151, 240, 200, 801),
        2.2000000000000455,
        38.42,
        6090023.0,
        ("None",),
        ("Survey", "C 1s", "O 1s", "VB"),
    ),
    Golden(
        "cheminfo-vamas/single_sample.vms",
        (1206, 101, 101, 101, 101, 101, 101, 281, 921),
        -5.0,
        20.0,
        40171421.0,
        ("Index", "PositionX [mm]", "PositionY [mm]", "PositionZ [mm]"),
        ("Survey", "I 3d", "Pb 4f", "O 1s", "N 1s", "C 1s", "S 2p", "VB", "VB"),
    ),
    Golden(
        "cheminfo-vamas/survey.vms",
        (1206,),
        -5.0,
        1200.0,
        10969955.0,
        ("Index", "PositionX [mm]", "PositionY [mm]", "PositionZ [mm]"),
        ("Survey",),
    ),
    Golden(
        "feranick-xps/2.vms",
        (2794, 81, 151, 171, 71, 171),
        -9.900000000000091,
        15.0,
        36183883.0,
        (),
        ("Survey", "C 1s", "Si 2p", "VB", "Ge 3d", "VB"),
    ),
    Golden(
        "feranick-xps/3.vms",
        (121, 101, 151, 201, 201, 121, 2001),
        80.0,
        1000.0,
        91109068.0,
        (),
        ("Au 4f", "N 1s", "C 1s", "S 2p", "N 1s", "VB", "Survey"),
    ),
    Golden(
        "feranick-xps/c.vms",
        (2101, 151, 261, 171, 151),
        -50.0,
        528.0,
        11074331.0,
        (),
        ("Survey", "Si 2p", "VB", "C 1s", "V 2p"),
    ),
    Golden(
        "feranick-xps/casaxps.vms",
        (201, 201, 1001),
        330.0,
        1000.0,
        46855579.8,
        ("None",),
        ("Pd 3d", "Si 2p", "Survey"),
    ),
    Golden(
        "feranick-xps/cs.vms",
        (2101, 151, 261, 171, 151),
        -50.0,
        528.0,
        11074331.0,
        (),
        ("Survey", "Si 2p", "VB", "C 1s", "V 2p"),
    ),
    Golden(
        "importtool/VAMASvms.vms",
        (1106, 551, 251, 401, 351, 425, 485, 535, 634, 461),
        -5.0,
        18.0,
        771455774.0,
        ("Cycle", "zValue", "Step", "Timestamp [ms]"),
        ("Survey", "Zn 2p", "O 1s", "Si 2p", "Si 2s", "VB", "VB", "VB", "VB", "VB"),
    ),
    Golden(
        "kjappelbaum-xps-analysis/auger.vms",
        (2981, 501, 650, 1001),
        20.0,
        950.0,
        595729750.0,
        ("Index", "PositionX [mm]", "PositionY [mm]", "PositionZ [mm]"),
        ("Survey", "C KLL", "O KLL", "Cu LMM"),
    ),
    Golden(
        "pynxtools-xps/FeO_analyzed.vms",
        (1121,),
        693.9999999999999,
        749.9999999999999,
        13991176.77,
        ("Exp Variable",),
        ("Fe 2p",),
    ),
    Golden(
        "pynxtools-xps/irregular.vms",
        (1351,),
        0.0,
        1350.0,
        31883020.896,
        ("Value",),
        ("Survey",),
    ),
    Golden(
        "pynxtools-xps/regular.vms",
        (1351,),
        -2.2737367544323206e-13,
        1350.0,
        3188302.0896000005,
        ("Exp Variable",),
        ("Survey",),
    ),
    Golden(
        "xylib/mjr9_116a.vms",
        (1101, 601, 231, 211, 231, 181, 301),
        0.0,
        100.0,
        14363802.0,
        (),
        ("Survey", "Survey", "O 1s", "N 1s", "C 1s", "S 2p", "Au 4f"),
    ),
    Golden(
        "xylib/mjr9_59c.vms",
        (1101, 601, 231, 211, 231, 181, 301, 181, 301),
        0.0,
        100.0,
        6399760.0,
        (),
        ("Survey", "Survey", "O 1s", "N 1s", "C 1s", "S 2p", "Au 4f", "S 2p", "Au 4f"),
    ),
    Golden(
        "xylib/mjr9_64c.vms",
        (1101, 601, 231, 211, 231, 181, 301, 181, 301),
        0.0,
        100.0,
        3703196.0,
        (),
        ("Survey", "Survey", "O 1s", "N 1s", "C 1s", "S 2p", "Au 4f", "S 2p", "Au 4f"),
    ),
]

#: Real VAMAS files expected to fail (none so far): path -> line number in the ParseError.
EXPECTED_FAILURES: dict[str, int] = {}


def test_golden_table_covers_every_real_vamas_file(realdata: Path) -> None:
    found = {
        str(p.relative_to(realdata))
        for p in realdata.rglob("*")
        if p.suffix.lower() in (".vms", ".npl")
    }
    assert found == {g.path for g in GOLDEN} | set(EXPECTED_FAILURES)


@pytest.mark.parametrize("golden", GOLDEN, ids=[g.path for g in GOLDEN])
def test_real_file_golden_values(realdata: Path, golden: Golden) -> None:
    spectra = load_vamas(realdata / golden.path)
    assert tuple(s.n_points for s in spectra) == golden.points
    assert spectra[0].binding_energy[0] == pytest.approx(golden.first_be, abs=1e-9)
    assert spectra[-1].binding_energy[-1] == pytest.approx(golden.last_be, abs=1e-9)
    total = sum(float(np.sum(s.intensity)) for s in spectra)
    assert total == pytest.approx(golden.intensity_sum, rel=1e-9)
    names = tuple(v[0] for v in spectra[0].metadata.get("experiment_variables", ()))
    assert names == golden.variables
    assert tuple(s.region for s in spectra) == golden.regions
    for s in spectra:
        assert np.all(np.diff(s.binding_energy) >= 0)
        assert s.source_file == str(realdata / golden.path)


def test_auger_block_keeps_kinetic_axis(realdata: Path) -> None:
    spectra = load_vamas(realdata / "kjappelbaum-xps-analysis/auger.vms")
    cu = spectra[-1]
    assert cu.source_energy == 0.0
    assert cu.metadata["energy_axis"] == "kinetic"
    assert (cu.binding_energy[0], cu.binding_energy[-1]) == (750.0, 950.0)
    assert any("kinetic" in w for w in cu.metadata["warnings"])


def test_etch_time_variable_becomes_etch_time(realdata: Path) -> None:
    spectra = load_vamas(realdata / "xylib/mjr9_116a.vms")
    assert all(s.etch_time == 0.0 and s.etch_level is None for s in spectra)
    assert spectra[0].metadata["experiment_mode"] == "MAP"


def test_transmission_and_irregular_axis(realdata: Path) -> None:
    (feo,) = load_vamas(realdata / "pynxtools-xps/FeO_analyzed.vms")
    assert len(feo.metadata["transmission"]) == feo.n_points
    # IRREGULAR: KE 736.61 is the first file channel -> BE 1486.61 - 736.61 = 750 (last here)
    assert feo.binding_energy[-1] == pytest.approx(750.0)
    assert feo.intensity[-1] == 12516.9


def _block(
    species: str = "C",
    transition: str = "1s",
    values: tuple[float, ...] = (10.0, 20.0, 30.0),
    *,
    abscissa: str = "Kinetic Energy",
    start: float = 1200.0,
    step: float = -0.5,
    source: float = 1486.6,
    variables: tuple[str, ...] = ("0",),
    comment: tuple[str, ...] = ("a comment",),
    n_comment: int | None = None,
    n_values: int | None = None,
) -> list[str]:
    lines = ["blk", "sample A", "2020", "1", "2", "3", "4", "5", "0"]
    lines += [str(len(comment) if n_comment is None else n_comment), *comment, "XPS"]
    lines += [*variables, "Al", str(source), "1e37", "1e37", "1e37", "54", "0", "FAT", "20"]
    lines += ["1e37", "4.5", "0", "1e37", "1e37", "0", "0", species, transition, "-1"]
    lines += [abscissa, "eV", str(start), str(step), "1", "counts", "d", "pulse counting"]
    lines += ["0.1", "3", "0", "0", "0", "0", "0"]
    lines += [str(len(values) if n_values is None else n_values), "0", "100"]
    return lines + [repr(v) for v in values]


def _file(
    *blocks: list[str], variables: tuple[tuple[str, str], ...] = (("Etch Time", "s"),)
) -> str:
    head = [
        "VAMAS Surface Chemical Analysis Standard Data Transfer Format 1988 May 4",
        "inst", "model", "op", "exp", "0", "NORM", "REGULAR", str(len(blocks)),
        str(len(variables)), *(x for v in variables for x in v), "0", "0", "0", "0",
        str(len(blocks)),
    ]  # fmt: skip
    return "\n".join(head + [x for b in blocks for x in b] + ["end of experiment"]) + "\n"


def test_synthetic_kinetic_file_and_etch_levels() -> None:
    text = _file(_block(variables=("0",)), _block("O", variables=("60",)))
    a, b = parse_vamas_bytes(text.encode(), "mem.vms")
    assert a.binding_energy.tolist() == (1486.6 - np.array([1200.0, 1199.5, 1199.0])).tolist()
    assert a.intensity.tolist() == [10.0, 20.0, 30.0]
    assert (a.etch_time, b.etch_time) == (0.0, 60.0)
    assert (a.region, b.region) == ("C 1s", "O 1s")
    assert a.pass_energy == 20.0
    assert a.scans == 3
    assert a.dwell_time == 0.1
    assert a.metadata["comment"] == ("a comment",)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: b"\xef\xbb\xbf" + t,
        lambda t: b"\n\n  \n" + t,
        lambda t: t.replace(b"\n", b"\r\n"),
        lambda t: t.replace(b"\n", b"\r"),
        lambda t: t.replace(b"sample A", b"sam\x00ple A"),
        lambda t: t.replace(b"a comment", b"caf\xe9"),
        lambda t: t.replace(b"end of experiment\n", b""),
        lambda t: t.replace(b"REGULAR", b"regular").replace(b"XPS", b"xps"),
        lambda t: t.replace(b"1988 May 4", b"2006 June 1"),
    ],
    ids=["bom", "blank-lines", "crlf", "cr", "nul", "latin1", "no-terminator", "case", "date"],
)
def test_format_variants_read_the_same(mangle: object) -> None:
    text = _file(_block()).encode()
    (ref,) = parse_vamas_bytes(text, "ref")
    (got,) = parse_vamas_bytes(mangle(text), "variant")  # type: ignore[operator]
    assert np.array_equal(got.binding_energy, ref.binding_energy)
    assert np.array_equal(got.intensity, ref.intensity)
    assert got.sample == "sample A"


def test_binding_abscissa_with_positive_step() -> None:
    text = _file(_block(abscissa="Binding Energy", start=280.0, step=0.5))
    (s,) = parse_vamas_bytes(text.encode(), "be")
    assert s.binding_energy.tolist() == [280.0, 280.5, 281.0]
    assert s.intensity.tolist() == [10.0, 20.0, 30.0]


def test_broken_block_is_skipped_with_a_warning_on_the_next() -> None:
    bad = _block("N")
    bad[bad.index("Al") + 1] = "1486.6"
    bad[bad.index("-1") + 4] = "not a number"  # abscissa start
    text = _file(_block("C"), bad, _block("O"))
    spectra = parse_vamas_bytes(text.encode(), "broken")
    assert [s.region for s in spectra] == ["C 1s", "O 1s"]
    assert any("skipped" in w for w in spectra[1].metadata["warnings"])


def test_wrong_comment_count_is_repaired_with_a_warning() -> None:
    text = _file(_block(comment=("one", "two"), n_comment=1))
    (s,) = parse_vamas_bytes(text.encode(), "c")
    assert s.metadata["comment"] == ("one", "two")
    assert any("comment" in w for w in s.metadata["warnings"])


def test_huge_declared_count_fails_fast_with_the_line() -> None:
    text = _file(_block(n_values=10**9))
    with pytest.raises(ParseError) as err:
        parse_vamas_bytes(text.encode(), "huge.vms")
    assert err.value.line is not None
    assert err.value.file == "huge.vms"
    assert "ordinate" in str(err.value)


def test_non_finite_intensity_is_flagged() -> None:
    (s,) = parse_vamas_bytes(_file(_block(values=(1.0, math.nan, math.inf))).encode(), "nan")
    assert any("non-finite" in w for w in s.metadata["warnings"])


def test_not_vamas_and_empty_are_parse_errors() -> None:
    with pytest.raises(ParseError, match="not a VAMAS"):
        parse_vamas_bytes(b"1 2\n3 4\n", "x.txt")
    head = _file(_block()).split("blk")[0]
    with pytest.raises(ParseError):
        parse_vamas_bytes(head.encode(), "headonly.vms")


def test_sniff_by_content() -> None:
    assert sniff_vamas(b"\r\n\r\n" + _file(_block()).encode()[:300], Path("a.txt")) == 100
    assert sniff_vamas(b"# SPECS xy\n", Path("a.vms")) == 0
