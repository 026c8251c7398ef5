"""Charge correction of a whole depth profile: :class:`ChargeCorrection` and the shift (eV)
it gives each etch level (:func:`level_shifts`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

from xpsfit.energy import ADVENTITIOUS_CARBON_EV, charge_correct
from xpsfit.fitting import Weights, fit
from xpsfit.profile import DepthProfile, ProfileError, ProfileLevel
from xpsfit.spec import FitSpec

__all__ = ["ChargeCorrection", "ChargeMode", "level_shifts"]

ChargeMode: TypeAlias = Literal["none", "fixed", "surface", "per_level"]


@dataclass(frozen=True)
class ChargeCorrection:
    """Charge correction of a whole profile.

    Parameters
    ----------
    mode
        ``"none"``; ``"fixed"`` (add ``shift`` eV to every spectrum); ``"surface"`` (locate the
        reference peak in ``reference_region`` at the first level that has it and apply that
        shift to all levels, e.g. adventitious C 1s that sputtering removes); ``"per_level"``
        (each level shifted by its own reference peak, e.g. lattice O 1s; a level without the
        reference takes the previous level's shift).
    shift
        Fixed shift, eV.
    reference_region
        Region holding the reference peak.
    reference_energy
        True position of the reference peak, eV.
    half_width
        Search half-width around the reference position, eV.
    reference_component
        When set, the reference spectrum is fitted with its region's template and this
        component's fitted center is the measured position (more accurate than the peak
        maximum when components overlap; the fit uses the profile's channel weights);
        otherwise the smoothed maximum is used (:func:`xpsfit.energy.find_reference_peak`).
    """

    mode: ChargeMode = "none"
    shift: float = 0.0
    reference_region: str = "C 1s"
    reference_energy: float = ADVENTITIOUS_CARBON_EV
    half_width: float = 4.0
    reference_component: str | None = None

    def describe(self) -> dict[str, object]:
        """The choice as plain data (for ``run.json``)."""
        return {
            "mode": self.mode,
            "shift_ev": self.shift,
            "reference_region": self.reference_region,
            "reference_energy_ev": self.reference_energy,
            "half_width_ev": self.half_width,
            "reference_component": self.reference_component,
        }


def level_shifts(
    profile: DepthProfile,
    cc: ChargeCorrection,
    templates: Mapping[str, FitSpec],
    weights: Weights = "poisson",
) -> dict[int, float]:
    """Charge shift of every level of ``profile`` by level index, eV.

    Parameters
    ----------
    profile
        The depth profile.
    cc
        The charge-correction choice.
    templates
        Fit model per region (used when ``cc.reference_component`` is set).
    weights
        Channel weights of the reference fit, as for :func:`xpsfit.fitting.fit` (the
        profile's own: ``"uniform"`` fits a reference with negative intensities).

    Returns
    -------
    dict of int to float
        Shift to add to each level's binding energies, eV.

    Raises
    ------
    ProfileError
        A non-finite fixed shift, no reference spectrum, or a failed reference fit.
    """
    if cc.mode == "none":
        return {lv.index: 0.0 for lv in profile.levels}
    if cc.mode == "fixed":
        if not math.isfinite(cc.shift):
            raise ProfileError(f"charge shift must be finite, got {cc.shift}")
        return {lv.index: cc.shift for lv in profile.levels}
    refs = [lv for lv in profile.levels if cc.reference_region in lv.spectra]
    if not refs:
        raise ProfileError(
            f"sample {profile.sample!r}: no {cc.reference_region} spectrum for charge correction"
        )
    shifts: dict[int, float] = {}
    current = _measure(refs[0], cc, templates, weights)
    for lv in profile.levels:
        if cc.mode == "per_level" and cc.reference_region in lv.spectra:
            current = _measure(lv, cc, templates, weights)
        shifts[lv.index] = current
    return shifts


def _measure(
    level: ProfileLevel, cc: ChargeCorrection, templates: Mapping[str, FitSpec], weights: Weights
) -> float:
    """The shift (eV) the reference spectrum of ``level`` gives."""
    ref = level.spectra[cc.reference_region]
    if cc.reference_component is not None:
        spec = templates.get(cc.reference_region)
        if spec is None:
            raise ProfileError(f"no template for the reference region {cc.reference_region!r}")
        result = fit(ref, spec, weights=weights)
        if not result.ok:
            raise ProfileError(f"{ref.full_label}: reference fit {result.status}: {result.message}")
        return cc.reference_energy - result.line(cc.reference_component).center.value
    _, shift = charge_correct(
        [], reference=ref, reference_energy=cc.reference_energy, half_width=cc.half_width
    )
    return shift
