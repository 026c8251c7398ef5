"""Every fit records the channel weights it used (FitResult.weights): single fits, fits from
the best of several starts, Monte Carlo, depth profiles (chain and global, in this process
and through a worker's pickled outcome), batch workers and the report."""

from __future__ import annotations

import pickle
from typing import Any, get_args

import numpy as np
import pytest

from xpsfit.batch import fit_many
from xpsfit.batch_store import RowSink
from xpsfit.export import report_text
from xpsfit.fitting import Fitter, Weights, fit
from xpsfit.lineshapes import evaluate
from xpsfit.profile import DepthProfile
from xpsfit.profile_fit import fit_profile
from xpsfit.profile_global import run_any
from xpsfit.profile_jobs import make_job
from xpsfit.profile_result import ProfileResult
from xpsfit.profile_transport import decode_outcome
from xpsfit.spec import BackgroundSpec, FitSpec, Param, Peak, param_name
from xpsfit.spec_transport import encode_spec
from xpsfit.spectrum import Spectrum

WEIGHTS: tuple[Weights, ...] = get_args(Weights)
BE = np.linspace(280.0, 290.0, 81)


def _spectrum(rng: np.random.Generator, level: int) -> Spectrum:
    y = 100.0 + evaluate("gl", BE, 3000.0 - 400.0 * level, 284.8, 1.2, m=30.0)
    return Spectrum(BE, rng.poisson(y).astype(float), region="C 1s", element="C",
                    transition="1s", sample="film", block=f"C1s/{level}", etch_level=level,
                    etch_time=30.0 * level, source_label="Al Ka", source_energy=1486.6)  # fmt: skip


def _spec() -> FitSpec:
    peak = Peak("C-C", "gl", Param(285.0, 284.0, 286.0), Param(1.4, 0.5, 3.0), Param(2000.0, 0.0),
                shape={"m": Param(30.0, vary=False)})  # fmt: skip
    return FitSpec(region="C 1s", background=BackgroundSpec("linear"), components=(peak,))


def _profile(levels: list[Spectrum], seed: Any, weights: Weights) -> ProfileResult:
    profile = DepthProfile.from_spectra(levels)
    return fit_profile(profile, {"C 1s": _spec()}, seed=seed, jobs=1, weights=weights)


@pytest.fixture
def levels(rng: np.random.Generator) -> list[Spectrum]:
    return [_spectrum(rng, level) for level in range(3)]


@pytest.mark.parametrize("weights", WEIGHTS)
def test_single_best_start_and_monte_carlo_fits_record_the_weights(
    levels: list[Spectrum], weights: Weights
) -> None:
    spectrum, spec = levels[0], _spec()
    single = fit(spectrum, spec, weights=weights)
    assert single.ok
    assert single.weights == weights
    best, _ = Fitter().fit_starts(
        spectrum, spec, ({param_name("C-C", "center"): 284.6},), weights=weights
    )
    assert best.weights == weights
    replicas = fit(spectrum, spec, weights=weights, monte_carlo=3, seed=2)
    assert replicas.monte_carlo is not None
    assert replicas.weights == weights


def test_the_recorded_weights_are_those_that_weighted_the_fit(levels: list[Spectrum]) -> None:
    poisson = fit(levels[0], _spec())
    uniform = fit(levels[0], _spec(), weights="uniform")
    assert poisson.weights == "poisson"
    assert np.allclose(poisson.sigma, levels[0].sigma, rtol=1e-12)
    assert np.all(uniform.sigma == 1.0)
    assert "Weights\tuniform" in report_text([_profile(levels, "template", "uniform")])


def test_unknown_weights_are_refused(levels: list[Spectrum]) -> None:
    with pytest.raises(ValueError, match="unknown weights 'counts'"):
        fit(levels[0], _spec(), weights="counts")  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", ["previous", "template", "global"])
def test_profile_fits_record_the_weights(levels: list[Spectrum], seed: str) -> None:
    result = _profile(levels, seed, "uniform")
    fits = [f.result for f in result.fits]
    assert len(fits) == 3
    assert all(r is not None and r.ok and r.weights == "uniform" for r in fits)


@pytest.mark.parametrize("kind", ["chain", "global"])
@pytest.mark.parametrize("weights", WEIGHTS)
def test_worker_outcomes_carry_the_weights(
    levels: list[Spectrum], kind: str, weights: Weights
) -> None:
    chain = [(str(s.etch_level), s) for s in levels]
    job = make_job("C 1s", chain, encode_spec(_spec()), seed="previous", monte_carlo=0, mc_seed=0,
                   max_nfev=None, weights=weights)  # fmt: skip
    outcomes = run_any({**job, "kind": kind, "shared": ["center", "fwhm"]})
    assert len(outcomes) == 3
    for outcome in outcomes:
        assert "pickled" in outcome  # as a worker process sends it back
        result, issue = decode_outcome(pickle.loads(pickle.dumps(outcome)))
        assert issue is None
        assert result is not None
        assert result.weights == weights


def test_batch_workers_fit_with_the_run_weights(
    levels: list[Spectrum], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str | None] = []
    record = RowSink.spectrum

    def spy(self: RowSink, head: Any, status: str, code: str, reason: str,
            result: Any = None, *rest: Any) -> None:  # fmt: skip
        seen.append(None if result is None else result.weights)
        record(self, head, status, code, reason, result, *rest)

    monkeypatch.setattr(RowSink, "spectrum", spy)
    run = fit_many(levels, {"C 1s": _spec()}, tmp_path, jobs=1, weights="uniform", maps=False)
    assert run.n_ok == 3
    assert seen == ["uniform"] * 3
