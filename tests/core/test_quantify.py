"""Quantification: Scofield table, atomic % with error propagation, fraction rows."""

from __future__ import annotations

import csv
import math
from importlib import resources

import numpy as np
import pytest

from xpsfit.errors import SpecError
from xpsfit.export import report_text
from xpsfit.lineshapes import evaluate
from xpsfit.profile import DepthProfile
from xpsfit.profile_fit import fit_profile
from xpsfit.profile_result import ProfileResult
from xpsfit.quantify import (
    QuantSettings,
    atomic_rows,
    fraction_rows,
    line_quant,
    load_scofield,
    missing_sensitivity,
    region_area,
)
from xpsfit.spec import BackgroundSpec, FitSpec, FractionDef, Param, Peak
from xpsfit.spectrum import Spectrum

AREAS = {"C 1s": (285.0, 4000.0), "O 1s": (531.0, 12000.0), "Ga 3d": (30.0, 900.0)}


def _peak(cid: str, center: float) -> Peak:
    return Peak(
        cid,
        "gaussian",
        Param(center, center - 1, center + 1),
        Param(1.4, 0.5, 3.0),
        Param(1.0, 0.0),
    )


def _profile(rng: np.random.Generator, transmission: bool = False) -> ProfileResult:
    spectra, templates = [], {}
    for region, (center, area) in AREAS.items():
        be = np.linspace(center - 8, center + 8, 161)
        for level in range(2):
            signal = evaluate("gaussian", be, area, center, 1.4)
            if region == "C 1s":  # two components, 3:1
                signal = 0.75 * evaluate("gaussian", be, area, 284.2, 1.4)
                signal += 0.25 * evaluate("gaussian", be, area, 285.8, 1.4)
            y = rng.poisson(signal + 50.0).astype(np.float64)
            meta = {"transmission": [2.0] * be.size} if transmission and region == "O 1s" else {}
            spectra.append(
                Spectrum(
                    be,
                    y,
                    region=region,
                    source_label="Al Ka",
                    source_energy=1486.6,
                    sample="s",
                    etch_level=level,
                    etch_time=10.0 * level,
                    metadata=meta,
                )
            )
        templates[region] = FitSpec(
            region=region, background=BackgroundSpec("linear"), components=(_peak("A", center),)
        )
    templates["C 1s"] = FitSpec(
        region="C 1s",
        background=BackgroundSpec("linear"),
        components=(_peak("A", 284.2), _peak("B", 285.8)),
        fractions=(FractionDef("B share", "B / (A + B)"),),
    )
    return fit_profile(DepthProfile.from_spectra(spectra), templates, jobs=1)


def _scofield_rows() -> list[dict[str, str]]:
    """The shipped table as raw CSV rows (all columns, including ``checked_against``)."""
    text = resources.files("xpsfit.data").joinpath("scofield.csv").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    return list(csv.DictReader(lines))


def _scofield_index() -> dict[tuple[str, str, str], float]:
    return {(e.element, e.level, e.source): e.cross_section for e in load_scofield()}


def test_scofield_c1s_is_the_normalisation_reference() -> None:
    index = _scofield_index()
    assert index[("C", "1s", "Al Ka")] == 1.0
    assert index[("C", "1s", "Mg Ka")] == 1.0


# Spot values as printed in the public copies named in the table header
# (KherveFitting_library.json "C-Al1486"/"C-Mg1253" and "A-ALSCOF"/"A-MGSCOF",
# LG4X-V2 Databases/xps_data.csv, RxpsG CoreLinesTable.lib).
SPOT_VALUES = [
    ("O", "1s", "Al Ka", 2.93),
    ("O", "1s", "Mg Ka", 2.85),
    ("Li", "1s", "Al Ka", 0.0568),
    ("B", "1s", "Mg Ka", 0.492),
    ("Co", "2p", "Al Ka", 19.16),
    ("Co", "2p", "Mg Ka", 18.48),
    ("Ti", "2p", "Al Ka", 7.91),
    ("Ge", "3d", "Al Ka", 1.42),
    ("Ge", "3d", "Mg Ka", 1.551),
    ("S", "2p", "Al Ka", 1.677),
    ("Au", "4f", "Al Ka", 17.12),
]


@pytest.mark.parametrize(("element", "level", "source", "value"), SPOT_VALUES)
def test_scofield_spot_values(element: str, level: str, source: str, value: float) -> None:
    assert _scofield_index()[(element, level, source)] == value


def test_scofield_every_row_is_cited_and_checked() -> None:
    rows = _scofield_rows()
    copies = {"KF-C", "KF-A", "LG4X", "RxpsG"}
    al_only = {"LG4X", "RxpsG"}  # these copies tabulate Al Ka only
    for row in rows:
        key = (row["element"], row["level"], row["source"])
        assert "10.1016/0368-2048(76)80015-1" in row["reference"], key
        assert float(row["cross_section"]) > 0.0, key
        assert row["source"] in ("Al Ka", "Mg Ka"), key
        checked = {c.split(" (")[0] for c in row["checked_against"].split(";")}
        assert checked <= copies, key
        if row["source"] == "Mg Ka":
            assert not checked & al_only, key
    keys = [(r["element"], r["level"], r["source"]) for r in rows]
    assert len(keys) == len(set(keys)) == len(load_scofield())


def test_scofield_doublets_equal_their_subshells() -> None:
    index = _scofield_index()
    pairs = {"2p": ("2p3/2", "2p1/2")}
    checked = 0
    for (element, level, source), value in index.items():
        if level in pairs:
            parts = [index.get((element, sub, source)) for sub in pairs[level]]
            if all(p is not None for p in parts):
                assert value == pytest.approx(sum(p for p in parts if p is not None), abs=0.011)
                checked += 1
    assert checked >= 2  # Co 2p with Al Ka and Mg Ka


def test_scofield_covers_the_study_with_both_sources() -> None:
    index = _scofield_index()
    study = [("Li", "1s"), ("B", "1s"), ("C", "1s"), ("O", "1s"), ("S", "2p"), ("P", "2p")]
    study += [("Ti", "2p"), ("Co", "2p"), ("Ge", "3d")]
    for element, level in study:
        for source in ("Al Ka", "Mg Ka"):
            assert (element, level, source) in index, (element, level, source)


def test_scofield_leaves_out_unconfirmed_values() -> None:
    index = _scofield_index()
    # copies disagree (17.42 / 17.47), single copy near threshold, not excited by Mg Ka
    for key in (("Au", "4f", "Mg Ka"), ("Ge", "2p3/2", "Mg Ka"), ("Mg", "1s", "Mg Ka")):
        assert key not in index


def test_atomic_percent_follows_areas_over_rsf(rng: np.random.Generator) -> None:
    result = _profile(rng)
    assert missing_sensitivity([result]) == ["Ga 3d"]
    with pytest.raises(SpecError, match="Ga 3d"):
        atomic_rows([result])
    settings = QuantSettings(rsf={"Ga 3d": 1.5}, ke_exponent=0.6)
    rows = atomic_rows([result], settings)
    assert {r.level for r in rows} == {0, 1}
    for level in (0, 1):
        sel = {r.element: r for r in rows if r.level == level}
        assert sum(r.percent for r in sel.values()) == pytest.approx(100.0)
        corrected = {}
        for region, rsf in (("C 1s", 1.0), ("O 1s", 2.93), ("Ga 3d", 1.5)):
            fit = result.get(region, level).result
            assert fit is not None
            # each line at its own kinetic energy (C 1s has two lines 1.6 eV apart)
            corrected[region.split()[0]] = sum(
                ln.area.value / (rsf * (1486.6 - ln.center.value) ** 0.6) for ln in fit.lines
            )
            assert sum(ln.area.value for ln in fit.lines) == pytest.approx(
                region_area(fit).value, rel=1e-12
            )
        total = sum(corrected.values())
        for element, value in corrected.items():
            assert sel[element].percent == pytest.approx(100.0 * value / total, rel=1e-12)
            assert sel[element].err is not None
            assert 0.0 < sel[element].err < 2.0


def test_atomic_error_matches_sampling(rng: np.random.Generator) -> None:
    result = _profile(rng)
    settings = QuantSettings(rsf={"Ga 3d": 1.5}, ke_exponent=0.0)
    rows = [r for r in atomic_rows([result], settings) if r.level == 0]
    areas = {r.region: region_area(result.get(r.region, 0).result) for r in rows}  # type: ignore[arg-type]
    draws = np.array(
        [
            [rng.normal(a.value, a.stderr) / r.rsf for r, a in ((r, areas[r.region]) for r in rows)]
            for _ in range(20000)
        ]
    )
    pct = 100.0 * draws / draws.sum(axis=1, keepdims=True)
    for i, row in enumerate(rows):
        assert row.err == pytest.approx(float(pct[:, i].std()), rel=0.05)


def test_transmission_column_and_user_rsf(rng: np.random.Generator) -> None:
    plain = _profile(np.random.default_rng(1))
    with_t = _profile(np.random.default_rng(1), transmission=True)
    settings = QuantSettings(rsf={"Ga": 1.5}, ke_exponent=0.0)
    a = {r.element: r.percent for r in atomic_rows([plain], settings) if r.level == 0}
    b = {r.element: r.percent for r in atomic_rows([with_t], settings) if r.level == 0}
    ratio_a, ratio_b = a["O"] / a["C"], b["O"] / b["C"]
    assert ratio_b == pytest.approx(ratio_a / 2.0, rel=1e-9)
    off = {
        r.element: r.percent
        for r in atomic_rows(
            [with_t], QuantSettings(rsf={"Ga": 1.5}, ke_exponent=0.0, use_transmission=False)
        )
        if r.level == 0
    }
    assert off["O"] == pytest.approx(a["O"], rel=1e-9)


def test_fraction_rows_carry_fit_values(rng: np.random.Generator) -> None:
    result = _profile(rng)
    rows = fraction_rows([result])
    assert [(r.region, r.level, r.fraction) for r in rows] == [
        ("C 1s", 0, "B share"),
        ("C 1s", 1, "B share"),
    ]
    for row in rows:
        fit = result.get("C 1s", row.level).result
        assert fit is not None
        assert row.value == fit.fractions["B share"].value
        assert row.err == fit.fractions["B share"].stderr
        assert row.mc_err is None
        assert row.etch_time == 10.0 * row.level
        assert math.isfinite(row.value)


def test_report_gives_casaxps_peak_table_quantities(rng: np.random.Generator) -> None:
    """Each line's RSF, RSF*T*MFP, Area/(RSF*T*MFP) and %At Conc of its level; a region
    without a factor has empty cells and is not in the level's total."""
    result = _profile(rng)
    rows = line_quant([result])
    assert {r.region for r in rows} == {"C 1s", "O 1s"}  # Ga 3d has no factor
    for level in (0, 1):
        sel = [r for r in rows if r.level == level]
        assert sum(r.percent for r in sel) == pytest.approx(100.0)
        for r in sel:
            fit = result.get(r.region, level).result
            assert fit is not None
            ln = next(x for x in fit.lines if x.component == r.component)
            factor = r.rsf * (1486.6 - ln.center.value) ** 0.6
            assert r.total_factor == pytest.approx(factor, rel=1e-12)
            assert r.corrected == pytest.approx(ln.area.value / factor, rel=1e-12)
    # element shares from the lines equal the atomic % of the same elements
    settings = QuantSettings(rsf={"Ga 3d": 1.5})
    lines = line_quant([result], settings)
    atomic = {(r.level, r.region): r.percent for r in atomic_rows([result], settings)}
    for (level, region), percent in atomic.items():
        share = sum(r.percent for r in lines if (r.level, r.region) == (level, region))
        assert share == pytest.approx(percent, rel=1e-12)
    text = report_text([result]).splitlines()
    header = next(h for h in text if h.startswith("Name\t")).split("\t")
    assert header[-4:] == ["RSF", "RSF*T*MFP", "Area/(RSF*T*MFP)", "%At Conc"]
    c1s = text.index("Sample\ts\tRegion\tC 1s\tLevel\t0")
    first = text[c1s + 3].split("\t")
    want = next(r for r in rows if (r.level, r.region) == (0, "C 1s") and r.component == "A")
    assert float(first[-1]) == pytest.approx(want.percent, rel=1e-12)
    ga = text.index("Sample\ts\tRegion\tGa 3d\tLevel\t0")
    assert text[ga + 3].split("\t")[-4:] == ["", "", "", ""]
