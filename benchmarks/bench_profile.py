"""Depth-profile fitting speed: the whole demo, seeding, the process pool, Monte Carlo.

Run: ``python benchmarks/bench_profile.py [--jobs N] [--mc N]``. Measures, in one run:

1. the whole synthetic demo (3 samples, every level and region: 117 spectra) fitted by
   :func:`xpsfit.profile_fit.fit_profiles` against sequential lmfit CompositeModel fitting of
   the same spectra (one prefixed ``lmfit.Model`` of the same GL line function per line,
   doublet and satellite constraints as parameter expressions, the static Shirley background
   subtracted first: the usual lmfit workflow), both started from the specs that generated
   the demo (the truth);
1b. the same, both sides started from the default (library) templates, as the product fits
   the demo: every spec line is xpsfit's line function wrapped in ``lmfit.Model``, spec
   bounds as lmfit bounds, links with a tolerance as bounded helper parameters, a static
   Shirley subtracted first; lmfit fits that raise, fail or hit the evaluation cap are
   counted, and the Co2+ fraction error of both sides is reported;
2. seeded (each level from the previous one) against template-started fits: time and the
   chi-square of every spectrum (seeded must never end worse), with the demo templates and
   with templates whose centers and widths are off;
3. the process pool against one process, on the demo and on a 500-spectrum profile;
4. Monte Carlo error bars with N replicas per spectrum (default 100) on the whole demo.

xpsfit timings are medians of ``--repeats`` runs (the calls compared in 1b and 2 alternate), the
lmfit baseline the median of two.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import lmfit
import numpy as np

from xpsfit.backgrounds import shirley
from xpsfit.demo import DEMO_DEPTHS_NM, co2_fraction_truth, demo_depth_scale, demo_spectra
from xpsfit.demo_specs import DEMO_SPECS
from xpsfit.fit_solve import FTOL
from xpsfit.lineshapes import LINESHAPES, evaluate, gl
from xpsfit.profile import DepthProfile, group_by_sample
from xpsfit.profile_fit import fit_profile, fit_profiles
from xpsfit.profile_result import ProfileResult
from xpsfit.spec import BackgroundSpec, Doublet, FitSpec, Link, Param, Peak, param_name
from xpsfit.spectrum import Spectrum
from xpsfit.templates import apply_template, default_template


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


# -- 1b. like with like: both sides start from the default (library) templates ---------------
def _lmfit_link(params: lmfit.Parameters, name: str, link: Link, quantity: str) -> str:
    """The lmfit expression of a linked parameter; a tolerance becomes a bounded helper
    parameter ``<name>_offset`` / ``<name>_factor`` (value +- tolerance), as in xpsfit."""
    ref = param_name(link.ref, quantity)
    if link.kind == "equal" and link.tolerance == 0:
        return ref
    ratio = link.kind == "ratio"
    amount = repr(link.value)
    if link.tolerance > 0:
        amount = name + ("_factor" if ratio else "_offset")
        lo, hi = link.value - link.tolerance, link.value + link.tolerance
        params.add(amount, value=link.value, min=lo, max=hi)
    return f"{ref} {'*' if ratio else '+'} {amount}"


def _library_model(spec: FitSpec) -> tuple[lmfit.Model, lmfit.Parameters]:
    """Any spec as an lmfit CompositeModel: every line is the spec's xpsfit line-shape function
    wrapped in ``lmfit.Model`` (same parameterisation: area, center, FWHM, shape), every spec
    parameter an lmfit parameter with the spec's start value and bounds, links expressions."""
    parts, params = [], lmfit.Parameters()
    for comp in spec.components:  # pass 1: every parameter exists before any expression
        func = LINESHAPES[comp.lineshape].func
        prefixes = [_prefix(comp.id)] + (
            [_prefix(comp.id, True)] if isinstance(comp, Doublet) else []
        )
        for prefix in prefixes:
            parts.append(lmfit.Model(func, prefix=prefix))
            params.update(parts[-1].make_params())
        for name in ("splitting", "area_ratio", "fwhm_ratio") if isinstance(comp, Doublet) else ():
            params.add(param_name(comp.id, name), value=0.0)
    for name, par in spec.shared.items():
        params.add(name, value=par.value, min=par.min, max=par.max, vary=par.vary)
    for cid, quantity, par in spec.iter_params():  # pass 2: values, bounds, links
        name = param_name(cid, quantity)
        if par.expr is not None:
            params[name].set(value=par.value, expr=par.expr)
        elif par.link is not None:
            params[name].set(value=par.value, expr=_lmfit_link(params, name, par.link, quantity))
        else:
            params[name].set(value=par.value, min=par.min, max=par.max, vary=par.vary)
    for comp in spec.components:
        if isinstance(comp, Doublet):
            major, minor = _prefix(comp.id), _prefix(comp.id, True)
            for q, op, by in (
                ("center", "+", "splitting"),
                ("fwhm", "*", "fwhm_ratio"),
                ("area", "*", "area_ratio"),
            ):
                params[minor + q].set(expr=f"{major}{q} {op} {major}{by}")
            for shape in comp.shape:
                params[minor + shape].set(expr=major + shape)
    return sum(parts[1:], start=parts[0]), params


@dataclass(frozen=True)
class LmfitRun:
    """Sequential lmfit fits of a list of spectra: wall time (s), fits that raised or did not
    succeed, fits stopped at lmfit's evaluation cap (``2000 * (n_varys + 1)``), the
    evaluations of every fit and the Co2+ fraction error (points) of every Co 2p fit."""

    seconds: float
    failed: int
    capped: int
    nfev: tuple[int, ...]
    co2_errors: tuple[float, ...]


def _species_area(spec: FitSpec, values: Mapping[str, float], species: str) -> float:
    """Total area of a species (both doublet lines, satellites included) from fitted values."""
    total = 0.0
    for comp in spec.components:
        if spec.species_of(comp.id) == species:
            ratio = values[param_name(comp.id, "area_ratio")] if isinstance(comp, Doublet) else 0.0
            total += values[param_name(comp.id, "area")] * (1.0 + ratio)
    return total


def _co2_error(spec: FitSpec, values: Mapping[str, float], s: Spectrum) -> float:
    """|fitted - true| Co2+ fraction of a Co 2p fit, percentage points."""
    co2, co3 = (_species_area(spec, values, sp) for sp in ("Co2+", "Co3+"))
    truth = co2_fraction_truth(s.sample, DEMO_DEPTHS_NM[s.etch_level or 0])
    return 100.0 * abs(co2 / (co2 + co3) - truth)


def lmfit_from_templates(spectra: list[Spectrum], templates: Mapping[str, FitSpec]) -> LmfitRun:
    """Fit every spectrum sequentially with lmfit CompositeModels started from the templates
    (``apply_template`` per spectrum: window, start areas scaled to the data), a static Shirley
    subtracted first (lmfit cannot fit an active one). A fit that raises counts as failed."""
    failed = capped = 0
    nfev, errors = [], []
    t0 = time.perf_counter()
    for s in spectra:
        spec = apply_template(templates[s.region], s)
        assert spec.window is not None
        w = s.crop(*spec.window)
        bg = shirley(w.binding_energy, w.intensity, average_points=spec.background.average_points)
        try:
            model, params = _library_model(spec)
            out = model.fit(
                w.intensity - bg.background, params, x=w.binding_energy, weights=1.0 / w.sigma
            )
        except Exception:  # a failed baseline fit is counted, never fatal
            failed += 1
            continue
        nfev.append(out.nfev)
        values = {n: p.value for n, p in out.params.items()}
        capped += bool(out.aborted)
        if not out.success or not all(np.isfinite(list(values.values()))):
            failed += 1
        elif s.region == "Co 2p":
            errors.append(_co2_error(spec, values, s))
    return LmfitRun(time.perf_counter() - t0, failed, capped, tuple(nfev), tuple(errors))


def _xpsfit_co2_errors(results: list[ProfileResult]) -> list[float]:
    """|fitted - true| Co2+ fraction of every usable Co 2p fit, percentage points."""
    return [
        100.0
        * abs(
            f.result.fractions["Co2+ fraction"].value
            - co2_fraction_truth(pr.sample, f.depth or 0.0)
        )
        for pr in results
        for f in pr.region_fits("Co 2p")
        if f.ok and f.result is not None
    ]


def _library_comparison(
    spectra: list[Spectrum], profiles: list[DepthProfile], jobs: int, repeats: int
) -> None:
    """1b: xpsfit and lmfit both started from the default templates of every region."""
    templates = {r: default_template(r) for r in dict.fromkeys(s.region for s in spectra)}
    configs = [(seed, n_jobs) for seed in ("template", "previous") for n_jobs in (1, jobs)]
    times: dict[tuple[str, int], list[float]] = {c: [] for c in configs}
    last: dict[tuple[str, int], object] = {}
    for _ in range(repeats):  # alternating, so that a drift of the machine hits all alike
        for seed, n_jobs in configs:
            t, last[seed, n_jobs] = _timed(
                lambda s=seed, j=n_jobs: fit_profiles(profiles, templates, seed=s, jobs=j)
            )
            times[seed, n_jobs].append(t)
    runs = {c: (statistics.median(times[c]), last[c]) for c in configs}
    lm = lmfit_from_templates(spectra, templates)
    for (seed, n_jobs), (t, res) in runs.items():
        errs = _xpsfit_co2_errors(res)  # type: ignore[arg-type]
        bad = sum(not f.ok for pr in res for f in pr.fits)  # type: ignore[attr-defined]
        print(
            f"1b. default templates, xpsfit seed={seed}, {n_jobs} process(es): {t:.3f} s "
            f"(median of {repeats}, alternating); {bad} not ok; Co2+ error mean {statistics.mean(errs):.2f} "
            f"/ max {max(errs):.2f} points ({len(errs)} Co 2p fits); ratio lmfit / xpsfit = "
            f"{lm.seconds / t:.1f}x"
        )
    print(
        f"1b. default templates, lmfit CompositeModel sequential (static Shirley, xpsfit line "
        f"functions in lmfit.Model): {lm.seconds:.2f} s; {lm.failed} of {len(spectra)} failed, "
        f"{lm.capped} hit the evaluation cap; nfev median {statistics.median(lm.nfev):.0f}, max "
        f"{max(lm.nfev)}; Co2+ error mean {statistics.mean(lm.co2_errors):.2f} / max "
        f"{max(lm.co2_errors):.2f} points ({len(lm.co2_errors)} Co 2p fits)"
    )


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
    """Spectra where ``a`` ends at a higher chi-square than ``b`` (beyond the stop tolerance
    and 0.01: a point 0.1 standard error from the same optimum)."""
    ca, cb = _chisq(a), _chisq(b)
    worse = [k for k in ca if ca[k] > cb[k] * (1 + FTOL) + 0.01]
    return len(worse), len(ca), max(ca[k] / cb[k] for k in ca)


def _seeding(
    profiles: list[DepthProfile], specs: dict[str, FitSpec], repeats: int, label: str
) -> None:
    times: dict[str, list[float]] = {"previous": [], "template": []}
    out: dict[str, object] = {}
    for _ in range(repeats):  # alternating, so that a drift of the machine hits both alike
        for seed, runs in times.items():
            t, out[seed] = _timed(lambda s=seed: fit_profiles(profiles, specs, seed=s, jobs=1))
            runs.append(t)
    t_s, t_t = (statistics.median(times[s]) for s in ("previous", "template"))
    n_worse, n, ratio = _worse(out["previous"], out["template"])  # type: ignore[arg-type]
    print(
        f"2. {label}: seeded {t_s:.3f} s vs template-started {t_t:.3f} s (1 process, medians "
        f"of {repeats} alternating calls); seeded ends at a higher chi-square in {n_worse} of "
        f"{n} spectra (max ratio seeded/template {ratio:.6f})"
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
        f"1. started from the generating specs, whole demo, seeded: xpsfit {t_seq:.3f} s "
        f"(1 process), {t_pool:.3f} s "
        f"({args.jobs} processes); global mode {t_glob:.3f} s; lmfit CompositeModel sequential "
        f"{t_lmfit:.3f} s (median of 2); ratio lmfit / xpsfit = {t_lmfit / t_pool:.1f}x "
        f"({args.jobs} processes), {t_lmfit / t_seq:.1f}x (1 process)"
    )
    _library_comparison(spectra, profiles, args.jobs, n)
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
