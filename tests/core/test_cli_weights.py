"""``--weights uniform`` of ``xpsfit fit`` and ``xpsfit profile``: background-subtracted data."""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path

import numpy as np
import pytest

from xpsfit import Spectrum, default_template
from xpsfit.cli import main
from xpsfit.io.vamas_write import write_vamas
from xpsfit.lineshapes import evaluate


def _subtracted(rng: np.random.Generator, level: int) -> Spectrum:
    """An S 2p doublet with its background already subtracted: the noise goes below zero."""
    be = np.linspace(157.0, 168.0, 221)
    y = np.full_like(be, 200.0)
    for center, area in ((161.0, 8000.0), (162.9, 3000.0)):
        y += evaluate("gl", be, area, center, 0.9, m=30.0)
        y += evaluate("gl", be, area * 0.5, center + 1.18, 0.9, m=30.0)
    return Spectrum(
        binding_energy=be,
        intensity=rng.poisson(y).astype(float) - 200.0,
        region="S 2p",
        sample="film",
        block=f"S2p level {level}",
        source_label="Al Ka",
        source_energy=1486.6,
        etch_level=level,
        etch_time=60.0 * level,
    )


@pytest.fixture
def data(rng: np.random.Generator, tmp_path: Path) -> Path:
    path = tmp_path / "subtracted.vms"
    write_vamas(path, [_subtracted(rng, level) for level in range(3)])
    return path


def _statuses(table: Path) -> list[str]:
    with open(table, encoding="utf-8") as fh:
        return [row["status"] for row in csv.DictReader(fh)]


def test_fit_refuses_negative_counts_and_names_the_remedy(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "poisson"
    assert main(["fit", str(data), "--region", "S 2p", "--out", str(out)]) == 0
    statuses = _statuses(out / "subtracted_fit.csv")
    assert len(statuses) == 3
    for level, status in enumerate(statuses):
        assert status.startswith(
            f"failed: spectrum film / S 2p / level {level} [S2p level {level}]"
        )
        assert "--weights uniform" in status


def test_fit_with_uniform_weights(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "uniform"
    code = main(["fit", str(data), "--region", "S 2p", "--weights", "uniform", "--out", str(out)])
    assert code == 0
    statuses = _statuses(out / "subtracted_fit.csv")
    assert len(statuses) == 3 * 2 * len(default_template("S 2p").components)  # doublets
    assert set(statuses) <= {"converged", "at_bound"}


def test_profile_with_and_without_uniform_weights(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    common = ["profile", str(data), "--region", "S 2p", "--jobs", "1", "--no-plots"]
    with caplog.at_level(logging.WARNING):
        assert main([*common, "--out", str(tmp_path / "poisson")]) == 1
    refused = [r.getMessage() for r in caplog.records if "negative channels" in r.getMessage()]
    assert len(refused) == 3
    assert all("--weights uniform" in m for m in refused)
    out = tmp_path / "uniform"
    assert main([*common, "--weights", "uniform", "--out", str(out)]) == 0
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["options"]["weights"] == "uniform"
    fits = (out / "fits.csv").read_text(encoding="utf-8")
    assert "negative" not in fits
