"""Region identification from labels and from binding-energy ranges."""

from __future__ import annotations

import pytest

from xpsfit.data.core_levels import CORE_LEVELS, ELEMENT_SYMBOLS
from xpsfit.io.regions import RegionId, identify_region, parse_label

_STUDY = "Co O Ti S P Ge B Li C Nb Zr Al Ni Mn F N Si Fe Au Ag Cu Pt Sr Zn Sn Mo W Cl Na Mg"
STUDY_ELEMENTS = frozenset(_STUDY.split())


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Co2p", ("Co 2p", "Co", "2p")),
        ("Co 2p3/2", ("Co 2p", "Co", "2p")),
        ("C1s", ("C 1s", "C", "1s")),
        ("Ti2p_org", ("Ti 2p", "Ti", "2p")),
        ("Sn3d5", ("Sn 3d", "Sn", "3d")),
        ("co2p", ("Co 2p", "Co", "2p")),
        ("I3d", ("I 3d", "I", "3d")),
        ("O1s_XAS_45\xb0", ("O 1s", "O", "1s")),
        ("Fe 3p/Mg 2p", ("Fe 3p", "Fe", "3p")),
        ("Su1s", ("Survey", "", "")),
        ("1su", ("Survey", "", "")),
        ("Sur1", ("Survey", "", "")),
        ("SUR", ("Survey", "", "")),
        ("Survey", ("Survey", "", "")),
        ("Wide None", ("Survey", "", "")),
        ("over_1400eV", ("Survey", "", "")),
        ("VB", ("VB", "", "")),
        ("Valence band", ("VB", "", "")),
        ("Cu_LMM", ("Cu LMM", "Cu", "LMM")),
        ("C KLL", ("C KLL", "C", "KLL")),
        ("MgKLL_1", ("Mg KLL", "Mg", "KLL")),
        ("Ti2p\x00", ("Ti 2p", "Ti", "2p")),
    ],
)
def test_labels(label: str, expected: tuple[str, str, str]) -> None:
    assert identify_region(label, 100.0, 120.0) == expected


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (281.0, 289.0, "C 1s"),  # feranick 2.vms, unlabeled C 1s
        (95.0, 110.0, "Si 2p"),
        (155.0, 175.0, "S 2p"),
        (390.0, 410.0, "N 1s"),
        (523.0, 543.0, "O 1s"),
        (770.0, 810.0, "Co 2p"),
        (449.0, 469.0, "Ti 2p"),
        (125.0, 140.0, "P 2p"),
        (25.0, 36.0, "Ge 3d"),
        (182.0, 196.0, "B 1s"),
        (48.0, 62.0, "Li 1s"),
        (80.0, 92.0, "Au 4f"),
        (-5.0, 20.0, "VB"),
        (0.0, 1100.0, "Survey"),
        (1100.0, 0.0, "Survey"),
    ],
)
def test_ranges_of_unlabelled_regions(lo: float, hi: float, expected: str) -> None:
    assert identify_region("", lo, hi).region == expected


def test_element_without_level_takes_the_level_in_the_window() -> None:
    assert identify_region("Ti", 30.0, 45.0) == RegionId("Ti 3p", "Ti", "3p")
    assert identify_region("Ti", 450.0, 470.0) == RegionId("Ti 2p", "Ti", "2p")


def test_unknown_label_and_range_keep_the_label() -> None:
    assert identify_region("Align", 2000.0, 2010.0) == RegionId("Align", "", "")
    assert identify_region("", float("nan"), 3.0) == RegionId("", "", "")


def test_unknown_label_falls_back_to_the_range() -> None:
    assert identify_region("Region 7", 280.0, 292.0).region == "C 1s"


def test_parse_label_returns_none_for_nonsense() -> None:
    assert parse_label("") is None
    assert parse_label("xyz") is None
    assert parse_label("Cycle 3") is None


def test_table_covers_the_study_elements() -> None:
    elements = {cl.element for cl in CORE_LEVELS}
    assert elements >= STUDY_ELEMENTS
    assert elements <= ELEMENT_SYMBOLS
    for cl in CORE_LEVELS:
        assert 0 < cl.binding_energy < 1500
        assert cl.weight in (1, 2, 3)
        if cl.partner_energy is not None:
            assert cl.partner_energy > cl.binding_energy
        assert cl.transition[0] in "1234567"
        assert cl.transition[1] in "spdf"
