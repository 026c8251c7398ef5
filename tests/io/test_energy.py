"""Kinetic/binding conversion and charge correction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from xpsfit.energy import (
    apply_shift,
    binding_to_kinetic,
    charge_correct,
    find_reference_peak,
    kinetic_to_binding,
)
from xpsfit.errors import XpsfitError
from xpsfit.io.text import parse_text_bytes
from xpsfit.spectrum import Spectrum


def _c1s(center: float, rng: np.random.Generator, second: float | None = None) -> Spectrum:
    be = np.arange(278.0, 298.0, 0.05)
    y = 200.0 + 5000.0 * np.exp(-0.5 * ((be - center) / 0.55) ** 2)
    if second is not None:
        y += 1500.0 * np.exp(-0.5 * ((be - second) / 0.6) ** 2)
    y = rng.poisson(y).astype(float)
    return Spectrum(be, y, region="C 1s", element="C", transition="1s", source_energy=1486.6)


def test_kinetic_to_binding_uses_the_photon_energy_only() -> None:
    ke = np.array([1201.8, 1000.0])
    assert kinetic_to_binding(ke, 1486.6) == pytest.approx([284.8, 486.6])
    assert kinetic_to_binding(ke, 1486.6, calibration=0.3) == pytest.approx([284.5, 486.3])
    assert binding_to_kinetic(kinetic_to_binding(ke, 1253.6), 1253.6) == pytest.approx(ke)


@pytest.mark.parametrize("hv", [0.0, -1.0, float("nan")])
def test_no_conversion_without_photon_energy(hv: float) -> None:
    with pytest.raises(XpsfitError, match="photon energy"):
        kinetic_to_binding([100.0], hv)
    with pytest.raises(XpsfitError):
        binding_to_kinetic([100.0], hv)


def test_reference_peak_found_to_a_few_meV(rng: np.random.Generator) -> None:
    for center in (284.31, 285.0, 285.87):
        assert find_reference_peak(_c1s(center, rng)) == pytest.approx(center, abs=0.03)


def test_reference_peak_ignores_a_smaller_c_o_component(rng: np.random.Generator) -> None:
    measured = find_reference_peak(_c1s(285.2, rng, second=286.7))
    assert measured == pytest.approx(285.2, abs=0.08)


def test_reference_peak_needs_channels_in_the_window(rng: np.random.Generator) -> None:
    with pytest.raises(XpsfitError, match="fewer than 5"):
        find_reference_peak(_c1s(285.0, rng), expected=531.0)


def test_charge_correction_by_reference_shifts_the_whole_group(rng: np.random.Generator) -> None:
    c1s = _c1s(285.6, rng)
    o1s = Spectrum(np.linspace(525, 540, 151), np.ones(151), region="O 1s")
    shifted, shift = charge_correct([c1s, o1s], reference=c1s)
    assert shift == pytest.approx(-0.8, abs=0.03)
    assert find_reference_peak(shifted[0]) == pytest.approx(284.8, abs=0.03)
    assert shifted[1].binding_energy[0] == pytest.approx(525.0 + shift)
    for s in shifted:
        assert s.metadata["charge_shift"] == pytest.approx(shift)
        (reason, value), *_ = s.metadata["charge_shift_history"]
        assert "C 1s peak at" in reason
        assert value == pytest.approx(shift)


def test_fixed_shift_accumulates(rng: np.random.Generator) -> None:
    once, shift = charge_correct([_c1s(285.0, rng)], shift=-0.2)
    twice = apply_shift(once, 0.5, "second")
    assert shift == -0.2
    assert twice[0].metadata["charge_shift"] == pytest.approx(0.3)
    assert len(twice[0].metadata["charge_shift_history"]) == 2


def test_charge_correct_needs_exactly_one_method(rng: np.random.Generator) -> None:
    c1s = _c1s(285.0, rng)
    with pytest.raises(XpsfitError, match="exactly one"):
        charge_correct([c1s])
    with pytest.raises(XpsfitError, match="exactly one"):
        charge_correct([c1s], shift=0.1, reference=c1s)
    with pytest.raises(XpsfitError, match="finite"):
        apply_shift([c1s], float("inf"), "bad")


def test_raw_kinetic_file_matches_its_processed_binding_twin(realdata: Path) -> None:
    """CLAM2 raw scan 1 (KE, hv = 600 eV) equals LG4X C1s_sample.csv with BE = 600 - KE - 8.5."""
    raw = parse_text_bytes((realdata / "xps-excel-macro/120324_1144_C1s.txt").read_bytes())
    processed = parse_text_bytes((realdata / "LG4X-V2/C1s_sample.csv").read_bytes())
    scan1 = raw[0]
    assert scan1.metadata["energy_axis"] == "kinetic"
    assert scan1.source_energy == 600.0
    corrected = apply_shift([scan1], -8.5, "beamline calibration")[0]
    np.testing.assert_allclose(corrected.binding_energy, processed[0].binding_energy, atol=1e-9)
    np.testing.assert_array_equal(corrected.intensity, processed[0].intensity)
