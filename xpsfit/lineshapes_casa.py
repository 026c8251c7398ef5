"""CasaXPS line shapes GL and SGL, and the asymmetric Doniach-Sunjic, LA and LF shapes.

The asymmetric shapes are a core function of ``t = x - center`` (binding energy, eV; ``t > 0`` is the HIGH
binding-energy side, where the tail of metals lies) broadened by a Gaussian. The broadening is a
discrete convolution on a uniform grid centred on the peak; the result is interpolated linearly
at ``x``.

Area convention (finite window)
-------------------------------
The Doniach-Sunjic tail falls as ``|t|^(alpha-1)`` and the LA tail as ``|t|^(-2 alpha)``, so their
integral over the real line diverges (DS for alpha > 0, LA for alpha or beta <= 1/2). For all
three shapes ``area`` is therefore the integral over the window
``center +/- WINDOW_FACTOR * (fwhm + g)``, with ``g`` the FWHM of the Gaussian broadening. The
window holds the whole peak of any practical shape (CasaXPS likewise normalises LA over a finite
range); outside it the curve continues as the unbroadened core with the same scale, so it is
continuous and its tails still add to a fit. LF's damped tail falls as ``|t|^-6`` far out, so for
LF the window holds the whole line to the precision of the grid.

CasaXPS parameters
------------------
The shapes here take physical widths (eV); :mod:`xpsfit.casa_shapes` converts CasaXPS's
line-shape strings and FWHM field to them and documents what of that conversion is exact and
what is calibrated.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.signal import fftconvolve
from scipy.special import erfcx

__all__ = [
    "LF_EXPONENT_LIMIT",
    "WINDOW_FACTOR",
    "doniach_sunjic",
    "gl",
    "gl_half_width",
    "la",
    "lf",
    "sgl",
    "window_half_width",
]

WINDOW_FACTOR = 20.0
"""Half width of the area window in units of ``fwhm + g`` (g = Gaussian broadening FWHM)."""

_POINTS_PER_WIDTH = 40.0  # grid points per narrowest width (core or Gaussian)
_MAX_POINTS = 1 << 14
_GRID_LEVELS = 4  # grid sizes per doubling (at most 19 % more points than asked for)
_SIGMA_PER_FWHM = 1.0 / (2.0 * math.sqrt(2.0 * math.log(2.0)))
_LN2 = math.log(2.0)
_FOUR_LN2 = 4.0 * _LN2
_GAUSS_UNIT_AREA = math.sqrt(math.pi / _FOUR_LN2)  # area of exp(-4 ln2 u^2) over u


def _lorentz_fraction(m: float) -> float:
    """Lorentzian percentage ``m`` (0..100) as a fraction, clipped to [0, 1]."""
    return min(max(float(m) / 100.0, 0.0), 1.0)


Core = Callable[[NDArray[np.float64]], NDArray[np.float64]]


def window_half_width(fwhm: float, gauss_fwhm: float) -> float:
    """Half width (eV) of the window over which an asymmetric shape's ``area`` is defined.

    Parameters
    ----------
    fwhm
        Width parameter of the core (eV).
    gauss_fwhm
        FWHM of the Gaussian broadening (eV), 0 for none.

    Returns
    -------
    float
        ``WINDOW_FACTOR * (fwhm + gauss_fwhm)`` in eV.
    """
    return WINDOW_FACTOR * (fwhm + max(gauss_fwhm, 0.0))


def _broadened(
    x: ArrayLike, area: float, center: float, fwhm: float, gauss_fwhm: float, core: Core
) -> NDArray[np.float64]:
    """Gaussian-broadened ``core(t)`` normalised to ``area`` over the window (see module doc)."""
    t_out = np.asarray(x, dtype=np.float64) - float(center)
    g = max(float(gauss_fwhm), 0.0)
    half = window_half_width(fwhm, g)
    # Resolve the narrower of core and Gaussian, but never finer than 1 % of the core width.
    narrowest = max(min(fwhm, g), 0.01 * fwhm) if g > 0.0 else fwhm
    # The count of points steps through a geometric series (_GRID_LEVELS per doubling) so the
    # grid scales smoothly with the widths in between; a count that followed them point by
    # point would make the curve jump (~1e-5 of the peak) with every added point, and forward
    # differences of it, such as fit Jacobians, meaningless.
    wanted = max(half / narrowest * _POINTS_PER_WIDTH, 1.0)
    level = math.ceil(_GRID_LEVELS * math.log2(wanted))
    n_half = min(math.ceil(2.0 ** (level / _GRID_LEVELS)), _MAX_POINTS // 2)
    dt = half / n_half
    grid = np.arange(-n_half, n_half + 1, dtype=np.float64) * dt
    y = core(grid)
    sigma = g * _SIGMA_PER_FWHM
    if sigma > 0.25 * dt:  # a narrower kernel is a delta function on this grid
        k_half = min(math.ceil(6.0 * sigma / dt), n_half)
        kt = np.arange(-k_half, k_half + 1, dtype=np.float64) * dt
        kernel = np.exp(-0.5 * (kt / sigma) ** 2)
        kernel /= kernel.sum()
        # FFT round-off leaves ~1e-17 negatives where the core is ~0; the core is >= 0.
        y = np.maximum(fftconvolve(y, kernel, mode="same"), 0.0)
    norm = area / (float(np.trapezoid(y, dx=dt)))
    inside = np.abs(t_out) <= half
    out = np.empty_like(t_out)
    out[inside] = np.interp(t_out[inside], grid, y)
    out[~inside] = core(t_out[~inside])
    return norm * out


def _gl_unit_integral(p: float) -> float:
    r"""Integral over t of :math:`e^{-4\ln2(1-p)t^2}/(1+4pt^2)` (the GL product of unit width).

    Closed form :math:`\frac{\pi}{2\sqrt{p}}\,\mathrm{erfcx}\big(\sqrt{\ln2\,(1-p)/p}\big)`,
    with the Gaussian limit :math:`\sqrt{\pi/(4\ln2)}` at p = 0, used below p = 1e-12 where
    the closed form under- and overflows (its relative difference there is below 1e-12).
    """
    if p < 1e-12:
        return math.sqrt(math.pi / _FOUR_LN2)
    return float(math.pi / (2.0 * math.sqrt(p)) * erfcx(math.sqrt(_LN2 * (1.0 - p) / p)))


def gl_half_width(m: float) -> float:
    r"""Half width at half maximum of the unit-parameter GL(m) product, in units of F.

    Solves :math:`(1-p)\ln 2\, s + \ln(1 + p s) = \ln 2` for :math:`s = 4u^2` (Newton, to
    machine precision) and returns :math:`u`. It is 0.5 for m = 0 and m = 100 and about 0.481
    for m = 30.

    Parameters
    ----------
    m
        Lorentzian percentage (0..100).

    Returns
    -------
    float
        Half width at half maximum divided by the CasaXPS width parameter F.
    """
    p = _lorentz_fraction(m)
    s = 1.0
    for _ in range(50):
        f = (1.0 - p) * _LN2 * s + math.log1p(p * s) - _LN2
        df = (1.0 - p) * _LN2 + p / (1.0 + p * s)
        step = f / df
        s -= step
        if abs(step) < 1e-15:
            break
    return math.sqrt(s) / 2.0


def gl(
    x: ArrayLike, area: float, center: float, fwhm: float, m: float = 30.0
) -> NDArray[np.float64]:
    r"""CasaXPS GL(m): Gaussian-Lorentzian product, normalised to ``area``.

    .. math:: GL(x) = \frac{A}{F\,I(p)}\;
              \frac{\exp\!\left(-4\ln 2\,(1-p)\,u^2\right)}{1 + 4 p\, u^2},\qquad
              u = \frac{x-E}{F_c},\; p = m/100

    with the exact normalisation
    :math:`I(p) = \frac{\pi}{2\sqrt p}\,\mathrm{erfcx}\big(\sqrt{\ln 2 (1-p)/p}\big)`
    (:math:`\sqrt{\pi/4\ln2}` for p = 0), so the integral over the real line is ``area`` to
    rounding error. The CasaXPS width parameter :math:`F_c` of the product is not its true FWHM
    (at m = 30 the curve is 3.8 % narrower); here ``fwhm`` is the true full width at half maximum
    and :math:`F_c = F / (2\,h(m))` with :math:`h` from :func:`gl_half_width`.

    Parameters
    ----------
    x
        Binding energy (eV).
    area
        Integral over energy (intensity x eV).
    center
        Peak position E (eV).
    fwhm
        True full width at half maximum F (eV), > 0.
    m
        Lorentzian percentage, 0 (Gaussian) to 100 (Lorentzian).

    Returns
    -------
    numpy.ndarray
        Intensity at each ``x``.
    """
    p = _lorentz_fraction(m)
    width = fwhm / (2.0 * gl_half_width(m))
    u = (np.asarray(x, dtype=np.float64) - float(center)) / width
    u2 = u * u
    norm = area / (width * _gl_unit_integral(p))
    return norm * np.exp(-_FOUR_LN2 * (1.0 - p) * u2) / (1.0 + 4.0 * p * u2)


def sgl(
    x: ArrayLike, area: float, center: float, fwhm: float, m: float = 30.0
) -> NDArray[np.float64]:
    r"""CasaXPS SGL(m): sum of a unit-height Gaussian and Lorentzian of the same FWHM.

    .. math:: SGL(x) = \frac{A}{F\,N(p)}\left[(1-p)\,e^{-4\ln 2\,u^2} + \frac{p}{1+4u^2}\right],
              \quad u = \frac{x-E}{F},\; p = \frac{m}{100},\;
              N(p) = (1-p)\sqrt{\frac{\pi}{4\ln 2}} + p\,\frac{\pi}{2}

    CasaXPS mixes the two halves at equal HEIGHT (checked against CasaXPS's own SGL(30) curves,
    tests/core/test_lineshapes_casa.py), so the Lorentzian share of the area is larger than
    ``m`` (39 % for m = 30); :func:`xpsfit.lineshapes.pseudo_voigt` mixes at equal area. Both
    halves are at half height at u = 1/2, so ``fwhm`` is the true FWHM; the area is exact.

    Parameters
    ----------
    x
        Binding energy (eV).
    area
        Integral over energy (intensity x eV).
    center
        Peak position E (eV).
    fwhm
        Full width at half maximum F (eV), > 0.
    m
        Lorentzian percentage, 0 (Gaussian) to 100 (Lorentzian).

    Returns
    -------
    numpy.ndarray
        Intensity at each ``x``.
    """
    p = _lorentz_fraction(m)
    u = (np.asarray(x, dtype=np.float64) - float(center)) / fwhm
    u2 = u * u
    norm = area / (fwhm * ((1.0 - p) * _GAUSS_UNIT_AREA + p * 0.5 * math.pi))
    return norm * ((1.0 - p) * np.exp(-_FOUR_LN2 * u2) + p / (1.0 + 4.0 * u2))


def doniach_sunjic(
    x: ArrayLike,
    area: float,
    center: float,
    fwhm: float,
    alpha: float = 0.1,
    gauss_fwhm: float = 0.3,
) -> NDArray[np.float64]:
    r"""Doniach-Sunjic metal line broadened by a Gaussian.

    .. math:: DS(t) = \frac{\cos\!\left(\frac{\pi\alpha}{2} + (1-\alpha)\arctan(-t/\gamma)\right)}
              {(t^2 + \gamma^2)^{(1-\alpha)/2}},\qquad t = x - E,\; \gamma = F/2

    convolved with a unit-area Gaussian of FWHM ``gauss_fwhm``; the tail lies on the high
    binding-energy side (t > 0). ``alpha = 0`` is a Lorentzian of FWHM F. ``area`` is the integral
    over ``E +/- 20 (F + gauss_fwhm)`` (the area diverges for alpha > 0; see the module notes).

    Parameters
    ----------
    x
        Binding energy (eV).
    area
        Integral over the window (intensity x eV).
    center
        Position E of the unbroadened singularity (eV).
    fwhm
        Lifetime width F = 2 gamma of the core (eV), > 0.
    alpha
        Asymmetry (singularity index), 0 <= alpha < 1.
    gauss_fwhm
        FWHM of the Gaussian broadening (eV), >= 0.

    Returns
    -------
    numpy.ndarray
        Intensity at each ``x``.
    """
    a = min(max(float(alpha), 0.0), 0.99)
    gamma = fwhm / 2.0

    def core(t: NDArray[np.float64]) -> NDArray[np.float64]:
        phase = 0.5 * math.pi * a + (1.0 - a) * np.arctan(-t / gamma)
        out: NDArray[np.float64] = np.cos(phase) / (t * t + gamma * gamma) ** ((1.0 - a) / 2.0)
        return out

    return _broadened(x, area, center, fwhm, gauss_fwhm, core)


LF_EXPONENT_LIMIT = 3.0
"""Exponent the LF tails tend to far from the peak (Major et al., 2020; see :func:`lf`)."""


def _la_core(fwhm: float, alpha: float, beta: float, w: float) -> Core:
    a, b = max(float(alpha), 0.0), max(float(beta), 0.0)
    damping = 4.0 * max(float(w), 0.0) / 100.0

    def core(t: NDArray[np.float64]) -> NDArray[np.float64]:
        u2 = (t / fwhm) ** 2
        log_l = -np.log1p(4.0 * u2)
        exponent = np.where(t > 0.0, a, b)
        if damping > 0.0:
            exponent = LF_EXPONENT_LIMIT - (LF_EXPONENT_LIMIT - exponent) / (1.0 + damping * u2)
        out: NDArray[np.float64] = np.exp(exponent * log_l)
        return out

    return core


def la(
    x: ArrayLike,
    area: float,
    center: float,
    fwhm: float,
    alpha: float = 1.0,
    beta: float = 1.0,
    m: float = 0.0,
) -> NDArray[np.float64]:
    r"""CasaXPS-style LA(alpha, beta, m): asymmetric Lorentzian broadened by a Gaussian.

    .. math:: LA(t) = \begin{cases} L(t)^{\alpha} & t > 0 \text{ (high binding energy)}\\
              L(t)^{\beta} & t \le 0 \end{cases},\qquad
              L(t) = \frac{1}{1 + 4 t^2/F^2},\; t = x - E

    convolved with a unit-area Gaussian of FWHM :math:`g = (m/100) F`. ``alpha`` sets the
    high binding-energy tail (smaller = longer tail), ``beta`` the low binding-energy side.
    ``fwhm`` is the Lorentzian width parameter F (the FWHM of the curve itself is larger when
    alpha, beta < 1 or m > 0). ``area`` is the integral over ``E +/- 20 (F + g)``. CasaXPS
    writes its Gaussian width as an integer 0..499 and its FWHM field is not F;
    :func:`xpsfit.casa_shapes.casa_to_lineshape` converts both.

    Parameters
    ----------
    x
        Binding energy (eV).
    area
        Integral over the window (intensity x eV).
    center
        Position E (eV) of the Lorentzian maximum before broadening.
    fwhm
        Lorentzian width parameter F (eV), > 0.
    alpha
        Exponent on the high binding-energy side, > 0.
    beta
        Exponent on the low binding-energy side, > 0.
    m
        Gaussian broadening FWHM in percent of F (0 = none).

    Returns
    -------
    numpy.ndarray
        Intensity at each ``x``.
    """
    g = max(float(m), 0.0) / 100.0 * fwhm
    return _broadened(x, area, center, fwhm, g, _la_core(fwhm, alpha, beta, 0.0))


def lf(
    x: ArrayLike,
    area: float,
    center: float,
    fwhm: float,
    alpha: float = 1.0,
    beta: float = 1.0,
    w: float = 0.0,
    m: float = 0.0,
) -> NDArray[np.float64]:
    r"""CasaXPS LF(alpha, beta, w, m): LA whose tail exponent rises to 3 far from the peak.

    .. math:: LF(t) = L(t)^{e(t)},\qquad
              e(t) = 3 - \frac{3 - a}{1 + 4\,(w/100)\,t^2/F^2},\qquad
              a = \alpha\ (t > 0),\ \beta\ (t \le 0)

    with :math:`L(t) = 1/(1 + 4t^2/F^2)`, convolved with a unit-area Gaussian of FWHM
    :math:`g = (m/100) F` (see :func:`la`). This is the finite-Lorentzian form of Major, Shah,
    Avval, Fernandez, Fairley and Linford (Vacuum Technology & Coating, April 2020): the exponent
    equals alpha (beta) at the peak and tends to 3 beyond the damping width
    :math:`D = F\sqrt{100/w}`, so the tails fall as :math:`|t|^{-6}` and the area is finite.
    ``w = 0`` gives LA. CasaXPS's own damping integer ``w_c`` is D in units of F, i.e.
    ``w = 100 / w_c**2`` (checked against CasaXPS's evaluated LF curves,
    tests/core/test_lineshapes_casa.py).

    Parameters
    ----------
    x
        Binding energy (eV).
    area
        Integral over the window (intensity x eV); in practice the whole line.
    center
        Position E (eV) of the Lorentzian maximum before broadening.
    fwhm
        Lorentzian width parameter F (eV), > 0.
    alpha
        Exponent at the peak on the high binding-energy side, > 0.
    beta
        Exponent at the peak on the low binding-energy side, > 0.
    w
        Tail damping strength (%): 100 F^2 / D^2 with D the damping width (0 = LA).
    m
        Gaussian broadening FWHM in percent of F (0 = none).

    Returns
    -------
    numpy.ndarray
        Intensity at each ``x``.
    """
    g = max(float(m), 0.0) / 100.0 * fwhm
    return _broadened(x, area, center, fwhm, g, _la_core(fwhm, alpha, beta, w))
