"""Atomic % as CasaXPS computes it: RSF x transmission x MFP at each line, stored RSFs,
and the quantification settings as plain data."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xpsfit.cli import main
from xpsfit.errors import SpecError
from xpsfit.export import peak_table, report_text
from xpsfit.fitting import fit
from xpsfit.io import read
from xpsfit.io.casa_lines import stored_rsf
from xpsfit.io.vamas_write import write_vamas
from xpsfit.lineshapes import evaluate
from xpsfit.profile import DepthScale
from xpsfit.profile_result import ProfileResult, SpectrumFit
from xpsfit.quant_settings import QuantSettings
from xpsfit.quantify import (
    atomic_rows,
    corrected_area,
    line_corrections,
    line_quant,
    missing_sensitivity,
)
from xpsfit.result import Estimate, FitResult, LineResult
from xpsfit.spec import BackgroundSpec, Doublet, FitSpec, Param
from xpsfit.spectrum import Spectrum


def _feo_table(realdata: Path) -> list[tuple[float, float, float, float]]:
    """(position BE, raw area, Area/(RSF*T*MFP), %At Conc) of CasaXPS's FeO peak table."""
    path = realdata / "pynxtools-xps" / "FeO_analyzed_results.csv"
    rows = []
    for line in path.read_text(encoding="latin-1").splitlines():
        cells = line.split("\t")
        if len(cells) >= 6 and cells[0] == "Fe 2p":
            rows.append((float(cells[1]), float(cells[3]), float(cells[4]), float(cells[5])))
    assert len(rows) == 4
    return rows


def _line(cid: str, center: float, area: float) -> LineResult:
    return LineResult(
        cid, "main", cid, cid, "gl", Estimate(center), Estimate(1.0), Estimate(area, 0.01 * area),
        Estimate(1.0), np.zeros(2),
    )  # fmt: skip


def _fit_of(spectrum: Spectrum, lines: list[tuple[float, float]]) -> SpectrumFit:
    """A SpectrumFit whose result holds only ``(center, area)`` lines of one species."""
    items = [_line(f"c{i}", c, a) for i, (c, a) in enumerate(lines)]
    total = sum(a for _, a in lines)
    result = object.__new__(FitResult)
    for name, value in (
        ("lines", tuple(items)), ("species", ("s",)),
        ("species_areas", {"s": Estimate(total, 0.01 * total)}), ("species_covariance", None),
    ):  # fmt: skip
        object.__setattr__(result, name, value)
    return SpectrumFit(spectrum, "FeO", spectrum.region, 0, None, None, "ok", result)


def test_line_corrections_are_casaxps_transmission_at_each_peak(realdata: Path) -> None:
    """CasaXPS divides each FeO component by RSF 16.42 x the transmission at its position
    (MFP exponent 0 in this file): our factors reproduce its ratios to 1e-5."""
    spectrum = read(realdata / "pynxtools-xps" / "FeO_analyzed.vms")[0]
    table = _feo_table(realdata)
    factors = line_corrections(spectrum, [r[0] for r in table], QuantSettings(ke_exponent=0.0))
    casa = np.array([raw / corrected / 16.42 for _, raw, corrected, _ in table])
    np.testing.assert_allclose(factors, casa, rtol=2e-5)
    assert float(np.ptp(factors)) > 0.03  # the transmission changes across the window
    # atomic % per component from CasaXPS's raw areas
    corrected = np.array([r[1] for r in table]) / (16.42 * factors)
    np.testing.assert_allclose(100 * corrected / corrected.sum(), [r[3] for r in table], atol=0.006)


def test_file_rsf_uses_the_stored_casaxps_factor(realdata: Path) -> None:
    spectrum = read(realdata / "pynxtools-xps" / "FeO_analyzed.vms")[0]
    assert stored_rsf(spectrum.metadata["casa_lines"]) == 16.42
    table = _feo_table(realdata)
    sf = _fit_of(spectrum, [(pos, raw) for pos, raw, _, _ in table])
    rsf, corrected = corrected_area(sf, QuantSettings(ke_exponent=0.0, file_rsf=True), {})
    assert rsf == 16.42
    assert corrected.value == pytest.approx(sum(r[2] for r in table), rel=2e-5)
    # the Scofield table knows Fe 2p too, at another scale
    scofield_rsf, _ = corrected_area(
        sf, QuantSettings(ke_exponent=0.0), {("Fe", "2p", "Al Ka"): 16.4}
    )
    assert scofield_rsf == 16.4


def test_file_rsf_never_mixes_scales(realdata: Path) -> None:
    """A region without a stored RSF has no factor when the file's are asked for, even though
    the table has one; a user factor still wins."""
    spectrum = Spectrum(
        np.linspace(280, 290, 101), np.full(101, 10.0), region="C 1s", source_energy=1486.6,
        source_label="Al Ka", sample="s", etch_level=0,
    )  # fmt: skip
    sf = _fit_of(spectrum, [(285.0, 100.0)])
    pr = ProfileResult("s", DepthScale(), "template", (sf,))
    settings = QuantSettings(file_rsf=True)
    assert missing_sensitivity([pr]) == []
    assert missing_sensitivity([pr], settings) == ["C 1s"]
    with pytest.raises(SpecError, match="no CasaXPS RSF stored with"):
        atomic_rows([pr], settings)
    rows = atomic_rows([pr], QuantSettings(file_rsf=True, rsf={"C": 0.278}))
    assert [(r.element, r.rsf, r.percent) for r in rows] == [("C", 0.278, 100.0)]


def test_stored_rsf_reads_region_then_component_lines() -> None:
    region = "CASA region (*C 1s*) (*Shirley*) 1200.5 1212.5 0.278 2 0 0 0 0 0 0 (*C 1s*) 12 0 1"
    comp = (
        "CASA comp (*C-C*) (*GL(30)*) Area 10 0 100 -1 1 MFWHM 1 0.5 2 -1 1 "
        "Position 1201 1200 1202 -1 1 RSF 0.296 MASS 12 INDEX -1 (*C 1s*)"
    )
    assert stored_rsf([comp, region]) == 0.278
    assert stored_rsf([comp]) == 0.296
    assert stored_rsf([comp.replace("RSF 0.296", "RSF 0")]) is None
    assert stored_rsf([comp.replace(" RSF 0.296 MASS 12", "")]) is None
    assert stored_rsf(["Calib M = 1 A = 2 BE ADD"]) is None
    assert stored_rsf(["CASA region (*C 1s*) (*Shirley*) 1 2"]) is None


def test_old_casaxps_syntax_has_a_region_rsf(realdata: Path) -> None:
    spectra = read(realdata / "feranick-xps" / "casaxps.vms")
    found = [stored_rsf(s.metadata.get("casa_lines", ())) for s in spectra]
    assert any(v is not None and v > 0 for v in found)


def test_transmission_interpolated_at_each_line() -> None:
    be = np.linspace(700.0, 740.0, 401)
    trans = 1.0 + 0.01 * (be - 700.0)  # 1 at 700 eV, 1.4 at 740 eV
    spectrum = Spectrum(be, np.ones(401), source_energy=1486.6, metadata={"transmission": trans})
    settings = QuantSettings(ke_exponent=0.0)
    np.testing.assert_allclose(line_corrections(spectrum, [710.0, 725.0], settings), [1.1, 1.25])
    off = QuantSettings(ke_exponent=0.0, use_transmission=False)
    np.testing.assert_allclose(line_corrections(spectrum, [710.0], off), [1.0])
    cropped = spectrum.crop(700.0, 720.0)  # the column no longer matches the channels
    np.testing.assert_allclose(line_corrections(cropped, [710.0], settings), [trans.mean()])
    ke = QuantSettings(ke_exponent=0.6, use_transmission=False)
    np.testing.assert_allclose(line_corrections(spectrum, [710.0], ke), [776.6**0.6])
    no_source = Spectrum(be, np.ones(401))
    np.testing.assert_allclose(line_corrections(no_source, [710.0], ke), [1.0])


def test_settings_round_trip_and_refuse_bad_values() -> None:
    settings = QuantSettings(
        rsf={"Co 2p": 19.2}, ke_exponent=0.7, use_transmission=False, source="Mg Ka",
        file_rsf=True,
    )  # fmt: skip
    assert QuantSettings.from_dict(settings.describe()) == settings
    assert QuantSettings.from_dict({}) == QuantSettings()
    for bad, key in (
        ({"rsf": {"Co 2p": 0}}, "rsf.Co 2p"),
        ({"rsf": {"Co 2p": "x"}}, "rsf.Co 2p"),
        ({"rsf": [1]}, "rsf"),
        ({"ke_exponent": "0.6"}, "ke_exponent"),
        ({"ke_exponent": float("nan")}, "ke_exponent"),
        ({"file_rsf": 1}, "file_rsf"),
        ({"source": ""}, "source"),
        ({"colour": 1}, "colour"),
    ):
        with pytest.raises(SpecError) as info:
            QuantSettings.from_dict(bad)
        assert info.value.key == key


@pytest.mark.parametrize(
    ("label", "energy", "expected"),
    [
        ("Al", 1486.69, "Al Ka"),
        ("Mono(Al (Mono))", 0.0, "Al Ka"),
        ("KA1486", 1486.68, "Al Ka"),
        ("Mg", 0.0, "Mg Ka"),
        ("", 1253.6, "Mg Ka"),
        ("", 0.0, "Al Ka"),  # the settings' source
        ("HeI", 21.22, None),
    ],
)
def test_table_source_from_energy_or_label(label: str, energy: float, expected: str | None) -> None:
    """Files name their source in many ways; the Scofield table is found for all of them."""
    spectrum = Spectrum(
        np.linspace(280, 290, 101), np.full(101, 10.0), region="C 1s", source_energy=energy,
        source_label=label, sample="s", etch_level=0,
    )  # fmt: skip
    sf = _fit_of(spectrum, [(285.0, 100.0)])
    table = {("C", "1s", "Al Ka"): 1.0, ("C", "1s", "Mg Ka"): 1.1}
    if expected is None:
        with pytest.raises(SpecError, match="with HeI"):
            corrected_area(sf, QuantSettings(ke_exponent=0.0), table)
    else:
        rsf, _ = corrected_area(sf, QuantSettings(ke_exponent=0.0), table)
        assert rsf == table[("C", "1s", expected)]


def _two_regions(tmp_path: Path) -> Path:
    """One level of C 1s and O 1s (Al Ka), written as VAMAS."""
    rng = np.random.default_rng(3)
    spectra = []
    for region, center, area in (("C 1s", 284.8, 4000.0), ("O 1s", 531.0, 9000.0)):
        be = np.linspace(center - 8, center + 8, 161)
        y = evaluate("gaussian", be, area, center, 1.3) + 40.0
        spectra.append(
            Spectrum(
                be, rng.poisson(y).astype(np.float64), region=region, source_label="Al",
                source_energy=1486.6, sample="film", etch_level=0, etch_time=0.0,
            )
        )  # fmt: skip
    path = tmp_path / "two.vms"
    write_vamas(path, spectra)
    return path


def test_profile_command_takes_quantification_options(tmp_path: Path) -> None:
    data = _two_regions(tmp_path)
    base = ["profile", str(data), "--jobs", "1", "--no-plots"]
    assert main([*base, "--out", str(tmp_path / "table")]) == 0
    out = tmp_path / "user"
    opts = ["--rsf", "O 1s=3", "--rsf", "C=1.5", "--ke-exponent", "0", "--no-transmission"]
    assert main([*base, *opts, "--out", str(out)]) == 0

    def rows(folder: Path) -> dict[str, dict[str, str]]:
        with open(folder / "atomic_percent.csv", encoding="utf-8") as fh:
            return {r["element"]: r for r in csv.DictReader(fh)}

    table, user = rows(tmp_path / "table"), rows(out)
    assert float(table["C"]["rsf"]) == 1.0  # Scofield, found from the label "Al"
    assert (float(user["C"]["rsf"]), float(user["O"]["rsf"])) == (1.5, 3.0)
    # percentages follow area / rsf with no E_K correction
    ratio = float(user["O"]["atomic_percent"]) / float(user["C"]["atomic_percent"])
    assert ratio == pytest.approx(9000.0 / 3.0 / (4000.0 / 1.5), rel=0.03)
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert (
        record["options"]["quantification"]
        == QuantSettings(
            rsf={"O 1s": 3.0, "C": 1.5}, ke_exponent=0.0, use_transmission=False
        ).describe()
    )


@pytest.mark.parametrize(
    ("option", "message"),
    [(["--rsf", "C 1s"], "expected LABEL=VALUE"), (["--rsf", "C 1s=x"], "is not a number"),
     (["--rsf", "C 1s=-1"], "positive")],
)  # fmt: skip
def test_profile_command_refuses_bad_factors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: list[str], message: str
) -> None:
    data = _two_regions(tmp_path)
    code = main(["profile", str(data), *option, "--out", str(tmp_path / "x")])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]
    assert "--rsf" in err[0]
    assert not (tmp_path / "x").exists()


def test_lines_of_a_charge_corrected_fit_find_their_channels() -> None:
    """A profile fit shifts the spectrum before fitting: its lines sit ``charge_shift`` above
    the channels of the file's transmission column."""
    be = np.linspace(700.0, 740.0, 401)
    trans = 1.0 + 0.01 * (be - 700.0)
    spectrum = Spectrum(
        be, np.ones(401), region="Fe 2p", source_energy=1486.6, metadata={"transmission": trans}
    )
    sf = _fit_of(spectrum, [(712.0, 100.0)])
    shifted = SpectrumFit(spectrum, "FeO", "Fe 2p", 0, None, None, "ok", sf.result, None, 2.0)
    settings = QuantSettings(rsf={"Fe": 1.0}, ke_exponent=0.0)
    assert corrected_area(shifted, settings, {})[1].value == pytest.approx(100.0 / 1.1)
    assert corrected_area(sf, settings, {})[1].value == pytest.approx(100.0 / 1.12)


def test_profile_command_refits_casaxps_models_with_casaxps_factors(
    realdata: Path, tmp_path: Path
) -> None:
    """``xpsfit profile --casaxps --casaxps-rsf --ke-exponent 0`` on CasaXPS's FeO file: its
    stored model refitted, each line divided by RSF x T as CasaXPS does (its peak table)."""
    out = tmp_path / "feo"
    feo = realdata / "pynxtools-xps" / "FeO_analyzed.vms"
    argv = ["profile", str(feo), "--casaxps", "--casaxps-rsf", "--ke-exponent", "0"]
    assert main([*argv, "--jobs", "1", "--no-plots", "--out", str(out)]) == 0
    with open(out / "atomic_percent.csv", encoding="utf-8") as fh:
        (row,) = csv.DictReader(fh)
    assert (row["element"], float(row["rsf"]), float(row["atomic_percent"])) == ("Fe", 16.42, 100.0)
    lines = (out / "report.tsv").read_text(encoding="utf-8").splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Name\t"))
    factors = [float(ln.split("\t")[-3]) for ln in lines[start + 1 : start + 5]]
    casa = [raw / corrected for _, raw, corrected, _ in _feo_table(realdata)]
    np.testing.assert_allclose(factors, casa, rtol=5e-4)  # refitted positions within ~0.3 eV
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["options"]["casaxps"] is True
    assert record["templates"]["Fe 2p"]["background"]["options"]["casa_cross_section"] == [
        335.44588,
        551.0,
        436.0,
        3.0,
    ]


def test_both_lines_of_a_doublet_get_their_own_share(rng: np.random.Generator) -> None:
    """A doublet's major and minor lines sit 5.7 eV apart: each has its own E_K factor and
    share, in the peak table and the report alike."""
    be = np.linspace(450.0, 472.0, 221)
    y = evaluate("gl", be, 6000.0, 458.5, 1.2, m=30.0) + evaluate(
        "gl", be, 3000.0, 464.2, 1.2, m=30.0
    )
    spectrum = Spectrum(be, rng.poisson(y + 200.0).astype(np.float64), region="Ti 2p",
                        source_energy=1486.6, sample="s", etch_level=0)  # fmt: skip
    d = Doublet("Ti4+", "gl", Param(458.4, 457.0, 460.0), Param(1.3, 0.5, 3.0), Param(5000.0, 0.0),
                {"m": Param(30.0, vary=False)}, splitting=Param(5.7, vary=False),
                area_ratio=Param(0.5, vary=False))  # fmt: skip
    spec = FitSpec(region="Ti 2p", background=BackgroundSpec("linear"), components=(d,))
    sf = SpectrumFit(spectrum, "s", "Ti 2p", 0, None, None, "ok", fit(spectrum, spec))
    pr = ProfileResult("s", DepthScale(), "template", (sf,))
    rows = line_quant([pr], QuantSettings(rsf={"Ti": 2.0}))
    assert [r.role for r in rows] == ["major", "minor"]
    major, minor = rows
    ratio = ((1486.6 - major.center) / (1486.6 - minor.center)) ** 0.6
    assert major.total_factor / minor.total_factor == pytest.approx(ratio, rel=1e-12)
    assert minor.percent / major.percent == pytest.approx(0.5 * ratio, rel=1e-9)
    report = [
        ln.split("\t") for ln in report_text([pr], QuantSettings(rsf={"Ti": 2.0})).splitlines()
    ]
    shares = [float(c[-1]) for c in report if len(c) == 11 and c[0] != "Name"]
    assert shares == pytest.approx([major.percent, minor.percent], rel=1e-12)
    header, table = peak_table(rows)
    assert header[-4:] == ("rsf", "rsf_t_mfp", "corrected_area", "atomic_percent")
    assert [row[-1] for row in table] == [major.percent, minor.percent]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(
    st.text(max_size=80),
    st.builds(lambda a, b: f"CASA region (*{a}*) (*Shirley*) {b}", st.text(max_size=8),
              st.text(alphabet="0123456789.-e+ inf", max_size=40)),
    st.builds(lambda b: f"CASA comp (*x*) (*GL(30)*) Area 1 0 2 -1 1 RSF {b}",
              st.text(alphabet="0123456789.-e+ nai", max_size=12)),
), max_size=4))  # fmt: skip
def test_stored_rsf_never_raises(lines: list[str]) -> None:
    """Any comment text gives a positive finite factor or ``None``."""
    value = stored_rsf(lines)
    assert value is None or (math.isfinite(value) and value > 0)


_JSON = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["rsf", "ke_exponent", "use_transmission", "source",
                                        "file_rsf", "other"]), _JSON, max_size=5))  # fmt: skip
def test_settings_from_any_plain_data_are_valid_or_refused(data: dict[str, object]) -> None:
    """A hand-edited project setting either reads as valid settings or is refused with a
    SpecError naming the key, never another exception."""
    refused: SpecError | None = None
    try:
        read = QuantSettings.from_dict(data)
    except SpecError as exc:
        refused = exc
    if refused is not None:
        assert refused.key
        return
    assert all(math.isfinite(v) and v > 0 for v in read.rsf.values())
    assert math.isfinite(read.ke_exponent)
    assert QuantSettings.from_dict(read.describe()) == read
