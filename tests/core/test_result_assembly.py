"""Result assembly: error propagation through the constraints, line heights, fitted specs,
the parameter table and spec validation give what their plain definitions give."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from xpsfit import expressions
from xpsfit.errors import SpecError
from xpsfit.fitting import fit
from xpsfit.lineshapes import LINESHAPES
from xpsfit.models import Model, build
from xpsfit.result import FitResult, LineResult, ParamResult
from xpsfit.result_builder import fitted_spec
from xpsfit.spec import BackgroundSpec, Doublet, FitSpec, FractionDef, Link, Param, Peak
from xpsfit.spectrum import Spectrum
from xpsfit.uncertainty import propagate


def _spec(shared_expr: str = "Co3p_fwhm * 1.1") -> FitSpec:
    """Two doublets (one a linked satellite), a shared parameter and a raw expression."""
    main = Doublet(
        "Co3+", "voigt", Param(780.0, 779.0, 781.0), Param(1.6, 0.5, 4.0), Param(1.0, 0.0),
        {"m": Param(30.0, vary=False)}, splitting=Param(15.1, vary=False),
        area_ratio=Param(0.5, vary=False),
    )  # fmt: skip
    sat = Doublet(
        "Co3+_sat", "voigt", Param(0.0, link=Link("Co3+", "offset", 9.5, tolerance=0.5)),
        Param(3.0, 1.0, 5.0, expr="wide"), Param(0.0, link=Link("Co3+", "ratio", 0.1)),
        {"m": Param(30.0, vary=False)}, satellite_of="Co3+", splitting=Param(15.1, vary=False),
        area_ratio=Param(0.5, vary=False),
    )  # fmt: skip
    return FitSpec(
        "Co 2p", None, BackgroundSpec("active_shirley", params={"slope": Param(0.0)}),
        (main, sat), shared={"wide": Param(0.0, expr=shared_expr)},
        fractions=(FractionDef("sat share", "Co3+ / (Co3+ + Co3+)"),),
    )  # fmt: skip


def _spectrum() -> Spectrum:
    be = np.arange(770.0, 810.0, 0.1)
    y = 1000.0 + 2e4 * np.exp(-(((be - 780.2) / 0.9) ** 2)) + 1e4 * np.exp(-((be - 795.3) ** 2))
    return Spectrum(be, np.random.default_rng(3).poisson(y).astype(np.float64))


def _model(shared_expr: str = "Co3p_fwhm * 1.1") -> Model:
    return build(_spec(shared_expr), _spectrum())


def _reference(model: Model, free: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Values and forward-difference gradient, one evaluation of the constraints per step."""
    names = [p.name for p in model.params]
    base = model.values(free)
    values = np.array([base[n] for n in names])
    grad = np.zeros((len(names), len(model.free)))
    for j, name in enumerate(model.free):
        h = 1e-7 * max(abs(free[name]), 1e-3)
        moved = model.values({**free, name: free[name] + h})
        grad[:, j] = (np.array([moved[n] for n in names]) - values) / h
    return values, grad


def test_is_arithmetic_accepts_arithmetic_only() -> None:
    for text in ("b * 2.5 - c / 3 + -b", "+a", "2", "pi * b"):
        assert expressions.is_arithmetic(expressions.parse(text))
    for text in ("sqrt(b)", "b ** 2", "max(b, c)", "abs(b)"):
        assert not expressions.is_arithmetic(expressions.parse(text))


@pytest.mark.parametrize("shared_expr", ["Co3p_fwhm * 1.1", "sqrt(Co3p_fwhm) ** 2 * 1.1"])
def test_propagation_matches_forward_differences_exactly(shared_expr: str) -> None:
    model = _model(shared_expr)
    assert model.arithmetic is ("sqrt" not in shared_expr)  # the array path, or point by point
    rng = np.random.default_rng(1)
    free = {n: v * (1.0 + 0.01 * rng.standard_normal()) for n, v in model.start().items()}
    prop = propagate(model, free, None)
    values, grad = _reference(model, free)
    assert prop.names == tuple(p.name for p in model.params)
    assert np.array_equal(prop.values, values)
    assert np.array_equal(prop.gradient, grad)


def test_propagation_keeps_the_error_of_a_division_by_zero() -> None:
    model = _model("Co3p_fwhm / (Co3p_center - 780.0)")
    with pytest.raises(ZeroDivisionError):
        propagate(model, {**model.start(), "Co3p_center": 780.0}, None)


@pytest.fixture(scope="module")
def result() -> FitResult:
    return fit(_spectrum(), _spec())


def test_heights_are_area_times_the_unit_line_at_its_center(result: FitResult) -> None:
    func = LINESHAPES["voigt"].func
    for ln in result.lines:
        c, w, a = ln.center.value, ln.fwhm.value, ln.area.value
        expected = a * func(np.array([c]), 1.0, c, w, m=30.0)[0]
        assert ln.height.value == expected, ln.label


def test_fitted_spec_equals_the_spec_rebuilt_field_by_field(result: FitResult) -> None:
    spec = _spec()
    values = {n: p.value for n, p in result.params.items()}
    comps = []
    for comp in spec.components:
        pre = comp.id.replace("+", "p") + "_"
        new = {q: dataclasses.replace(p, value=values[pre + q]) for q, p in comp.params().items()}
        shape = {q: new.pop(q) for q in comp.shape}
        comps.append(dataclasses.replace(comp, shape=shape, **new))  # type: ignore[arg-type]
    bg = {q: Param(values["bg_" + q]) for q in ("slope", "offset")}
    bg["k"] = Param(values["bg_k"], min=0.0)
    expected = dataclasses.replace(
        spec,
        components=tuple(comps),
        shared={"wide": dataclasses.replace(spec.shared["wide"], value=values["wide"])},
        background=dataclasses.replace(spec.background, params=bg),
    )
    assert {n for n in values if n.startswith("bg_")} == {"bg_slope", "bg_offset", "bg_k"}
    assert result.spec == expected
    assert fitted_spec(build(spec, _spectrum()), values) == expected
    assert all(type(c) is Doublet for c in result.spec.components)
    with pytest.raises(TypeError):
        result.spec.components[0].shape["m"] = Param(1.0)  # type: ignore[index]


def test_param_and_line_results_are_complete(result: FitResult) -> None:
    names = {f.name for f in dataclasses.fields(ParamResult)}
    for p in result.params.values():
        assert set(vars(p)) == names
        assert p == ParamResult(**vars(p))
    line_fields = {f.name for f in dataclasses.fields(LineResult)}
    for ln in result.lines:
        assert set(vars(ln)) == line_fields
        assert not ln.curve.flags.writeable
    assert result.params["Co3p_center"].stderr is not None
    assert result.params["Co3p_m"].stderr is None
    assert not result.params["Co3p_m"].vary
    assert result.params["wide"].expr == "Co3p_fwhm * 1.1"


def test_model_param_lookup() -> None:
    model = _model()
    assert [model.param(p.name) for p in model.params] == list(model.params)
    with pytest.raises(KeyError):
        model.param("nope")


def _peak(cid: str, **kw: object) -> Peak:
    return Peak(cid, "gl", Param(780.0), Param(1.5), Param(1.0), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("comps", "key", "message"),
    [
        ((_peak("A"), _peak("A")), "components", "duplicate component id"),
        ((_peak("a b"),), "components", "invalid component id"),
        ((_peak("Co3+"), _peak("Co3p")), "components", "same parameter name"),
        ((_peak("A", satellite_of="Z"),), "components.A.satellite_of", "satellite of unknown"),
        (
            (_peak("A", satellite_of="B"), _peak("B", satellite_of="A")),
            "components.A.satellite_of",
            "satellite cycle",
        ),
        (
            (Peak("A", "gl", Param(0.0, link=Link("Z")), Param(1.5), Param(1.0)),),
            "components.A.center",
            "link to unknown component",
        ),
        (
            (_peak("A"), _peak("B", shape={"m": Param(0.0, link=Link("A"))})),
            "components.B.m",
            "has no parameter 'm'",
        ),
        (
            (
                Peak("A", "gl", Param(0.0, link=Link("B")), Param(1.5), Param(1.0)),
                Peak("B", "gl", Param(0.0, link=Link("A")), Param(1.5), Param(1.0)),
            ),
            "components.A.center",
            "constraint cycle",
        ),
    ],
)
def test_validate_names_the_offending_key(comps: tuple[Peak, ...], key: str, message: str) -> None:
    with pytest.raises(SpecError, match=message) as info:
        FitSpec("X", None, BackgroundSpec("none"), comps).validate(source="t.json")
    assert info.value.key == key


def test_models_of_one_spec_share_its_part_and_new_specs_get_their_own() -> None:
    spec, window = _spec(), _spectrum()
    first, again = build(spec, window), build(spec, window)
    assert again.params[0] is first.params[0]
    assert again.params == first.params
    for center in np.linspace(779.5, 780.5, 30).tolist():  # freed specs' ids get reused
        main = dataclasses.replace(spec.components[0], center=Param(center, 779.0, 781.0))
        moved = dataclasses.replace(spec, components=(main, spec.components[1]))
        assert build(moved, window).param("Co3p_center").value == center


def test_param_with_value_copies_every_other_field() -> None:
    """``Param.with_value`` (one per fitted parameter) gives what ``replace`` gives."""
    full = Param(2.0, 1.0, 3.0, vary=False, link=Link("A", "offset", 0.5, 0.1), expr="x * 2")
    fields = {f.name for f in dataclasses.fields(Param)}
    assert fields == {"value", "min", "max", "vary", "link", "expr"}, "copy new fields too"
    for value in (2.5, -1.0):
        assert full.with_value(value) == dataclasses.replace(full, value=value)
