"""End-to-end ``xpsfit fit``: a real VAMAS file, the default template, a bad spectrum."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from xpsfit import Spectrum, default_template
from xpsfit.cli import main
from xpsfit.io.vamas_write import write_vamas
from xpsfit.lineshapes import evaluate


def _s2p(rng: np.random.Generator, label: str) -> Spectrum:
    be = np.linspace(157.0, 168.0, 221)
    y = np.full_like(be, 200.0)
    for center, area in ((161.0, 8000.0), (162.9, 3000.0)):
        y += evaluate("gl", be, area, center, 0.9, m=30.0)
        y += evaluate("gl", be, area * 0.5, center + 1.18, 0.9, m=30.0)
    return Spectrum(
        binding_energy=be,
        intensity=rng.poisson(y).astype(float),
        region="S 2p",
        block=label,
        source_label="Al Ka",
        source_energy=1486.6,
    )


def test_fit_region_default_template_survives_bad_spectrum(
    rng: np.random.Generator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _s2p(rng, "good")
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
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "x.vms"
    write_vamas(data, [_s2p(np.random.default_rng(1), "a")])
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
