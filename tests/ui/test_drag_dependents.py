"""Dragging a parent peak carries its linked satellite along (offset shifts, ratio scales)."""

from __future__ import annotations

import pytest

from xpsfit.templates import default_template
from xpsfit_ui.preview import moved_component


def test_satellite_follows_dragged_parent() -> None:
    spec = default_template("Co 2p")
    parent = spec.component("Co2+")
    sat = next(c for c in spec.components if c.satellite_of == "Co2+")
    assert sat.center.link is not None
    assert sat.center.link.ref == "Co2+"
    moved = moved_component(spec, "Co2+", center=parent.center.value + 0.7, height_ratio=2.0)
    new_sat = moved.component(sat.id)
    assert new_sat.center.value == pytest.approx(sat.center.value + 0.7)
    if sat.area.link is not None and sat.area.link.kind == "ratio":
        assert new_sat.area.value == pytest.approx(sat.area.value * 2.0)
    others = [c for c in spec.components if c.id not in ("Co2+", sat.id)]
    for c in others:
        assert moved.component(c.id).center.value == c.center.value
