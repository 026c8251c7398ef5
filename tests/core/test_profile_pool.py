"""Worker processes kept between profile runs: reused by the next run, replaced after a cancel
or for another size, ended when idle, and never shared by two runs at once."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

import xpsfit.profile_pool as profile_pool
from xpsfit.demo import demo_depth_scale, demo_spectra
from xpsfit.demo_specs import DEMO_SPECS
from xpsfit.profile import DepthProfile, group_by_sample
from xpsfit.profile_fit import fit_profile


@pytest.fixture
def keeper(monkeypatch: pytest.MonkeyPatch) -> Iterator[profile_pool._Keeper]:
    """A keeper of this test's own, its pool ended afterwards."""
    own = profile_pool._Keeper()
    monkeypatch.setattr(profile_pool, "_keeper", own)
    yield own
    if own.kept is not None:
        own.kept[1].pool.shutdown(wait=True)


@pytest.fixture(scope="module")
def profile() -> DepthProfile:
    spectra = [s for s in demo_spectra("bare-LCO") if s.region == "C 1s"]
    return next(iter(group_by_sample(spectra, demo_depth_scale()).values()))


def _workers(keeper: profile_pool._Keeper) -> set[int]:
    assert keeper.kept is not None
    return set(keeper.kept[1].pool._processes)


def _fit(profile: DepthProfile, **kw: object) -> None:
    result = fit_profile(profile, {"C 1s": DEMO_SPECS["C 1s"]}, seed="template", jobs=2, **kw)
    assert all(f.status in ("ok", "cancelled") for f in result.fits)


def test_the_next_run_reuses_the_workers(
    keeper: profile_pool._Keeper, profile: DepthProfile
) -> None:
    _fit(profile)
    first = _workers(keeper)
    assert len(first) == 1
    _fit(profile)
    assert _workers(keeper) == first
    assert not keeper.busy


def test_a_cancelled_run_ends_its_workers(
    keeper: profile_pool._Keeper, profile: DepthProfile
) -> None:
    _fit(profile)
    first = _workers(keeper)
    calls = iter(range(1_000_000))
    _fit(profile, cancel=lambda: next(calls) > 3)
    assert keeper.kept is None  # the cancelled pool is not kept
    _fit(profile)
    assert _workers(keeper).isdisjoint(first)


def test_a_concurrent_run_gets_its_own_pool(keeper: profile_pool._Keeper) -> None:
    with profile_pool.lease(1) as kept:
        with profile_pool.lease(1) as own:
            assert own.pool is not kept.pool
            assert own.pool.submit(sum, [1, 2]).result() == 3
        with pytest.raises(RuntimeError):  # its pool ended with it
            own.pool.submit(sum, [1, 2])
    assert keeper.kept is not None
    assert keeper.kept[1] is kept


def test_another_size_replaces_and_idle_workers_end(
    keeper: profile_pool._Keeper, monkeypatch: pytest.MonkeyPatch
) -> None:
    with profile_pool.lease(1) as one:
        pass
    with profile_pool.lease(2) as two:
        assert two.pool is not one.pool
    monkeypatch.setattr(profile_pool, "IDLE_S", 0.05)
    with profile_pool.lease(2) as again:
        assert again is two
    deadline = time.monotonic() + 5.0
    while keeper.kept is not None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert keeper.kept is None


def test_a_worker_claims_at_most_one_queued_job(keeper: profile_pool._Keeper) -> None:
    """Jobs the pool has queued cannot be taken back by the calling process: one per worker
    (the standard pool queues one more), so little is left to the worker at a run's end."""
    import concurrent.futures.process as futures_process

    standard = futures_process.EXTRA_QUEUED_CALLS
    with profile_pool.lease(2) as lent:
        assert lent.pool._call_queue._maxsize == 2
        assert lent.pool.submit(sum, [1, 2]).result() == 3
    assert futures_process.EXTRA_QUEUED_CALLS == standard == 1  # other pools keep theirs
