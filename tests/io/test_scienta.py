"""Scienta SES .txt reader."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from xpsfit.errors import ParseError
from xpsfit.io import scienta

#: path, spectra, points, first, last, checksum (tests/io/conftest.py: Golden), then source energy (eV)
GOLDEN = [
    ("importtool/sample1.txt", 1, 121, ("Au 4f", 121, 82.0, 94.0), ("Au 4f", 82.0, 94.0), 1194336.4177671066, 4000.0),
    ("importtool/sample2.txt", 6, 726, ("Au 4f", 121, 82.0, 94.0), ("Au 4f", 82.0, 94.0), 9079236.348619444, 4000.0),
    ("importtool/sample3.txt", 4, 1004, ("Ti 2p", 301, 455.0, 485.0), ("O 1s", 526.0, 546.0), 6100000.228571429, 4000.0),
    ("pynxtools-xps/Ag_0001.txt", 1, 361, ("Ag 3d", 361, 364.0, 382.0), ("Ag 3d", 364.0, 382.0), 7076.812554836273, 520.0),
    ("pynxtools-xps/Ag_0002.txt", 1, 801, ("VB", 801, -10.0, 30.0), ("VB", -10.0, 30.0), 1761.2578418993994, 153.0),
    ("pynxtools-xps/Cu-HHTP_0002.txt", 1, 301, ("O 1s", 301, 525.0, 540.0), ("O 1s", 525.0, 540.0), 14519.902160644531, 650.0),
    ("pynxtools-xps/Cu-HHTP_0003.txt", 1, 321, ("C 1s", 321, 280.0, 296.0), ("C 1s", 280.0, 296.0), 34148.981083869934, 400.0),
]  # fmt: skip


@pytest.mark.realdata
@pytest.mark.parametrize("golden", GOLDEN, ids=lambda g: g[0])
def test_golden_values(check_golden: Callable[..., Any], golden: tuple[Any, ...]) -> None:
    spectra, (source_energy,) = check_golden(scienta.load, golden)
    assert {s.source_energy for s in spectra} == {source_energy}


@pytest.mark.realdata
def test_iterations_become_separate_spectra(realdata: Path) -> None:
    spectra = scienta.load(realdata / "importtool/sample2.txt")
    assert [s.metadata["iteration"] for s in spectra] == list(range(6))
    assert spectra[5].metadata["iteration_value"] == "6.00000"
    assert spectra[0].metadata["iteration_name"].startswith("Seq. Iteration")
    assert spectra[0].sample == "Au foil"


def make_scienta(scale: str = "Binding", size: int = 5, extra: str = "") -> bytes:
    rows = "\n".join(f" {100 - i:.5f}  {10 * i + 1:.5f}  {20 * i + 1:.5f}" for i in range(5))
    return (
        "[Info]\nNumber of Regions=0001\n\n[Region 1]\nRegion Name=C1s\n"
        f"Dimension 1 name={scale} Energy [eV]\nDimension 1 size={size}\n"
        "Dimension 2 name=Seq. Iteration\nDimension 2 size=2\nDimension 2 scale=1 2\n\n"
        f"[Info 1]\nRegion Name=C1s\nExcitation Energy=400\nEnergy Scale={scale}\n"
        f"Pass Energy=50\nNumber of Sweeps=3\nStep Time=200\n{extra}\n[Data 1]\n{rows}\n"
    ).encode()


def test_synthetic_binding_file() -> None:
    a, b = scienta.parse_scienta_bytes(make_scienta())
    np.testing.assert_allclose(a.binding_energy, [96, 97, 98, 99, 100])
    np.testing.assert_allclose(b.intensity, [81, 61, 41, 21, 1])
    assert (a.scans, a.dwell_time, a.pass_energy) == (3, 0.2, 50.0)


def test_synthetic_kinetic_file_is_converted() -> None:
    a, _ = scienta.parse_scienta_bytes(make_scienta(scale="Kinetic"))
    np.testing.assert_allclose(a.binding_energy, 400 - np.array([100, 99, 98, 97, 96]))
    assert a.metadata["energy_axis"] == "kinetic"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (make_scienta(size=10**9), "declares"),
        (make_scienta().replace(b" 98.00000", b" x98"), "not a number"),
        (make_scienta().replace(b"  41.00000", b""), "columns"),
        (make_scienta(scale="Kinetic").replace(b"Excitation Energy=400", b""), "photon energy"),
        (make_scienta().split(b"[Data 1]")[0], "holds at most 0"),
        (b"[Info]\nNumber of Regions=1\n", "no \\[Region"),
    ],
)
def test_malformed_files_raise_parse_error(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        scienta.parse_scienta_bytes(data, "bad.txt")


def test_sniff() -> None:
    assert scienta.sniff(make_scienta()[:100], Path("x.dat")) == 95
    assert scienta.sniff(b"SOFH\n", Path("x.txt")) == 0
