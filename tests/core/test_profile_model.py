"""DepthProfile: grouping by level and region, depth scales and their recorded choice."""

from __future__ import annotations

import numpy as np
import pytest

from xpsfit.profile import (
    DepthProfile,
    DepthScale,
    ProfileError,
    SputterRate,
    axis_value,
    group_by_sample,
)
from xpsfit.spectrum import Spectrum


def _spec(region: str, level: int | None, time: float | None, sample: str = "A") -> Spectrum:
    be = np.linspace(280.0, 290.0, 11)
    return Spectrum(be, np.ones(11), region=region, sample=sample, etch_level=level, etch_time=time)


@pytest.mark.parametrize(
    ("text", "nm_per_s"),
    [("0.1nm/s", 0.1), ("6 nm/min", 0.1), ("1.5 A/s", 0.15), ("3e-1 nm / s", 0.3)],
)
def test_sputter_rate_parses_units(text: str, nm_per_s: float) -> None:
    assert SputterRate.parse(text, "Ta2O5").nm_per_s == pytest.approx(nm_per_s)


@pytest.mark.parametrize("text", ["fast", "0.1 nm", "-1nm/s", "0nm/s"])
def test_bad_sputter_rate_is_refused(text: str) -> None:
    with pytest.raises(ProfileError):
        SputterRate.parse(text)


def test_grouping_levels_regions_and_depth_from_rate() -> None:
    spectra = [_spec(r, lv, 30.0 * lv) for lv in (2, 0, 1) for r in ("Co 2p", "O 1s")]
    scale = DepthScale.from_rate("6nm/min", "SiO2")
    profile = DepthProfile.from_spectra(spectra, depth_scale=scale)
    assert [lv.index for lv in profile.levels] == [0, 1, 2]
    assert [lv.depth for lv in profile.levels] == pytest.approx([0.0, 3.0, 6.0])
    assert profile.regions() == ["Co 2p", "O 1s"]
    assert profile.n_spectra == 6
    assert [lv.index for lv, _ in profile.series("O 1s")] == [0, 1, 2]
    assert scale.describe() == {
        "mode": "sputter_rate",
        "rate_nm_per_s": 0.1,
        "reference_material": "SiO2",
    }
    assert scale.axis_label == "depth (nm)"


def test_table_and_time_scales() -> None:
    spectra = [_spec("Co 2p", lv, 10.0 * lv) for lv in range(3)]
    table = DepthProfile.from_spectra(spectra, depth_scale=DepthScale.from_table([0.0, 1.5, 4.0]))
    assert [lv.depth for lv in table.levels] == [0.0, 1.5, 4.0]
    plain = table.with_depth_scale(DepthScale())
    assert [lv.depth for lv in plain.levels] == [None, None, None]
    assert [axis_value(lv.depth, lv.etch_time, lv.index, "etch_time") for lv in plain.levels] == [
        0.0,
        10.0,
        20.0,
    ]
    # depth modes use the depth, falling back to the level index where it is unknown
    assert [axis_value(lv.depth, lv.etch_time, lv.index, "table") for lv in table.levels] == [
        0.0,
        1.5,
        4.0,
    ]
    assert [axis_value(lv.depth, None, lv.index, "sputter_rate") for lv in plain.levels] == [
        0.0,
        1.0,
        2.0,
    ]
    assert plain.depth_scale.describe() == {"mode": "etch_time"}
    with pytest.raises(ProfileError, match="level 2"):
        DepthProfile.from_spectra(spectra, depth_scale=DepthScale.from_table([0.0, 1.0]))


def test_levels_from_etch_time_when_no_level() -> None:
    spectra = [_spec("Co 2p", None, t) for t in (120.0, 0.0, 60.0)]
    profile = DepthProfile.from_spectra(spectra)
    assert [(lv.index, lv.etch_time) for lv in profile.levels] == [(0, 0.0), (1, 60.0), (2, 120.0)]


def test_inconsistent_input_is_refused() -> None:
    with pytest.raises(ProfileError, match="two spectra"):
        DepthProfile.from_spectra([_spec("Co 2p", 0, 0.0), _spec("Co 2p", 0, 0.0)])
    with pytest.raises(ProfileError, match="several samples"):
        DepthProfile.from_spectra([_spec("Co 2p", 0, 0.0), _spec("Co 2p", 1, 1.0, sample="B")])
    with pytest.raises(ProfileError, match="disagree"):
        DepthProfile.from_spectra([_spec("Co 2p", 0, 0.0), _spec("O 1s", 0, 5.0)])
    with pytest.raises(ProfileError, match="no etch time"):
        DepthProfile.from_spectra(
            [_spec("Co 2p", 0, None)], depth_scale=DepthScale.from_rate("1nm/s")
        )
    with pytest.raises(ProfileError, match="no spectra"):
        DepthProfile.from_spectra([])


def test_group_by_sample() -> None:
    spectra = [_spec("Co 2p", lv, float(lv), sample=s) for s in ("B", "A") for lv in range(2)]
    groups = group_by_sample(spectra)
    assert list(groups) == ["B", "A"]
    assert all(len(p.levels) == 2 for p in groups.values())
