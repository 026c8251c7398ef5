"""Depth profiles: the spectra of one sample grouped by etch level and region.

A :class:`DepthProfile` holds one :class:`ProfileLevel` per sputter (etch) step; each level
carries its cumulative etch time (s), its depth (nm, when a depth scale gives one) and one
spectrum per region. How depth was obtained is a :class:`DepthScale`: from a sputter rate
calibrated on a named reference material, from a per-level table, or not at all (the axis is
then the etch time or the level index). The choice travels with the profile into every export.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal, TypeAlias

from xpsfit.errors import XpsfitError
from xpsfit.spectrum import Spectrum

log = logging.getLogger(__name__)

DepthMode: TypeAlias = Literal["sputter_rate", "table", "etch_time", "level_index"]
_RATE_RE = re.compile(
    r"^\s*([-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)\s*(nm|angstrom|a|å)\s*/\s*(s|sec|min)\s*$",
    re.IGNORECASE,
)


class ProfileError(XpsfitError):
    """A set of spectra does not form a consistent depth profile, or a depth scale is invalid."""


@dataclass(frozen=True)
class SputterRate:
    """A sputter (etch) rate calibrated on a reference material.

    Parameters
    ----------
    nm_per_s
        Removal rate, nm/s (> 0).
    reference_material
        The film the rate was calibrated on (e.g. ``"Ta2O5"``); empty when unknown.
    """

    nm_per_s: float
    reference_material: str = ""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.nm_per_s) and self.nm_per_s > 0.0):
            raise ProfileError(f"sputter rate must be a finite value > 0 nm/s, got {self.nm_per_s}")

    @classmethod
    def parse(cls, text: str, reference_material: str = "") -> SputterRate:
        """Read a rate such as ``"0.1nm/s"``, ``"6 nm/min"`` or ``"1.5 A/s"`` (Angstrom).

        Raises
        ------
        ProfileError
            If the text is not a number with a length/time unit.
        """
        match = _RATE_RE.match(text)
        if match is None:
            raise ProfileError(
                f"cannot read sputter rate {text!r}; write e.g. '0.1nm/s' or '6nm/min'"
            )
        value = float(match.group(1))
        if match.group(2).lower() in ("a", "angstrom", "å"):
            value *= 0.1
        if match.group(3).lower() == "min":
            value /= 60.0
        return cls(value, reference_material)


@dataclass(frozen=True)
class DepthScale:
    """How a level's depth is obtained.

    Parameters
    ----------
    mode
        ``"sputter_rate"`` (depth = etch time x rate), ``"table"`` (depth per level index, nm),
        ``"etch_time"`` or ``"level_index"`` (no depth; the profile axis is that quantity).
    rate
        The sputter rate for ``"sputter_rate"``.
    table
        Depth (nm) by level index for ``"table"``.
    """

    mode: DepthMode = "etch_time"
    rate: SputterRate | None = None
    table: Mapping[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "table", MappingProxyType(dict(self.table)))
        if self.mode == "sputter_rate" and self.rate is None:
            raise ProfileError("a sputter-rate depth scale needs a rate")
        if self.mode == "table" and not self.table:
            raise ProfileError("a table depth scale needs at least one level depth")
        for level, depth in self.table.items():
            if not math.isfinite(depth):
                raise ProfileError(f"depth of level {level} is not finite: {depth}")

    @classmethod
    def from_rate(cls, rate: SputterRate | str, reference_material: str = "") -> DepthScale:
        """A sputter-rate scale from a :class:`SputterRate` or a text such as ``"0.1nm/s"``."""
        if isinstance(rate, str):
            rate = SputterRate.parse(rate, reference_material)
        return cls("sputter_rate", rate=rate)

    @classmethod
    def from_table(cls, depths: Mapping[int, float] | Sequence[float]) -> DepthScale:
        """A table scale: depth (nm) per level index (a sequence is indexed from level 0)."""
        table = dict(depths) if isinstance(depths, Mapping) else dict(enumerate(depths))
        return cls("table", table={int(k): float(v) for k, v in table.items()})

    def depth(self, level: int, etch_time: float | None) -> float | None:
        """Depth of a level, nm, or ``None`` when this scale gives no depth.

        Raises
        ------
        ProfileError
            If the scale needs an etch time the level does not have, or the table lacks the
            level.
        """
        if self.mode == "sputter_rate":
            assert self.rate is not None
            if etch_time is None:
                raise ProfileError(f"level {level} has no etch time; a sputter rate cannot apply")
            return etch_time * self.rate.nm_per_s
        if self.mode == "table":
            if level not in self.table:
                raise ProfileError(f"the depth table has no entry for level {level}")
            return self.table[level]
        return None

    @property
    def axis_label(self) -> str:
        """Label of the profile axis with its unit, e.g. ``"depth (nm)"``."""
        if self.mode in ("sputter_rate", "table"):
            return "depth (nm)"
        return "etch time (s)" if self.mode == "etch_time" else "etch level"

    def describe(self) -> dict[str, object]:
        """The recorded choice as plain data (for ``run.json`` and export headers)."""
        out: dict[str, object] = {"mode": self.mode}
        if self.rate is not None:
            out["rate_nm_per_s"] = self.rate.nm_per_s
            out["reference_material"] = self.rate.reference_material
        if self.table:
            out["table_nm"] = {str(k): v for k, v in sorted(self.table.items())}
        return out


def axis_value(depth: float | None, etch_time: float | None, level: int, mode: str) -> float:
    """A level's coordinate on the profile axis of a depth-scale mode.

    Parameters
    ----------
    depth, etch_time
        The level's depth (nm) and etch time (s), ``None`` when unknown.
    level
        The level index.
    mode
        A :data:`DepthMode`.

    Returns
    -------
    float
        The depth (nm) for ``"sputter_rate"`` and ``"table"``, the etch time (s) for
        ``"etch_time"``, else (or when that quantity is unknown) the level index.
    """
    if mode in ("sputter_rate", "table") and depth is not None:
        return depth
    if mode == "etch_time" and etch_time is not None:
        return etch_time
    return float(level)


@dataclass(frozen=True)
class ProfileLevel:
    """One sputter step: its spectra by region.

    Parameters
    ----------
    index
        Etch level, 0 = as received.
    etch_time
        Cumulative sputter time, s (``None`` when unknown).
    depth
        Depth, nm (``None`` when the depth scale gives none).
    spectra
        One spectrum per region label.
    """

    index: int
    etch_time: float | None
    depth: float | None
    spectra: Mapping[str, Spectrum]

    def __post_init__(self) -> None:
        object.__setattr__(self, "spectra", MappingProxyType(dict(self.spectra)))


@dataclass(frozen=True)
class DepthProfile:
    """The spectra of one sample grouped by etch level and region.

    Build it with :meth:`from_spectra`; levels are sorted by index.

    Parameters
    ----------
    sample
        Sample identifier.
    levels
        The etch levels in ascending order.
    depth_scale
        How depths were obtained (recorded in every export).
    """

    sample: str
    levels: tuple[ProfileLevel, ...]
    depth_scale: DepthScale = field(default_factory=DepthScale)

    @classmethod
    def from_spectra(
        cls,
        spectra: Iterable[Spectrum],
        *,
        sample: str | None = None,
        depth_scale: DepthScale | None = None,
    ) -> DepthProfile:
        """Group spectra into levels by :attr:`Spectrum.etch_level` and region.

        Spectra without an etch level are ordered by etch time; spectra with neither form
        level 0. The level's etch time is the spectra's (they must agree within 1 ms).

        Raises
        ------
        ProfileError
            No spectra, spectra of several samples (without ``sample``), two spectra of one
            region at one level, or disagreeing etch times.
        """
        items = [s for s in spectra if sample is None or s.sample == sample]
        if not items:
            raise ProfileError(f"no spectra for sample {sample!r}" if sample else "no spectra")
        samples = sorted({s.sample for s in items})
        if len(samples) > 1:
            raise ProfileError(f"spectra of several samples {samples}; group them by sample first")
        levels = _assign_levels(items)
        grouped: dict[int, dict[str, Spectrum]] = {}
        for spec, level in zip(items, levels, strict=True):
            region = spec.region or spec.block or "region"
            slot = grouped.setdefault(level, {})
            if region in slot:
                raise ProfileError(f"two spectra of region {region!r} at etch level {level}")
            slot[region] = spec
        scale = depth_scale or DepthScale()
        built = tuple(_make_level(k, grouped[k], scale) for k in sorted(grouped))
        return cls(samples[0], built, scale)

    def with_depth_scale(self, depth_scale: DepthScale) -> DepthProfile:
        """Return the profile with depths recomputed from another scale."""
        levels = tuple(_make_level(lv.index, dict(lv.spectra), depth_scale) for lv in self.levels)
        return replace(self, levels=levels, depth_scale=depth_scale)

    def regions(self) -> list[str]:
        """Region labels in first-appearance order over the levels."""
        seen: dict[str, None] = {}
        for level in self.levels:
            for region in level.spectra:
                seen.setdefault(region, None)
        return list(seen)

    def series(self, region: str) -> list[tuple[ProfileLevel, Spectrum]]:
        """The levels that have a spectrum of ``region``, with that spectrum, in level order."""
        return [(lv, lv.spectra[region]) for lv in self.levels if region in lv.spectra]

    def level(self, index: int) -> ProfileLevel:
        """The level with this index.

        Raises
        ------
        KeyError
            If there is none.
        """
        for lv in self.levels:
            if lv.index == index:
                return lv
        raise KeyError(index)

    @property
    def n_spectra(self) -> int:
        """Number of spectra over all levels and regions."""
        return sum(len(lv.spectra) for lv in self.levels)


def group_by_sample(
    spectra: Iterable[Spectrum], depth_scale: DepthScale | None = None
) -> dict[str, DepthProfile]:
    """Split spectra into one :class:`DepthProfile` per sample (in first-appearance order)."""
    by_sample: dict[str, list[Spectrum]] = {}
    for spec in spectra:
        by_sample.setdefault(spec.sample, []).append(spec)
    return {
        name: DepthProfile.from_spectra(items, depth_scale=depth_scale)
        for name, items in by_sample.items()
    }


def _assign_levels(items: Sequence[Spectrum]) -> list[int]:
    if all(s.etch_level is not None for s in items):
        return [int(s.etch_level) for s in items if s.etch_level is not None]
    if any(s.etch_level is not None for s in items):
        raise ProfileError("some spectra have an etch level and others do not")
    times = sorted({s.etch_time for s in items if s.etch_time is not None})
    if not times:
        return [0] * len(items)
    if any(s.etch_time is None for s in items):
        raise ProfileError("some spectra have an etch time and others do not")
    rank = {t: i for i, t in enumerate(times)}
    return [rank[s.etch_time] for s in items if s.etch_time is not None]


def _make_level(index: int, spectra: Mapping[str, Spectrum], scale: DepthScale) -> ProfileLevel:
    times = sorted({s.etch_time for s in spectra.values() if s.etch_time is not None})
    if times and times[-1] - times[0] > 1e-3:
        raise ProfileError(f"etch level {index}: spectra disagree on the etch time {times} s")
    etch_time = times[0] if times else None
    return ProfileLevel(index, etch_time, scale.depth(index, etch_time), spectra)
