"""Energy scales: kinetic to binding energy, and charge correction.

Binding energy from kinetic energy uses each spectrum's own photon energy,
``BE = h*nu - KE - calibration``. Instrument kinetic energies (SPECS, Scienta, VAMAS) are already
referenced to the spectrometer's Fermi level, so the analyser work function is NOT subtracted
again. Data recorded without a photon energy (electron-excited Auger, ``source_energy == 0``)
are refused rather than converted blindly.

Charge correction shifts a chosen group of spectra by one common amount, either fixed or found
from a reference peak (default: the C-C component of adventitious carbon C 1s at 284.8 eV). The
shift is recorded through :meth:`Spectrum.shifted` (``metadata["charge_shift"]`` and its history).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.ndimage import gaussian_filter1d

from xpsfit.errors import XpsfitError
from xpsfit.spectrum import Spectrum

FloatArray = NDArray[np.float64]

#: Adventitious carbon C 1s (C-C/C-H) reference binding energy, eV.
ADVENTITIOUS_CARBON_EV = 284.8
#: Half-width of the search window around the expected reference position, eV.
REFERENCE_SEARCH_HALF_WIDTH = 4.0
#: Width (one sigma) of the Gaussian smoothing applied before locating the maximum, eV.
REFERENCE_SMOOTHING_EV = 0.3


def kinetic_to_binding(
    kinetic_energy: ArrayLike, source_energy: float, calibration: float = 0.0
) -> FloatArray:
    """Convert kinetic energies to binding energies.

    Parameters
    ----------
    kinetic_energy
        Kinetic energies referenced to the spectrometer Fermi level, eV.
    source_energy
        Photon energy h*nu of this spectrum, eV; must be positive.
    calibration
        Extra calibration shift subtracted from the result, eV (0 by default). Never pass the
        analyser work function here: the kinetic energies already include it.

    Returns
    -------
    numpy.ndarray
        ``source_energy - kinetic_energy - calibration``, eV.

    Raises
    ------
    XpsfitError
        If ``source_energy`` is not a positive finite number (e.g. Auger data stored with 0).
    """
    if not np.isfinite(source_energy) or source_energy <= 0:
        raise XpsfitError(
            f"cannot convert kinetic to binding energy without a photon energy "
            f"(source energy {source_energy!r} eV; electron-excited Auger data?)"
        )
    ke = np.asarray(kinetic_energy, dtype=np.float64)
    return np.asarray(source_energy - ke - calibration, dtype=np.float64)


def binding_to_kinetic(
    binding_energy: ArrayLike, source_energy: float, calibration: float = 0.0
) -> FloatArray:
    """Inverse of :func:`kinetic_to_binding`: ``KE = h*nu - BE - calibration`` (eV)."""
    if not np.isfinite(source_energy) or source_energy <= 0:
        raise XpsfitError(f"no photon energy (source energy {source_energy!r} eV)")
    be = np.asarray(binding_energy, dtype=np.float64)
    return np.asarray(source_energy - be - calibration, dtype=np.float64)


def find_reference_peak(
    spectrum: Spectrum,
    expected: float = ADVENTITIOUS_CARBON_EV,
    half_width: float = REFERENCE_SEARCH_HALF_WIDTH,
) -> float:
    """Locate the reference component (by default C 1s C-C) in a spectrum.

    Method: the intensities within ``expected +- half_width`` eV are smoothed with a Gaussian of
    :data:`REFERENCE_SMOOTHING_EV` eV, the largest smoothed channel is taken, and its position
    is refined by the vertex of a parabola through the logarithm of that channel and its two
    neighbours (exact for a Gaussian peak). For adventitious carbon the C-C component is the
    most intense one in this window; when another component dominates (e.g. C-O in PEG), pass
    a narrower ``half_width``.

    Parameters
    ----------
    spectrum
        The reference spectrum (binding-energy axis, eV).
    expected
        Nominal position of the reference peak, eV (before correction).
    half_width
        Half-width of the search window, eV.

    Returns
    -------
    float
        Measured peak position, eV.

    Raises
    ------
    XpsfitError
        If the window holds fewer than 5 finite channels or no positive maximum.
    """
    be, y = spectrum.binding_energy, spectrum.intensity
    keep = (np.abs(be - expected) <= half_width) & np.isfinite(y)
    if int(keep.sum()) < 5:
        raise XpsfitError(
            f"spectrum {spectrum.full_label}: fewer than 5 channels within {expected:g} +- "
            f"{half_width:g} eV to locate the reference peak"
        )
    x, yy = be[keep], y[keep]
    step = float(np.median(np.abs(np.diff(x)))) or 1.0
    smooth = gaussian_filter1d(yy, REFERENCE_SMOOTHING_EV / step, mode="nearest")
    i = int(np.argmax(smooth))
    if smooth[i] <= 0:
        raise XpsfitError(f"spectrum {spectrum.full_label}: no positive peak near {expected:g} eV")
    if 0 < i < x.size - 1 and np.all(smooth[i - 1 : i + 2] > 0):
        la, lb, lc = np.log(smooth[i - 1 : i + 2])
        denom = la - 2 * lb + lc
        if denom < 0:
            offset = 0.5 * (la - lc) / denom
            return float(x[i] + offset * (x[i + 1] - x[i - 1]) / 2)
    return float(x[i])


def apply_shift(spectra: Sequence[Spectrum], shift: float, reason: str) -> list[Spectrum]:
    """Shift every spectrum of a group by ``shift`` eV and record it (see :meth:`Spectrum.shifted`).

    Raises
    ------
    XpsfitError
        If ``shift`` is not finite.
    """
    if not np.isfinite(shift):
        raise XpsfitError(f"charge shift must be a finite number of eV, got {shift!r}")
    return [s.shifted(float(shift), reason) for s in spectra]


def charge_correct(
    spectra: Sequence[Spectrum],
    *,
    shift: float | None = None,
    reference: Spectrum | None = None,
    reference_energy: float = ADVENTITIOUS_CARBON_EV,
    half_width: float = REFERENCE_SEARCH_HALF_WIDTH,
) -> tuple[list[Spectrum], float]:
    """Charge-correct a chosen group of spectra by one common shift.

    Give either a fixed ``shift`` (eV, added to every binding energy) or a ``reference``
    spectrum (normally C 1s of the same acquisition/level): the shift is then
    ``reference_energy - find_reference_peak(reference)``.

    Parameters
    ----------
    spectra
        The group to correct (e.g. all regions of one sample and etch level).
    shift
        Fixed shift, eV.
    reference
        Spectrum holding the reference component.
    reference_energy
        True position of the reference component, eV (284.8 for adventitious C-C).
    half_width
        Search half-width around ``reference_energy`` for the reference peak, eV.

    Returns
    -------
    (list of Spectrum, float)
        The shifted spectra (shift recorded in ``metadata``) and the shift applied, eV.

    Raises
    ------
    XpsfitError
        If neither or both of ``shift`` and ``reference`` are given, or the reference peak
        cannot be located.
    """
    if reference is not None and shift is None:
        measured = find_reference_peak(reference, reference_energy, half_width)
        applied = reference_energy - measured
        reason = (
            f"charge correction: {reference.region or 'reference'} peak at {measured:.3f} eV "
            f"set to {reference_energy:.3f} eV"
        )
    elif shift is not None and reference is None:
        applied = float(shift)
        reason = f"charge correction: fixed shift {applied:+.3f} eV"
    else:
        raise XpsfitError("give exactly one of a fixed shift or a reference spectrum")
    return apply_shift(spectra, applied, reason), float(applied)
