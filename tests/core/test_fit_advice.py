"""Advice after a fit: a static background whose end level averages sloping data, a species
found away from its library binding energy; printed by ``xpsfit fit``."""

from __future__ import annotations

import csv
import dataclasses
import logging
from pathlib import Path

import numpy as np
import pytest

from xpsfit import Spectrum, fit
from xpsfit.batch import fit_many
from xpsfit.batch_store import part_path, status_counts, write_csv_tables
from xpsfit.cli import main
from xpsfit.io.vamas_write import write_vamas
from xpsfit.lineshapes import gl
from xpsfit.physics_checks import background_warnings, grouped_advice, result_warnings
from xpsfit.result import FitResult
from xpsfit.spec import BackgroundKind, BackgroundSpec, FitSpec, Param, Peak
from xpsfit.templates import Template, save_template

M30 = {"m": Param(30.0, vary=False)}


def _c1s(rng: np.random.Generator, step: float, co_area: float = 0.0) -> Spectrum:
    """C 1s: C-C at 284.8 eV (and C-O at 285.6 eV, 0.7 eV below its library value) on a flat
    background, on a grid of ``step`` eV."""
    be = np.arange(278.0, 292.0 + step / 2, step)
    y = 500.0 + gl(be, 40_000.0, 284.8, 1.3, m=30.0) + gl(be, co_area, 285.6, 1.3, m=30.0)
    return Spectrum(be, rng.poisson(y).astype(float), region="C 1s")


def _spec(
    window: tuple[float, float] | None,
    kind: BackgroundKind = "shirley",
    points: int = 5,
    co: bool = False,
) -> FitSpec:
    peaks = [
        Peak("C-C", "gl", Param(284.8, 283.8, 285.8), Param(1.3, 0.5, 3.0), Param(1.0, 0.0), M30)
    ]
    if co:
        peaks.append(
            Peak(
                "C-O", "gl", Param(286.0, 285.0, 287.5), Param(1.3, 0.5, 3.0), Param(1.0, 0.0), M30
            )
        )
    return FitSpec("C 1s", window, BackgroundSpec(kind, points), tuple(peaks))


def _fit(spectrum: Spectrum, spec: FitSpec) -> FitResult:
    result = fit(spectrum, spec)
    assert result.ok, result.message
    return result


def test_an_end_level_averaged_over_a_peak_flank_is_flagged(rng: np.random.Generator) -> None:
    # a 0.5 eV grid and a window that stops 2.3 eV above the peak: the five channels averaged
    # at the high-BE end span 2 eV of the falling flank
    flank = _fit(_c1s(rng, 0.5), _spec((280.0, 287.1)))
    (warning,) = background_warnings(flank)
    assert (warning.component, warning.key) == ("background", "average_points")
    assert "high-BE end level averages 5 channels over 2 eV" in warning.message
    assert "widen the window" in warning.message
    # the same data with the window past the peak, or one channel per end: nothing to say
    assert background_warnings(_fit(_c1s(rng, 0.5), _spec((279.0, 291.0)))) == []
    assert background_warnings(_fit(_c1s(rng, 0.5), _spec((280.0, 287.1), points=1))) == []
    # an active Shirley fits its end levels: no averaging to flag
    active = _fit(_c1s(rng, 0.5), _spec((280.0, 287.1), kind="active_shirley"))
    assert background_warnings(active) == []


def test_fine_grids_with_flat_ends_give_no_advice(rng: np.random.Generator) -> None:
    for seed_spectrum in range(5):
        spectrum = _c1s(np.random.default_rng(seed_spectrum), 0.05)
        assert result_warnings(_fit(spectrum, _spec(None))) == []


def test_a_found_species_off_its_library_energy_is_flagged(rng: np.random.Generator) -> None:
    found = _fit(_c1s(rng, 0.1, co_area=15_000.0), _spec(None, co=True))
    (warning,) = result_warnings(found)
    assert (warning.component, warning.key) == ("C-O", "center")
    assert "C-O fitted at 285.6" in warning.message
    # without a C-O line the component fits to nothing: its center means nothing either
    absent = _fit(_c1s(rng, 0.1), _spec(None, co=True))
    assert [w for w in result_warnings(absent) if w.component == "C-O"] == []


def test_fit_command_prints_the_advice(
    rng: np.random.Generator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "c1s.vms"
    write_vamas(data, [dataclasses.replace(_c1s(rng, 0.5), block="coarse")])
    template = tmp_path / "c1s.json"
    save_template(template, Template(spec=_spec((280.0, 287.1)), name="tight C 1s"))
    with caplog.at_level(logging.WARNING, logger="xpsfit"):
        assert main(["fit", str(data), "--template", str(template), "--out", str(tmp_path)]) == 0
    (advice,) = [r.getMessage() for r in caplog.records if "average_points" in r.getMessage()]
    assert advice.startswith("C 1s [coarse]: background.average_points: the high-BE end level")


def test_batch_runs_record_the_advice(
    rng: np.random.Generator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    coarse = dataclasses.replace(_c1s(rng, 0.5), block="coarse")
    fine = dataclasses.replace(_c1s(rng, 0.05), block="fine")
    spectra = tmp_path / "c1s.vms"
    write_vamas(spectra, [coarse, fine])
    template = tmp_path / "c1s.json"
    save_template(template, Template(spec=_spec((280.0, 287.1)), name="tight C 1s"))
    out = tmp_path / "out"
    assert main(["batch", str(spectra), "--template", str(template), "--out", str(out)]) == 0
    with open(out / "status.csv", encoding="utf-8") as fh:
        rows = {r["block"]: r for r in csv.DictReader(fh)}
    assert rows["coarse"]["advice"].startswith("background.average_points: the high-BE end")
    assert rows["fine"]["advice"] == ""
    assert "1 fitted spectra have advice on their fit" in capsys.readouterr().err


def test_parts_written_before_the_advice_column_still_make_tables(
    rng: np.random.Generator, tmp_path: Path
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    spectra = [dataclasses.replace(_c1s(rng, 0.5), block=f"b{k}") for k in range(4)]
    tight = _spec((280.0, 287.1))
    first = fit_many(spectra, {"C 1s": tight}, tmp_path, jobs=1, chunk_size=2)
    assert first.n_advised == 4
    units = sorted(p.stem for p in (tmp_path / "spectra").glob("*.parquet"))
    old = part_path(tmp_path, "spectra", units[0])
    pq.write_table(pq.read_table(old).drop(["advice"]), old)  # as an older version wrote it
    assert status_counts(tmp_path, units)[1] == 2
    write_csv_tables(tmp_path, units)
    with open(tmp_path / "status.csv", encoding="utf-8") as fh:
        advice = [r["advice"] for r in csv.DictReader(fh)]
    assert [bool(a) for a in advice] == [False, False, True, True]


def test_advice_on_a_series_is_one_line_naming_the_levels(rng: np.random.Generator) -> None:
    tight = _spec((280.0, 287.1))
    fits = [("film C 1s", lv, _fit(_c1s(rng, 0.5), tight)) for lv in (0, 1, 2, 5)]
    fits.append(("film C 1s", 6, _fit(_c1s(rng, 0.05), tight)))  # a fine grid: no advice
    (line,) = grouped_advice(fits)
    assert line.startswith("film C 1s, levels 0-2, 5 (4 of 5 fitted): background.average_points")
    assert grouped_advice(fits[4:]) == []


def test_profile_command_groups_the_advice(
    rng: np.random.Generator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    levels = [
        dataclasses.replace(
            _c1s(rng, 0.5), sample="film", block=f"C1s/{lv}", etch_level=lv, etch_time=30.0 * lv
        )
        for lv in range(3)
    ]
    data = tmp_path / "film.vms"
    write_vamas(data, levels)
    template = tmp_path / "c1s.json"
    save_template(template, Template(spec=_spec((280.0, 287.1)), name="tight C 1s"))
    with caplog.at_level(logging.WARNING, logger="xpsfit"):
        code = main(
            ["profile", str(data), "--template", str(template), "--out", str(tmp_path / "out"),
             "--jobs", "1"]
        )  # fmt: skip
    assert code == 0
    advice = [r.getMessage() for r in caplog.records if "average_points" in r.getMessage()]
    assert len(advice) == 1
    assert advice[0].startswith("film C 1s, levels 0-2 (3 of 3 fitted): background.average_points")
