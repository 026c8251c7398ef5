"""CasaXPS conventions checked against CasaXPS's own evaluated curves, and analytic limits."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad

from xpsfit.casa_shapes import casa_to_lineshape
from xpsfit.lineshapes import doniach_sunjic, gl, gl_half_width, la, lf, lorentzian, sgl
from xpsfit.lineshapes_casa import WINDOW_FACTOR

FOLDER = "pynxtools-xps"


def _source_energy(vms: str) -> float:
    lines = vms.splitlines()
    i = next(k for k, line in enumerate(lines) if line.strip() == "Al")
    return float(lines[i + 1])


def _components(vms: str) -> list[tuple[str, float, float, float]]:
    """(line shape, area, width, kinetic-energy position) of each CASA comp line."""
    pattern = re.compile(
        r"CASA comp \(\*.*?\*\) \(\*(?P<shape>.*?)\*\) Area (?P<area>\S+) .*?"
        r"MFWHM (?P<fwhm>\S+) .*?Position (?P<pos>\S+)"
    )
    return [
        (m["shape"], float(m["area"]), float(m["fwhm"]), float(m["pos"]))
        for m in pattern.finditer(vms)
    ]


@pytest.fixture
def feo(
    realdata: Path, feo_export: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[tuple[str, float, float, float]]]:
    """Binding energy, CasaXPS's four component curves (CPS, background removed) and the
    components of FeO_analyzed.vms."""
    vms = (realdata / FOLDER / "FeO_analyzed.vms").read_text(encoding="latin-1")
    be, curves = feo_export[:, 8], feo_export[:, 10:14] - feo_export[:, 14:15]
    hv = _source_energy(vms)
    comps = [(shape, area, fwhm, hv - ke) for shape, area, fwhm, ke in _components(vms)]
    return be, curves, comps


@pytest.mark.realdata
def test_sgl_matches_casaxps_curves(feo) -> None:  # type: ignore[no-untyped-def]
    be, curves, comps = feo
    checked = 0
    for j, (shape, area, fwhm, center) in enumerate(comps):
        if shape != "SGL(30)":
            continue
        ours = sgl(be, area, center, fwhm, 30.0)
        theirs = curves[:, j]
        assert np.abs(ours - theirs).max() < 2e-3 * theirs.max()  # measured 0.14 %
        checked += 1
    assert checked == 2


@pytest.mark.realdata
def test_lf_matches_casaxps_curves(feo) -> None:  # type: ignore[no-untyped-def]
    # Converted by casa_to_lineshape: the LF form and w are CasaXPS's; the two width constants
    # of xpsfit.casa_shapes were calibrated on these two curves (see its module docstring).
    be, curves, comps = feo
    checked = 0
    for j, (shape, area, fwhm, center) in enumerate(comps):
        if shape != "LF(0.54,10,80,100,6)":
            continue
        key, ours_fwhm, params = casa_to_lineshape(shape, fwhm)
        assert key == "lf"
        ours = lf(be, area, center, ours_fwhm, **params)
        theirs = curves[:, j]
        assert np.abs(ours - theirs).max() < 1e-3 * theirs.max()  # measured 0.063 %
        # The tail is on the high binding-energy side, for CasaXPS and for us.
        assert be[np.argmax(theirs)] > center
        assert be[np.argmax(ours)] > center
        checked += 1
    assert checked == 2


@pytest.mark.realdata
def test_lf_far_tail_matches_casaxps(feo) -> None:  # type: ignore[no-untyped-def]
    # Beyond 6 F the curve is set by the damping law alone (exponent rising to 3); the tail is
    # still over 1 % of the peak there, so the check has teeth.
    be, curves, comps = feo
    shape, area, fwhm, center = comps[0]
    _key, ours_fwhm, params = casa_to_lineshape(shape, fwhm)
    theirs = curves[:, 0]
    tail = be > center + 6.0 * fwhm
    ours = lf(be, area, center, ours_fwhm, **params)
    assert np.abs(ours - theirs)[tail].max() < 1e-3 * theirs.max()
    assert theirs[tail].max() > 0.01 * theirs.max()


@pytest.mark.parametrize("m", [0.0, 10.0, 30.0, 50.0, 90.0, 100.0])
def test_gl_normalisation_is_exact(m: float) -> None:
    total = quad(lambda e: float(gl(np.array([e]), 1.0, 0.0, 1.3, m)[0]), -np.inf, np.inf)[0]
    assert total == pytest.approx(1.0, rel=1e-9)


def test_gl_is_the_casaxps_product_form() -> None:
    x = np.linspace(-4.0, 4.0, 161)
    width = 1.2 / (2 * gl_half_width(30.0))  # CasaXPS width parameter of a GL(30), FWHM 1.2 eV
    u = x / width
    product = np.exp(-4 * math.log(2) * 0.7 * u**2) / (1 + 4 * 0.3 * u**2)
    ours = gl(x, 1.0, 0.0, 1.2, 30.0)
    np.testing.assert_allclose(ours / ours.max(), product, rtol=1e-12, atol=1e-15)


def _window_fraction_of_lorentzian(fwhm: float, g: float) -> float:
    half = WINDOW_FACTOR * (fwhm + g)
    return 2.0 / math.pi * math.atan(2.0 * half / fwhm)


def test_la_without_asymmetry_or_broadening_is_a_windowed_lorentzian() -> None:
    x = np.linspace(-10.0, 10.0, 2001)
    ours = la(x, 1.0, 0.0, 0.9, alpha=1.0, beta=1.0, m=0.0)
    expected = lorentzian(x, 1.0, 0.0, 0.9) / _window_fraction_of_lorentzian(0.9, 0.0)
    np.testing.assert_allclose(ours, expected, rtol=1e-3)  # linear interpolation: 0.06 %


def test_doniach_sunjic_alpha_zero_is_a_broadened_lorentzian() -> None:
    x = np.linspace(-6.0, 6.0, 1201)
    ours = doniach_sunjic(x, 1.0, 0.0, 0.6, alpha=0.0, gauss_fwhm=1e-3)
    expected = lorentzian(x, 1.0, 0.0, 0.6) / _window_fraction_of_lorentzian(0.6, 1e-3)
    np.testing.assert_allclose(ours, expected, rtol=2e-3)


@pytest.mark.parametrize("func", [la, lf])
def test_alpha_sets_the_high_binding_energy_tail(func) -> None:  # type: ignore[no-untyped-def]
    x = np.array([-5.0, 5.0])
    y = func(x, 1.0, 0.0, 1.0, alpha=0.6, beta=3.0)
    assert y[1] > 20 * y[0]


def test_doniach_sunjic_tail_is_on_the_high_binding_energy_side() -> None:
    x = np.array([-3.0, 3.0])
    y = doniach_sunjic(x, 1.0, 0.0, 0.4, alpha=0.2, gauss_fwhm=0.3)
    assert y[1] > 3 * y[0]


def test_lf_without_damping_is_la() -> None:
    x = np.linspace(-8.0, 8.0, 321)
    ours = lf(x, 1.0, 0.0, 1.0, alpha=0.7, beta=2.0, w=0.0, m=40.0)
    np.testing.assert_allclose(ours, la(x, 1.0, 0.0, 1.0, alpha=0.7, beta=2.0, m=40.0))


def test_lf_tail_exponent_tends_to_three() -> None:
    # Far beyond the damping width D = F sqrt(100/w) the core falls as (4 t^2/F^2)^-3.
    t = np.array([300.0, 600.0])
    y = lf(t, 1.0, 0.0, 1.0, alpha=0.5, beta=2.0, w=25.0)
    slope = math.log(y[1] / y[0]) / math.log(2.0)
    assert slope == pytest.approx(-6.0, abs=0.01)


def test_lf_damping_makes_the_tail_finite() -> None:
    x = np.linspace(0.0, 60.0, 7)
    damped = lf(x, 1.0, 0.0, 1.0, alpha=0.5, beta=2.0, w=5.0)
    undamped = la(x, 1.0, 0.0, 1.0, alpha=0.5, beta=2.0)
    assert damped[-1] < 1e-6 * undamped[-1]


def test_gl_tiny_lorentzian_share_is_the_gaussian_limit() -> None:
    import numpy as np

    from xpsfit.lineshapes import gaussian, gl

    x = np.linspace(-3.0, 3.0, 61)
    for m in (4.94e-322, 1e-300, 1e-14):
        assert np.allclose(gl(x, 1.0, 0.0, 1.0, m=m), gaussian(x, 1.0, 0.0, 1.0), rtol=1e-9)


BROADENED = [
    pytest.param(lambda x, c, f: doniach_sunjic(x, 1.0, c, f, 0.2, 0.9), id="ds"),
    pytest.param(lambda x, c, f: la(x, 1.0, c, f, 0.8, 1.5, 169.75), id="la"),
    pytest.param(lambda x, c, f: lf(x, 1.0, c, f, 0.54, 10.0, 0.015625, 169.75), id="lf"),
]


@pytest.mark.parametrize("shape", BROADENED)
def test_broadened_shapes_are_smooth_in_width_and_center(shape: Callable[..., np.ndarray]) -> None:
    """Fit Jacobians take forward differences with steps of ~1e-8: the numerically broadened
    shapes must not jump when a width changes the convolution grid (they did, by ~1e-5 of the
    peak, which made an LF FWHM derivative 300x too large and its error bar 300x too small)."""
    x = np.arange(700.0, 750.0, 0.05)
    step = 1.4901161193847656e-08
    for fwhm in np.linspace(1.2, 2.2, 41):
        for which in ("fwhm", "center"):
            h = 1e-4 * fwhm

            def curve(d: float, which: str = which, fwhm: float = fwhm) -> np.ndarray:
                return shape(x, 709.0 + d, fwhm) if which == "center" else shape(x, 709.0, fwhm + d)

            central = (curve(h) - curve(-h)) / (2 * h)
            forward = (curve(step * 709.0 if which == "center" else step) - curve(0.0)) / (
                step * 709.0 if which == "center" else step
            )
            err = np.linalg.norm(forward - central) / np.linalg.norm(central)
            assert err < 0.01, (which, fwhm, err)
