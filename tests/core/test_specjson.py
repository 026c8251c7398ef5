"""FitSpec <-> plain JSON dictionaries: exact round trips, infinities, clear errors."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xpsfit.errors import SpecError
from xpsfit.spec import BackgroundSpec, Doublet, FitSpec, FractionDef, Link, Param, Peak
from xpsfit.specjson import (
    decode_float,
    encode_float,
    param_from_dict,
    param_to_dict,
    spec_from_dict,
    spec_to_dict,
)


def rich_spec() -> FitSpec:
    """A spec that uses every feature the JSON layout has to carry."""
    main = Doublet(
        id="Co3+",
        lineshape="gl",
        center=Param(779.3 + 1e-13, 778.6, 780.0),
        fwhm=Param(0.1 + 0.2, 0.5, math.inf),
        area=Param(12345.678901234567, 0.0),
        shape={"m": Param(30.0, 0.0, 100.0, vary=False)},
        splitting=Param(15.1, 14.9, 16.1, vary=False),
        area_ratio=Param(0.5, vary=False),
        fwhm_ratio=Param(1.1, 1.0, 1.4),
        major_label="2p3/2",
        minor_label="2p1/2",
        label="Co3+ (LiCoO2)",
    )
    sat = Peak(
        id="Co3+_sat",
        lineshape="voigt",
        center=Param(789.6, link=Link("Co3+", "offset", 10.3, 0.8)),
        fwhm=Param(3.0, -math.inf, 5.0),
        area=Param(1234.5, link=Link("Co3+", "ratio", 0.1, 0.06)),
        satellite_of="Co3+",
        species="Co3+",
    )
    other = Peak(
        id="Co2+",
        lineshape="gl",
        center=Param(781.9),
        fwhm=Param(2.0, expr="width * 1.2"),
        area=Param(1.0),
        shape={"m": Param(30.0, link=Link("Co3+", "equal"))},
    )
    return FitSpec(
        region="Co 2p",
        window=(772.0, 810.0),
        background=BackgroundSpec(
            kind="tougaard",
            average_points=3,
            params={"B": Param(2866.0, 0.0), "C": Param(1643.0, vary=False)},
            options={"tougaard_form": "U3", "start_offset": -math.inf, "max_iterations": 50},
        ),
        components=(main, sat, other),
        shared={"width": Param(1.5, 0.5, 3.0)},
        fractions=(FractionDef("Co2+ fraction", "Co2+ / (Co2+ + Co3+)"),),
    )


def test_round_trip_through_json_text_is_exact() -> None:
    spec = rich_spec()
    text = json.dumps(spec_to_dict(spec), allow_nan=False)
    back = spec_from_dict(json.loads(text))
    assert back == spec
    assert back.components[0].fwhm.value == 0.1 + 0.2
    assert isinstance(back.components[0], Doublet)
    assert back.background.options["start_offset"] == -math.inf


def test_infinite_bounds_are_strings_and_nan_is_refused() -> None:
    d = spec_to_dict(rich_spec())
    assert d["components"][0]["fwhm"]["max"] == "inf"
    assert d["components"][1]["fwhm"]["min"] == "-inf"
    assert "Infinity" not in json.dumps(d)
    assert encode_float(-math.inf) == "-inf"
    assert decode_float("inf") == math.inf
    with pytest.raises(SpecError, match="NaN"):
        encode_float(math.nan)
    with pytest.raises(SpecError, match="NaN"):
        decode_float(math.nan, key="x")


def test_optional_param_keys_take_defaults() -> None:
    par = param_from_dict({"value": 2.5})
    assert par == Param(2.5)
    assert param_to_dict(par)["min"] == "-inf"


@given(
    value=st.floats(allow_nan=False, allow_infinity=False),
    lo=st.floats(allow_nan=False),
    vary=st.booleans(),
    tol=st.floats(min_value=0.0, allow_nan=False, allow_infinity=False),
)
def test_param_round_trip_property(value: float, lo: float, vary: bool, tol: float) -> None:
    par = Param(value, lo, math.inf, vary, Link("A", "offset", value, tol))
    assert param_from_dict(json.loads(json.dumps(param_to_dict(par)))) == par


def _broken(path: list[Any], value: object, delete: bool = False) -> dict[str, Any]:
    d = spec_to_dict(rich_spec())
    target: Any = d
    for step in path[:-1]:
        target = target[step]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return d


@pytest.mark.parametrize(
    ("path", "value", "delete", "key"),
    [
        (["components", 0, "center", "value"], None, True, "components.Co3+.center.value"),
        (["components", 0, "center", "value"], "779", False, "components.Co3+.center.value"),
        (
            ["components", 1, "area", "link", "kind"],
            "times",
            False,
            "components.Co3+_sat.area.link.kind",
        ),
        (["components", 0, "fwhm", "vary"], 1, False, "components.Co3+.fwhm.vary"),
        (["components", 0, "type"], "triplet", False, "components.Co3+.type"),
        (["components", 0, "colour"], "red", False, "components.Co3+"),
        (["components", 0, "splitting"], None, True, "components.Co3+.splitting"),
        (["background", "kind"], "smart", False, "background.kind"),
        (["background", "average_points"], 0, False, "background.average_points"),
        (["window"], [1.0], False, "window"),
        (["fractions", 0, "expression"], 3, False, "fractions[0].expression"),
        (["components", 1, "center", "link", "ref"], "Co9+", False, "components.Co3+_sat.center"),
        (["components"], {}, False, "components"),
        (
            ["background", "options"],
            {"casa_cross_section": [1.0, "x"]},
            False,
            "background.options.casa_cross_section[1]",
        ),
        (["background", "options"], {"casa": {"a": 1}}, False, "background.options.casa"),
    ],
)
def test_bad_input_names_the_key(path: list[Any], value: object, delete: bool, key: str) -> None:
    with pytest.raises(SpecError) as info:
        spec_from_dict(_broken(path, value, delete), source="t.json")
    assert info.value.key == key
    assert str(info.value).startswith(f"t.json: {key}: ")


def test_lists_of_numbers_in_background_options_round_trip() -> None:
    """CasaXPS regions keep their cross-section numbers as a background option: a spec read
    from a CasaXPS file must save (templates, projects, run records) and read back equal."""
    bg = BackgroundSpec("tougaard", options={
        "casa_cross_section": (335.44588, 551.0, 436.0, float("inf")), "convention": "casaxps",
        "casa_offsets_percent": (0, 2.5),
    })  # fmt: skip
    spec = FitSpec(region="Fe 2p", window=(700.0, 740.0), background=bg)
    d = spec_to_dict(spec)
    assert d["background"]["options"]["casa_cross_section"] == [335.44588, 551.0, 436.0, "inf"]
    back = spec_from_dict(json.loads(json.dumps(d)))
    assert back == replace(spec, background=replace(bg, options={
        **bg.options, "casa_offsets_percent": (0.0, 2.5)}))  # fmt: skip
    assert back.background.options["casa_cross_section"] == (335.44588, 551.0, 436.0, math.inf)
