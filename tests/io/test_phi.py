"""PHI MultiPak .spe/.pro reader: golden values, PHI-decoded twins, malformed input."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from xpsfit.errors import ParseError
from xpsfit.io import phi, text
from xpsfit.io.registry import Reader

#: path, spectra, points, first, last, checksum (tests/io/conftest.py: Golden), then etch levels
GOLDEN = [
    ("ENGR241-Q2/01202020_TiN_AJA.3.First Point.spe", 1, 1376, ("Survey", 1376, 0.0, 1100.0), ("Survey", 0.0, 1100.0), 59618176.72216797, 0),
    ("ENGR241-Q2/01202020_TiN_AJA.4.First Point.spe", 4, 804, ("Ti 2p", 201, 449.0, 469.0), ("C 1s", 278.0, 298.0), 7986771.04675293, 0),
    ("ENGR241-Q2/020620.4.X1 Point 1_1.pro", 20, 4020, ("O 1s", 201, 523.0, 543.0), ("Si 2p", 94.0, 114.0), 18251987.5, 4),
    ("ENGR241-Q2/TiN_AJA_HiRes_Top_Ti_fit_org.spe", 1, 160, ("Ti 2p", 160, 450.82919, 466.72919), ("Ti 2p", 450.82919, 466.72919), 2709370.9116210938, 0),
    ("ENGR241-Q2/x1pt1_depth.pro", 20, 4020, ("O 1s", 201, 523.0, 543.0), ("Si 2p", 94.0, 114.0), 18251987.5, 4),
    ("ENGR241-Q2/x1pt1_hires.spe", 5, 130, ("Ti 2p", 26, 449.0, 469.0), ("Si 2p", 94.0, 114.0), 3834866.7744140625, 0),
    ("JesusF10-xps-data-analysis/BN-BS-1 SURVEY.spe", 1, 2201, ("Survey", 2201, 0.0, 1100.0), ("Survey", 0.0, 1100.0), 82953652.0, 0),
    ("JesusF10-xps-data-analysis/BN-BS-1 multiplex.spe", 6, 3606, ("Bi 4f", 601, 150.0, 180.0), ("C 1s", 275.0, 300.0), 12781482.499908447, 0),
    ("M-DaC_XPS/XPS_PHI_QUANTERA_depth_1.pro", 50, 10050, ("O 1s", 201, 523.0, 543.0), ("Si 2p", 92.0, 112.0), 46673403.15991211, 25),
    ("M-DaC_XPS/XPS_PHI_QUANTERA_narrow.spe", 4, 1704, ("Cu 2p", 501, 924.0, 974.0), ("C 1s", 278.0, 298.0), 62488487.56542969, 0),
    ("M-DaC_XPS/XPS_PHI_QUANTERA_survey.spe", 1, 2801, ("Survey", 2801, -20.0, 1380.0), ("Survey", -20.0, 1380.0), 704555178.1890869, 0),
    ("importtool/PHIMultiPak.SPE", 4, 2004, ("Survey", 1201, 0.0, 1200.0), ("Ir 4f", 55.0, 75.0), 35707853.402460575, 0),
    ("pynxtools-xps/SnO2_10nm.spe", 1, 1751, ("Survey", 1751, 0.0, 1400.0), ("Survey", 0.0, 1400.0), 116666211.58277893, 0),
    ("pynxtools-xps/SnO2_10nm_1.pro", 84, 43134, ("Survey", 1751, 0.0, 1400.0), ("Sn 3d", 480.0, 500.0), 2273221882.1701508, 21),
    ("yadg/xps.spe", 2, 3562, ("Survey", 3401, -5.0, 1355.0), ("F 1s", 675.0, 695.0), 24595331.25, 0),
]  # fmt: skip


@pytest.mark.realdata
@pytest.mark.parametrize("golden", GOLDEN, ids=lambda g: g[0])
def test_golden_values(check_golden: Callable[..., Any], golden: tuple[Any, ...]) -> None:
    spectra, (n_levels,) = check_golden(phi.load, golden)
    levels = {s.etch_level for s in spectra if s.etch_level is not None}
    assert len(levels) == n_levels
    assert all(s.source_energy > 1000 for s in spectra)


def _pairs(realdata: Path, binary: str, twin: str) -> list[tuple[object, object]]:
    a = phi.load(realdata / binary)
    b = text.load(realdata / twin)
    assert len(a) == len(b)
    return list(zip(a, b, strict=True))


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("binary", "twin"),
    [
        ("M-DaC_XPS/XPS_PHI_QUANTERA_depth_1.pro", "M-DaC_XPS/XPS_PHI_QUANTERA_depth_1.csv"),
        ("M-DaC_XPS/XPS_PHI_QUANTERA_narrow.spe", "M-DaC_XPS/XPS_PHI_QUANTERA_narrow.csv"),
        ("M-DaC_XPS/XPS_PHI_QUANTERA_survey.spe", "M-DaC_XPS/XPS_PHI_QUANTERA_survey.csv"),
        ("ENGR241-Q2/x1pt1_depth.pro", "ENGR241-Q2/x1pt1_depth.csv"),
        ("ENGR241-Q2/x1pt1_hires.spe", "ENGR241-Q2/x1pt1_hires.csv"),
    ],
)
def test_binary_agrees_with_the_phi_decoded_csv(realdata: Path, binary: str, twin: str) -> None:
    for ours, theirs in _pairs(realdata, binary, twin):
        assert ours.region == theirs.region
        assert ours.etch_level == theirs.etch_level
        np.testing.assert_allclose(ours.binding_energy, theirs.binding_energy, atol=5e-5)
        np.testing.assert_allclose(ours.intensity, theirs.intensity, rtol=1e-6)
        if theirs.etch_time is not None:
            assert ours.etch_time == pytest.approx(theirs.etch_time)


@pytest.mark.realdata
def test_multipak_csv_is_the_spe_shifted_by_its_charge_reference(realdata: Path) -> None:
    """MultiPak's CSV of the TiN spectra is the .spe data on an axis shifted by -0.2708 eV."""
    pairs = _pairs(
        realdata,
        "ENGR241-Q2/01202020_TiN_AJA.4.First Point.spe",
        "ENGR241-Q2/TiN_AJA_HiRes_Top.csv",
    )
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.intensity, theirs.intensity, rtol=1e-6)
        np.testing.assert_allclose(theirs.binding_energy - ours.binding_energy, -0.2708, atol=1e-6)


@pytest.mark.realdata
def test_processed_spe_with_start_below_end_runs_from_high_energy(realdata: Path) -> None:
    """The 'org' curve of MultiPak's fit export equals the processed .spe point by point."""
    ours = phi.load(realdata / "ENGR241-Q2/TiN_AJA_HiRes_Top_Ti_fit_org.spe")[0]
    curves = text.load(realdata / "ENGR241-Q2/TiN_AJA_HiRes_Top_Ti_fit.csv")
    org = next(c for c in curves if c.metadata["label"] == "Ti2p org")
    np.testing.assert_allclose(ours.binding_energy, org.binding_energy, atol=2e-5)
    np.testing.assert_allclose(ours.intensity, org.intensity, rtol=1e-6)


@pytest.mark.realdata
@pytest.mark.parametrize("name", ["SURVEY", "multiplex"])
def test_minimal_header_spe_is_counts_per_second_of_its_ascii_twin(
    realdata: Path, name: str
) -> None:
    """JesusF10 .spe hold c/s; the ASCII export holds counts = c/s x dwell time."""
    folder = realdata / "JesusF10-xps-data-analysis"
    pairs = zip(
        phi.load(folder / f"BN-BS-1 {name}.spe"),
        text.load(folder / f"BN-BS-1 {name}.txt"),
        strict=True,
    )
    for ours, theirs in pairs:
        assert ours.dwell_time is not None
        np.testing.assert_allclose(ours.intensity * ours.dwell_time, theirs.intensity, rtol=1e-6)
        np.testing.assert_allclose(ours.binding_energy, theirs.binding_energy, atol=1e-9)


@pytest.mark.realdata
def test_profile_sputter_times_and_levels(realdata: Path) -> None:
    spectra = phi.load(realdata / "M-DaC_XPS/XPS_PHI_QUANTERA_depth_1.pro")
    o1s = [s for s in spectra if s.region == "O 1s"]
    assert [s.etch_level for s in o1s] == list(range(25))
    minutes = [s.etch_time / 60 for s in o1s if s.etch_time is not None]
    assert minutes[:8] == pytest.approx([0, 1, 2, 3, 4, 5, 6, 6.5])
    assert minutes[-1] == pytest.approx(18.0)
    assert all(s.metadata["intensity_unit"] == "c/s" for s in spectra)


# -- synthetic files ---------------------------------------------------------------------------


def make_phi(points: int = 11, cycles: int = 1, dtype: str = "f4", tail: bytes = b"") -> bytes:
    """A minimal PHI file: one region C1s 290 -> 280 eV, ``cycles`` sets of ``points`` values."""
    kind = "DEPTHPRO" if cycles > 1 else "SPECTRUM"
    header = (
        f"SOFH\r\nFileType: {kind}\r\nTechnique: XPS\r\nXraySource: Al 1486.6 mono\r\n"
        f"NoSpectralReg: 1\r\nSpectralRegDef: 1 1 C1s 6 {points} -1.0 290.0 280.0 290.0 280.0 "
        f"0.1 23.5 AREA\r\nEOFH\r\n"
    ).encode()
    size = 4 if dtype == "f4" else 8
    values = np.arange(points * cycles, dtype=f"<{dtype}")
    directory = [0] * 24
    directory[0], directory[3], directory[4], directory[5], directory[6] = 1, 1, 1, points, cycles
    directory[19], directory[20] = points * cycles * size, 16 + 96
    entry = bytearray(struct.pack("<24I", *directory))
    entry[72:76] = dtype.encode().ljust(4, b"\x00")
    return header + struct.pack("<4I", 1, 1, 96, 16) + bytes(entry) + values.tobytes() + tail


@pytest.mark.parametrize("dtype", ["f4", "f8"])
def test_synthetic_file_reads(dtype: str) -> None:
    (s,) = phi.parse_phi_bytes(make_phi(dtype=dtype), "mem.spe")
    assert s.region == "C 1s"
    np.testing.assert_allclose(s.binding_energy, np.arange(280.0, 291.0))
    np.testing.assert_allclose(s.intensity, np.arange(11.0)[::-1])
    assert s.source_energy == 1486.6
    assert s.etch_level is None


def test_synthetic_profile_has_one_spectrum_per_cycle() -> None:
    spectra = phi.parse_phi_bytes(make_phi(cycles=3))
    assert [s.etch_level for s in spectra] == [0, 1, 2]
    assert spectra[2].intensity.max() == 32.0


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.replace(b"EOFH", b"EOFX"), "SOFH"),
        (lambda d: d[: d.index(b"EOFH") + 10], "binary"),
        (lambda d: d[:-4], "past the end"),
        (lambda d: d.replace(b"C1s 6 11", b"C1s 6 12"), "declares 12 points"),
        (lambda d: d.replace(b"290.0 280.0 290.0", b"nan 280.0 290.0"), "finite number"),
        (lambda d: d.replace(b"Technique: XPS", b"Technique: AES"), "technique"),
        (
            lambda d: d.replace(b"NoSpectralReg: 1\r\nSpectralRegDef: 1 1", b"SpectralRegDef: 2 1"),
            "region 1",
        ),
    ],
)
def test_malformed_files_raise_parse_error(mutate: object, message: str) -> None:
    data = mutate(make_phi())  # type: ignore[operator]
    with pytest.raises(ParseError, match=message):
        phi.parse_phi_bytes(data, "bad.spe")


def test_count_claiming_a_billion_points_is_refused_before_allocation() -> None:
    data = bytearray(make_phi())
    start = data.index(b"EOFH\r\n") + 6 + 16
    struct.pack_into("<I", data, start + 20, 10**9)
    with pytest.raises(ParseError, match=r"declares|hold"):
        phi.parse_phi_bytes(bytes(data))


def test_sniff_reads_content_not_extension() -> None:
    reader: Reader = phi.READER
    assert reader.sniff(make_phi()[:64], Path("x.txt")) == 100
    assert reader.sniff(b"[Info]\n", Path("x.spe")) == 0
