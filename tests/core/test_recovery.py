"""Recovery of known truth from synthetic spectra (Voigt doublets, active Shirley + slope)."""

from __future__ import annotations

import numpy as np
import pytest

from xpsfit.backgrounds import cumulative_integral
from xpsfit.fitting import fit
from xpsfit.lineshapes import voigt
from xpsfit.spec import BackgroundSpec, Doublet, FitSpec, FractionDef, Param
from xpsfit.spectrum import Spectrum

# (id, species, center, splitting, fwhm, major area relative to the first, satellite_of)
CO_LINES = (
    ("Co3+", 779.3, 15.1, 1.6, 1.00, None),
    ("Co2+", 781.9, 15.6, 2.4, 0.30, None),
    ("Co3+_sat", 789.5, 15.1, 3.0, 0.08, "Co3+"),
    ("Co2+_sat", 786.0, 15.6, 4.0, 0.18, "Co2+"),
)
S_LINES = (("PS4", 161.0, 1.18, 0.9, 1.0, None), ("S0", 162.9, 1.18, 1.0, 0.45, None))
GE_LINES = (("GeS4", 30.5, 0.58, 1.0, 1.0, None), ("GeOx", 32.2, 0.58, 1.3, 0.6, None))


def _truth(lines, ratio, be, peak_counts):
    unit = sum(
        voigt(be, rel, c, w, 30.0) + voigt(be, rel * ratio, c + s, w, 30.0)
        for _, c, s, w, rel, _ in lines
    )
    scale = peak_counts / unit.max()
    signal = unit * scale
    bg = (
        0.04 * peak_counts
        + 0.05 * cumulative_integral(be, signal)
        + 0.002 * peak_counts * (be - be[0])
    )
    totals: dict[str, float] = {}
    for cid, _, _, _, rel, sat in lines:
        key = sat or cid
        totals[key] = totals.get(key, 0.0) + rel * scale * (1 + ratio)
    return bg + signal, totals


def _spec(lines, ratio, window, fraction):
    comps = []
    for cid, c, s, w, _, sat in lines:
        comps.append(
            Doublet(
                cid,
                "voigt",
                Param(c + 0.2, c - 1.0, c + 1.0),
                Param(w * 1.2, 0.3, 3 * w),
                Param(1.0, 0.0),
                {"m": Param(30.0, vary=False)},
                satellite_of=sat,
                splitting=Param(s, vary=False),
                area_ratio=Param(ratio, vary=False),
            )
        )
    return FitSpec(
        "x",
        window,
        BackgroundSpec("active_shirley", params={"slope": Param(0.0)}),
        tuple(comps),
        fractions=(FractionDef("f", fraction),),
    )


CASES = {
    "Co 2p": (CO_LINES, 0.5, (772.0, 812.0), 0.1, "Co2+ / (Co2+ + Co3+)", ("Co2+", "Co3+")),
    "S 2p": (S_LINES, 0.5, (157.0, 168.0), 0.05, "PS4 / (PS4 + S0)", ("PS4", "S0")),
    "Ge 3d": (GE_LINES, 2 / 3, (27.0, 36.0), 0.05, "GeS4 / (GeS4 + GeOx)", ("GeS4", "GeOx")),
}


def _run(case: str, peak: float, seed: int):
    lines, ratio, window, step, expr, (num, other) = CASES[case]
    be = np.arange(window[0], window[1] + step / 2, step)
    expected, totals = _truth(lines, ratio, be, peak)
    counts = np.random.default_rng(seed).poisson(expected).astype(float)
    result = fit(Spectrum(be, counts), _spec(lines, ratio, window, expr))
    truth = totals[num] / (totals[num] + totals[other])
    return result, truth, totals


@pytest.mark.parametrize("case", list(CASES))
def test_fraction_recovered_within_one_point_at_high_counts(case: str) -> None:
    result, truth, _ = _run(case, 50_000, seed=7)
    assert result.status == "converged", result.message
    assert abs(result.fractions["f"].value - truth) < 0.01


def test_errors_are_honest_at_5000_counts() -> None:
    pulls = []
    for seed in range(20):
        result, truth, totals = _run("Co 2p", 5_000, seed)
        assert result.status == "converged", result.message
        frac = result.fractions["f"]
        assert frac.stderr is not None
        assert frac.stderr > 0
        pull_f = (frac.value - truth) / frac.stderr
        for cid, c, _, w, _, _ in CO_LINES:
            ln = result.line(cid)
            assert ln.center.stderr is not None
            assert ln.fwhm.stderr is not None
            for got, want in ((ln.center, c), (ln.fwhm, w)):
                assert got.stderr is not None
                pull = (got.value - want) / got.stderr
                assert abs(pull) < 3.5
                pulls.append(pull)
        for species, total in totals.items():
            est = result.species_areas[species]
            assert est.stderr is not None
            pulls.append((est.value - total) / est.stderr)
        assert abs(pull_f) < 3.5
        pulls.append(pull_f)
    spread = float(np.std(pulls))
    assert 0.7 < spread < 1.3, spread
