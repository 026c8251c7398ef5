"""Photoemission line shapes and their registry.

Every shape is a plain function ``f(x, area, center, fwhm, **shape)`` of the binding energy ``x``
(eV, any order, evaluated elementwise) that is linear in ``area`` (the integral over energy, in
intensity x eV). The registry :data:`LINESHAPES` maps a key (``"gl"``) to a :class:`LineShape`
describing the function, its extra parameters and a one-line formula; :func:`evaluate` and
:func:`height` look shapes up by key.

Conventions follow CasaXPS where CasaXPS has the shape: ``m`` is the Lorentzian percentage
(0 = Gaussian, 100 = Lorentzian), and asymmetric tails lie on the high binding-energy side.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize_scalar

from xpsfit.errors import SpecError
from xpsfit.lineshapes_casa import doniach_sunjic, gl, gl_half_width, la, lf, sgl
from xpsfit.lineshapes_symmetric import gaussian, lorentzian, pseudo_voigt, voigt, voigt_widths

__all__ = [
    "LINESHAPES",
    "LineShape",
    "ShapeParam",
    "doniach_sunjic",
    "evaluate",
    "gaussian",
    "gl",
    "gl_half_width",
    "height",
    "la",
    "lf",
    "lorentzian",
    "pseudo_voigt",
    "sgl",
    "voigt",
    "voigt_widths",
]


@dataclass(frozen=True)
class ShapeParam:
    """An extra line-shape parameter beyond area, center and FWHM.

    Parameters
    ----------
    name
        Keyword name of the parameter in the shape function (e.g. ``"m"``).
    default
        Default value.
    min, max
        Physically sensible bounds (inclusive), used as fit bounds.
    description
        What the parameter means, with its unit.
    """

    name: str
    default: float
    min: float
    max: float
    description: str


@dataclass(frozen=True)
class LineShape:
    """A registered line shape.

    Parameters
    ----------
    key
        Registry key (e.g. ``"gl"``).
    label
        Display name (e.g. ``"GL(m)"``).
    func
        The shape function ``func(x, area, center, fwhm, **shape)``.
    params
        Extra parameters in call order.
    formula
        One-line formula for documentation and tooltips.
    tabulated
        True for closed-form location-scale shapes, ``func(x, A, E, F) = (A/F) g((x-E)/F)``
        with ``g`` fixed by the shape parameters: fits evaluate them from a table of ``g``
        (:mod:`xpsfit.unit_profiles`) while the shape parameters stay fixed.
    """

    key: str
    label: str
    func: Callable[..., NDArray[np.float64]]
    params: tuple[ShapeParam, ...]
    formula: str
    tabulated: bool = False

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of the extra parameters in call order."""
        return tuple(p.name for p in self.params)


_M_GL = ShapeParam(
    "m", 30.0, 0.0, 100.0, "Lorentzian percentage (%), 0 = Gaussian, 100 = Lorentzian"
)


_ALPHA = ShapeParam("alpha", 1.0, 0.05, 10.0, "Lorentzian exponent, high binding-energy side")
_BETA = ShapeParam("beta", 1.0, 0.05, 10.0, "Lorentzian exponent, low binding-energy side")
_M_LA = ShapeParam("m", 0.0, 0.0, 500.0, "Gaussian broadening FWHM in percent of F (%)")


def _registry() -> Mapping[str, LineShape]:
    shapes = (
        LineShape(
            "gaussian", "Gaussian", gaussian, (), "A sqrt(4 ln2/pi)/F exp(-4 ln2 (x-E)^2/F^2)", True
        ),
        LineShape(
            "lorentzian", "Lorentzian", lorentzian, (), "(2A/(pi F)) / (1 + 4 (x-E)^2/F^2)", True
        ),
        LineShape(
            "gl",
            "GL(m)",
            gl,
            (_M_GL,),
            "A/N exp(-4 ln2 (1-m/100) u^2) / (1 + 4 (m/100) u^2), u = (x-E)/F_c",
            True,
        ),
        LineShape(
            "sgl", "SGL(m)", sgl, (_M_GL,), "(1-m/100) G(x; A,E,F) + (m/100) L(x; A,E,F)", True
        ),
        LineShape(
            "pseudo_voigt",
            "Pseudo-Voigt",
            pseudo_voigt,
            (ShapeParam("m", 50.0, 0.0, 100.0, "Lorentzian fraction eta in percent (%)"),),
            "(1-eta) G(x; A,E,F) + eta L(x; A,E,F), eta = m/100",
            True,
        ),
        LineShape(
            "voigt",
            "Voigt",
            voigt,
            (
                ShapeParam(
                    "m", 30.0, 0.0, 100.0, "Lorentzian share 100 fL/(fL+fG) of the widths (%)"
                ),
            ),
            "A Re w((x-E+i fL/2)/(sigma sqrt2)) / (sigma sqrt(2 pi)), total FWHM F",
            True,
        ),
        LineShape(
            "doniach_sunjic",
            "Doniach-Sunjic",
            doniach_sunjic,
            (
                ShapeParam("alpha", 0.1, 0.0, 0.5, "asymmetry (singularity index), dimensionless"),
                ShapeParam("gauss_fwhm", 0.3, 0.0, 5.0, "FWHM of the Gaussian broadening (eV)"),
            ),
            "cos(pi a/2 + (1-a) atan((E-x)/g)) / ((x-E)^2 + g^2)^((1-a)/2) (x) Gauss, g = F/2",
        ),
        LineShape(
            "la",
            "LA(alpha,beta,m)",
            la,
            (_ALPHA, _BETA, _M_LA),
            "L^alpha (x > E, high BE) | L^beta (x <= E), L = 1/(1+4(x-E)^2/F^2), (x) Gauss(m% F)",
        ),
        LineShape(
            "lf",
            "LF(alpha,beta,w,m)",
            lf,
            (
                _ALPHA,
                _BETA,
                ShapeParam("w", 0.0, 0.0, 500.0, "tail damping strength 100 F^2/D^2 (%)"),
                _M_LA,
            ),
            "L^e, e = 3 - (3-a)/(1 + 4 (w/100) (x-E)^2/F^2), a = alpha (x > E) | beta, "
            "L = 1/(1+4(x-E)^2/F^2), (x) Gauss(m% F)",
        ),
    )
    return MappingProxyType({s.key: s for s in shapes})


LINESHAPES: Mapping[str, LineShape] = _registry()
"""Every line shape by key (read-only)."""


def _lookup(key: str) -> LineShape:
    try:
        return LINESHAPES[key]
    except KeyError:
        known = ", ".join(LINESHAPES)
        raise SpecError(f"unknown line shape {key!r}; known line shapes: {known}") from None


def _shape_kwargs(shape: LineShape, given: Mapping[str, float]) -> dict[str, float]:
    unknown = sorted(set(given) - set(shape.param_names))
    if unknown:
        allowed = ", ".join(shape.param_names) or "none"
        raise SpecError(
            f"line shape {shape.key!r} has no parameter(s) {', '.join(unknown)}; "
            f"its parameters: {allowed}"
        )
    return {name: float(value) for name, value in given.items()}


def evaluate(
    key: str, x: ArrayLike, area: float, center: float, fwhm: float, **shape: float
) -> NDArray[np.float64]:
    """Evaluate the registered line shape ``key``.

    Parameters
    ----------
    key
        Registry key (see :data:`LINESHAPES`).
    x
        Binding energy (eV).
    area
        Area (intensity x eV; for divergent shapes the finite-window convention of the shape).
    center
        Peak position (eV).
    fwhm
        Full width at half maximum (eV), > 0.
    **shape
        Extra line-shape parameters by name; omitted ones take their defaults.

    Returns
    -------
    numpy.ndarray
        Intensity at each ``x``.

    Raises
    ------
    SpecError
        Unknown key, unknown shape parameter, or a non-positive or non-finite FWHM.
    """
    line = _lookup(key)
    kwargs = _shape_kwargs(line, shape)
    if not (math.isfinite(fwhm) and fwhm > 0.0):
        raise SpecError(f"line shape {key!r} needs a finite FWHM > 0 eV, got {fwhm!r}")
    return line.func(x, area, center, fwhm, **kwargs)


def height(key: str, area: float, center: float, fwhm: float, **shape: float) -> float:
    """Maximum value of a line shape (the peak height).

    Found by a dense scan of center +/- 3 FWHM (plus any Gaussian broadening) and a bounded
    refinement around the best sample, so it holds for asymmetric shapes whose maximum is off
    ``center`` too.

    Parameters
    ----------
    key
        Registry key.
    area, center, fwhm
        As in :func:`evaluate`.
    **shape
        Extra line-shape parameters.

    Returns
    -------
    float
        Peak maximum (intensity), or the minimum for a negative ``area``.
    """
    line = _lookup(key)
    kwargs = _shape_kwargs(line, shape)
    if area == 0.0:
        return 0.0
    widen = 1.0 + kwargs.get("m", 0.0) / 100.0
    reach = 3.0 * fwhm * widen + 3.0 * kwargs.get("gauss_fwhm", 0.0)
    grid = np.linspace(center - reach, center + reach, 2001)
    values = line.func(grid, 1.0, center, fwhm, **kwargs)
    best = int(np.argmax(values))
    step = grid[1] - grid[0]
    lo, hi = grid[best] - step, grid[best] + step
    res = minimize_scalar(
        lambda e: -float(line.func(np.array([e]), 1.0, center, fwhm, **kwargs)[0]),
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": step * 1e-6},
    )
    return area * max(-float(res.fun), float(values[best]))
