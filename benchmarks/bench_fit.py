"""Co 2p fit speed and accuracy: xpsfit against two lmfit CompositeModel approaches.

Run: ``python benchmarks/bench_fit.py [--repeats N]`` (needs the ``bench`` extra: lmfitxps).
One synthetic Co 2p spectrum (Co3+ and Co2+ Voigt doublets with their shake-up satellite
doublets on an active-Shirley step plus slope, strongest peak ~50,000 counts, Poisson noise,
401 channels) is fitted by

* ours: :func:`xpsfit.fitting.fit` (active Shirley, variable projection);
* (a) a static Shirley subtracted first, then an lmfit CompositeModel of 8 prefixed VoigtModels
  with the doublet constraints as expressions;
* (b) the same CompositeModel plus lmfitxps's ShirleyBG (step from the data, k fitted).

All three fit the same lines: Voigt profiles of a fixed shape (xpsfit's ``m`` = 30 held; in the
VoigtModels the Lorentzian ``gamma`` tied to the Gaussian ``sigma`` in that shape's ratio), one
width and one center per doublet, the same start values and bounds. The step factors start from
the data: xpsfit's ``bg_k`` from a static Shirley, lmfitxps's ``k`` as the step between the
spectrum's ends over the sum of its counts (its ``ShirleyBG`` integrates the counts themselves).
Each is timed (median of repeats) and its Co2+ fraction compared with the truth. A last line
times lmfit's ``Minimizer`` and MINPACK alone (:func:`minimiser_floor`): the xpsfit fit
replayed with its residuals and Jacobians served from memory, the least a fit run in lmfit's
``Minimizer`` can take on this path, and (b)'s time over it, the most any such fit could gain.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from unittest import mock

import lmfit
import numpy as np
from lmfit.models import VoigtModel
from lmfitxps.models import ShirleyBG

from xpsfit import fit_solve
from xpsfit.backgrounds import cumulative_integral, shirley
from xpsfit.fitting import fit
from xpsfit.lineshapes import voigt, voigt_widths
from xpsfit.spec import BackgroundSpec, Doublet, FitSpec, FractionDef, Param
from xpsfit.spectrum import Spectrum

# id, center, splitting, fwhm, relative major area, parent species
LINES = (
    ("Co3+", 779.3, 15.1, 1.6, 1.00, "Co3+"),
    ("Co2+", 781.9, 15.6, 2.4, 0.30, "Co2+"),
    ("Co3+_sat", 789.5, 15.1, 3.0, 0.08, "Co3+"),
    ("Co2+_sat", 786.0, 15.6, 4.0, 0.18, "Co2+"),
)
M = 30.0


def synthetic(seed: int = 1) -> tuple[np.ndarray, np.ndarray, float]:
    be = np.arange(772.0, 812.05, 0.1)
    unit = sum(voigt(be, r, c, w, M) + voigt(be, r / 2, c + s, w, M) for _, c, s, w, r, _ in LINES)
    signal = unit * 50_000 / unit.max()
    y = 2000 + 0.05 * cumulative_integral(be, signal) + 100 * (be - be[0]) + signal
    co2 = sum(r for *_, r, sp in LINES if sp == "Co2+")
    co3 = sum(r for *_, r, sp in LINES if sp == "Co3+")
    counts = np.random.default_rng(seed).poisson(y).astype(float)
    return be, counts, co2 / (co2 + co3)


def ours(be: np.ndarray, y: np.ndarray) -> tuple[float, int, str]:
    comps = tuple(
        Doublet(
            cid,
            "voigt",
            Param(c + 0.2, c - 1, c + 1),
            Param(w * 1.2, 0.3, 3 * w),
            Param(1.0, 0.0),
            {"m": Param(M, vary=False)},
            satellite_of=None if cid == sp else sp,
            splitting=Param(s, vary=False),
            area_ratio=Param(0.5, vary=False),
        )
        for cid, c, s, w, _, sp in LINES
    )
    spec = FitSpec(
        "Co 2p", None, BackgroundSpec("active_shirley", params={"slope": Param(0.0)}), comps,
        fractions=(FractionDef("f", "Co2+ / (Co2+ + Co3+)"),),
    )  # fmt: skip
    result = fit(Spectrum(be, y), spec)
    return result.fractions["f"].value, result.nfev, result.status


def _composite(params: lmfit.Parameters, peak_area: float) -> lmfit.Model:
    model = None
    for cid, c, s, w, r, _ in LINES:
        p = cid.replace("+", "p").replace("_", "")
        f_g, f_l = voigt_widths(w * 1.2, M)
        sigma, gamma = f_g / (2 * math.sqrt(2 * math.log(2))), f_l / 2
        for suffix, center in (("a", c + 0.2), ("b", c + 0.2 + s)):
            part = VoigtModel(prefix=f"{p}{suffix}_")
            model = part if model is None else model + part
            params.update(part.make_params())
            params[f"{p}{suffix}_center"].set(value=center, min=center - 1, max=center + 1)
            params[f"{p}{suffix}_sigma"].set(value=sigma, min=0.05, max=5)
            params[f"{p}{suffix}_amplitude"].set(value=peak_area * r, min=0)
        # the shape of xpsfit's voigt with m fixed: gamma / sigma constant (it depends on m only)
        params[f"{p}a_gamma"].set(expr=f"{p}a_sigma * {gamma / sigma!r}")
        params[f"{p}b_center"].set(expr=f"{p}a_center + {s}")
        params[f"{p}b_sigma"].set(expr=f"{p}a_sigma")
        params[f"{p}b_gamma"].set(expr=f"{p}a_gamma")
        params[f"{p}b_amplitude"].set(expr=f"{p}a_amplitude * 0.5")
    assert model is not None
    return model


def _fraction(values: dict[str, float]) -> float:
    area = {"Co3+": 0.0, "Co2+": 0.0}
    for cid, *_, sp in LINES:
        p = cid.replace("+", "p").replace("_", "")
        area[sp] += values[f"{p}a_amplitude"] * 1.5
    return area["Co2+"] / (area["Co2+"] + area["Co3+"])


def static_composite(be: np.ndarray, y: np.ndarray) -> tuple[float, int, str]:
    bg = shirley(be, y).background
    params = lmfit.Parameters()
    model = _composite(params, float(np.trapezoid(y - bg, be)) / 2)
    out = model.fit(y - bg, params, x=be, weights=1 / np.sqrt(np.clip(y, 1, None)))
    return _fraction(out.best_values), out.nfev, "ok" if out.success else out.message


def lmfitxps_composite(be: np.ndarray, y: np.ndarray) -> tuple[float, int, str]:
    x, data = be[::-1], y[::-1]  # lmfitxps integrates towards the right (low BE) end
    params = lmfit.Parameters()
    peaks = _composite(params, float(np.trapezoid(y - y.min(), be)) / 3)
    bg = ShirleyBG(prefix="bg_", independent_vars=["y"])
    # lmfitxps: bg = k * (sum of the counts from each channel to the low-binding-energy end) + const
    low, high = float(data[-5:].mean()), float(data[:5].mean())
    params.update(bg.make_params(k=(high - low) / float(data.sum()), const=low))
    model = peaks + bg
    out = model.fit(data, params, x=x, y=data, weights=1 / np.sqrt(np.clip(data, 1, None)))
    return _fraction(out.best_values), out.nfev, "ok" if out.success else out.message


class _Recording(fit_solve._Minimizer):
    """xpsfit's ``Minimizer``, keeping the start parameters and every residual and Jacobian it
    is handed, by parameter values."""

    last: _Recording | None = None

    def __init__(
        self, userfcn: Callable[..., np.ndarray], params: lmfit.Parameters, **kws: object
    ) -> None:
        _Recording.last = self
        self.start = [(n, p.value, p.min, p.max) for n, p in params.items()]
        self.init_kws = kws
        self.residuals: dict[bytes, np.ndarray] = {}
        self.jacobians: dict[bytes, np.ndarray] = {}

        def residual(pars: lmfit.Parameters) -> np.ndarray:
            out = userfcn(pars)
            self.residuals[_key(pars)] = out.copy()
            return out

        super().__init__(residual, params, **kws)

    def leastsq(
        self, Dfun: Callable[..., np.ndarray], **kws: object
    ) -> lmfit.minimizer.MinimizerResult:
        def jacobian(pars: lmfit.Parameters) -> np.ndarray:
            out = Dfun(pars)
            self.jacobians[_key(pars)] = out.copy()
            return out

        self.leastsq_kws = kws
        return super().leastsq(Dfun=jacobian, **kws)


def _key(pars: lmfit.Parameters) -> bytes:
    return np.array([p.value for p in pars.values()]).tobytes()


def minimiser_floor(be: np.ndarray, y: np.ndarray, repeats: int) -> tuple[float, int, int]:
    """lmfit's ``Minimizer`` and MINPACK on their own: xpsfit's fit of the spectrum replayed
    with every residual and Jacobian served from memory (a model that costs a dictionary
    lookup), from the same start, bounds and settings. Returns the median time (s), the
    evaluations, and how many calls found no stored array (0: the same path as the fit)."""
    real = fit_solve._Minimizer
    with mock.patch.object(fit_solve, "_Minimizer", _Recording):
        ours(be, y)
    rec = _Recording.last
    assert rec is not None
    missing = [0]

    def served(store: dict[bytes, np.ndarray]) -> Callable[[lmfit.Parameters], np.ndarray]:
        fallback = next(iter(store.values()))

        def lookup(pars: lmfit.Parameters) -> np.ndarray:
            hit = store.get(_key(pars))
            if hit is None:
                missing[0] += 1
                hit = fallback
            return hit.copy()  # lmfit scales a Jacobian in place, as the fit's are fresh arrays

        return lookup

    residual, jacobian = served(rec.residuals), served(rec.jacobians)

    params = fit_solve._OwnedParameters()  # one set reused, as the fit reuses its sets
    for name, value, lo, hi in rec.start:
        params.add(name, value=value, min=lo, max=hi)

    def replay() -> int:
        for name, value, _, _ in rec.start:
            params[name].value = value
        mini = real(residual, params, **rec.init_kws)
        return int(mini.leastsq(Dfun=jacobian, **rec.leastsq_kws).nfev)

    times, nfev = [], 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        nfev = replay()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), nfev, missing[0]


def timed(
    func: Callable[[np.ndarray, np.ndarray], tuple[float, int, str]],
    be: np.ndarray,
    y: np.ndarray,
    repeats: int,
) -> tuple[float, tuple[float, int, str]]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = func(be, y)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    be, y, truth = synthetic()
    ours(be, y)  # warm-up (imports, caches)
    rows = [
        ("xpsfit (active Shirley, projection)", *timed(ours, be, y, args.repeats)),
        (
            "(a) static Shirley + lmfit CompositeModel",
            *timed(static_composite, be, y, max(3, args.repeats // 5)),
        ),
        ("(b) lmfitxps ShirleyBG + CompositeModel", *timed(lmfitxps_composite, be, y, 3)),
    ]
    floor, floor_nfev, missing = minimiser_floor(be, y, args.repeats)
    base = rows[0][1]
    print(f"{len(be)} channels, true Co2+ fraction {truth:.4f}")
    print(
        f"{'method':45s} {'median':>10s} {'ratio':>8s} {'Co2+ err (pts)':>15s} {'nfev':>6s} status"
    )
    for name, t, (frac, nfev, status) in rows:
        err = 100 * abs(frac - truth) if math.isfinite(frac) else float("nan")
        print(f"{name:45s} {t * 1e3:8.1f}ms {t / base:8.0f} {err:15.2f} {nfev:6d} {status}")
    path = "same path" if not missing else f"{missing} calls off the fit's path"
    print(
        f"{'lmfit Minimizer + MINPACK alone (replayed)':45s} {floor * 1e3:8.2f}ms "
        f"{floor / base:8.2f} {'':15s} {floor_nfev:6d} {path}"
    )
    print(f"(b) / (lmfit Minimizer + MINPACK alone): {rows[2][1] / floor:.0f}x, the most any fit "
          "run in lmfit's Minimizer could reach here")  # fmt: skip


if __name__ == "__main__":
    main()
