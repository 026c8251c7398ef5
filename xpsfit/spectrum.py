"""The spectrum data model: one immutable XPS spectrum on a binding-energy axis."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xpsfit.errors import FitError

FloatArray = NDArray[np.float64]

#: Photon energies of the common laboratory sources, eV.
SOURCE_ENERGIES: Mapping[str, float] = MappingProxyType(
    {"Al Ka": 1486.6, "Mg Ka": 1253.6, "Ag La": 2984.3, "Cr Ka": 5414.8}
)


def _readonly(values: ArrayLike, name: str) -> FloatArray:
    arr = np.array(values, dtype=np.float64, copy=True).reshape(-1)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class Spectrum:
    """One XPS spectrum on an ascending binding-energy axis.

    The arrays are copied, sorted so that ``binding_energy`` ascends (whatever order the file
    had) and made read-only. Use :meth:`replace` to derive a changed spectrum.

    Parameters
    ----------
    binding_energy
        Binding energies, eV.
    intensity
        Counts (or counts per second) per channel.
    uncertainty
        One standard deviation per channel, same unit as ``intensity``. ``None`` means Poisson
        statistics: ``sqrt(max(intensity, 1))`` (see :attr:`sigma`).
    region
        Region label as the user knows it, e.g. ``"Co 2p"``.
    element, transition
        e.g. ``"Co"`` and ``"2p"``.
    source_label
        e.g. ``"Al Ka"``.
    source_energy
        Photon energy, eV (0 when unknown or for Auger data recorded without one).
    pass_energy
        Analyser pass energy, eV.
    scans
        Number of scans summed.
    dwell_time
        Dwell time per channel, s.
    sample
        Sample identifier.
    source_file
        Path of the file the spectrum came from.
    block
        Identifier of the block/region inside that file.
    etch_level
        Index of the sputter (etch) level, 0 = as received; ``None`` when not a profile.
    etch_time
        Cumulative sputter time, s.
    metadata
        Any further metadata (read-only mapping of plain values), e.g. charge correction,
        transmission, experiment variables.
    """

    binding_energy: FloatArray
    intensity: FloatArray
    uncertainty: FloatArray | None = None
    region: str = ""
    element: str = ""
    transition: str = ""
    source_label: str = ""
    source_energy: float = 0.0
    pass_energy: float | None = None
    scans: int | None = None
    dwell_time: float | None = None
    sample: str = ""
    source_file: str = ""
    block: str = ""
    etch_level: int | None = None
    etch_time: float | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        be = _readonly(self.binding_energy, "binding_energy")
        y = _readonly(self.intensity, "intensity")
        if be.shape != y.shape:
            raise ValueError(
                f"binding_energy has {be.size} points but intensity has {y.size} "
                f"(spectrum {self.region or self.block or '?'})"
            )
        unc = None if self.uncertainty is None else _readonly(self.uncertainty, "uncertainty")
        if unc is not None and unc.shape != be.shape:
            raise ValueError("uncertainty must have one value per channel")
        if be.size > 1 and be[0] > be[-1]:
            order = np.arange(be.size)[::-1]
            be, y = _readonly(be[order], ""), _readonly(y[order], "")
            unc = None if unc is None else _readonly(unc[order], "")
        object.__setattr__(self, "binding_energy", be)
        object.__setattr__(self, "intensity", y)
        object.__setattr__(self, "uncertainty", unc)
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))

    # -- derived -----------------------------------------------------------------------------
    @property
    def n_points(self) -> int:
        """Number of channels."""
        return int(self.binding_energy.size)

    @property
    def sigma(self) -> FloatArray:
        """Per-channel standard deviation: the given uncertainty, or Poisson ``sqrt(max(I, 1))``."""
        if self.uncertainty is not None:
            return self.uncertainty
        s = np.sqrt(np.clip(np.nan_to_num(self.intensity, nan=1.0), 1.0, None))
        s.setflags(write=False)
        return s

    @property
    def kinetic_energy(self) -> FloatArray:
        """Kinetic energies ``source_energy - binding_energy``, eV (needs a source energy)."""
        if self.source_energy <= 0:
            raise ValueError(
                f"spectrum {self.full_label}: no source energy, kinetic energy unknown"
            )
        return self.source_energy - self.binding_energy

    @property
    def label(self) -> str:
        """A short human-readable name: sample, region and etch level."""
        parts = [p for p in (self.sample, self.region or self.block) if p]
        if self.etch_level is not None:
            parts.append(f"level {self.etch_level}")
        return " / ".join(parts) or "spectrum"

    @property
    def full_label(self) -> str:
        """:attr:`label` with the block id when that tells more (``"Ti 2p [sheet Ti2p_3]"``):
        tells apart spectra of one region in one file, e.g. in error messages."""
        label = self.label
        if self.block and self.block not in label:
            return f"{label} [{self.block}]"
        return label

    def replace(self, **changes: Any) -> Spectrum:
        """Return a copy with the given fields changed (arrays are copied again)."""
        return dataclasses.replace(self, **changes)

    def crop(self, lo: float, hi: float) -> Spectrum:
        """Return the channels with ``lo <= binding_energy <= hi`` (eV).

        Raises
        ------
        FitError
            If fewer than 2 channels remain.
        """
        lo, hi = min(lo, hi), max(lo, hi)
        keep = (self.binding_energy >= lo) & (self.binding_energy <= hi)
        if int(keep.sum()) < 2:
            raise FitError(
                f"spectrum {self.full_label}: window {lo:g}-{hi:g} eV holds fewer than 2 channels "
                f"(data span {self.binding_energy[0]:g}-{self.binding_energy[-1]:g} eV)"
            )
        unc = None if self.uncertainty is None else self.uncertainty[keep]
        return self.replace(
            binding_energy=self.binding_energy[keep],
            intensity=self.intensity[keep],
            uncertainty=unc,
        )

    def shifted(self, shift: float, reason: str = "charge correction") -> Spectrum:
        """Return the spectrum with ``binding_energy + shift`` (eV) and the shift recorded.

        Shifts accumulate in ``metadata["charge_shift"]`` (eV) with their reasons in
        ``metadata["charge_shift_history"]``.
        """
        meta = dict(self.metadata)
        meta["charge_shift"] = float(meta.get("charge_shift", 0.0)) + float(shift)
        meta["charge_shift_history"] = (*meta.get("charge_shift_history", ()), (reason, shift))
        return self.replace(binding_energy=self.binding_energy + shift, metadata=meta)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Spectrum):
            return NotImplemented
        for f in dataclasses.fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                if a is None or b is None or not np.array_equal(a, b, equal_nan=True):
                    return False
            elif f.name == "metadata":
                if dict(a) != dict(b):
                    return False
            elif a != b:
                return False
        return True

    __hash__ = None  # type: ignore[assignment]
