"""The at-bound message names parameters as the spec does: component id and quantity."""

from __future__ import annotations

import numpy as np
import pytest

from xpsfit.errors import SpecError
from xpsfit.models import Model, build
from xpsfit.spec import BackgroundSpec, Doublet, FitSpec, Link, Param, Peak
from xpsfit.spectrum import Spectrum
from xpsfit.uncertainty import limit_message


def _model() -> Model:
    be = np.linspace(450.0, 480.0, 151)
    window = Spectrum(be, 100.0 + 1000.0 * np.exp(-((be - 459.0) ** 2)))
    ti = Doublet(
        "Ti4+", "gl", Param(459.0, 458.1, 459.3), Param(1.2, 0.5, 2.5), Param(100.0, 0.0),
        splitting=Param(5.7, 5.5, 5.9), area_ratio=Param(0.5, 0.4, 0.6),
    )  # fmt: skip
    sat = Peak(
        "Ti4+-sat", "gl", Param(472.0, link=Link("Ti4+", "offset", 13.0, tolerance=0.5)),
        Param(2.0, 0.5, 4.0), Param(10.0, link=Link("Ti4+", "ratio", 0.1, tolerance=0.05)),
    )  # fmt: skip
    spec = FitSpec(
        "Ti 2p",
        None,
        BackgroundSpec("active_shirley"),
        (ti, sat),
        shared={"w": Param(1.0, 0.5, 2.0)},
    )
    return build(spec, window)


def test_parameters_are_named_by_component_and_quantity() -> None:
    hits = {
        "Ti4p_center": "max",
        "Ti4p_area_ratio": "min",
        "Ti4pmsat_center_offset": "max",
        "Ti4pmsat_area_factor": "min",
        "bg_k": "min",
        "w": "max",
    }
    assert limit_message(_model(), hits, ["Ti4p_splitting"]) == (
        "at a bound (no error bar): Ti4+ center (max 459.3), Ti4+ area_ratio (min 0.4), "
        "Ti4+-sat center offset (max 13.5), Ti4+-sat area factor (min 0.05), "
        "background k (min 0), shared w (max 2); "
        "no effect on the model (no error bar): Ti4+ splitting"
    )


def test_a_component_at_zero_area_is_named_once() -> None:
    # its area is not repeated among the bounds, its parameters that no longer matter are not
    # listed; its other bounds, and the satellite's parameters, are
    hits = {"Ti4p_area": "min", "Ti4p_fwhm": "max"}
    idle = ["Ti4p_center", "Ti4p_splitting", "Ti4pmsat_fwhm"]
    assert limit_message(_model(), hits, idle) == (
        "component Ti4+ fitted to zero area; at a bound (no error bar): Ti4+ fwhm (max 2.5); "
        "no effect on the model (no error bar): Ti4+-sat fwhm"
    )


def test_spec_errors_name_the_component_not_the_lmfit_name() -> None:
    bad = Peak("C-C", "gl", Param(285.0, 286.0, 284.0), Param(1.0), Param(1.0))
    spec = FitSpec("C 1s", None, BackgroundSpec("none"), (bad,))
    be = np.linspace(280.0, 290.0, 51)
    with pytest.raises(SpecError, match="parameter C-C center: min 286 is above max 284"):
        build(spec, Spectrum(be, np.ones_like(be)))
