"""Model sensitivity stops when cancelled: no further refits, :class:`FitCancelled` raised."""

from __future__ import annotations

import pytest

from xpsfit.demo import demo_depth_scale, demo_spectra
from xpsfit.demo_specs import DEMO_SPECS
from xpsfit.fitting import FitCancelled
from xpsfit.profile import DepthProfile
from xpsfit.sensitivity import lineshape_variant, model_sensitivity


def test_cancel_stops_the_refits() -> None:
    spectra = [s for s in demo_spectra("ceramic-LCO") if s.region == "Co 2p"]
    profile = DepthProfile.from_spectra(spectra, depth_scale=demo_depth_scale())
    variants = tuple(lineshape_variant("gl", m=m) for m in (20.0, 30.0, 40.0))
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        assert total == 4 * 9  # the baseline and three variants, nine levels each
        seen.append(done)

    def cancel() -> bool:
        return len(seen) >= 3  # after the first refits have finished

    with pytest.raises(FitCancelled, match="model sensitivity cancelled"):
        model_sensitivity(
            [profile], {"Co 2p": DEMO_SPECS["Co 2p"]}, variants, jobs=1,
            progress=progress, cancel=cancel,
        )  # fmt: skip
    # the baseline's nine levels are counted (the cancelled ones too); no variant refit ran
    assert seen[-1] == 9
    assert max(seen) == 9
