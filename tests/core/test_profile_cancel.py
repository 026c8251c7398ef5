"""Cancel takes effect inside a profile chain and inside Monte Carlo, in this process and in a
pool of worker processes."""

from __future__ import annotations

import threading
import time

import pytest

from xpsfit.demo import demo_depth_scale, demo_spectra
from xpsfit.demo_specs import DEMO_SPECS
from xpsfit.profile import DepthProfile, group_by_sample
from xpsfit.profile_fit import fit_profiles
from xpsfit.profile_jobs import SharedCancel
from xpsfit.profile_result import ProfileResult

CANCEL_AFTER_S = 0.3
#: Cancel must return within this time of the request (the issue asks for 1 s; the margin
#: covers a loaded CI machine).
LIMIT_S = 1.5


@pytest.fixture(scope="module")
def demo_profiles() -> list[DepthProfile]:
    return list(group_by_sample(demo_spectra(), demo_depth_scale()).values())


def _cancelled_run(profiles: list[DepthProfile], jobs: int) -> tuple[list[ProfileResult], float]:
    """Fit with Monte Carlo, cancel after :data:`CANCEL_AFTER_S`; returns the results and the
    time from the cancel request to the return, s."""
    stop = threading.Event()
    out: list[list[ProfileResult]] = []
    worker = threading.Thread(
        target=lambda: out.append(
            fit_profiles(profiles, DEMO_SPECS, jobs=jobs, cancel=stop.is_set, monte_carlo=50)
        )
    )
    worker.start()
    time.sleep(CANCEL_AFTER_S)
    stop.set()
    asked = time.perf_counter()
    worker.join(timeout=30.0)
    assert not worker.is_alive()
    return out[0], time.perf_counter() - asked


@pytest.mark.parametrize("jobs", [1, 2])
def test_cancel_returns_promptly_with_monte_carlo(
    demo_profiles: list[DepthProfile], jobs: int
) -> None:
    results, waited = _cancelled_run(demo_profiles, jobs)
    assert waited < LIMIT_S, waited
    fits = [f for r in results for f in r.fits]
    statuses = {f.status for f in fits}
    assert "cancelled" in statuses
    assert all(f.issue is not None for f in fits if f.status == "cancelled")


def test_shared_cancel_reads_the_event_at_most_every_interval() -> None:
    event = threading.Event()
    flag = SharedCancel(event, interval=60.0)
    assert not flag()
    event.set()
    assert not flag()  # not read again within the interval
    assert SharedCancel(event, interval=0.0)()
