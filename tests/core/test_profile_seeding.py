"""Level-to-level seeding: what a fit carries to the next level, the best-of-starts fit, and
that seeded fits of the demo never end worse than template-started ones."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from xpsfit.backgrounds import cumulative_integral
from xpsfit.demo import demo_depth_scale, demo_spectra
from xpsfit.demo_specs import DEMO_SPECS
from xpsfit.fit_solve import FTOL
from xpsfit.fitting import Fitter, fit
from xpsfit.lineshapes import gl
from xpsfit.models import start_values
from xpsfit.profile import group_by_sample
from xpsfit.profile_fit import fit_profiles
from xpsfit.profile_result import ProfileResult
from xpsfit.profile_seed import SEED_SIGNIFICANCE, doubtful, seeded_start
from xpsfit.spec import BackgroundSpec, FitSpec, Link, Param, Peak, param_name
from xpsfit.spectrum import Spectrum

BE = np.arange(280.0, 292.0, 0.05)
M30 = {"m": Param(30.0, vary=False)}


def _template(b_center: float = 287.0) -> FitSpec:
    return FitSpec(
        "C 1s",
        None,
        BackgroundSpec("active_shirley"),
        (
            Peak("A", "gl", Param(284.6, 284.0, 285.6), Param(1.0, 0.5, 2.5), Param(1.0, 0.0), M30),
            Peak("B", "gl", Param(b_center, 286.5, 288.5), Param(1.2, 0.5, 2.5), Param(1.0, 0.0), M30),
        ),
    )  # fmt: skip


def _spectrum(rng: np.random.Generator, b_area: float) -> Spectrum:
    peaks = gl(BE, 30_000.0, 284.9, 1.3, m=30.0) + gl(BE, b_area, 287.0, 1.2, m=30.0)
    y = 300.0 + peaks + 0.05 * cumulative_integral(BE, peaks)
    return Spectrum(BE, rng.poisson(y).astype(float), region="C 1s")


def test_significant_moves_are_carried_and_the_rest_restarts(rng: np.random.Generator) -> None:
    template = _template()
    result = fit(_spectrum(rng, 8_000.0), template)
    assert result.ok, result.message
    seeded = seeded_start(result, template)
    a_center = result.params["A_center"]
    assert a_center.stderr is not None
    # A's center moved 0.3 eV, far beyond its error: carried
    assert abs(a_center.value - 284.6) > SEED_SIGNIFICANCE * a_center.stderr
    assert seeded["A_center"] == a_center.value
    # B sits where the template put it: its center restarts from the template value
    b_center = result.params["B_center"]
    assert b_center.stderr is not None
    assert abs(b_center.value - 287.0) <= SEED_SIGNIFICANCE * b_center.stderr
    assert "B_center" not in seeded
    # only free parameters are seeded; the fitted background is carried
    assert {n for n in seeded if not n.startswith("bg_")} <= set(start_values(template))
    assert seeded["bg_k"] == result.params["bg_k"].value


def test_a_level_where_no_line_moved_starts_from_the_template(rng: np.random.Generator) -> None:
    # both lines where the template puts them: the fit moves no center or width significantly
    peaks = gl(BE, 30_000.0, 284.6, 1.0, m=30.0) + gl(BE, 8_000.0, 287.0, 1.2, m=30.0)
    y = 300.0 + peaks + 0.05 * cumulative_integral(BE, peaks)
    result = fit(Spectrum(BE, rng.poisson(y).astype(float), region="C 1s"), _template())
    assert result.ok, result.message
    assert seeded_start(result, _template()) == {}


def test_a_step_factor_indistinguishable_from_zero_is_not_carried(
    rng: np.random.Generator,
) -> None:
    # a step too small to tell from none: the fitted bg_k is off its bound (zero) but within
    # its error of it, where a start would leave it unable to move, so the background starts
    # from the data again
    peaks = gl(BE, 30_000.0, 284.9, 1.3, m=30.0) + gl(BE, 8_000.0, 287.0, 1.2, m=30.0)
    y = rng.poisson(300.0 + peaks + 8e-5 * cumulative_integral(BE, peaks)).astype(float)
    result = fit(Spectrum(BE, y, region="C 1s"), _template())
    assert result.ok, result.message
    k = result.params["bg_k"]
    assert k.at_bound is None
    assert k.stderr is not None
    assert 0.0 < k.value <= k.stderr
    seeded = seeded_start(result, _template())
    assert seeded["A_center"] == result.params["A_center"].value  # the lines are carried
    assert not [name for name in seeded if name.startswith("bg_")]


def test_a_carried_background_is_the_start_of_every_candidate(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    import xpsfit.backgrounds as backgrounds

    spectrum, template = _spectrum(rng, 8_000.0), _template()
    first = fit(spectrum, template)
    seeded = seeded_start(first, template)
    background = {n: v for n, v in seeded.items() if n.startswith("bg_")}
    assert set(background) == {"bg_offset", "bg_k"}

    def no_static_shirley(*args: object, **kwargs: object) -> object:
        raise AssertionError("the start was given: no static Shirley is needed")

    monkeypatch.setattr(backgrounds, "shirley", no_static_shirley)
    result, chosen = Fitter().fit_starts(spectrum, template, (seeded,), background_start=background)
    assert chosen == 1
    assert result.chisqr == pytest.approx(first.chisqr, rel=1e-4)
    # without a carried background the start comes from the data (the static Shirley)
    with pytest.raises(AssertionError, match="no static Shirley"):
        Fitter().fit_starts(spectrum, template, (seeded,))


def test_a_collapsed_component_restarts_from_the_template() -> None:
    template = _template(b_center=288.0)
    # no B line and a shallow dip where B sits: B's best area is on its bound (zero)
    y = 300.0 + gl(BE, 30_000.0, 284.9, 1.3, m=30.0) - gl(BE, 100.0, 288.0, 1.2, m=30.0)
    result = fit(Spectrum(BE, y, region="C 1s"), template)
    assert result.params["B_area"].at_bound == "min"
    seeded = seeded_start(result, template)
    assert not [name for name in seeded if name.startswith("B_")]


def _satellite_template() -> FitSpec:
    """A line and its satellite 6.0 +- 1.0 eV above, with 0.2 +- 0.1 of its area."""
    sat = Peak(
        "S",
        "gl",
        Param(290.6, link=Link("A", "offset", 6.0, tolerance=1.0)),
        Param(2.0, 0.5, 4.0),
        Param(0.2, link=Link("A", "ratio", 0.2, tolerance=0.1)),
        M30,
    )
    return dataclasses.replace(_template(), components=(_template().components[0], sat))


@pytest.mark.parametrize(("offset", "ratio", "carried"), [(6.7, 0.25, True), (6.0, 0.2, False)])
def test_fitted_link_offsets_and_ratios_are_carried_when_significant(
    rng: np.random.Generator, offset: float, ratio: float, carried: bool
) -> None:
    sat = gl(BE, 30_000.0 * ratio, 284.9 + offset, 2.0, m=30.0)
    peaks = gl(BE, 30_000.0, 284.9, 1.3, m=30.0) + sat
    y = 300.0 + peaks + 0.05 * cumulative_integral(BE, peaks)
    template = _satellite_template()
    result = fit(Spectrum(BE, rng.poisson(y).astype(float), region="C 1s"), template)
    assert result.ok, result.message
    starts = {**start_values(template), **seeded_start(result, template)}
    for helper, link_value in (("S_center_offset", 6.0), ("S_area_factor", 0.2)):
        fitted = result.params[helper]
        assert fitted.stderr is not None
        moved = abs(fitted.value - link_value) > SEED_SIGNIFICANCE * fitted.stderr
        assert moved is carried, (helper, fitted)
        # the next level starts from the fitted offset / ratio, or from the link's value
        expected = fitted.value if carried else link_value
        assert starts[helper] == pytest.approx(expected, rel=1e-9, abs=1e-9)
    # the reference itself moved (284.6 -> 284.9 eV) and is carried with it
    assert starts[param_name("A", "center")] == result.params["A_center"].value


def test_a_seeded_fit_is_repeated_when_a_clear_component_vanishes(
    rng: np.random.Generator,
) -> None:
    template = _template()
    with_b = fit(_spectrum(rng, 8_000.0), template)
    y = 300.0 + gl(BE, 30_000.0, 284.9, 1.3, m=30.0) - gl(BE, 100.0, 287.0, 1.2, m=30.0)
    without_b = fit(Spectrum(BE, y, region="C 1s"), template)
    assert without_b.params["B_area"].at_bound == "min"
    # B was found at the previous level and is gone now: the template start is tried too
    assert doubtful(without_b, with_b, template)
    # B was already absent: a level without it is no reason to start again
    assert not doubtful(without_b, without_b, template)
    # a fit as good as the previous level's is kept
    assert not doubtful(with_b, with_b, template)


def test_a_seeded_fit_that_the_template_cannot_describe_is_not_repeated(
    rng: np.random.Generator,
) -> None:
    """A level with a line the template lacks fits far worse than the previous level; the
    template start would end there too, so that alone is no reason to fit it again."""
    template = _template()
    previous = fit(_spectrum(rng, 8_000.0), template)
    extra = gl(BE, 6_000.0, 289.5, 1.2, m=30.0)  # a third line (a carbonate) appears
    y = np.asarray(_spectrum(rng, 8_000.0).intensity) + rng.poisson(extra)
    result = fit(Spectrum(BE, y.astype(float), region="C 1s"), template)
    assert result.ok, result.message
    assert result.redchi > 3.0 * previous.redchi
    assert not doubtful(result, previous, template)


Runs = tuple[list[ProfileResult], list[ProfileResult]]


@pytest.fixture(scope="module")
def demo_both() -> Runs:
    profiles = list(group_by_sample(demo_spectra(), demo_depth_scale()).values())
    seeded = fit_profiles(profiles, DEMO_SPECS, seed="previous", jobs=1)
    template = fit_profiles(profiles, DEMO_SPECS, seed="template", jobs=1)
    return seeded, template


def test_seeded_demo_fits_are_never_worse_than_template_starts(demo_both: Runs) -> None:
    seeded, template = demo_both
    compared = 0
    for ps, pt in zip(seeded, template, strict=True):
        for fs, ft in zip(ps.fits, pt.fits, strict=True):
            assert (fs.region, fs.level) == (ft.region, ft.level)
            assert fs.result is not None
            assert ft.result is not None
            # the same optimum, or a better one: the minimiser stops within a relative
            # chi-square change of FTOL, and a chi-square 0.01 higher is a point 0.1 standard
            # error away from the same optimum
            where = (ps.sample, fs.region, fs.level)
            assert fs.result.chisqr <= ft.result.chisqr * (1.0 + FTOL) + 0.01, where
            compared += 1
    assert compared == 117


def test_best_start_picks_the_better_candidate(rng: np.random.Generator) -> None:
    spectrum = _spectrum(rng, 8_000.0)
    template = _template()
    # B started in the wrong place, with the template's values offered as the alternative
    off = template.with_component(
        dataclasses.replace(template.component("B"), center=Param(288.4, 286.5, 288.5))
    )
    from_template = fit(spectrum, template)
    best, chosen = Fitter().fit_starts(spectrum, off, (start_values(template),))
    assert chosen == 1
    assert best.ok
    assert best.chisqr <= from_template.chisqr * (1.0 + 1e-6)
    assert best.params["B_center"].value == pytest.approx(287.0, abs=0.05)
    # starting at the better candidate also saves evaluations against the off start
    assert best.nfev <= fit(spectrum, off).nfev


@pytest.mark.parametrize("replicas", [0, 5])
def test_a_repeated_level_runs_its_monte_carlo_once(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch, replicas: int
) -> None:
    """B is found at level 0 and gone at level 1, so level 1 is fitted again from the
    template, with or without Monte Carlo; only the kept fit gets replicas."""
    import xpsfit.montecarlo as mc
    from xpsfit.profile_jobs import make_job, run_job
    from xpsfit.spec_transport import encode_spec

    a_only = gl(BE, 30_000.0, 284.9, 1.3, m=30.0)
    gone = 300.0 + a_only + 0.05 * cumulative_integral(BE, a_only)
    gone -= gl(BE, 100.0, 287.0, 1.2, m=30.0)  # a shallow dip where B was: B's area is 0
    levels = [_spectrum(rng, 8_000.0), Spectrum(BE, gone, region="C 1s")]
    chain = [(str(i), s.replace(etch_level=i)) for i, s in enumerate(levels)]
    job = make_job("j", chain, encode_spec(_template()), seed="previous", monte_carlo=replicas,
                   mc_seed=3, max_nfev=None)  # fmt: skip
    runs, fits = [], []
    run_mc, fit_starts = mc.run_monte_carlo, Fitter.fit_starts
    monkeypatch.setattr(mc, "run_monte_carlo", lambda *a, **k: runs.append(1) or run_mc(*a, **k))
    monkeypatch.setattr(Fitter, "fit_starts", lambda *a, **k: fits.append(1) or fit_starts(*a, **k))
    outcomes = run_job({**job, "live": True})
    assert len(fits) > 2  # level 1 was repeated from the template
    assert len(runs) == (2 if replicas else 0)  # one set of replicas per level
    assert all((o["fit"].monte_carlo is not None) == bool(replicas) for o in outcomes)
