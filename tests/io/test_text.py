"""Column text reader: delimiter/header sniffing, energy kind, layouts, real exports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xpsfit.errors import ParseError
from xpsfit.io import text
from xpsfit.io.textcolumns import cut_blocks, sniff_delimiter

#: path, spectra, points, first, last, checksum (tests/io/conftest.py: Golden), then etch levels
GOLDEN = [
    ("ENGR241-Q2/TiN_AJA_HiRes_Top.csv", 4, 804, ("Ti 2p", 201, 448.7292, 468.7292), ("C 1s", 277.7292, 297.7292), 7986771.046800001, 0),
    ("ENGR241-Q2/x1pt1_depth.csv", 20, 4020, ("O 1s", 201, 523.0, 543.0), ("Si 2p", 94.0, 114.0), 18251987.5, 4),
    ("JesusF10-xps-data-analysis/BN-BS-1 multiplex.txt", 6, 3606, ("Bi 4f", 601, 150.0, 180.0), ("C 1s", 275.0, 300.0), 8975673.0, 0),
    ("LG4X-V2/C1s_sample.csv", 1, 351, ("C 1s", 351, 266.5, 301.5), ("C 1s", 266.5, 301.5), 570935.0, 0),
    ("LG4X-V2/PET_C1s.csv", 1, 401, ("C 1s", 401, 279.300817131996, 299.300817131996), ("C 1s", 279.300817131996, 299.300817131996), 226242.9118, 0),
    ("M-DaC_XPS/XPS_PHI_QUANTERA_depth_1.csv", 50, 10050, ("O 1s", 201, 523.0, 543.0), ("Si 2p", 92.0, 112.0), 46673403.160399996, 25),
    ("M-DaC_XPS/XPS_PHI_QUANTERA_narrow.csv", 4, 1704, ("Cu 2p", 501, 924.0, 974.0), ("C 1s", 278.0, 298.0), 62488487.5701, 0),
    ("importtool/CasaXPS_report.TXT", 1, 605, ("Si 2p", 605, 94.81, 109.91), ("Si 2p", 94.81, 109.91), 187805.95880000002, 0),
    ("lmfitxps/clean_Au_4f.csv", 1, 294, ("Au 4f", 294, 84.0016, 96.0), ("Au 4f", 84.0016, 96.0), 5203567.0, 0),
    ("lmfitxps/clean_Au_4f.txt", 1, 294, ("Au 4f", 294, 84.0, 95.9984), ("Au 4f", 84.0, 95.9984), 5202867.0, 0),
    ("pynxtools-xps/vms_txt_export.txt", 4, 3404, ("Survey", 1201, 0.0, 1200.0), ("Ni 2p", 840.0, 890.0), 110463167.72, 0),
    ("pynxtools-xps/FeO_analyzed_lineshapes_cols.txt", 1, 1121, ("Fe 2p", 1121, 694.0, 750.0), ("Fe 2p", 694.0, 750.0), 6995588.385, 0),
    ("theoechem-IL/20240220_Au_MPPipTFSI4AMSIol3_C_1s.csv", 1, 161, ("C 1s", 161, 279.1, 299.1), ("C 1s", 279.1, 299.1), 470283.817, 0),
    ("xps-excel-macro/120324_1144_C1s.txt", 2, 702, ("C 1s", 351, 275.0, 310.0), ("C 1s", 275.0, 310.0), 1138739.0, 0),
    ("xps-excel-macro/Ag_Ag3d.txt", 1, 201, ("Ag 3d", 201, 362.0, 382.0), ("Ag 3d", 362.0, 382.0), 7342110.0, 0),
    ("xps-fitting-workbench/C1s.review-v1.curves.csv", 1, 231, ("C 1s", 231, 275.00005371093744, 298.00005371093744), ("C 1s", 275.00005371093744, 298.00005371093744), 6824261.0524267815, 0),
]  # fmt: skip


@pytest.mark.realdata
@pytest.mark.parametrize("golden", GOLDEN, ids=lambda g: g[0])
def test_golden_values(check_golden: Callable[..., Any], golden: tuple[Any, ...]) -> None:
    spectra, (n_levels,) = check_golden(text.load, golden)
    assert len({s.etch_level for s in spectra if s.etch_level is not None}) == n_levels


@pytest.mark.realdata
def test_casaxps_text_export_uses_binding_energy_and_cps(realdata: Path) -> None:
    spectra = text.load(realdata / "pynxtools-xps/vms_txt_export.txt")
    assert [(s.sample, s.region) for s in spectra] == [
        ("Ni", "Survey"), ("Ni", "Ni 2p"), ("NiO", "Survey"), ("NiO", "Ni 2p"),
    ]  # fmt: skip
    assert spectra[0].metadata["energy_axis"] == "binding"
    assert spectra[0].source_energy == pytest.approx(1486.61)
    assert spectra[0].intensity[-1] == pytest.approx(4.69945e4)  # CPS at B.E. 1200


@pytest.mark.realdata
def test_kinetic_header_word_converts(realdata: Path) -> None:
    (s,) = text.load(realdata / "lmfitxps/clean_Au_4f.csv")  # "#E_kin ..., hv=180eV"
    assert s.metadata["energy_axis"] == "kinetic"
    assert s.source_energy == 180.0


@pytest.mark.realdata
def test_mdac_profile_columns_carry_sputter_times(realdata: Path) -> None:
    spectra = text.load(realdata / "M-DaC_XPS/XPS_PHI_QUANTERA_depth_1.csv")
    si = [s for s in spectra if s.region == "Si 2p"]
    assert [s.etch_level for s in si] == list(range(25))
    assert si[7].etch_time == pytest.approx(390.0)
    assert any("not an energy" in w for w in si[0].metadata["warnings"])


# -- synthetic ---------------------------------------------------------------------------------

DELIMS = [",", "\t", ";", " "]


@st.composite
def tables(draw: st.DrawFn) -> tuple[str, list[str], np.ndarray, list[str]]:
    delimiter = draw(st.sampled_from(DELIMS))
    ncols = draw(st.integers(2, 5))
    nrows = draw(st.integers(5, 30))
    values = draw(
        st.lists(
            st.lists(
                st.floats(-1e6, 1e6, allow_nan=False, width=32), min_size=ncols, max_size=ncols
            ),
            min_size=nrows,
            max_size=nrows,
        )
    )
    data = np.array(values, dtype=np.float64)
    data[:, 0] = 280.0 + 0.1 * np.arange(nrows)
    names = [f"col{i}" for i in range(ncols)]
    preamble = draw(
        st.lists(
            st.sampled_from(["# comment", "Sample: X", "", "# Region: C1s", "Operator:  A B"]),
            max_size=3,
        )
    )
    return delimiter, names, data, preamble


def _render(
    delimiter: str, names: list[str], data: np.ndarray, preamble: list[str], header: bool
) -> list[str]:
    lines = list(preamble)
    if header:
        lines.append(delimiter.join(names))
    lines += [delimiter.join(repr(float(v)) for v in row) for row in data]
    return lines


@settings(max_examples=150, deadline=None)
@given(tables(), st.booleans())
def test_delimiter_is_sniffed(
    table: tuple[str, list[str], np.ndarray, list[str]], header: bool
) -> None:
    delimiter, names, data, preamble = table
    lines = _render(delimiter, names, data, preamble, header)
    expected = None if delimiter == " " else delimiter
    assert sniff_delimiter(lines) == expected


@settings(max_examples=150, deadline=None)
@given(tables(), st.booleans())
def test_header_and_values_round_trip(
    table: tuple[str, list[str], np.ndarray, list[str]], header: bool
) -> None:
    delimiter, names, data, preamble = table
    lines = _render(delimiter, names, data, preamble, header)
    (block,) = cut_blocks(lines, sniff_delimiter(lines))
    np.testing.assert_array_equal(block.data, data)
    assert list(block.names) == (names if header else [""] * len(names))
    spectra = text.parse_text_bytes("\n".join(lines).encode(), "t.csv")
    np.testing.assert_array_equal(spectra[0].binding_energy, data[:, 0])


@pytest.mark.parametrize(
    ("header", "kind"),
    [("K.E.", "kinetic"), ("E_kin", "kinetic"), ("Kinetic Energy (eV)", "kinetic"),
     ("B.E.", "binding"), ("BE/eV", "binding"), ("Binding Energy", "binding"), ("Energy", None)],
)  # fmt: skip
def test_energy_kind_words(header: str, kind: str | None) -> None:
    assert text.guess_energy_kind(header) == kind


def _table(header: str, energies: np.ndarray, extra: str = "") -> bytes:
    rows = "\n".join(f"{e:.2f},{100 + i}" for i, e in enumerate(energies))
    return f"{extra}{header}\n{rows}\n".encode()


def test_kinetic_column_converted_with_stated_photon_energy() -> None:
    data = _table("KE,counts", np.arange(1190.0, 1200.0), "Photon Energy: 1486.6 eV\n")
    (s,) = text.parse_text_bytes(data, "c1s.csv")
    np.testing.assert_allclose(s.binding_energy, 1486.6 - np.arange(1199.0, 1189.0, -1))
    assert s.intensity[0] == 109


def test_kinetic_without_photon_energy_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="photon energy"):
        text.parse_text_bytes(_table("KE,counts", np.arange(10.0)), "x.csv")


def test_options_override_the_file() -> None:
    data = _table("energy,counts", np.arange(1190.0, 1200.0))
    opts = text.TextOptions(energy_kind="kinetic", source_energy=1253.6)
    (s,) = text.parse_text_bytes(data, "x.csv", opts)
    assert s.binding_energy[-1] == pytest.approx(1253.6 - 1190.0)


def test_unstated_kind_is_assumed_binding_with_a_warning() -> None:
    (s,) = text.parse_text_bytes(_table("x,y", np.arange(280.0, 290.0)), "x.csv")
    assert "binding energy assumed" in s.metadata["warnings"][0]
    assert s.region == "C 1s"


def test_decimal_comma_and_semicolon() -> None:
    body = "\n".join(f"{280 + i},5;{i},25" for i in range(6)).encode()
    (s,) = text.parse_text_bytes(b"BE;cps\n" + body)
    np.testing.assert_allclose(s.binding_energy, 280.5 + np.arange(6))


def test_nonfinite_intensity_is_flagged() -> None:
    data = _table("BE,cps", np.arange(280.0, 290.0)).replace(b",103", b",nan")
    (s,) = text.parse_text_bytes(data)
    assert any("non-finite" in w for w in s.metadata["warnings"])


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"just words\nno numbers\n",
        b"1\n2\n3\n4\n5\n6\n",
        b"1,2\n3,4\n",
        "\u00e9,\u00e8\n".encode(),
    ],
)
def test_no_table_is_a_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError, match="no numeric table"):
        text.parse_text_bytes(data, "none.txt")


def test_sniff_refuses_binary() -> None:
    assert text.sniff(b"\x00\x01\x02" * 100, Path("x.csv")) == 0
    assert text.sniff(b"words only\n", Path("x.csv")) == 2
    assert text.sniff(_table("BE,cps", np.arange(10.0)), Path("x.bin")) == 10
