"""Excel workbooks of spectra: Thermo Avantage exports and KherveFitting workbooks.

Golden values for every readable real workbook, generated workbooks for the layout details,
the guards against damaged and hostile ZIP archives, the missing-openpyxl path, and a fuzz
loop of mutated workbooks that may only ever raise ParseError.
"""

from __future__ import annotations

import io
import math
import re
import struct
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from xpsfit.errors import ParseError
from xpsfit.io import avantage, unsupported
from xpsfit.io.avantage import load, parse_xlsx_bytes
from xpsfit.io.registry import read, sniff
from xpsfit.spectrum import Spectrum

openpyxl = pytest.importorskip("openpyxl")

# -- real files -------------------------------------------------------------------------------
#: file -> (sheet, region, points, first BE, last BE (eV), sum of intensities)
GOLDEN: dict[str, list[tuple[str, str, int, float, float, float]]] = {
    "Hard_carbon_Thermo.xlsx": [
        ("Survey Scan", "Survey", 2721, -9.92, 1350.08, 201651243.56),
        ("O1s Scan", "O 1s", 151, 525.08, 540.08, 1267346.32),
        ("Na1s Scan", "Na 1s", 171, 1062.08, 1079.08, 836105.63),
        ("C1s Scan", "C 1s", 191, 279.08, 298.08, 2559928.82),
        ("CKLL Scan", "C KLL", 501, 1196.68, 1246.68, 3863531.03),
    ],
    "Hard_carbon_Thermo_Kfitting.xlsx": [
        ("Survey", "Survey", 2721, -9.92, 1350.08, 201651243.56),
        ("O1s", "O 1s", 151, 525.08, 540.08, 1267346.32),
        ("Na1s", "Na 1s", 171, 1062.08, 1079.08, 836105.63),
        ("C1s", "C 1s", 191, 279.08, 298.08, 2559928.82),
        ("CKLL", "C KLL", 501, 1196.68, 1246.68, 3863531.03),
    ],
    "Pt4f.xlsx": [
        ("Pt4f", "Pt 4f", 281, 61.99, 89.99, 221289.792),
        ("Pt4f1", "Pt 4f", 281, 61.99, 89.99, 271934.08),
    ],
    "STO_2doublets.xlsx": [
        ("Ti2p", "Ti 2p", 271, 448.08, 475.08, 1420032.2),
        ("Sr3d", "Sr 3d", 161, 126.08, 142.08, 467627.171),
        ("O1s", "O 1s", 201, 525.08, 545.08, 1581694.18),
        ("C1s", "C 1s", 191, 279.08, 298.08, 685898.22),
    ],
    "Tougaard_Fit.xlsx": [
        ("Na1s", "Na 1s", 171, 1062.08, 1079.08, 1307736.4),
        ("Zn2p", "Zn 2p", 371, 1015.08, 1052.08, 2951764.29),
        ("O1s", "O 1s", 151, 525.08, 540.08, 1727519.8),
        ("C1s", "C 1s", 191, 279.08, 298.08, 3236551.23),
        ("S2p", "S 2p", 131, 157.08, 170.08, 203207.46),
        ("Survey", "Survey", 2721, -9.92, 1350.08, 328348477.818),
    ],
    "STO.xlsx": [
        ("Ti2p", "Ti 2p", 271, 448.08, 475.08, 11112721.1),
        ("Sr3d", "Sr 3d", 161, 126.08, 142.08, 5824377.7),
        ("O1s", "O 1s", 201, 525.08, 545.08, 11005049.6),
        ("C1s", "C 1s", 191, 279.08, 298.08, 6755637.7),
        ("C1s1", "C 1s", 191, 279.08, 298.08, 6755637.7),
        ("O1s1", "O 1s", 201, 525.08, 545.08, 11005049.6),
        ("Sr3d1", "Sr 3d", 161, 126.08, 142.08, 5824377.7),
        ("Ti2p1", "Ti 2p", 271, 448.08, 475.08, 11112721.1),
        ("Ti2p2", "Ti 2p", 230, 451.18, 474.08, 9669543.6),
        ("Ti2p3", "Ti 2p", 230, 451.18, 474.08, 9669543.6),
        ("Ti2p4", "Ti 2p", 230, 451.18, 474.08, 117583.445898),
        ("C1s2", "C 1s", 191, 280.08, 299.08, 6755637700.0),
        ("Sr3d2", "Sr 3d", 161, 126.86, 142.86, 5824377.7),
        ("Ti2p5", "Ti 2p", 271, 448.34, 475.34, 97887.828571),
        ("Ti2p6", "Ti 2p", 271, 448.34, 475.34, 97887.828571),
        ("Ti2p7", "Ti 2p", 271, 448.34, 475.34, 344786.079755),
    ],
}


@pytest.mark.realdata
@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_real_workbook_golden_values(realdata: Path, name: str) -> None:
    path = realdata / "KherveFitting" / name
    assert sniff(path).name == "xlsx"
    spectra = read(path)
    got = [
        (
            s.metadata["label"],
            s.region,
            s.n_points,
            s.binding_energy[0],
            s.binding_energy[-1],
            float(np.sum(s.intensity)),
        )
        for s in spectra
    ]
    assert len(got) == len(GOLDEN[name])
    for row, want in zip(got, GOLDEN[name], strict=True):
        assert row[:3] == want[:3]
        assert row[3:] == pytest.approx(want[3:], rel=1e-9)
    for s in spectra:
        assert s.source_file == str(path)
        assert s.metadata["warnings"] == ()
        assert np.all(np.isfinite(s.intensity))


@pytest.mark.realdata
def test_avantage_export_details(realdata: Path) -> None:
    spectra = load(realdata / "KherveFitting" / "Hard_carbon_Thermo.xlsx")
    c1s = next(s for s in spectra if s.region == "C 1s")
    assert c1s.metadata["format"] == "avantage-xlsx"
    assert c1s.metadata["intensity_unit"] == "c/s"
    assert c1s.sample == "17-Grphit"  # from the .DATA folder of the .VGD path
    assert c1s.metadata["vgd_file"].endswith("17-Grphit.DATA\\C1s Scan.VGD")
    assert c1s.metadata["fit_curves"] == (
        "C1s sp2 C",
        "C1s Shake up",
        "C1s C-C",
        "C1s C-O-C",
        "C1s C=O",
    )
    peaks = {p["name"]: p for p in c1s.metadata["peak_table"]}
    assert set(peaks) == {"C1s C-C", "C1s C-O-C", "C1s C=O", "C1s Shake up sat", "C1s sp2 C"}
    assert peaks["C1s sp2 C"]["position_ev"] == pytest.approx(284.53)
    assert peaks["C1s sp2 C"]["fwhm_ev"] == pytest.approx(0.61)
    assert peaks["C1s sp2 C"]["atomic_percent"] == pytest.approx(80.23)
    o1s = next(s for s in spectra if s.region == "O 1s")
    assert [p["name"] for p in o1s.metadata["peak_table"]] == [
        "O1s C-O, C=O, SiO2",
        "O1s Na Auger, OH",
    ]
    # row 17 (298.08 eV) is the highest binding energy, hence the last channel once sorted
    assert c1s.binding_energy[-1] == pytest.approx(298.08)
    assert c1s.intensity[-1] == pytest.approx(5951.92)


@pytest.mark.realdata
def test_avantage_and_kherve_copies_agree(realdata: Path) -> None:
    avantage_spectra = load(realdata / "KherveFitting" / "Hard_carbon_Thermo.xlsx")
    kherve = load(realdata / "KherveFitting" / "Hard_carbon_Thermo_Kfitting.xlsx")
    for a, k in zip(avantage_spectra, kherve, strict=True):
        assert a.region == k.region
        np.testing.assert_array_equal(a.binding_energy, k.binding_energy)
        np.testing.assert_array_equal(a.intensity, k.intensity)


@pytest.mark.realdata
def test_kherve_experimental_description(realdata: Path) -> None:
    raw, processed = load(realdata / "KherveFitting" / "Pt4f.xlsx")
    assert raw.metadata["columns"][:4] == (
        "Binding Energy",
        "Corrected Data",
        "Raw Data",
        "Transmission",
    )
    assert raw.intensity[-1] == pytest.approx(544.369)  # the "Raw Data" column, not corrected
    for s in (raw, processed):
        assert s.source_energy == pytest.approx(1486.68)
        assert s.pass_energy == pytest.approx(20.0)
        assert s.dwell_time == pytest.approx(0.05)
        assert s.scans == 1
        assert s.sample == "Pt #002"
        assert s.source_label == "KA1486"


@pytest.mark.realdata
def test_legacy_xls_stays_unsupported(realdata: Path) -> None:
    with pytest.raises(ParseError, match=r"unsupported format: Excel \.xls"):
        read(realdata / "xps-fitting-workbench" / "2.xls")


# -- generated workbooks ----------------------------------------------------------------------
def _avantage_sheet(
    book: Any, title: str, energies: np.ndarray, counts: np.ndarray, **options: Any
) -> None:
    sheet = book.create_sheet(title)
    sheet["A6"] = "\ufeff"
    sheet["A7"], sheet["B7"], sheet["C7"] = "Axis", "Energy", "Elements="
    sheet["D7"] = options.get("declared", energies.size)
    sheet["A9"] = rf"C:\data\Sample-7.DATA\{title}.VGD"
    for row, (key, value) in enumerate(options.get("params", {}).items(), start=1):
        sheet.cell(row=row, column=8, value=key)
        sheet.cell(row=row, column=9, value=value)
    sheet["A15"] = str(options.get("axis", "Binding Energy (E)"))
    sheet["E15"], sheet["F15"] = "Peak 1", "Backgnd."
    sheet["A16"], sheet["C16"], sheet["E16"], sheet["F16"] = "eV", "Counts / s", "Counts / s", "x"
    for i, (e, y) in enumerate(zip(energies, counts, strict=True)):
        sheet.cell(row=17 + i, column=1, value=float(e) if math.isfinite(e) else str(e))
        sheet.cell(row=17 + i, column=3, value=float(y) if math.isfinite(y) else "n/a")
        sheet.cell(row=17 + i, column=5, value=0.5 * float(y) if math.isfinite(y) else 0.0)


def _workbook_bytes(*sheets: tuple[str, dict[str, Any]], kherve: bool = False) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    energies = np.round(np.arange(298.0, 279.95, -0.5), 2)
    counts = 1000.0 + 500.0 * np.exp(-0.5 * ((energies - 285.0) / 0.8) ** 2)
    for title, options in sheets:
        e = np.asarray(options.pop("energies", energies), dtype=float)
        y = np.asarray(
            options.pop("counts", counts if e.size == 37 else np.full(e.size, 100.0)), float
        )
        _avantage_sheet(book, title, e, y, **options)
    if kherve:
        sheet = book.create_sheet("O1s")
        sheet.append(["Binding Energy", "Raw Data", None, "BE", "Residuals"])
        for i in range(20):
            sheet.append([540.0 - 0.5 * i, 100.0 + i, None, 540.0 - 0.5 * i, 0.0])
    quant = book.create_sheet("Quantifications")
    quant.append([" ", "Name ", "Peak BE", "FWHM eV", "Area (P) CPS.eV", "Atomic %"])
    quant.append([None, "C1s C-C", 284.8, 1.2, 1500.0, 100.0])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_generated_avantage_sheet_with_parameters() -> None:
    params = {
        "Pass Energy": "50.0 eV",
        "Number of Scans": 10,
        "Dwell Time": "50 ms",
        "Source Gun Type": "Al K Alpha",
    }
    data = _workbook_bytes(("C1s Scan", {"params": params}))
    (spectrum,) = parse_xlsx_bytes(data, "gen.xlsx")
    assert spectrum.region == "C 1s"
    assert spectrum.n_points == 37
    assert spectrum.binding_energy[0] == pytest.approx(280.0)
    assert spectrum.binding_energy[-1] == pytest.approx(298.0)
    assert spectrum.pass_energy == pytest.approx(50.0)
    assert spectrum.scans == 10
    assert spectrum.dwell_time == pytest.approx(0.05)
    assert spectrum.source_label == "Al K Alpha"
    assert spectrum.source_energy == pytest.approx(1486.6)
    assert spectrum.sample == "Sample-7"
    assert spectrum.metadata["fit_curves"] == ("Peak 1",)
    assert spectrum.metadata["peak_table"][0]["position_ev"] == pytest.approx(284.8)
    assert spectrum.metadata["warnings"] == ()


def test_kinetic_axis_is_converted_with_the_stated_photon_energy() -> None:
    ke = np.round(np.arange(1200.0, 1210.0, 0.5), 2)
    options = {
        "axis": "Kinetic Energy (E)",
        "energies": ke,
        "counts": np.full(ke.size, 50.0),
        "params": {"Photon Energy": 1486.6},
    }
    (spectrum,) = parse_xlsx_bytes(_workbook_bytes(("C1s Scan", options)))
    assert spectrum.metadata["energy_axis"] == "kinetic"
    assert spectrum.binding_energy[0] == pytest.approx(1486.6 - 1209.5)


def test_kinetic_axis_without_photon_energy_is_an_error_naming_the_cell() -> None:
    ke = np.arange(1200.0, 1210.0, 0.5)
    data = _workbook_bytes(("C1s Scan", {"axis": "Kinetic Energy (E)", "energies": ke}))
    with pytest.raises(ParseError) as info:
        parse_xlsx_bytes(data, "ke.xlsx")
    assert info.value.line == 15
    assert info.value.field == "C1s Scan!A15"


def test_declared_count_and_non_finite_intensity_are_flagged() -> None:
    counts = np.full(37, 10.0)
    counts[3] = np.nan
    data = _workbook_bytes(("O1s Scan", {"declared": 40, "counts": counts}))
    (spectrum,) = parse_xlsx_bytes(data)
    warnings = " | ".join(spectrum.metadata["warnings"])
    assert "declares 40 points, 37 read" in warnings
    assert "1 non-finite intensity" in warnings


def test_broken_sheet_becomes_a_warning_on_the_others() -> None:
    data = _workbook_bytes(("C1s Scan", {}), ("N1s Scan", {"energies": [401.0, float("inf")]}))
    spectra = parse_xlsx_bytes(data, "mixed.xlsx")
    assert [s.region for s in spectra] == ["C 1s"]
    assert any("N1s Scan!A18" in w for w in spectra[0].metadata["warnings"])


def test_non_finite_energy_names_row_and_cell() -> None:
    data = _workbook_bytes(("N1s Scan", {"energies": [401.0, 400.5, float("inf"), 399.5]}))
    with pytest.raises(ParseError, match="energy is not a finite number") as info:
        parse_xlsx_bytes(data, "inf.xlsx")
    assert (info.value.file, info.value.line, info.value.field) == ("inf.xlsx", 19, "N1s Scan!A19")


def test_kherve_sheet_and_avantage_sheet_in_one_workbook() -> None:
    spectra = parse_xlsx_bytes(_workbook_bytes(("C1s Scan", {}), kherve=True))
    assert [(s.region, s.metadata["format"]) for s in spectra] == [
        ("C 1s", "avantage-xlsx"),
        ("O 1s", "kherve-xlsx"),
    ]
    assert spectra[1].n_points == 20


def test_workbook_without_spectra_stays_unsupported(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["Sample", "Mass (g)"])
    book.active.append(["A", 1.5])
    path = tmp_path / "other.xlsx"
    book.save(path)
    assert sniff(path).name == "unsupported"
    with pytest.raises(ParseError, match=r"unsupported format: Excel \.xlsx workbook without"):
        read(path)
    with pytest.raises(ParseError, match="no Avantage or KherveFitting spectrum sheet") as info:
        parse_xlsx_bytes(path.read_bytes(), str(path))
    assert info.value.line == 1


def test_missing_openpyxl_gives_install_hint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "C1s.xlsx"
    path.write_bytes(_workbook_bytes(("C1s Scan", {})))
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    assert sniff(path).name == "xlsx"  # sniffing needs no openpyxl
    with pytest.raises(ParseError, match=re.escape('pip install "xpsfit[xlsx]"')) as info:
        read(path)
    assert info.value.file == str(path)


# -- hostile archives -------------------------------------------------------------------------
def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buf.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_zip_bomb_is_refused_before_decompression() -> None:
    members = _members(_workbook_bytes(("C1s Scan", {})))
    members["xl/worksheets/sheet1.xml"] = b"<a>" + b" " * (80 * 1024 * 1024) + b"</a>"
    data = _zip(members)
    assert len(data) < 1024 * 1024
    start = time.perf_counter()
    with pytest.raises(ParseError, match="would expand to"):
        parse_xlsx_bytes(data)
    assert time.perf_counter() - start < 1.0


def test_forged_directory_size_and_foreign_archives_are_refused() -> None:
    data = bytearray(_workbook_bytes(("C1s Scan", {})))
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<I", data, end + 12, 64 * 1024 * 1024)
    with pytest.raises(ParseError, match="ZIP directory of"):
        parse_xlsx_bytes(bytes(data))
    with pytest.raises(ParseError, match=r"no xl/workbook\.xml"):
        parse_xlsx_bytes(_zip({"readme.txt": b"hello"}))
    with pytest.raises(ParseError, match="compression method"):
        parse_xlsx_bytes(_zip({"xl/workbook.xml": b"<w/>"}, zipfile.ZIP_BZIP2))
    with pytest.raises(ParseError, match="no ZIP signature"):
        parse_xlsx_bytes(b"Binding Energy (E)\n1,2\n")


def test_entity_definitions_are_refused() -> None:
    members = _members(_workbook_bytes(("C1s Scan", {})))
    dtd = b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
    for level in range(1, 10):
        dtd += (
            f'<!ENTITY a{level} "{f"&a{level - 1};" * 10 if level > 1 else "&a;" * 10}">'.encode()
        )
    sheet = members["xl/worksheets/sheet1.xml"]
    members["xl/worksheets/sheet1.xml"] = sheet.replace(b"<worksheet", dtd + b"]><worksheet", 1)
    start = time.perf_counter()
    with pytest.raises(ParseError, match="document type declaration"):
        parse_xlsx_bytes(_zip(members))
    assert time.perf_counter() - start < 1.0


# -- fuzzing ----------------------------------------------------------------------------------
_XML_SWAPS = (b"nan", b"inf", b"-1e308", b"1e400", b"", b"text", b"9" * 40, b"&amp;", b"<")


def _mutate_bytes(data: bytes, rng: np.random.Generator) -> bytes:
    choice = int(rng.integers(4))
    if choice == 0:
        return data[: int(rng.integers(len(data)))]
    buf = bytearray(data)
    if choice == 1:
        for _ in range(int(rng.integers(1, 8))):
            buf[int(rng.integers(len(buf)))] = int(rng.integers(256))
        return bytes(buf)
    at, size = int(rng.integers(len(buf))), int(rng.integers(1, 64))
    if choice == 2:
        del buf[at : at + size]
    else:
        buf[at:at] = buf[at : at + size]
    return bytes(buf)


def _mutate_xml(members: dict[str, bytes], rng: np.random.Generator) -> bytes:
    members = dict(members)
    names = sorted(n for n in members if n.endswith(".xml"))
    name = names[int(rng.integers(len(names)))]
    xml = members[name]
    choice = int(rng.integers(5))
    tokens = list(re.finditer(rb">[^<>]+<|\"[A-Z]+\d+\"|r=\"\d+\"", xml))
    if choice == 0 and tokens:
        token = tokens[int(rng.integers(len(tokens)))]
        swap = _XML_SWAPS[int(rng.integers(len(_XML_SWAPS)))]
        xml = xml[: token.start() + 1] + swap + xml[token.end() - 1 :]
    elif choice == 1:
        xml = xml.replace(b'r="17"', b'r="1048576"', 1).replace(b'"A17"', b'"XFD1048576"', 1)
    elif choice == 2:
        tags = list(re.finditer(rb"<[^<>]+>", xml))
        if tags:
            tag = tags[int(rng.integers(len(tags)))]
            xml = xml[: tag.start()] + xml[tag.end() :]
    elif choice == 3:
        xml = xml[: int(rng.integers(len(xml) + 1))]
    else:
        xml = xml.replace(b"Binding Energy (E)", b"Kinetic Energy (E)")
    members[name] = xml
    return _zip(members)


def _check_outcome(data: bytes) -> str:
    start = time.perf_counter()
    try:
        spectra = parse_xlsx_bytes(data, "fuzz.xlsx")
    except ParseError:
        outcome = "error"
    else:
        outcome = "read"
        for s in spectra:
            assert isinstance(s, Spectrum)
            assert s.n_points >= 2
            assert np.all(np.isfinite(s.binding_energy))
            bad = int(np.count_nonzero(~np.isfinite(s.intensity)))
            assert bad == 0 or any("non-finite" in w for w in s.metadata["warnings"])
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, f"mutated workbook took {elapsed:.2f} s"
    return outcome


def test_fuzz_mutated_workbooks_raise_only_parse_error() -> None:
    rng = np.random.default_rng(7)
    base = _workbook_bytes(("C1s Scan", {"params": {"Pass Energy": 20}}), kherve=True)
    members = _members(base)
    outcomes: dict[str, int] = {"read": 0, "error": 0}
    for i in range(5000):
        data = _mutate_bytes(base, rng) if i % 2 == 0 else _mutate_xml(members, rng)
        outcomes[_check_outcome(data)] += 1
    assert outcomes["read"] > 100
    assert outcomes["error"] > 100


def test_sniff_never_raises_on_mutated_bytes(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    base = _workbook_bytes(("C1s Scan", {}))
    path = tmp_path / "m.xlsx"
    for _ in range(200):
        data = _mutate_bytes(base, rng)
        path.write_bytes(data)
        assert avantage.sniff(data[:65536], path) in (0, 70)
        assert unsupported.sniff(data[:65536], path) in (0, 5)
