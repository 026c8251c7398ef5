"""ModelCache and Fitter: structures are reused only for the same spec structure, and reusing
them changes no result."""

from __future__ import annotations

import dataclasses
import os
import signal
import time

import numpy as np
import pytest

from xpsfit import models
from xpsfit.fitting import Fitter, fit, shared_fitter
from xpsfit.lineshapes import gl
from xpsfit.model_cache import MAX_STRUCTURES, ModelCache
from xpsfit.models import build, build_cached
from xpsfit.spec import BackgroundSpec, FitSpec, Link, Param, Peak
from xpsfit.spectrum import Spectrum

BE = np.arange(280.0, 292.0, 0.05)
M30 = {"m": Param(30.0, vary=False)}


def _spec(a_center: float = 284.8, b_width_free: bool = True) -> FitSpec:
    return FitSpec(
        "C 1s",
        None,
        BackgroundSpec("active_shirley"),
        (
            Peak("A", "gl", Param(a_center, 284.0, 285.6), Param(1.2, 0.5, 2.5), Param(1.0, 0.0), M30),
            Peak("B", "gl", Param(286.3, link=Link("A", "offset", 1.5)),
                 Param(1.2, 0.5, 2.5, vary=b_width_free), Param(1.0, 0.0), M30),
        ),
    )  # fmt: skip


def _spectrum(rng: np.random.Generator, be: np.ndarray = BE) -> Spectrum:
    y = 200.0 + gl(be, 20_000.0, 284.9, 1.3, m=30.0) + gl(be, 6_000.0, 286.4, 1.2, m=30.0)
    return Spectrum(be, rng.poisson(y).astype(float), region="C 1s")


def test_same_structure_reuses_compiled_constraints_and_tables(rng: np.random.Generator) -> None:
    window = _spectrum(rng)
    cache = ModelCache()
    first = build_cached(_spec(), window, cache)
    moved = build_cached(_spec(a_center=285.1), window, cache)
    assert moved.code is first.code
    assert moved.tables is first.tables
    assert moved.param("A_center").value == 285.1
    assert moved.values(moved.start())["B_center"] == 285.1 + 1.5
    fixed = build_cached(_spec(b_width_free=False), window, cache)
    assert fixed.code is not first.code
    assert "B_fwhm" in first.nonlinear
    assert "B_fwhm" not in fixed.nonlinear


def test_tables_reach_the_window_whatever_was_fitted_before(rng: np.random.Generator) -> None:
    cache = ModelCache()
    narrow = build_cached(_spec(), _spectrum(rng), cache)
    wide = build_cached(_spec(), _spectrum(rng, np.arange(250.0, 320.0, 0.05)), cache)
    assert wide.tables.reach > narrow.tables.reach
    again = build_cached(_spec(), _spectrum(rng), cache)
    assert again.tables is narrow.tables  # not the wider tables made since
    fresh = build_cached(_spec(), _spectrum(rng), ModelCache())
    assert fresh.tables.reach == narrow.tables.reach


def test_fits_do_not_depend_on_what_the_shared_fitter_fitted_before(
    rng: np.random.Generator,
) -> None:
    spectrum = _spectrum(rng)
    alone = Fitter().fit(spectrum, _spec())
    shared_fitter().fit(_spectrum(rng, np.arange(250.0, 320.0, 0.05)), _spec())
    after = fit(spectrum, _spec())
    assert after.chisqr == alone.chisqr
    assert {n: p.value for n, p in after.params.items()} == {
        n: p.value for n, p in alone.params.items()
    }


def test_cached_model_matches_a_fresh_build(rng: np.random.Generator) -> None:
    window = _spectrum(rng)
    cache = ModelCache()
    build_cached(_spec(), window, cache)
    cached = build_cached(_spec(a_center=285.0), window, cache)
    fresh = build(_spec(a_center=285.0), window)
    assert [dataclasses.astuple(p) for p in cached.params] == [
        dataclasses.astuple(p) for p in fresh.params
    ]
    assert (cached.free, cached.linear, cached.nonlinear, cached.line_roots, cached.affine) == (
        fresh.free, fresh.linear, fresh.nonlinear, fresh.line_roots, fresh.affine,
    )  # fmt: skip


def test_fitter_gives_the_results_of_fit(rng: np.random.Generator) -> None:
    spectra = [_spectrum(rng) for _ in range(3)]
    fitter = Fitter()
    for spectrum, spec in zip(spectra, (_spec(), _spec(285.0), _spec(284.6)), strict=True):
        mine, plain = fitter.fit(spectrum, spec), fit(spectrum, spec)
        assert mine.ok
        assert mine.status == plain.status
        assert mine.chisqr == plain.chisqr
        assert mine.nfev == plain.nfev
        assert {n: p.value for n, p in mine.params.items()} == {
            n: p.value for n, p in plain.params.items()
        }


def test_the_cache_keeps_a_bounded_number_of_structures(rng: np.random.Generator) -> None:
    window = _spectrum(rng)
    cache = ModelCache()
    first = build_cached(_spec(), window, cache)
    for k in range(MAX_STRUCTURES):  # as many other structures: the first one is dropped
        other = _spec().with_component(
            Peak(
                f"X{k}",
                "gl",
                Param(289.0, 288.0, 290.0),
                Param(1.0, 0.5, 2.0),
                Param(1.0, 0.0),
                M30,
            )
        )
        build_cached(other, window, cache)
    again = build_cached(_spec(), window, cache)
    assert again.code is not first.code
    assert again.nonlinear == first.nonlinear


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")
def test_a_child_forked_while_the_shared_caches_are_locked_can_fit(
    rng: np.random.Generator,
) -> None:
    """Pool workers are forked; a parent thread may hold a cache lock at that moment."""
    spectrum = _spectrum(rng)
    shared_fitter().fit(spectrum, _spec())
    locks = [shared_fitter().cache._lock, models._SPEC_PARTS._lock]
    for lock in locks:
        lock.acquire()
    try:
        pid = os.fork()
        if pid == 0:  # the child: fit (takes both locks), report by exit code
            try:
                ok = shared_fitter().fit(spectrum, _spec(285.0)).ok
            finally:
                os._exit(0 if ok else 1)
    finally:
        for lock in locks:
            lock.release()
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail("the forked child deadlocked on a lock held at the fork")
