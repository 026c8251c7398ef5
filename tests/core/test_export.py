"""Exports: every table read back and compared, byte-identical runs, locale independence."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from xpsfit.export import format_cell
from xpsfit.export_bundle import write_bundle
from xpsfit.profile_result import ProfileResult
from xpsfit.quantify import QuantSettings, atomic_rows, fraction_rows

# argv: output folder, "plots" or "none", the decimal point the locale must have. The script
# stops with an error when the environment's locale cannot be set or is not the expected one,
# so a missing German locale cannot silently turn into C.
SCRIPT = """
import locale, sys
name = locale.setlocale(locale.LC_ALL, "")
point = locale.localeconv()["decimal_point"]
if point != sys.argv[3]:
    sys.exit(f"locale {name!r} has decimal point {point!r}, expected {sys.argv[3]!r}")
from xpsfit.demo import demo_depth_scale, demo_spectra
from xpsfit.demo_specs import DEMO_SPECS
from xpsfit.export_bundle import write_bundle
from xpsfit.profile import DepthProfile
from xpsfit.profile_fit import fit_profile
regions = {r: DEMO_SPECS[r] for r in ("Co 2p", "O 1s", "C 1s")}
profile = DepthProfile.from_spectra(demo_spectra("bare-LCO"), depth_scale=demo_depth_scale())
result = fit_profile(profile, regions, jobs=1, monte_carlo=4, mc_seed=7)
write_bundle(sys.argv[1], [result], plots=sys.argv[2] == "plots")
"""


def _run(out: Path, plots: bool, locale_env: dict[str, str], point: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_") and k != "LOCPATH"}
    subprocess.run(
        [sys.executable, "-c", SCRIPT, str(out), "plots" if plots else "none", point],
        check=True,
        env={**env, **locale_env},
        timeout=120,
    )


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle written under the C locale."""
    out = tmp_path_factory.mktemp("bundle")
    _run(out, plots=True, locale_env={"LC_ALL": "C", "LANG": "C"}, point=".")
    return out


@pytest.fixture(scope="module")
def result() -> ProfileResult:
    from xpsfit.demo import demo_depth_scale, demo_spectra
    from xpsfit.demo_specs import DEMO_SPECS
    from xpsfit.profile import DepthProfile
    from xpsfit.profile_fit import fit_profile

    regions = {r: DEMO_SPECS[r] for r in ("Co 2p", "O 1s", "C 1s")}
    profile = DepthProfile.from_spectra(demo_spectra("bare-LCO"), depth_scale=demo_depth_scale())
    return fit_profile(profile, regions, jobs=1, monte_carlo=4, mc_seed=7)


def _read(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def _same(text: str, value: object) -> bool:
    return text == format_cell(value) and (not isinstance(value, float) or float(text) == value)


def test_every_output_exists(bundle: Path) -> None:
    names = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    for name in (
        "fits.csv",
        "fractions.csv",
        "fractions_wide.csv",
        "atomic_percent.csv",
        "report.tsv",
        "profile.xlsx",
    ):
        assert name in names
    assert len([n for n in names if n.startswith("curves/")]) == 27
    plots = [n for n in names if n.startswith("plots/")]
    assert {Path(n).suffix for n in plots} == {".png", ".svg"}
    assert any("fraction_Co_2p" in n for n in plots)
    assert any("map_" in n for n in plots)
    assert not any(n.startswith(".") or n.endswith(".tmp") for n in names)


def test_fit_table_reads_back(bundle: Path, result: ProfileResult) -> None:
    rows = _read(bundle / "fits.csv")
    expected = [
        (sf, ln)
        for region in result.regions()
        for sf in result.region_fits(region)
        for ln in (sf.result.lines if sf.result else (None,))
    ]
    assert len(rows) == len(expected)
    for row, (sf, ln) in zip(rows, expected, strict=True):
        assert (row["sample"], row["region"], int(row["level"])) == (sf.sample, sf.region, sf.level)
        assert _same(row["depth_nm"], sf.depth)
        assert _same(row["etch_time_s"], sf.etch_time)
        if ln is None:  # a region without a template: one row with the reason
            assert row["status"] == "failed"
            assert row["reason"].startswith("no_template: ")
            continue
        assert (row["component"], row["line"], row["species"]) == (
            ln.component,
            ln.role,
            ln.species,
        )
        for key, est in (("center", ln.center), ("fwhm", ln.fwhm), ("area", ln.area)):
            assert _same(row[key], est.value)
            assert _same(row[f"{key}_err"], est.stderr)
        assert row["status"] == "ok"


def test_fraction_and_atomic_tables_read_back(bundle: Path, result: ProfileResult) -> None:
    rows = _read(bundle / "fractions.csv")
    expected = fraction_rows([result])
    assert len(rows) == len(expected) == 9
    for row, exp in zip(rows, expected, strict=True):
        assert row["fraction"] == exp.fraction
        assert _same(row["value"], exp.value)
        assert _same(row["err"], exp.err)
        assert exp.mc_err is not None
        assert _same(row["mc_err"], exp.mc_err)
    wide = _read(bundle / "fractions_wide.csv")
    assert [float(r["Co 2p: Co2+ fraction"]) for r in wide] == [e.value for e in expected]
    atomic = _read(bundle / "atomic_percent.csv")
    exp_atomic = atomic_rows([result], QuantSettings())
    assert len(atomic) == len(exp_atomic) == 27
    for row, exp in zip(atomic, exp_atomic, strict=True):
        assert row["element"] == exp.element
        assert _same(row["atomic_percent"], exp.percent)
        assert _same(row["err"], exp.err)


def test_curves_report_and_workbook_read_back(bundle: Path, result: ProfileResult) -> None:
    import openpyxl

    sf = result.get("Co 2p", 3)
    assert sf.result is not None
    curve = _read(bundle / "curves" / "bare-LCO_Co_2p_L03.csv")
    assert [float(r["binding_energy"]) for r in curve] == sf.result.binding_energy.tolist()
    assert [float(r["envelope"]) for r in curve] == sf.result.envelope.tolist()
    assert [float(r["Co2+ major"]) for r in curve] == sf.result.line("Co2+").curve.tolist()
    report = (bundle / "report.tsv").read_text(encoding="utf-8")
    assert repr(sf.result.fractions["Co2+ fraction"].value) in report
    book = openpyxl.load_workbook(bundle / "profile.xlsx", read_only=True)
    assert {"fits", "fractions", "fractions_wide", "atomic_percent", "curves"} <= set(
        book.sheetnames
    )
    for sheet in ("fits", "fractions", "atomic_percent"):
        table = _read(bundle / f"{sheet}.csv")
        cells = list(book[sheet].iter_rows(values_only=True))
        header = cells[0]
        assert list(header) == list(table[0])
        for row, xrow in zip(table, cells[1:], strict=True):
            for key, value in zip(header, xrow, strict=True):
                text = row[key]
                if isinstance(value, (int, float)):  # XlsxWriter stores 16 significant digits
                    assert float(text) == pytest.approx(value, rel=1e-15, abs=0.0)
                else:
                    assert text == ("" if value is None else str(value))
    index = list(book["curves"].iter_rows(values_only=True))[1:]
    sheet = dict((name, sheet) for sheet, name in index)["bare-LCO_Co_2p_L03"]
    col = [r[0] for r in list(book[sheet].iter_rows(values_only=True))[1:]]
    assert col == pytest.approx(sf.result.binding_energy.tolist(), rel=1e-15, abs=0.0)


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_outputs_are_byte_identical_twice_and_under_german_locale(
    bundle: Path, tmp_path: Path, german_locale: dict[str, str]
) -> None:
    """Written under de_DE.UTF-8 (decimal comma, checked inside the subprocess), every file
    is byte-identical to the one written under C."""
    _run(tmp_path / "de", plots=True, locale_env=german_locale, point=",")
    german, c = _files(tmp_path / "de"), _files(bundle)
    assert sorted(german) == sorted(c)
    assert [name for name in c if german[name] != c[name]] == []


def test_in_process_write_matches_and_is_repeatable(result: ProfileResult, tmp_path: Path) -> None:
    write_bundle(tmp_path / "a", [result], plots=False)
    write_bundle(tmp_path / "b", [result], plots=False)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    text = (tmp_path / "a" / "fits.csv").read_text(encoding="utf-8")
    assert "," in text
    assert ";" not in text
