"""check_spectrum's spike test: the verdicts of a 5-channel median filter, on any data.

The detector takes the running median with min/max comparisons and skips the noise estimate
when no channel can be a spike; the reference below is the definition written with
``scipy.ndimage.median_filter`` and is compared on seeded random and on generated spectra.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from scipy.ndimage import median_filter

from xpsfit.profile_jobs import SPIKE_SIGMAS, check_spectrum
from xpsfit.spectrum import Spectrum

FloatArray = NDArray[np.float64]


def reference_spikes(y: FloatArray) -> NDArray[np.bool_]:
    """Channels farther from the 5-channel median than the noise and the smoothed range allow."""
    smooth = median_filter(y, size=5, mode="nearest")
    dev = y - smooth
    noise = 1.4826 * float(np.median(np.abs(dev - np.median(dev))))
    noise = max(noise, float(np.sqrt(max(float(np.median(np.abs(smooth))), 1.0))))
    span = float(smooth.max() - smooth.min())
    spikes: NDArray[np.bool_] = np.abs(dev) > max(SPIKE_SIGMAS * noise, 2.0 * span)
    return spikes


def verdict(y: FloatArray) -> int:
    """Spike channels check_spectrum reports for ``y`` (0 when it accepts the spectrum)."""
    be = np.linspace(280.0, 280.0 + 0.1 * (y.size - 1), y.size)
    issue = check_spectrum(Spectrum(be, y, region="C 1s"))
    if issue is None:
        return 0
    assert issue.code == "spikes", issue.message
    return int(issue.message.split(": ")[1].split(" spike")[0])


def random_spectrum(rng: np.random.Generator) -> FloatArray:
    """A peak on a background at 0 to 1e6 counts with ties, plateaus, dropouts and spikes."""
    n = int(rng.integers(8, 300))
    x = np.arange(n, dtype=np.float64)
    base = float(rng.choice([0.0, 3.0, 100.0, 1e4, 1e6]))
    peak = rng.uniform(0.0, 5.0) * base * np.exp(-0.5 * ((x - rng.uniform(0, n)) / 8.0) ** 2)
    y = rng.poisson(base + peak).astype(np.float64)
    if rng.random() < 0.2:  # coarse steps: many equal neighbours
        y = np.round(y / max(base, 1.0), 1) * max(base, 1.0)
    where = rng.integers(0, n, int(rng.integers(0, 4)))
    if rng.random() < 0.3:  # neighbouring spikes and spikes at the ends
        where = np.concatenate((where, where + 1, [0, n - 1]))[: int(rng.integers(1, 5))] % n
    y[where] += 10.0 ** rng.uniform(0.0, 7.0, where.size)
    if rng.random() < 0.2:
        y[rng.integers(0, n)] = 0.0  # a dropout: a spike downwards
    return y


def test_spike_verdicts_match_the_median_filter_on_random_spectra() -> None:
    rng = np.random.default_rng(11)
    found = accepted = 0
    for _ in range(3000):
        y = random_spectrum(rng)
        if not y.any():
            continue  # all-zero spectra are refused before the spike test
        expected = int(np.count_nonzero(reference_spikes(y)))
        assert verdict(y) == expected
        found += expected > 0
        accepted += expected == 0
    assert found > 600
    assert accepted > 600


@settings(max_examples=300)
@given(
    st.lists(
        st.one_of(st.integers(0, 10**7).map(float), st.floats(0.0, 1e12)), min_size=8, max_size=40
    )
)
def test_spike_verdicts_match_the_median_filter_on_generated_spectra(values: list[float]) -> None:
    y = np.array(values)
    if not y.any():
        return  # all-zero spectra are refused before the spike test
    assert verdict(y) == int(np.count_nonzero(reference_spikes(y)))


@pytest.mark.parametrize("where", [1, 30, 58])
def test_one_huge_channel_is_a_spike(where: int) -> None:
    y = np.random.default_rng(where).poisson(np.full(60, 500.0)).astype(np.float64)
    assert verdict(y) == 0
    y[where] += 1e6
    assert verdict(y) == 1
