"""The background part of a built model: static arrays and fit-time backgrounds.

* ``"none"``: no background.
* ``"linear"``, ``"shirley"`` and ``"tougaard"`` without fit parameters: computed from the data
  before the fit (:mod:`xpsfit.backgrounds`) and held fixed; ``options["convention"]``
  ``"casaxps"`` ties them to the data and sums them as CasaXPS does
  (:data:`xpsfit.spec.CONVENTIONS`).
* ``"active_shirley"``: ``bg_offset + bg_slope * (E - E_low) + bg_k * integral(E_low..E) of the
  fitted lines``; the step follows the fitted peak signal and ``bg_k`` is fitted with the peaks.
  ``bg_slope`` exists only when the spec gives a ``"slope"`` parameter.
* ``"tougaard"`` with a ``"B"`` parameter: ``bg_offset + bg_B * M(C, D) @ lines`` with the loss
  matrix of :func:`xpsfit.backgrounds.tougaard_matrix`; ``"C"`` (and ``"D"``) are fitted too
  when given and free.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from xpsfit import backgrounds
from xpsfit.background_casa import tie_levels
from xpsfit.background_kernels import TougaardForm, tougaard_form
from xpsfit.errors import SpecError
from xpsfit.spec import CONVENTIONS, BackgroundKind, BackgroundSpec, Param
from xpsfit.spectrum import Spectrum

__all__ = ["BackgroundModel", "background_model", "convention", "integration_background"]

FloatArray = NDArray[np.float64]
ParamRow = tuple[str, float, float, float, bool]
Info = Mapping[str, float | int | bool | str]


@dataclass(frozen=True, eq=False)
class BackgroundModel:
    """Background of one model on one energy grid.

    Parameters
    ----------
    kind
        The spec's background kind.
    binding_energy
        The fit grid, eV (ascending).
    static
        Fixed background subtracted in the fit (zeros for fitted backgrounds), intensity.
    params
        Fit-time parameters ``(name, value, min, max, vary)``.
    basis
        Additive parameters and their unit curves (``bg_offset`` -> 1, ``bg_slope`` -> E - E_low).
    info
        Diagnostics of a static background (iterations, convergence, end levels...).
    tougaard_form, tougaard_gap
        ``"U2"`` or ``"U3"``, and the loss below which the cross-section is 0 (eV), for fitted
        Tougaard.
    fixed_matrix
        Tougaard loss matrix when C and D are not fitted.
    """

    kind: BackgroundKind
    binding_energy: FloatArray
    static: FloatArray
    params: tuple[ParamRow, ...] = ()
    basis: Mapping[str, FloatArray] = field(default_factory=dict)
    info: Info = field(default_factory=dict)
    tougaard_form: TougaardForm = "U2"
    tougaard_gap: float = 0.0
    fixed_matrix: FloatArray | None = None
    _half_dx: FloatArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_half_dx", 0.5 * np.diff(self.binding_energy))

    @property
    def fitted(self) -> bool:
        """True when the step follows the fitted lines (active Shirley, fitted Tougaard)."""
        return self.kind == "active_shirley" or (self.kind == "tougaard" and bool(self.params))

    def integral(self, rows: FloatArray) -> FloatArray:
        """Cumulative trapezoid integral of each row from the lowest energy (intensity x eV).

        The same as :func:`xpsfit.backgrounds.cumulative_integral` on the (ascending) fit grid,
        without its input checks.
        """
        out = np.empty_like(rows)
        out[..., 0] = 0.0
        np.cumsum(self._half_dx * (rows[..., 1:] + rows[..., :-1]), axis=-1, out=out[..., 1:])
        return out

    def step(self, rows: FloatArray, values: Mapping[str, float]) -> FloatArray:
        """The background each signal row (lines, shape ``(..., n)``) carries, intensity."""
        if self.kind == "active_shirley":
            return values["bg_k"] * self.integral(rows)
        if self.kind == "tougaard" and self.params:
            matrix = self.fixed_matrix
            if matrix is None:
                _, c_default, d_default = backgrounds.tougaard_defaults(self.tougaard_form)
                matrix = backgrounds.tougaard_matrix(
                    self.binding_energy,
                    values.get("bg_C", c_default),
                    values.get("bg_D", d_default),
                    self.tougaard_form,
                    self.tougaard_gap,
                )
            loss: FloatArray = values["bg_B"] * (rows @ matrix.T)
            return loss
        return np.zeros_like(rows)


def _row(name: str, given: Param | None, value: float, lo: float, hi: float) -> ParamRow:
    if given is None:
        return (name, value, lo, hi, True)
    pmin, pmax = max(given.min, lo), min(given.max, hi)
    return (name, min(max(float(given.value), pmin), pmax), pmin, pmax, given.vary)


def _static_info(res: backgrounds.BackgroundResult) -> dict[str, float | int | bool | str]:
    info: dict[str, float | int | bool | str] = {
        "iterations": res.iterations,
        "converged": res.converged,
        "tolerance": res.tolerance,
        "change": res.change,
        "message": res.message,
    }
    info.update({k: float(v) for k, v in res.params.items()})
    return info


def convention(bg: BackgroundSpec) -> str:
    """The spec's end-level convention, ``"xpsfit"`` (the default) or ``"casaxps"``.

    Raises
    ------
    SpecError
        Any other value of ``options["convention"]``.
    """
    value = bg.options.get("convention", "xpsfit")
    if value not in CONVENTIONS:
        raise SpecError(
            f"background convention must be one of {', '.join(CONVENTIONS)}, not {value!r}",
            key="background",
        )
    return str(value)


def _gap(bg: BackgroundSpec) -> float:
    """The Tougaard gap of ``options["tougaard_gap"]`` (eV, default 0)."""
    try:
        return float(bg.options.get("tougaard_gap", 0.0))
    except (TypeError, ValueError):
        raise SpecError(
            f"Tougaard gap must be a number of eV, not {bg.options['tougaard_gap']!r}",
            key="background",
        ) from None


def _static(
    bg: BackgroundSpec, spectrum: Spectrum, whole: Spectrum | None
) -> backgrounds.BackgroundResult:
    be, y = spectrum.binding_energy, spectrum.intensity
    opts = bg.options
    points = int(bg.average_points)
    casa = convention(bg) == "casaxps"
    ends: dict[str, Any] = {
        "start_offset": float(opts.get("start_offset", 0.0)),
        "end_offset": float(opts.get("end_offset", 0.0)),
        "average_points": points,
    }
    if casa:
        around = spectrum if whole is None else whole
        window = (float(be[0]), float(be[-1]))
        ends["end_levels"] = tie_levels(around.binding_energy, around.intensity, window, points)
    if bg.kind == "linear":
        return backgrounds.linear(be, y, **ends)
    if bg.kind == "tougaard":
        cross = {n: float(bg.params[n].value) for n in ("C", "D") if n in bg.params}
        return backgrounds.tougaard(
            be,
            y,
            form=tougaard_form(opts),
            gap=_gap(bg),
            **cross,  # type: ignore[arg-type]
            **ends,
        )
    return backgrounds.shirley(
        be,
        y,
        tolerance=float(opts.get("tolerance", 1e-6)),
        max_iterations=int(opts.get("max_iterations", 100)),
        rule="channel_sum" if casa else "trapezoid",
        **ends,
    )


def _fitted_params(
    bg: BackgroundSpec, spectrum: Spectrum, start: Mapping[str, float]
) -> tuple[ParamRow, ...]:
    """Start values from ``start`` (by lmfit name), else from a static Shirley background,
    where the spec does not give them."""
    be = spectrum.binding_energy
    given = bg.params
    needs_offset = "offset" not in given and "bg_offset" not in start
    needs_k = bg.kind == "active_shirley" and "k" not in given and "bg_k" not in start
    i_low = i_high = area = 0.0
    if needs_offset or needs_k:
        points = max(int(bg.average_points), 1)  # a CasaXPS Av Width may be 0
        ref = backgrounds.shirley(be, spectrum.intensity, average_points=points)
        i_low, i_high = ref.params["i_low"], ref.params["i_high"]
        above = np.maximum(spectrum.intensity - ref.background, 0.0)
        area = float((np.diff(be) * (above[1:] + above[:-1]) / 2.0).sum())  # trapezoid rule
    offset = start.get("bg_offset", i_low)
    rows = [_row("bg_offset", given.get("offset"), offset, -math.inf, math.inf)]
    if bg.kind == "active_shirley":
        k0 = max(i_high - i_low, 0.0) / area if area > 0 else 0.0
        rows.append(_row("bg_k", given.get("k"), start.get("bg_k", k0), 0.0, math.inf))
        if "slope" in given:
            rows.append(_row("bg_slope", given["slope"], 0.0, -math.inf, math.inf))
        return tuple(rows)
    b0, c0, d0 = backgrounds.tougaard_defaults(tougaard_form(bg.options))
    rows.append(_row("bg_B", given["B"], b0, 0.0, math.inf))
    for name, default in (("C", c0), ("D", d0)):
        if name in given:
            rows.append(_row(f"bg_{name}", given[name], default, 1e-6, math.inf))
    return tuple(rows)


def integration_background(bg: BackgroundSpec) -> BackgroundSpec:
    """The background of a region fitted without components (an integration region): a
    background fitted with the lines has nothing to follow there, so an active Shirley is
    the static Shirley of the data and a fitted Tougaard the static one (B matched to the
    high-binding-energy end, C and D as given); other backgrounds are already static."""
    if bg.kind == "active_shirley":
        return replace(bg, kind="shirley", params={})
    if bg.kind == "tougaard" and "B" in bg.params:
        return replace(bg, params={n: p for n, p in bg.params.items() if n != "B"})
    return bg


def background_model(
    bg: BackgroundSpec,
    spectrum: Spectrum,
    start: Mapping[str, float] | None = None,
    whole: Spectrum | None = None,
) -> BackgroundModel:
    """Build the background of ``bg`` on the (cropped) spectrum.

    ``start``: start values of fitted background parameters by lmfit name (``bg_offset``,
    ``bg_k``) to use instead of those derived from the data (a static Shirley, which is then
    not computed when it would give none of them); the spec's own values take precedence.
    ``whole``: the spectrum before cropping, whose channels beyond the window CasaXPS's tie
    points average over (``options["convention"] == "casaxps"``); without it only the
    window's own channels are averaged.

    Raises
    ------
    FitError, SpecError
        From :mod:`xpsfit.backgrounds` for unusable data or options.
    """
    be = spectrum.binding_energy
    zeros = np.zeros_like(be)
    form = tougaard_form(bg.options)
    if bg.kind == "none":
        return BackgroundModel("none", be, zeros)
    if bg.kind == "active_shirley" or (bg.kind == "tougaard" and "B" in bg.params):
        params = _fitted_params(bg, spectrum, start or {})
        basis = {"bg_offset": np.ones_like(be)}
        if any(p[0] == "bg_slope" for p in params):
            basis["bg_slope"] = be - be[0]
        names = {p[0] for p in params}
        matrix = None
        gap = _gap(bg)
        if bg.kind == "tougaard" and "bg_C" not in names and "bg_D" not in names:
            _, c0, d0 = backgrounds.tougaard_defaults(form)
            matrix = backgrounds.tougaard_matrix(be, c0, d0, form, gap)
        return BackgroundModel(
            bg.kind, be, zeros, params, MappingProxyType(basis), tougaard_form=form,
            tougaard_gap=gap, fixed_matrix=matrix,
        )  # fmt: skip
    res = _static(bg, spectrum, whole)
    static = np.asarray(res.background, dtype=np.float64)
    return BackgroundModel(bg.kind, be, static, info=MappingProxyType(_static_info(res)))
