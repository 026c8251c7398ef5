"""Fit-time background kernels: cumulative integrals, the Shirley step and the Tougaard loss.

These functions are pure and fast and check shapes only; the static backgrounds of
:mod:`xpsfit.backgrounds` validate their input fully. The binding-energy axis may come in
either order; outputs follow the input order. Electrons that lose energy appear at *higher*
binding energy, so a loss background at ``E`` is built from the signal at ``E' < E``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, TypeAlias, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xpsfit.errors import FitError, SpecError

FloatArray: TypeAlias = NDArray[np.float64]
TougaardForm: TypeAlias = Literal["U2", "U3"]

#: Tougaard's universal cross-section for metals (U2: B, C in eV^2) and the D (eV^2) it
#: leaves unused: what a U2 background takes where a spec gives none.
TOUGAARD_B = 2866.0
TOUGAARD_C = 1643.0
TOUGAARD_D = 1.0
#: Tougaard's three-parameter universal cross-section for polymers (U3: B, C, D in eV^2;
#: Tougaard, Surf. Interface Anal. 25 (1997) 137): what a U3 background takes where a spec
#: gives none (the U2 values in the U3 form would make one sharp loss at 40.5 eV).
TOUGAARD_U3 = (434.0, 551.0, 436.0)


def tougaard_form(options: Mapping[str, object]) -> TougaardForm:
    """The cross-section form a background's options ask for: ``"U3"`` when
    ``options["tougaard_form"]`` says so, else ``"U2"`` (the default)."""
    return "U3" if options.get("tougaard_form") == "U3" else "U2"


def tougaard_defaults(form: str) -> tuple[float, float, float]:
    """The universal ``(B, C, D)`` (eV^2) of a cross-section form: ``"U3"`` the polymer
    values :data:`TOUGAARD_U3`, any other the U2 values (:data:`TOUGAARD_B`, ...)."""
    return TOUGAARD_U3 if form == "U3" else (TOUGAARD_B, TOUGAARD_C, TOUGAARD_D)


def _check_axis(binding_energy: ArrayLike, signal: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(binding_energy, dtype=np.float64)
    s = np.asarray(signal, dtype=np.float64)
    if x.ndim != 1 or x.size < 1 or s.ndim < 1 or s.shape[-1] != x.size:
        raise FitError(
            f"signal of shape {s.shape} does not match a binding-energy axis of shape {x.shape}"
        )
    return x, s


def cumtrapz_ascending(x: FloatArray, s: FloatArray) -> FloatArray:
    """Cumulative trapezoid integral on an ascending axis, without checks.

    Parameters
    ----------
    x
        Ascending binding-energy axis, eV, shape ``(n,)``.
    s
        Values on that axis, shape ``(..., n)``.

    Returns
    -------
    numpy.ndarray
        ``result[..., i]`` = integral of ``s`` from ``x[0]`` to ``x[i]`` (signal x eV).
    """
    out = np.zeros(s.shape)
    if x.size > 1:
        np.cumsum(0.5 * np.diff(x) * (s[..., 1:] + s[..., :-1]), axis=-1, out=out[..., 1:])
    return out


def cumulative_integral(binding_energy: ArrayLike, signal: ArrayLike) -> FloatArray:
    """Cumulative trapezoid integral of ``signal`` from the low-binding-energy end.

    ``result[i] = integral of signal dE from min(E) to E_i``, so the result is 0 at the lowest
    binding energy whatever the order of the axis.

    Parameters
    ----------
    binding_energy
        Monotonic binding-energy axis (ascending or descending), eV, shape ``(n,)``.
    signal
        Values on that axis, shape ``(..., n)``; leading axes are independent signals.

    Returns
    -------
    numpy.ndarray
        Integral (signal x eV), same shape and channel order as ``signal``.
    """
    x, s = _check_axis(binding_energy, signal)
    if x[0] > x[-1]:
        return cumtrapz_ascending(x[::-1], s[..., ::-1])[..., ::-1]
    return cumtrapz_ascending(x, s)


def shirley_step(binding_energy: ArrayLike, signal: ArrayLike) -> FloatArray:
    """Normalised Shirley step of ``signal``: its cumulative integral divided by its total.

    The step is 0 at the lowest and 1 at the highest binding energy; an active Shirley
    background is ``I_low + k * shirley_step(E, peaks)``. Where the total integral is 0 the
    step is 0 everywhere.

    Parameters
    ----------
    binding_energy, signal
        As for :func:`cumulative_integral` (eV; shape ``(n,)`` and ``(..., n)``).

    Returns
    -------
    numpy.ndarray
        Dimensionless step, same shape and channel order as ``signal``.
    """
    x, s = _check_axis(binding_energy, signal)
    descending = bool(x[0] > x[-1])
    if descending:
        x, s = x[::-1], s[..., ::-1]
    area = cumtrapz_ascending(x, s)
    total = area[..., -1:]
    step = np.divide(area, total, out=np.zeros(area.shape), where=total != 0)
    return step[..., ::-1] if descending else step


def _check_cross_section(C: float, D: float, form: str) -> None:
    if form not in get_args(TougaardForm):
        raise SpecError(f"Tougaard form must be 'U2' or 'U3', not {form!r}")
    if not (np.isfinite(C) and C > 0):
        raise SpecError(f"Tougaard C must be a positive number of eV^2, not {C}")
    if form == "U3" and not (np.isfinite(D) and D > 0):
        raise SpecError(f"Tougaard D must be a positive number of eV^2 for U3, not {D}")


def tougaard_kernel(
    energy_loss: ArrayLike,
    C: float,
    D: float = 1.0,
    form: TougaardForm = "U2",
    gap: float = 0.0,
) -> FloatArray:
    """Universal inelastic cross-section of Tougaard with B = 1.

    ``U2: K(T) = T / (C + T^2)^2`` and ``U3: K(T) = T / ((C - T^2)^2 + D T^2)``, for an energy
    loss ``T >= 0``; K is 0 for ``T <= 0`` and for losses below the ``gap`` (the band gap of an
    insulator, CasaXPS's fourth cross-section number). ``U2`` peaks at ``T = sqrt(C / 3)``;
    ``U3`` with ``D = 4 C`` equals ``U2``.

    Parameters
    ----------
    energy_loss
        Energy loss T, eV.
    C, D
        Cross-section parameters, eV^2, > 0 (universal U2: C = 1643; U3 for polymers: C = 551,
        D = 436, see :func:`tougaard_defaults`; D is used by U3 only).
    form
        ``"U2"`` or ``"U3"``.
    gap
        Smallest loss with a cross-section, eV, >= 0 (losses within 1e-9 of it included).

    Returns
    -------
    numpy.ndarray
        K(T) / B, 1/eV^3 (times B in eV^2 it is a loss probability per eV).
    """
    _check_cross_section(C, D, form)
    if not (np.isfinite(gap) and gap >= 0):
        raise SpecError(f"Tougaard gap must be a finite energy >= 0 eV, not {gap}")
    loss = np.asarray(energy_loss, dtype=np.float64)
    t = np.maximum(loss, 0.0, out=np.empty(loss.shape))
    denom = np.multiply(t, t)
    if form == "U2":
        denom += C
        denom *= denom
    else:
        square = C - denom
        square *= square
        denom *= D
        denom += square
    out = np.divide(t, denom, out=t)
    if gap > 0:
        out[loss < gap - 1e-9 * max(gap, 1.0)] = 0.0
    return out


def _trapezoid_weights(x: FloatArray) -> FloatArray:
    weights = np.zeros(x.size)
    if x.size > 1:
        d = np.abs(np.diff(x))
        weights[0] = 0.5 * d[0]
        weights[-1] = 0.5 * d[-1]
        weights[1:-1] = 0.5 * (d[:-1] + d[1:])
    return weights


def _uniform_spacing(x: FloatArray) -> float:
    """The channel spacing of an evenly spaced axis (signed, eV), or 0 when uneven."""
    d = np.diff(x)
    h = float(d[0])
    return h if h != 0 and bool(np.all(np.abs(d - h) <= 1e-9 * abs(h))) else 0.0


def tougaard_matrix(
    binding_energy: ArrayLike,
    C: float,
    D: float = 1.0,
    form: TougaardForm = "U2",
    gap: float = 0.0,
) -> FloatArray:
    """Matrix of the Tougaard loss integral on an axis, with B = 1.

    ``(M @ j)[i] = integral over E' < E_i of K(E_i - E') j(E') dE'`` by the trapezoid rule on
    the channels, with K from :func:`tougaard_kernel`. The Tougaard background of a signal
    ``j`` is ``B * M @ j``. On an evenly spaced axis the kernel is evaluated once per lag.

    Parameters
    ----------
    binding_energy
        Monotonic binding-energy axis (ascending or descending), eV, shape ``(n,)``.
    C, D, form, gap
        Cross-section, as in :func:`tougaard_kernel` (eV^2, eV^2, ``"U2"`` or ``"U3"``, eV).

    Returns
    -------
    numpy.ndarray
        Shape ``(n, n)``, rows and columns in the order of the input axis, 1/eV^2.
    """
    x = np.asarray(binding_energy, dtype=np.float64)
    if x.ndim != 1 or x.size < 1:
        raise FitError(f"binding-energy axis must be one-dimensional and non-empty, not {x.shape}")
    n = x.size
    weights = _trapezoid_weights(x)
    h = _uniform_spacing(x) if n > 1 else 0.0
    if h == 0.0:
        matrix = tougaard_kernel(np.subtract.outer(x, x), C, D, form, gap)
        matrix *= weights
        return matrix
    # Evenly spaced: M[i, k] = K(|i - k| h) on one side of the diagonal (a Toeplitz matrix).
    per_lag = tougaard_kernel(abs(h) * np.arange(n), C, D, form, gap)
    pieces = (per_lag[::-1], np.zeros(n - 1)) if h > 0 else (np.zeros(n - 1), per_lag)
    windows = np.lib.stride_tricks.sliding_window_view(np.concatenate(pieces), n)[::-1]
    return np.multiply(windows, weights, out=np.empty((n, n)))
