"""SPECS Prodigy / SpecsLab2 .xy reader."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from xpsfit.errors import ParseError
from xpsfit.io import specs

#: path, spectra, points, first, last, checksum (tests/io/conftest.py: Golden)
GOLDEN = [
    ("importtool/SpecsLab2xyonly_SFAT.xy", 2, 1600, ("Au 4f", 800, 77.7005999999999, 93.6425999999999), ("Au 4f", 14.103099999999813, 93.81279999999992), 126557.4491731),
    ("pynxtools-xps/MgFe2O4.xy", 116, 72161, ("Survey", 1351, 0.0, 1350.0), ("VB", 1.5, 12.0), 616491670.0466646),
    ("pynxtools-xps/MgFe2O4_small.xy", 2, 1407, ("Survey", 1351, 0.0, 1350.0), ("Fe 2p", 695.0, 750.0), 32213044.30548),
    ("pynxtools-xps/MgFe2O4_with_transmission_function.xy", 116, 72161, ("Survey", 1351, 0.0, 1350.0), ("VB", 1.5, 12.0), 616491670.0409123),
    ("xylib/mm-specs.xy", 1, 401, ("P 2p", 401, 119.87, 139.87), ("P 2p", 119.87, 139.87), 289122.56512000004),
    ("xylib/specsxy_example.xy", 3, 2085, ("Survey", 1303, -2.0, 1300.0), ("Si 2p", 97.0, 107.0), 29051118.548305),
]  # fmt: skip


@pytest.mark.realdata
@pytest.mark.parametrize("golden", GOLDEN, ids=lambda g: g[0])
def test_golden_values(check_golden: Callable[..., Any], golden: tuple[Any, ...]) -> None:
    check_golden(specs.load, golden)


@pytest.mark.realdata
def test_groups_cycles_and_scans(realdata: Path) -> None:
    spectra = specs.load(realdata / "pynxtools-xps/MgFe2O4.xy")
    groups = {s.sample for s in spectra}
    assert groups == {
        "1 as-loaded",
        "2 S1110, UHV, RT, Epass = 20 eV",
        "3 S1110, UHV, RT, Epass = 30 eV",
    }
    fe2p = [s for s in spectra if s.region == "Fe 2p" and s.sample.startswith("2 ")]
    assert [s.metadata["cycle"] for s in fe2p] == [0, 1, 2, 3, 4]
    assert all(s.metadata["scans_combined"] == 3 and s.scans == 3 for s in fe2p)
    assert all(s.source_energy == pytest.approx(1486.61) for s in spectra)
    skipped = [w for w in spectra[0].metadata["warnings"] if "skipped" in w]
    assert len(skipped) == 2  # the two fixed-energy alignment curves (index abscissa)


@pytest.mark.realdata
def test_separate_scans_average_to_the_summed_export(realdata: Path) -> None:
    """Mean of separately exported scans == the same data exported with scans combined."""
    separate = specs.load(realdata / "pynxtools-xps/MgFe2O4.xy")
    combined = specs.load(realdata / "pynxtools-xps/MgFe2O4_with_transmission_function.xy")
    assert len(separate) == len(combined)
    for a, b in zip(separate, combined, strict=True):
        assert (a.sample, a.region, a.metadata["cycle"]) == (
            b.sample,
            b.region,
            b.metadata["cycle"],
        )
        np.testing.assert_allclose(a.binding_energy, b.binding_energy)
        np.testing.assert_allclose(a.intensity, b.intensity, rtol=1e-6, atol=1e-3)
        assert len(b.metadata["transmission"]) == b.n_points
        assert "transmission" not in a.metadata


@pytest.mark.realdata
def test_kinetic_axis_is_converted_without_the_work_function(realdata: Path) -> None:
    spectra = specs.load(realdata / "xylib/specsxy_example.xy")
    o1s = next(s for s in spectra if s.region == "O 1s")
    assert o1s.metadata["energy_axis"] == "kinetic"
    assert o1s.source_energy == 640.0
    assert o1s.binding_energy[np.argmax(o1s.intensity)] == pytest.approx(531.2, abs=0.05)
    assert any("ConstantFinalState" in w for w in o1s.metadata["warnings"])
    assert spectra[0].sample == "Si_sub"


PRODIGY = """# Created by:        SpecsLab Prodigy, Version 4.100.1-r111001
#   Energy Axis:              {axis}
#   Count Rate:               Counts per Second
#
# Group:                        G1
#
# Region:                       {region}
# Values/Curve:                 5
# Excitation Energy:            1486.61
# Pass Energy:                  20
#
# Cycle: 0
#
{curves}"""


def make_specs(axis: str = "Binding Energy", region: str = "C1s", scans: int = 2) -> bytes:
    curves = ""
    for scan in range(scans):
        rows = "\n".join(f"{290 - i}  {100 * (scan + 1) + i}" for i in range(5))
        curves += (
            f"# Cycle: 0, Curve: 0, Scan: {scan}\n#\n# ColumnLabels: energy counts/s\n#\n{rows}\n\n"
        )
    return PRODIGY.format(axis=axis, region=region, curves=curves).encode("latin-1")


def test_synthetic_scans_are_averaged() -> None:
    (s,) = specs.parse_specs_bytes(make_specs())
    np.testing.assert_allclose(s.binding_energy, [286, 287, 288, 289, 290])
    np.testing.assert_allclose(s.intensity, [154, 153, 152, 151, 150])
    assert (s.region, s.sample, s.scans, s.pass_energy) == ("C 1s", "G1", 2, 20.0)


def test_synthetic_kinetic_axis() -> None:
    (s,) = specs.parse_specs_bytes(make_specs(axis="Kinetic Energy", scans=1))
    np.testing.assert_allclose(s.binding_energy, 1486.61 - np.array([290, 289, 288, 287, 286]))


def test_latin1_region_name() -> None:
    (s,) = specs.parse_specs_bytes(make_specs(region="C1s_45\xb0", scans=1))
    assert s.metadata["label"] == "C1s_45\xb0"


def test_broken_curve_is_dropped_with_a_warning() -> None:
    data = make_specs().replace(b"289  101", b"289  x101", 1)
    (s,) = specs.parse_specs_bytes(data)
    assert s.metadata["scans_combined"] == 1
    assert any("not a number" in w for w in s.metadata["warnings"])


def test_nonfinite_intensity_is_flagged() -> None:
    (s,) = specs.parse_specs_bytes(make_specs(scans=1).replace(b"288  102", b"288  nan"))
    assert any("non-finite" in w for w in s.metadata["warnings"])


@pytest.mark.parametrize(
    "data",
    [
        b"# Created by: SpecsLab Prodigy\n# Region: C1s\n",
        make_specs().replace(b"289  101", b"289  x101").replace(b"289  201", b"289"),
        make_specs(axis="Kinetic Energy").replace(b"1486.61", b"0"),
    ],
)
def test_unreadable_files_raise_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError):
        specs.parse_specs_bytes(data, "bad.xy")


def test_sniff() -> None:
    assert specs.sniff(make_specs()[:200], Path("a.txt")) == 90
    assert specs.sniff(b"1 2\n3 4\n", Path("a.xy")) == 0
