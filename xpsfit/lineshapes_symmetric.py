"""Symmetric photoemission line shapes: Gaussian, Lorentzian, pseudo-Voigt and Voigt.

Every shape is a plain function ``f(x, area, center, fwhm, **shape)`` of the binding energy ``x``
(eV, any order, evaluated elementwise) that is linear in ``area`` (the integral over energy, in
intensity x eV). They are registered by key in :data:`xpsfit.lineshapes.LINESHAPES`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import voigt_profile

__all__ = ["gaussian", "lorentzian", "pseudo_voigt", "voigt", "voigt_widths"]

_LN2 = math.log(2.0)
_FOUR_LN2 = 4.0 * _LN2
_GAUSS_NORM = math.sqrt(_FOUR_LN2 / math.pi)  # peak value of a unit-area Gaussian of FWHM 1
_OL_A, _OL_B = 0.5346, 0.2166  # Olivero & Longbothum (1977) Voigt FWHM coefficients


def _offset(x: ArrayLike, center: float) -> NDArray[np.float64]:
    """``x - center`` as a new float64 array (never a view of the input)."""
    return np.asarray(x, dtype=np.float64) - float(center)


def _lorentz_fraction(m: float) -> float:
    """Lorentzian percentage ``m`` (0..100) as a fraction, clipped to [0, 1]."""
    return min(max(float(m) / 100.0, 0.0), 1.0)


def gaussian(x: ArrayLike, area: float, center: float, fwhm: float) -> NDArray[np.float64]:
    r"""Gaussian of given area and full width at half maximum.

    .. math:: G(x) = A \sqrt{\frac{4\ln 2}{\pi F^2}} \exp\!\left(-4\ln 2\,\frac{(x-E)^2}{F^2}\right)

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

    Returns
    -------
    numpy.ndarray
        Intensity at each ``x``.
    """
    u = _offset(x, center) / fwhm
    return (area * _GAUSS_NORM / fwhm) * np.exp(-_FOUR_LN2 * u * u)


def lorentzian(x: ArrayLike, area: float, center: float, fwhm: float) -> NDArray[np.float64]:
    r"""Lorentzian (Cauchy) of given area and full width at half maximum.

    .. math:: L(x) = \frac{2A}{\pi F}\,\frac{1}{1 + 4 (x-E)^2/F^2}

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

    Returns
    -------
    numpy.ndarray
        Intensity at each ``x``.
    """
    u = _offset(x, center) / fwhm
    return (2.0 * area / (math.pi * fwhm)) / (1.0 + 4.0 * u * u)


def pseudo_voigt(
    x: ArrayLike, area: float, center: float, fwhm: float, m: float = 50.0
) -> NDArray[np.float64]:
    r"""Pseudo-Voigt: weighted sum of a Gaussian and a Lorentzian of the same FWHM.

    .. math:: PV(x) = (1-\eta)\,G(x; A, E, F) + \eta\,L(x; A, E, F),\qquad \eta = m/100

    The profiles are mixed at equal AREA (the lmfit convention), unlike CasaXPS's
    :func:`sgl`, which mixes at equal height.

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
        Lorentzian percentage (eta = m/100), 0..100.

    Returns
    -------
    numpy.ndarray
        Intensity at each ``x``.
    """
    eta = _lorentz_fraction(m)
    u = _offset(x, center) / fwhm
    u2 = u * u
    g = (_GAUSS_NORM / fwhm) * np.exp(-_FOUR_LN2 * u2)
    lor = (2.0 / (math.pi * fwhm)) / (1.0 + 4.0 * u2)
    return area * ((1.0 - eta) * g + eta * lor)


def voigt_widths(fwhm: float, m: float) -> tuple[float, float]:
    r"""Gaussian and Lorentzian FWHMs of a Voigt of total FWHM ``fwhm`` and Lorentzian share ``m``.

    With :math:`r = m/100 = f_L/(f_L+f_G)` the Olivero-Longbothum relation
    :math:`f = 0.5346 f_L + \sqrt{0.2166 f_L^2 + f_G^2}` (accurate to 0.02 %) gives
    :math:`f_L + f_G = f / (0.5346 r + \sqrt{0.2166 r^2 + (1-r)^2})`.

    Parameters
    ----------
    fwhm
        Total full width at half maximum (eV).
    m
        Lorentzian share of the widths in percent, 0..100.

    Returns
    -------
    tuple of float
        ``(f_G, f_L)`` in eV.
    """
    r = _lorentz_fraction(m)
    total = fwhm / (_OL_A * r + math.sqrt(_OL_B * r * r + (1.0 - r) ** 2))
    return (1.0 - r) * total, r * total


def voigt(
    x: ArrayLike, area: float, center: float, fwhm: float, m: float = 30.0
) -> NDArray[np.float64]:
    r"""Voigt profile: exact convolution of a Gaussian and a Lorentzian.

    .. math:: V(x) = A\,\frac{\mathrm{Re}\,w(z)}{\sigma\sqrt{2\pi}},\qquad
              z = \frac{x - E + i\gamma}{\sigma\sqrt2},\;
              \sigma = \frac{f_G}{2\sqrt{2\ln2}},\; \gamma = \frac{f_L}{2}

    ``fwhm`` is the TOTAL FWHM; ``m = 100 f_L/(f_L+f_G)`` is the Lorentzian share of the
    widths, and :math:`f_G, f_L` follow from :func:`voigt_widths` (Olivero-Longbothum; the
    curve's FWHM equals ``fwhm`` to 0.02 %). The area is exact.

    Parameters
    ----------
    x
        Binding energy (eV).
    area
        Integral over energy (intensity x eV).
    center
        Peak position E (eV).
    fwhm
        Total full width at half maximum (eV), > 0.
    m
        Lorentzian share of the widths in percent, 0 (Gaussian) to 100 (Lorentzian).

    Returns
    -------
    numpy.ndarray
        Intensity at each ``x``.
    """
    f_g, f_l = voigt_widths(fwhm, m)
    sigma = f_g / (2.0 * math.sqrt(2.0 * _LN2))
    out: NDArray[np.float64] = voigt_profile(_offset(x, center), sigma, f_l / 2.0)
    return area * out
