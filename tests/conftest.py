"""Shared fixtures: where the real data lives, seeded random generators."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# A developer's own reference library and templates must not change what the tests see.
_ISOLATED = Path(__file__).resolve().parent / "_no_user_files_here"
os.environ["XPSFIT_LIBRARY_PATH"] = str(_ISOLATED / "reference_peaks")
os.environ["XPSFIT_TEMPLATE_PATH"] = str(_ISOLATED / "templates")

# Property tests are reproducible (the same examples every run) and have no per-example deadline,
# so a loaded machine cannot turn them red.
settings.register_profile(
    "xpsfit", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("xpsfit")

ROOT = Path(__file__).resolve().parent.parent
REALDATA = ROOT.parent / "shared" / "realdata"


@pytest.fixture
def realdata() -> Path:
    """The folder of real instrument files; skips the test when it is absent."""
    if not REALDATA.is_dir():
        pytest.skip(
            f"real data folder {REALDATA} is absent (it lives in ../shared beside the project)"
        )
    return REALDATA


@pytest.fixture
def feo_export(realdata: Path) -> np.ndarray:
    """CasaXPS's "lineshapes (columns)" export of FeO_analyzed.vms, ascending binding energy.

    Columns: 0 kinetic energy, 1 counts, 2-5 the four components, 6 background, 7 envelope
    (counts); 8 binding energy, 9 CPS, 10-13 components, 14 background, 15 envelope (CPS).
    """
    path = realdata / "pynxtools-xps/FeO_analyzed_lineshapes_cols.txt"
    lines = path.read_text(encoding="latin-1").splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("K.E."))
    rows = [[float(v) for v in line.split("\t") if v.strip()] for line in lines[start + 1 :]]
    table = np.array([row for row in rows if row])
    return table[np.argsort(table[:, 8])]


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded random generator, so every noisy test is reproducible."""
    return np.random.default_rng(20231124)
