"""Depth-profile fitting speed: the whole demo, seeding, the process pool, Monte Carlo.

Run: ``python benchmarks/bench_profile.py [--jobs N] [--mc N]``. Measures, in one run:

1. the whole synthetic demo (3 samples, every level and region: 117 spectra) fitted by
   :func:`xpsfit.profile_fit.fit_profiles` against sequential lmfit CompositeModel fitting of
   the same spectra (one prefixed ``lmfit.Model`` of the same GL line function per line,
   doublet and satellite constraints as parameter expressions, the static Shirley background
   subtracted first: the usual lmfit workflow);
2. seeded (each level from the previous one) against template-started fits: time and the
   chi-square of every spectrum (seeded must never end worse), with the demo templates and
   with templates whose centers and widths are off;
3. the process pool against one process, on the demo and on a 500-spectrum profile;
4. Monte Carlo error bars with N replicas per spectrum (default 100) on the whole demo.

xpsfit timings are medians of ``--repeats`` runs, the lmfit baseline the median of two.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import lmfit
import numpy as np

from xpsfit.backgrounds import shirley
from xpsfit.demo import demo_depth_scale, demo_spectra
from xpsfit.demo_specs import DEMO_SPECS
from xpsfit.lineshapes import evaluate, gl
from xpsfit.profile import DepthProfile, group_by_sample
from xpsfit.profile_fit import fit_profile, fit_profiles
from xpsfit.profile_result import ProfileResult
from xpsfit.spec import BackgroundSpec, Doublet, FitSpec, Param, Peak, param_name
from xpsfit.spectrum import Spectrum


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _prefix(cid: str, minor: bool = False) -> str:
    return param_name(cid, "minor_" if minor else "")


def _lmfit_model(spec: FitSpec) -> tuple[lmfit.Model, lmfit.Parameters]:
    """The spec as an lmfit CompositeModel (one Model per line) with expression constraints."""
    parts, params = [], lmfit.Parameters()
    for comp in spec.components:
        lines = [(_prefix(comp.id), False)]
        if isinstance(comp, Doublet):
            lines.append((_prefix(comp.id, True), True))
        for prefix, _minor in lines:
            model = lmfit.Model(gl, prefix=prefix)
            parts.append(model)
            params.update(model.make_params())
            params[prefix + "m"].set(value=comp.shape["m"].value, vary=False)
        major = _prefix(comp.id)
        for q in ("center", "fwhm", "area"):
            par: Param = getattr(comp, q)
            if par.link is not None:
                ref = _prefix(par.link.ref) + q
                op = "+" if par.link.kind == "offset" else "*"
                params[major + q].set(expr=f"{ref} {op} {par.link.value!r}")
            else:
                params[major + q].set(value=par.value, min=par.min, max=par.max, vary=par.vary)
        if isinstance(comp, Doublet):
            minor = _prefix(comp.id, True)
            params[minor + "center"].set(expr=f"{major}center + {comp.splitting.value!r}")
            params[minor + "fwhm"].set(expr=f"{major}fwhm * {comp.fwhm_ratio.value!r}")
            params[minor + "area"].set(expr=f"{major}area * {comp.area_ratio.value!r}")
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total, params


def lmfit_sequential(spectra: list[Spectrum]) -> float:
    """Seconds to fit every spectrum sequentially with lmfit CompositeModels."""
    t0 = time.perf_counter()
    for s in spectra:
        spec = DEMO_SPECS[s.region]
        assert spec.window is not None
        w = s.crop(*spec.window)
        bg = shirley(w.binding_energy, w.intensity).background
        model, params = _lmfit_model(spec)
        net = w.intensity - bg
        for comp in spec.components:  # a sensible start: areas from the net signal
            if comp.area.link is None:
                params[_prefix(comp.id) + "area"].set(
                    value=max(
                        float(np.trapezoid(net, w.binding_energy)) / len(spec.components), 1.0
                    )
                )
        model.fit(net, params, x=w.binding_energy, weights=1.0 / w.sigma)
    return time.perf_counter() - t0


def _perturbed(spec: FitSpec) -> FitSpec:
    """The template with free centers 0.4 eV high and free widths 30 % wide (as a library
    template is for a given instrument), to compare seeded and template starts fairly."""
    comps = []
    for c in spec.components:
        changes: dict[str, Any] = {}
        if c.center.is_free:
            changes["center"] = replace(c.center, value=min(c.center.value + 0.4, c.center.max))
        if c.fwhm.is_free:
            changes["fwhm"] = replace(c.fwhm, value=min(c.fwhm.value * 1.3, c.fwhm.max))
        comps.append(replace(c, **changes))
    return replace(spec, components=tuple(comps))


def _chisq(results: list[ProfileResult]) -> dict[tuple[str, str, int], float]:
    return {
        (pr.sample, f.region, f.level): f.result.chisqr
        for pr in results
        for f in pr.fits
        if f.result
    }


def _big_profile(n: int = 500) -> DepthProfile:
    rng = np.random.default_rng(3)
    be = np.linspace(280.0, 292.0, 61)
    spectra = [
        Spectrum(
            be,
            rng.poisson(evaluate("gl", be, 5000.0, 284.8, 1.2, m=30.0) + 100.0).astype(np.float64),
            region="C 1s",
            sample="big",
            etch_level=i,
            etch_time=float(i),
        )
        for i in range(n)
    ]
    return DepthProfile.from_spectra(spectra)


def _c1s() -> dict[str, FitSpec]:
    peak = Peak(
        "C-C",
        "gl",
        Param(284.8, 283.8, 285.8),
        Param(1.2, 0.5, 3.0),
        Param(1000.0, 0.0),
        shape={"m": Param(30.0, vary=False)},
    )
    return {"C 1s": FitSpec(region="C 1s", background=BackgroundSpec("linear"), components=(peak,))}


def _median(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Median wall time of ``repeats`` calls and the last call's result."""
    times, out = [], None
    for _ in range(repeats):
        t, out = _timed(fn)
        times.append(t)
    return statistics.median(times), out


def _worse(a: list[ProfileResult], b: list[ProfileResult]) -> tuple[int, int, float]:
    """Spectra where ``a`` ends at a higher chi-square than ``b`` (beyond 1e-6 relative)."""
    ca, cb = _chisq(a), _chisq(b)
    worse = [k for k in ca if ca[k] > cb[k] * (1 + 1e-6)]
    return len(worse), len(ca), max(ca[k] / cb[k] for k in ca)


def _seeding(
    profiles: list[DepthProfile], specs: dict[str, FitSpec], repeats: int, label: str
) -> None:
    t_s, seeded = _median(lambda: fit_profiles(profiles, specs, seed="previous", jobs=1), repeats)
    t_t, templ = _median(lambda: fit_profiles(profiles, specs, seed="template", jobs=1), repeats)
    n_worse, n, ratio = _worse(seeded, templ)  # type: ignore[arg-type]
    print(
        f"2. {label}: seeded {t_s:.3f} s vs template-started {t_t:.3f} s (1 process, median of "
        f"{repeats}); seeded ends at a higher chi-square in {n_worse} of {n} spectra "
        f"(max ratio seeded/template {ratio:.6f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--mc", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5, help="xpsfit timings: median of N")
    args = parser.parse_args()
    spectra = demo_spectra()
    profiles = list(group_by_sample(spectra, demo_depth_scale()).values())
    print(
        f"demo: {len(spectra)} spectra, {len(profiles)} samples; cores: {os.cpu_count()}, "
        f"jobs: {args.jobs}; load average {os.getloadavg()[0]:.2f}"
    )
    fit_profiles(profiles, DEMO_SPECS, jobs=1)  # warm caches and imports
    n = args.repeats
    t_seq, _ = _median(lambda: fit_profiles(profiles, DEMO_SPECS, jobs=1), n)
    t_pool, _ = _median(lambda: fit_profiles(profiles, DEMO_SPECS, jobs=args.jobs), n)
    t_glob, _ = _median(
        lambda: fit_profiles(profiles, DEMO_SPECS, seed="global", jobs=args.jobs), n
    )
    t_lmfit = statistics.median(lmfit_sequential(spectra) for _ in range(2))
    print(
        f"1. whole demo, seeded: xpsfit {t_seq:.3f} s (1 process), {t_pool:.3f} s "
        f"({args.jobs} processes); global mode {t_glob:.3f} s; lmfit CompositeModel sequential "
        f"{t_lmfit:.3f} s (median of 2); ratio lmfit / xpsfit = {t_lmfit / t_pool:.1f}x "
        f"({args.jobs} processes), {t_lmfit / t_seq:.1f}x (1 process)"
    )
    _seeding(profiles, dict(DEMO_SPECS), n, "demo templates")
    off = {r: _perturbed(s) for r, s in DEMO_SPECS.items()}
    _seeding(profiles, off, n, "templates 0.4 eV / 30 % off")
    big = _big_profile()
    t_big1, _ = _median(lambda: fit_profile(big, _c1s(), seed="template", jobs=1), n)
    t_bigp, _ = _median(lambda: fit_profile(big, _c1s(), seed="template", jobs=args.jobs), n)
    print(
        f"3. pool ({args.jobs} processes) vs one process: demo {t_pool:.3f} vs {t_seq:.3f} s; "
        f"500 C 1s spectra (template starts) {t_bigp:.3f} vs {t_big1:.3f} s"
    )
    t_mc, _ = _timed(
        lambda: fit_profiles(profiles, DEMO_SPECS, jobs=args.jobs, monte_carlo=args.mc, mc_seed=1)
    )
    print(
        f"4. Monte Carlo {args.mc} replicas per spectrum, whole demo ({len(spectra)} spectra), "
        f"{args.jobs} processes: {t_mc:.2f} s; load average now {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
