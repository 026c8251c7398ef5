"""Conversion between CasaXPS line-shape strings and xpsfit line shapes.

A CasaXPS component carries a line-shape string (``GL(30)``, ``SGL(30)``, ``LA(1.53,243)``,
``LA(1.1,2.3,5)``, ``LF(0.54,10,80,100,6)``) and a width field F ("MFWHM", eV).
:func:`casa_to_lineshape` turns both into an xpsfit line-shape key, FWHM (eV) and shape
parameters; :func:`lineshape_to_casa` is its inverse.

What is exact
-------------
* ``GL(m)``: CasaXPS's product :math:`e^{-4\\ln2(1-m/100)u^2}/(1+4(m/100)u^2)`,
  ``u = (x-E)/F``. F is the width parameter, not the FWHM; the FWHM is
  ``2 * gl_half_width(m) * F`` (:func:`xpsfit.lineshapes.gl` takes the FWHM).
* ``SGL(m)``: equal-height sum of a Gaussian and a Lorentzian of FWHM F (matches CasaXPS's
  evaluated SGL(30) curves to 0.14 % of the peak height); F is the FWHM.
* LA and LF functional forms: ``LA(a, b, n)`` is :math:`L^a` on the high binding-energy side and
  :math:`L^b` on the low side, ``L = 1/(1+4x^2)``, convolved with a Gaussian whose width is set by
  the integer ``n`` (CasaXPS help "Line Shapes"; Major et al., Vacuum Technology & Coating,
  March 2020; harwellxps.guru "LA and LF lineshapes"). ``LF(a, b, w, n)`` raises the exponent to
  :math:`3 - (3-a)/(1 + 4 x^2/w^2)` with ``x`` in units of the Lorentzian width (Major et al.,
  April 2020). Fitting CasaXPS's own LF(0.54,10,80,100,6) curves with the limit exponent and the
  damping width free returns 2.9-3.2 and 78-83 Lorentzian widths, i.e. 3 and ``w``: both enter
  here as the published constants, not as fitted numbers.
* The one-argument shorthand ``LA(m)`` is ``LA(1, 1, 1401 (1 - m/100))`` (Fairley et al.,
  J. Vac. Sci. Technol. A 41 (2023), supplementary information, as quoted by public
  re-implementations; the primary text was not available here).

What is calibrated
------------------
No public source gives CasaXPS's mapping from its F and its Gaussian integer ``n`` to the
Lorentzian and Gaussian widths in eV. The mapping used here has two constants measured on the
only CasaXPS-evaluated LA/LF curves available (Fe 2p of FeO, pynxtools-xps, two
LF(0.54,10,80,100,6) components of F = 3.86 eV and 4.87 eV; CasaXPS 2.3.25):

* the Gaussian FWHM over the Lorentzian width grows linearly with ``n``:
  ``G / F_L = GAUSS_PER_INDEX * n`` (``1.6975`` at ``n = 100``, determined to 0.5 %);
* the Lorentzian width is scaled so that the Voigt FWHM of ``(F_L, G)``
  (Olivero-Longbothum) is ``WIDTH_SCALE * F`` (F_L = 0.4797 F at ``n = 100``).

With these the two FeO components are reproduced to 0.07 % of the peak height. Only ``n = 100``
is checked; the linear growth with ``n`` and the Voigt-width scaling of F are the
best-supported assumptions (CasaXPS calls ``n`` a width and reports F as the component FWHM) but
are not verified. The fifth LF argument (6 in the FeO file) is not documented; it is accepted and
does not change the shape. GL/SGL tails (``T(k)``), DS, and compound shapes are not converted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from xpsfit.errors import SpecError
from xpsfit.lineshapes import LINESHAPES, gl_half_width

__all__ = [
    "GAUSS_PER_INDEX",
    "LA_SHORTHAND_INDEX",
    "WIDTH_SCALE",
    "casa_to_lineshape",
    "lineshape_to_casa",
]

GAUSS_PER_INDEX = 0.016975
"""Gaussian FWHM / Lorentzian width per unit of CasaXPS's Gaussian integer (calibrated)."""

WIDTH_SCALE = 1.1009
"""Voigt FWHM of the LA/LF widths in units of CasaXPS's F (calibrated at n = 100)."""

LA_SHORTHAND_INDEX = 1401.0
"""Gaussian integer of the one-argument ``LA(m)`` shorthand at m = 0."""

_OL_A, _OL_B = 0.5346, 0.2166  # Olivero & Longbothum (1977) Voigt FWHM coefficients
_SHAPE = re.compile(r"^\s*([A-Za-z]+)\s*\(([^()]*)\)\s*$")


def _voigt_per_lorentz(ratio: float) -> float:
    """Voigt FWHM of a unit Lorentzian width and a Gaussian of FWHM ``ratio``."""
    return _OL_A + math.sqrt(_OL_B + ratio * ratio)


def _parse(text: str) -> tuple[str, list[float]]:
    match = _SHAPE.match(text)
    if match is None:
        raise SpecError(
            f"CasaXPS line shape {text!r} is not of the form NAME(p1,p2,...); "
            "supported: GL(m), SGL(m), LA(...), LF(...)"
        )
    name = match[1].upper()
    try:
        values = [float(v) for v in match[2].split(",")] if match[2].strip() else []
    except ValueError:
        raise SpecError(f"CasaXPS line shape {text!r} has a non-numeric parameter") from None
    if not all(math.isfinite(v) for v in values):
        raise SpecError(f"CasaXPS line shape {text!r} has a non-finite parameter")
    return name, values


def _mix(name: str, values: list[float], text: str) -> float:
    if len(values) != 1 or not 0.0 <= values[0] <= 100.0:
        raise SpecError(f"CasaXPS {name} takes one Lorentzian percentage 0..100, got {text!r}")
    return values[0]


def _la_widths(casa_fwhm: float, index: float) -> tuple[float, float]:
    """Lorentzian width (eV) and Gaussian FWHM in percent of it, from F and the integer n."""
    ratio = GAUSS_PER_INDEX * index
    lorentz = WIDTH_SCALE * casa_fwhm / _voigt_per_lorentz(ratio)
    return lorentz, 100.0 * ratio


def _asymmetric(name: str, values: list[float], text: str) -> tuple[float, float, float, float]:
    """(alpha, beta, w_casa, n) of an LA or LF string; w_casa is 0 for LA."""
    if name == "LA":
        if len(values) == 1:
            alpha = beta = 1.0
            index = LA_SHORTHAND_INDEX * (1.0 - values[0] / 100.0)
        elif len(values) == 2:
            alpha = beta = values[0]
            index = values[1]
        elif len(values) == 3:
            alpha, beta, index = values
        else:
            raise SpecError(f"CasaXPS LA takes 1 to 3 parameters, got {text!r}")
        damping = 0.0
    else:
        if len(values) not in (4, 5):
            raise SpecError(f"CasaXPS LF takes LF(alpha,beta,w,m[,c]), got {text!r}")
        alpha, beta, damping, index = values[:4]
        if damping <= 0.0:
            raise SpecError(f"CasaXPS LF damping width w must be > 0, got {text!r}")
    if alpha <= 0.0 or beta <= 0.0 or index < 0.0:
        raise SpecError(f"CasaXPS {name} needs exponents > 0 and a Gaussian width >= 0: {text!r}")
    return alpha, beta, damping, index


def casa_to_lineshape(text: str, F: float) -> tuple[str, float, dict[str, float]]:
    """Convert a CasaXPS line-shape string and width field to an xpsfit line shape.

    Parameters
    ----------
    text
        CasaXPS line-shape string, e.g. ``"GL(30)"``, ``"SGL(30)"``, ``"LA(1.53,243)"``,
        ``"LA(1.1,2.3,5)"``, ``"LA(50)"``, ``"LF(0.54,10,80,100,6)"``.
    F
        CasaXPS width field of the component (its "FWHM", eV), > 0.

    Returns
    -------
    tuple
        ``(key, fwhm, shape)``: the :data:`xpsfit.lineshapes.LINESHAPES` key, the ``fwhm``
        argument of that shape (eV) and its shape parameters by name.

    Raises
    ------
    SpecError
        Unknown or malformed shape string, out-of-range parameters, or a non-positive F.
    """
    if not (math.isfinite(F) and F > 0.0):
        raise SpecError(f"CasaXPS width F must be a finite number > 0 eV, got {F!r}")
    name, values = _parse(text)
    if name == "GL":
        m = _mix(name, values, text)
        return "gl", 2.0 * gl_half_width(m) * F, {"m": m}
    if name == "SGL":
        return "sgl", F, {"m": _mix(name, values, text)}
    if name in ("LA", "LF"):
        alpha, beta, damping, index = _asymmetric(name, values, text)
        lorentz, gauss_pct = _la_widths(F, index)
        shape = {"alpha": alpha, "beta": beta, "m": gauss_pct}
        if name == "LA":
            return "la", lorentz, shape
        return "lf", lorentz, {**shape, "w": 100.0 / (damping * damping)}
    raise SpecError(f"CasaXPS line shape {text!r} cannot be converted; supported: GL, SGL, LA, LF")


def _number(value: float) -> str:
    return f"{value:.6g}"


def lineshape_to_casa(key: str, fwhm: float, shape: Mapping[str, float]) -> tuple[str, float]:
    """Convert an xpsfit line shape to a CasaXPS line-shape string and width field.

    Inverse of :func:`casa_to_lineshape`. Parameters are written with 6 significant digits
    (CasaXPS itself writes the Gaussian width of LA/LF as an integer).

    Parameters
    ----------
    key
        Line-shape key: ``"gaussian"``, ``"lorentzian"``, ``"gl"``, ``"sgl"``, ``"la"`` or
        ``"lf"``.
    fwhm
        The shape's ``fwhm`` argument (eV), > 0.
    shape
        Shape parameters by name; omitted ones take the registry defaults.

    Returns
    -------
    tuple
        ``(text, F)``: CasaXPS line-shape string and width field (eV).

    Raises
    ------
    SpecError
        A shape CasaXPS has no equivalent for (``voigt``, ``pseudo_voigt``,
        ``doniach_sunjic``), LF without damping, unknown parameters or a non-positive FWHM.
    """
    if not (math.isfinite(fwhm) and fwhm > 0.0):
        raise SpecError(f"line shape FWHM must be a finite number > 0 eV, got {fwhm!r}")
    if key not in ("gaussian", "lorentzian", "gl", "sgl", "la", "lf"):
        raise SpecError(
            f"line shape {key!r} has no CasaXPS equivalent; convertible: "
            "gaussian, lorentzian, gl, sgl, la, lf"
        )
    line = LINESHAPES[key]
    unknown = sorted(set(shape) - set(line.param_names))
    if unknown:
        raise SpecError(f"line shape {key!r} has no parameter(s) {', '.join(unknown)}")
    p = {q.name: float(shape.get(q.name, q.default)) for q in line.params}
    if key in ("gaussian", "lorentzian"):
        return ("GL(0)" if key == "gaussian" else "GL(100)"), fwhm
    if key == "gl":
        return f"GL({_number(p['m'])})", fwhm / (2.0 * gl_half_width(p["m"]))
    if key == "sgl":
        return f"SGL({_number(p['m'])})", fwhm
    index = p["m"] / 100.0 / GAUSS_PER_INDEX
    casa_fwhm = fwhm * _voigt_per_lorentz(p["m"] / 100.0) / WIDTH_SCALE
    exponents = f"{_number(p['alpha'])},{_number(p['beta'])}"
    if key == "la":
        return f"LA({exponents},{_number(index)})", casa_fwhm
    if p["w"] <= 0.0:
        raise SpecError("an LF without damping (w = 0) is an LA; use the 'la' line shape")
    damping = 10.0 / math.sqrt(p["w"])
    return f"LF({exponents},{_number(damping)},{_number(index)})", casa_fwhm
