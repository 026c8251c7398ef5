"""Every real spectrum whose region has a default template, fitted with that template.

Real data are charged, uncalibrated, scaled, coarse or simply of other chemistry than the
library's species, so many of these fits end at a bound or far from the data; what must hold on
all of them is that the fit reports honestly: only xpsfit errors for unusable input (naming the
spectrum), finite numbers in every usable result, and a reason for every failure.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pytest

import xpsfit
from xpsfit.cli import main
from xpsfit.errors import XpsfitError
from xpsfit.reference import load_library
from xpsfit.result import Estimate, FitResult
from xpsfit.spectrum import Spectrum
from xpsfit.templates import apply_template, default_template

LIBRARY = load_library(include_user=False)
#: Source folder of the real data -> spectra with a library region it held when this was
#: written (readers that learn more formats may raise the number, never lower it).
FOLDERS = {
    "ENGR241-Q2": 94,
    "JesusF10-xps-data-analysis": 6,
    "KherveFitting": 23,
    "LG4X-V2": 10,
    "M-DaC_XPS": 104,
    "cheminfo-vamas": 22,
    "feranick-xps": 12,
    "importtool": 9,
    "pynxtools-xps": 125,
    "theoechem-IL": 7,
    "xps-excel-macro": 12,
    "xps-fitting-workbench": 1,
    "xylib": 17,
    "yadg": 1,
}


def _readable(folder: Path) -> list[list[Spectrum]]:
    out = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        try:
            out.append(xpsfit.read(path))
        except XpsfitError:
            continue
    return out


def _reported(result: FitResult) -> list[float]:
    """Every number of a result that reaches a fit table or a fraction report."""
    estimates: list[Estimate] = [
        e for ln in result.lines for e in (ln.center, ln.fwhm, ln.area, ln.height)
    ]
    estimates += [*result.fractions.values(), *result.species_areas.values()]
    errors = [e.stderr for e in estimates if e.stderr is not None]
    return [
        *(e.value for e in estimates),
        *errors,
        float(np.max(np.abs(result.envelope))),
        result.redchi,
    ]


def _problem(spectrum: Spectrum) -> str | None:
    """What is wrong with fitting one spectrum with its default template, or ``None``."""
    name = f"{spectrum.source_file} [{spectrum.block}] {spectrum.region}"
    try:
        result = xpsfit.fit(spectrum, apply_template(default_template(spectrum.region), spectrum))
    except XpsfitError as exc:
        return None if spectrum.label in str(exc) else f"{name}: error without the spectrum: {exc}"
    except Exception as exc:  # any other exception is the defect looked for
        return f"{name}: {type(exc).__name__}: {exc}"
    if result.ok and not all(math.isfinite(x) for x in _reported(result)):
        return f"{name}: non-finite number in a {result.status} fit"
    if result.status == "failed" and not result.message.strip():
        return f"{name}: failed without a message"
    return None


@pytest.mark.realdata
@pytest.mark.parametrize(("folder", "at_least"), FOLDERS.items(), ids=list(FOLDERS))
def test_every_real_spectrum_fits_or_says_why(realdata: Path, folder: str, at_least: int) -> None:
    spectra = [s for file in _readable(realdata / folder) for s in file if LIBRARY.find(s.region)]
    assert len(spectra) >= at_least
    problems = [p for p in map(_problem, spectra) if p is not None]
    assert problems == []


@pytest.mark.realdata
def test_a_fallback_background_is_named_in_the_message(realdata: Path) -> None:
    # A 0.8 eV grid: the five end channels averaged for the Shirley end level reach into the
    # charged SiO2 peak, which leaves no peak area above a Shirley step; the fit uses a straight
    # line instead and its message must say so, not only its background_info.
    spectra = xpsfit.read(realdata / "ENGR241-Q2" / "x1pt1_hires.spe")
    si, ti = (next(s for s in spectra if s.region == r) for r in ("Si 2p", "Ti 2p"))
    result = xpsfit.fit(si, apply_template(default_template("Si 2p"), si))
    assert result.background_info["converged"] is False
    assert "background: no usable peak area above a Shirley background" in result.message
    # A Shirley background that converged adds nothing to the message.
    result = xpsfit.fit(ti, apply_template(default_template("Ti 2p"), ti))
    assert result.background_info["converged"] is True
    assert "background:" not in result.message


@pytest.mark.realdata
def test_fit_cli_warnings_tell_same_region_spectra_apart(
    realdata: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # STO.xlsx holds eight Ti 2p sheets; four are background-subtracted (negative values).
    with caplog.at_level(logging.WARNING):
        file = str(realdata / "KherveFitting" / "STO.xlsx")
        code = main(["fit", file, "--region", "Ti 2p", "--out", str(tmp_path)])
    assert code == 0
    warnings = [r.getMessage() for r in caplog.records if "not fitted" in r.getMessage()]
    assert len(warnings) == 4
    assert len(set(warnings)) == 4
    assert all("[sheet Ti2p" in w for w in warnings)
    assert all("--weights uniform" in w for w in warnings)
    # the remedy the message names works: every sheet is fitted
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        code = main(
            ["fit", file, "--region", "Ti 2p", "--weights", "uniform", "--out", str(tmp_path)]
        )
    assert code == 0
    assert not [r for r in caplog.records if "not fitted" in r.getMessage()]
    rows = (tmp_path / "STO_fit.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert len({row.split(",")[0] for row in rows}) == 8
