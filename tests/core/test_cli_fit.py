"""End-to-end ``xpsfit fit``: a real VAMAS file, the default template, a bad spectrum."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from xpsfit import Spectrum, default_template
from xpsfit.cli import main
from xpsfit.io.vamas_write import write_vamas
from xpsfit.lineshapes import evaluate


def test_fit_region_default_template_survives_bad_spectrum(
    rng: np.random.Generator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    s2p_spectrum: Callable[..., Spectrum],
) -> None:
    good = s2p_spectrum(rng, "good")
    bad = good.replace(block="bad", intensity=np.zeros(good.n_points))
    data = tmp_path / "s2p.vms"
    write_vamas(data, [good, bad])
    assert main(["fit", str(data), "--region", "S 2p", "--out", str(tmp_path)]) == 0
    with open(tmp_path / "s2p_fit.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    spec = default_template("S 2p")
    good_rows = [r for r in rows if "good" in r["spectrum"]]
    bad_rows = [r for r in rows if "bad" in r["spectrum"]]
    assert len(good_rows) == 2 * len(spec.components)
    assert all(r["status"] in ("converged", "at_bound") for r in good_rows)
    assert all(float(r["center"]) == pytest.approx(float(r["center"])) for r in good_rows)
    assert len(bad_rows) == 1
    assert bad_rows[0]["status"].startswith("failed: ")
    assert bad_rows[0]["center"] == ""


def test_fit_without_template_or_region_is_a_clean_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], s2p_spectrum: Callable[..., Spectrum]
) -> None:
    data = tmp_path / "x.vms"
    write_vamas(data, [s2p_spectrum(np.random.default_rng(1), "a")])
    assert main(["fit", str(data)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("xpsfit: error:")
    assert "--region" in err
    assert "Traceback" not in err


def test_fit_missing_file_is_a_clean_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fit", str(tmp_path / "nope.vms"), "--region", "S 2p"]) == 2
    assert "nope.vms" in capsys.readouterr().err


def _charged(rng: np.random.Generator, charge: float, s2p: Spectrum) -> list[Spectrum]:
    """``s2p`` and a C 1s spectrum (adventitious C-C at 284.8 eV) both shifted up by ``charge``
    eV, as a charging sample records them."""
    be = np.linspace(280.0, 292.0, 241)
    c1s = Spectrum(
        binding_energy=be + charge,
        intensity=rng.poisson(300.0 + evaluate("gl", be, 20_000.0, 284.8, 1.2, m=30.0)).astype(
            float
        ),
        region="C 1s",
        block="C",
    )
    return [s2p.replace(binding_energy=s2p.binding_energy + charge), c1s]


def _centers(table: Path) -> list[float]:
    with table.open(encoding="utf-8") as fh:
        return [float(r["center"]) for r in csv.DictReader(fh)]


def test_fit_charge_correction_by_reference_and_by_shift(
    rng: np.random.Generator, tmp_path: Path, s2p_spectrum: Callable[..., Spectrum]
) -> None:
    data = tmp_path / "charged.vms"
    write_vamas(data, _charged(rng, 2.0, s2p_spectrum(rng, "S")))
    base = ["fit", str(data), "--region", "S 2p"]
    assert main([*base, "--charge-shift", "-2", "--out", str(tmp_path / "fixed")]) == 0
    assert main([*base, "--charge-reference", "C 1s", "--out", str(tmp_path / "ref")]) == 0
    fixed, ref = (_centers(tmp_path / d / "charged_fit.csv") for d in ("fixed", "ref"))
    # both corrections bring the 2p3/2 lines back to 161.0 / 162.9 eV (the library windows
    # are charge referenced: uncorrected, they would miss the lines by 2 eV)
    majors = fixed[0:4:2]  # PS4 and S-S 2p3/2 (the template also offers SO3 and SO4)
    assert majors == pytest.approx([161.0, 162.9], abs=0.03)
    assert ref == pytest.approx(fixed, abs=0.05)


def test_fit_charge_reference_missing_is_one_line_error(
    rng: np.random.Generator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    s2p_spectrum: Callable[..., Spectrum],
) -> None:
    data = tmp_path / "s2p.vms"
    write_vamas(data, [s2p_spectrum(rng, "only")])
    args = ["fit", str(data), "--region", "S 2p", "--charge-reference", "C 1s"]
    assert main([*args, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "no C 1s spectrum for charge correction" in err
    assert "\n" not in err


def test_casaxps_option_refits_the_stored_casaxps_models(realdata: Path, tmp_path: Path) -> None:
    code = main(
        ["fit", str(realdata / "feranick-xps/casaxps.vms"), "--casaxps", "--out", str(tmp_path)]
    )
    assert code == 0
    with (tmp_path / "casaxps_fit.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    by_region: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_region.setdefault(row["region"], []).append(row)
    # two CasaXPS regions with 2 and 1 GL(30) components; the survey carries no fit
    assert [len(by_region[r]) for r in ("Pd 3d", "Si 2p")] == [2, 1]
    assert all(r["status"] in ("converged", "at_bound") for r in rows if r["region"] != "Survey")
    (survey,) = by_region["Survey"]
    assert survey["status"].startswith("failed: no CasaXPS fit")


def test_casaxps_option_excludes_a_template(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["fit", "x.vms", "--casaxps", "--template", "t.json"])
    assert exc.value.code == 2
    assert "not allowed with argument --casaxps" in capsys.readouterr().err
