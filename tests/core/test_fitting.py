"""fit(): status logic, cancel, bad spectra, both solver paths, Monte Carlo, write-back."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from xpsfit.errors import FitError
from xpsfit.fitting import FitCancelled, fit
from xpsfit.lineshapes import gl
from xpsfit.spec import BackgroundSpec, Doublet, FitSpec, FractionDef, Link, Param, Peak
from xpsfit.spectrum import Spectrum

BE = np.arange(155.0, 170.0, 0.05)


def _doublet(cid: str, center: float, area: Param | None = None) -> Doublet:
    return Doublet(
        cid, "gl", Param(center, center - 1, center + 1), Param(1.0, 0.3, 3.0),
        area or Param(1.0, 0.0), {"m": Param(30.0, vary=False)},
        splitting=Param(1.18, vary=False), area_ratio=Param(0.5, vary=False),
    )  # fmt: skip


def _spec(background: str = "active_shirley", second_area: Param | None = None) -> FitSpec:
    params = {"slope": Param(0.0)} if background == "active_shirley" else {}
    return FitSpec(
        "S 2p",
        None,
        BackgroundSpec(background, params=params),  # type: ignore[arg-type]
        (_doublet("A", 161.0), _doublet("B", 163.0, second_area)),
        fractions=(FractionDef("fA", "A / (A + B)"),),
    )


def _counts(rng: np.random.Generator, peak: float = 20_000.0) -> Spectrum:
    sig = sum(
        gl(BE, a, c, 0.9) + gl(BE, a / 2, c + 1.18, 0.9) for a, c in ((1.0, 161.0), (0.5, 162.9))
    )
    y = 500.0 + peak * sig / sig.max()
    y = y + 0.05 * np.cumsum(y - 500.0) * 0.05
    return Spectrum(BE, rng.poisson(y).astype(float), region="S 2p")


def test_converged_fit_has_errors_and_writes_back(rng: np.random.Generator) -> None:
    spectrum = _counts(rng)
    result = fit(spectrum, _spec())
    assert result.status == "converged", result.message
    assert result.ok
    assert result.fractions["fA"].value == pytest.approx(2 / 3, abs=0.01)
    assert all(ln.area.stderr is not None and ln.area.stderr > 0 for ln in result.lines)
    assert np.allclose(result.envelope, result.background + sum(ln.curve for ln in result.lines))
    assert np.all(np.isfinite(result.residual))
    assert result.redchi < 1.5
    fitted = result.spec.component("A")
    assert fitted.center.value == pytest.approx(result.params["A_center"].value)
    again = fit(spectrum, result.spec)  # seeding from the result converges at once
    assert again.status == "converged"
    assert again.fractions["fA"].value == pytest.approx(result.fractions["fA"].value, abs=1e-6)


@pytest.mark.parametrize("background", ["shirley", "linear", "none"])
def test_static_backgrounds(rng: np.random.Generator, background: str) -> None:
    result = fit(_counts(rng), _spec(background))
    assert result.ok, result.message
    assert np.all(np.isfinite(result.background))


def test_projection_and_nonlinear_paths_agree(rng: np.random.Generator) -> None:
    spectrum = _counts(rng)
    projected = fit(spectrum, _spec())
    # a finite upper bound takes B's area out of the projection: fitted nonlinearly
    bounded = _spec(second_area=Param(1.0, 0.0, 1e9))
    direct = fit(spectrum, bounded)
    assert direct.status == "converged", direct.message
    for name in ("A_area", "B_area", "B_center"):
        a, b = projected.params[name], direct.params[name]
        assert b.value == pytest.approx(a.value, rel=1e-4)
        assert b.stderr == pytest.approx(a.stderr, rel=0.02)


def test_linked_area_ratio(rng: np.random.Generator) -> None:
    spec = _spec(second_area=Param(1.0, link=Link("A", "ratio", 0.5)))
    result = fit(_counts(rng), spec)
    assert result.ok
    assert result.params["B_area"].value == pytest.approx(0.5 * result.params["A_area"].value)
    assert result.params["B_area"].stderr == pytest.approx(0.5 * result.params["A_area"].stderr)


def test_evaluation_cap_is_never_converged(rng: np.random.Generator) -> None:
    result = fit(_counts(rng), _spec(), max_nfev=2)
    assert result.status == "max_evaluations"
    assert not result.ok


def test_cancel_raises(rng: np.random.Generator) -> None:
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(FitCancelled):
        fit(_counts(rng), _spec(), cancel=cancel)


def test_at_bound_status(rng: np.random.Generator) -> None:
    spec = _spec()
    tight = dataclasses.replace(spec.component("B"), center=Param(163.2, 163.2, 164.0))
    result = fit(_counts(rng), spec.with_component(tight))
    assert result.status == "at_bound"
    assert result.params["B_center"].at_bound == "min"
    assert result.params["B_center"].stderr is None


@pytest.mark.parametrize(
    ("intensity", "match"),
    [
        (np.full(BE.size, np.nan), "not finite"),
        (np.zeros(BE.size), "zero"),
        (-np.ones(BE.size), "negative"),
    ],
)
def test_bad_spectra_raise_fit_error(intensity: np.ndarray, match: str) -> None:
    with pytest.raises(FitError, match=match):
        fit(Spectrum(BE, intensity), _spec())


def test_negative_counts_error_names_the_block_and_the_remedy(rng: np.random.Generator) -> None:
    # a background-subtracted export of one of several S 2p sheets: not Poisson counts
    counts = _counts(rng)
    spectrum = counts.replace(
        intensity=counts.intensity - np.median(counts.intensity), region="S 2p", block="sheet 2"
    )
    with pytest.raises(FitError) as info:
        fit(spectrum, _spec())
    message = str(info.value)
    assert message.startswith("spectrum S 2p [sheet 2]: negative intensities")
    assert "weights='uniform'" in message
    assert "--weights uniform" in message
    assert fit(spectrum, _spec(), weights="uniform").ok


def test_full_label_adds_the_block_when_it_tells_more() -> None:
    sheet = Spectrum(BE, np.ones(BE.size), region="Ti 2p", block="sheet Ti2p3", etch_level=2)
    assert sheet.label == "Ti 2p / level 2"
    assert sheet.full_label == "Ti 2p / level 2 [sheet Ti2p3]"
    assert sheet.replace(block="Ti 2p").full_label == "Ti 2p / level 2"
    assert sheet.replace(block="").full_label == "Ti 2p / level 2"


def test_non_finite_derivatives_end_the_fit_as_failed(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xpsfit.varpro import Projection

    exact = Projection.model_jacobian

    def broken(self: Projection, ev: Any) -> np.ndarray:
        return np.full_like(exact(self, ev), np.nan)

    monkeypatch.setattr(Projection, "model_jacobian", broken)
    result = fit(_counts(rng), _spec("shirley"))
    assert result.status == "failed"
    assert "derivatives are not finite" in result.message
    assert np.all(np.isfinite(result.envelope))


def test_too_few_points_and_bad_axis() -> None:
    with pytest.raises(FitError, match="channels"):
        fit(Spectrum(BE[:3], np.ones(3)), _spec())
    axis = BE.copy()
    axis[10] = axis[11]
    with pytest.raises(FitError, match="monotonic"):
        fit(Spectrum(axis, np.ones(BE.size) * 100), _spec())


def test_huge_spike_gives_finite_numbers(rng: np.random.Generator) -> None:
    spectrum = _counts(rng)
    y = spectrum.intensity.copy()
    y[40] = 1e12
    result = fit(spectrum.replace(intensity=y), _spec())
    for p in result.params.values():
        assert np.isfinite(p.value)
        assert p.stderr is None or np.isfinite(p.stderr)
    assert np.all(np.isfinite(result.envelope))


def test_monte_carlo_agrees_with_covariance(rng: np.random.Generator) -> None:
    spec = FitSpec(
        "S 2p", None, BackgroundSpec("active_shirley"),
        (Peak("P", "gaussian", Param(162.0), Param(1.0, 0.3, 3.0), Param(1.0, 0.0)),),
    )  # fmt: skip
    y = 200.0 + gl(BE, 2000.0, 162.0, 1.0, m=0.0)
    result = fit(Spectrum(BE, rng.poisson(y).astype(float)), spec, monte_carlo=60, seed=3)
    mc = result.monte_carlo
    assert mc is not None
    assert mc.n_replicas == 60
    assert mc.seed == 3
    for name in ("P_center", "P_fwhm", "P_area"):
        stderr = result.params[name].stderr
        assert stderr is not None
        assert mc.params[name] == pytest.approx(stderr, rel=0.3)
    assert mc.species_areas["P"] == pytest.approx(result.species_areas["P"].stderr, rel=0.3)


def test_cli_writes_fit_table(
    rng: np.random.Generator, tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import argparse
    import csv

    from xpsfit.cli import fit as cli_fit
    from xpsfit.templates import Template, save_template

    spectrum = _counts(rng)
    monkeypatch.setattr(cli_fit, "read", lambda path: [spectrum])
    template = tmp_path / "s2p.json"  # type: ignore[operator]
    save_template(template, Template(_spec(), name="S 2p"))
    parser = argparse.ArgumentParser()
    cli_fit.register(parser.add_subparsers())
    args = parser.parse_args(
        ["fit", "data.vms", "--template", str(template), "--out", str(tmp_path)]
    )
    assert args.func(args) == 0
    with open(tmp_path / "data_fit.csv", encoding="utf-8") as fh:  # type: ignore[operator]
        rows = list(csv.DictReader(fh))
    assert [r["component"] for r in rows] == ["A major", "A minor", "B major", "B minor"]
    assert set(rows[0]) == set(cli_fit.COLUMNS)
    assert all(r["status"] == "converged" and float(r["area_err"]) > 0 for r in rows)


def test_area_solve_gives_numpys_answer_and_flags_singular_systems() -> None:
    """The normal equations of the areas are solved by LAPACK directly: the same numbers as
    ``numpy.linalg.solve``, and a singular system raises as it does (the fit then falls back
    to NNLS)."""
    from xpsfit.varpro import _solve

    rng = np.random.default_rng(3)
    columns = rng.normal(size=(6, 401))
    gram = columns @ columns.T
    for rhs in (rng.normal(size=6), rng.normal(size=(6, 9))):
        assert np.array_equal(_solve(gram, rhs), np.linalg.solve(gram, rhs))
    with pytest.raises(np.linalg.LinAlgError):
        _solve(np.ones((2, 2)), np.ones(2))


def test_two_identical_lines_share_the_area() -> None:
    """Exactly collinear area columns (a singular Gram matrix) still fit: the bounded solve
    takes over and the two areas add up to the line's."""
    be = np.arange(280.0, 292.0, 0.05)
    y = np.random.default_rng(5).poisson(400.0 + gl(be, 20_000.0, 285.0, 1.2, m=30.0))
    fixed = {"center": Param(285.0, vary=False), "fwhm": Param(1.2, vary=False)}
    comps = tuple(
        Peak(
            cid,
            "gl",
            fixed["center"],
            fixed["fwhm"],
            Param(1.0, 0.0),
            {"m": Param(30.0, vary=False)},
        )
        for cid in ("A", "B")
    )
    spec = FitSpec("C 1s", None, BackgroundSpec("linear"), comps)
    result = fit(Spectrum(be, y.astype(float)), spec)
    assert result.ok, result.message
    total = result.params["A_area"].value + result.params["B_area"].value
    assert total == pytest.approx(20_000.0, rel=0.03)
