"""``--weights uniform`` of ``xpsfit fit`` and ``xpsfit profile``: background-subtracted data."""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from xpsfit import Spectrum, default_template
from xpsfit.cli import main
from xpsfit.io.vamas_write import write_vamas


@pytest.fixture
def data(rng: np.random.Generator, tmp_path: Path, s2p_spectrum: Callable[..., Spectrum]) -> Path:
    """Three levels of an S 2p profile exported with the background subtracted."""
    path = tmp_path / "subtracted.vms"
    spectra = [
        s2p_spectrum(rng, f"S2p level {n}", 200.0, sample="film", etch_level=n, etch_time=60.0 * n)
        for n in range(3)
    ]
    write_vamas(path, spectra)
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
