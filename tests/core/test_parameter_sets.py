"""lmfit parameter sets reused by fits of one model structure: the same numbers as fresh sets,
one set per structure and thread, a bounded number of them."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import xpsfit.fit_solve as fit_solve
from xpsfit.fitting import Fitter
from xpsfit.lineshapes import gl
from xpsfit.spec import BackgroundSpec, FitSpec, Param, Peak
from xpsfit.spectrum import Spectrum

BE = np.arange(280.0, 292.0, 0.05)
M30 = {"m": Param(30.0, vary=False)}


def _spec(upper: float = 285.6) -> FitSpec:
    return FitSpec(
        "C 1s",
        None,
        BackgroundSpec("shirley"),
        (
            Peak("A", "gl", Param(284.6, 284.0, upper), Param(1.0, 0.5, 2.5), Param(1.0, 0.0), M30),
            Peak("B", "gl", Param(287.0, 286.5, 288.5), Param(1.2, 0.5, 2.5), Param(1.0, 0.0), M30),
        ),
    )  # fmt: skip


def _spectrum(seed: int) -> Spectrum:
    y = 300.0 + gl(BE, 30_000.0, 284.9, 1.3, m=30.0) + gl(BE, 8_000.0, 287.1, 1.2, m=30.0)
    return Spectrum(BE, np.random.default_rng(seed).poisson(y).astype(float), region="C 1s")


def _fit(spectrum: Spectrum, spec: FitSpec) -> tuple[float, dict[str, float]]:
    result = Fitter().fit(spectrum, spec)  # a fresh model cache: only the sets are shared
    assert result.ok, result.message
    return result.chisqr, {n: p.value for n, p in result.params.items()}


Key = tuple[tuple[str, float, float], ...]


def _sets() -> dict[Key, object]:
    by_key: dict[Key, object] = fit_solve._sets.by_key
    return by_key


def test_a_reused_set_gives_the_numbers_of_a_fresh_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fit_solve._sets, "by_key", {}, raising=False)
    spectra = [_spectrum(seed) for seed in range(3)]
    reused = [_fit(s, _spec()) for s in spectra]  # later fits reuse the first fit's set
    (only,) = _sets().values()
    for spectrum, expected in zip(spectra, reused, strict=True):
        with monkeypatch.context() as fresh:
            fresh.setattr(fit_solve._sets, "by_key", {})
            assert _fit(spectrum, _spec()) == expected
    _fit(spectra[0], _spec())
    assert list(_sets().values()) == [only]


def test_other_bounds_get_another_set_and_the_number_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fit_solve, "MAX_PARAMETER_SETS", 3)
    monkeypatch.setattr(fit_solve._sets, "by_key", {})
    spectrum = _spectrum(0)
    for upper in (285.2, 285.4, 285.6, 285.8):
        _fit(spectrum, _spec(upper))
    uppers = [k[0][2] for k in _sets()]
    assert uppers == [285.4, 285.6, 285.8]  # the least recently used went first


def test_each_thread_has_its_own_sets() -> None:
    spectrum = _spectrum(1)
    _fit(spectrum, _spec())
    mine = dict(_sets())
    theirs: list[dict[Key, object]] = []

    def other() -> None:
        _fit(spectrum, _spec())
        theirs.append(dict(_sets()))

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    shared = set(mine) & set(theirs[0])
    assert shared  # the same structure was fitted in both threads ...
    assert all(mine[k] is not theirs[0][k] for k in shared)  # ... with separate sets
