"""The fit models behind the synthetic demo profile (one per region).

Positions follow the LiCoO2 study in the science notes (Feng et al., Adv. Funct. Mater. 2023,
33, 2210744, doi:10.1002/adfm.202210744): Co3+ 2p3/2 779.3 eV and Co2+ 781.9 eV, O 1s
components at 529.0 / 530.0 / 531.5 / 533.6 eV, the interface S 2p, P 2p and Ge 3d lines.
The doublet physics is the reference library's, not the study's "split peaks": Co3+ 2p1/2 at
794.4 eV (15.1 eV, as reported) but Co2+ 2p1/2 at 797.6 eV (15.7 eV for high-spin Co2+; the
study's 796.4 eV is 14.5 eV away), 2p1/2 broader than 2p3/2 in Co and Ti 2p, the library's
shake-up satellites, windows and spin-orbit splittings, so that the default templates fit the
demo (a test checks every value against the library). The same models synthesise the demo
spectra and fit them, so the demo's truth is exactly recoverable.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from xpsfit.spec import BackgroundSpec, Doublet, FitSpec, FractionDef, Link, Param, Peak

__all__ = ["CO2P_FRACTION", "DEMO_SPECS", "demo_specs"]

#: Name of the demo's Co2+ fraction.
CO2P_FRACTION = "Co2+ fraction"
_M30 = MappingProxyType({"m": Param(30.0, vary=False)})


def _fixed(value: float) -> Param:
    return Param(value, vary=False)


def _pos(value: float, tol: float) -> Param:
    return Param(value, value - tol, value + tol)


def _width(value: float, lo: float = 0.5, hi: float = 4.5) -> Param:
    return Param(value, lo, hi)


def _area(value: float) -> Param:
    return Param(value, 0.0)


def _doublet(
    cid: str, center: float, fwhm: float, split: float, ratio: float, *, fwhm_ratio: float = 1.0
) -> Doublet:
    return Doublet(
        id=cid,
        lineshape="gl",
        center=_pos(center, 1.0),
        fwhm=_width(fwhm),
        area=_area(1000.0),
        shape=_M30,
        splitting=_fixed(split),
        area_ratio=_fixed(ratio),
        fwhm_ratio=_fixed(fwhm_ratio),
    )


def _peak(cid: str, center: float, fwhm: float, tol: float = 0.8) -> Peak:
    return Peak(cid, "gl", _pos(center, tol), _width(fwhm), _area(1000.0), shape=_M30)


def _satellite(parent: Doublet, offset: float, fwhm: float, area_ratio: float) -> Doublet:
    """A shake-up satellite of ``parent`` repeated at the parent's splitting."""
    return Doublet(
        id=f"{parent.id}sat",
        lineshape="gl",
        satellite_of=parent.id,
        center=Param(parent.center.value + offset, link=Link(parent.id, "offset", offset)),
        fwhm=_fixed(fwhm),
        area=Param(parent.area.value * area_ratio, link=Link(parent.id, "ratio", area_ratio)),
        shape=_M30,
        splitting=_fixed(parent.splitting.value),
        area_ratio=_fixed(0.5),
        fwhm_ratio=_fixed(1.0),
    )


def _co2p() -> FitSpec:
    """Co 2p: the study's 2p3/2 positions, the library's spin-orbit physics and satellites.

    Low-spin Co3+ splits by 15.1 eV (794.4 eV, as the study reports), high-spin Co2+ by
    15.7 eV (Biesinger et al. 2011; the study's 796.4 eV would be 14.5 eV, below physics),
    2p1/2 lines 1.15 times broader (Coster-Kronig), shake-ups 10.3 eV (10 %) above Co3+ and
    4.8 eV (50 %) above Co2+.
    """
    co3 = _doublet("Co3+", 779.3, 1.6, 15.1, 0.5, fwhm_ratio=1.15)
    co2 = _doublet("Co2+", 781.9, 2.6, 15.7, 0.5, fwhm_ratio=1.15)
    return FitSpec(
        region="Co 2p",
        window=(772.0, 810.0),
        background=BackgroundSpec("active_shirley"),
        components=(co3, co2, _satellite(co3, 10.3, 3.0, 0.1), _satellite(co2, 4.8, 4.0, 0.5)),
        fractions=(FractionDef(CO2P_FRACTION, "Co2+ / (Co2+ + Co3+)"),),
    )


def _simple(region: str, window: tuple[float, float], comps: tuple[Peak, ...]) -> FitSpec:
    return FitSpec(
        region=region, window=window, background=BackgroundSpec("active_shirley"), components=comps
    )


def demo_specs() -> Mapping[str, FitSpec]:
    """The demo's fit model of every region, by region label."""
    specs = {
        "Co 2p": _co2p(),
        "O 1s": _simple(
            "O 1s",
            (524.0, 540.0),
            (
                _peak("Co-O", 529.0, 1.2),
                _peak("Li-Ti-O", 530.0, 1.3),
                _peak("O-lattice", 531.5, 1.5),
                _peak("O-surface", 533.6, 1.8),
            ),
        ),
        "Ti 2p": _simple(
            "Ti 2p", (452.0, 470.0), (_doublet("Li-Ti-O", 458.5, 1.3, 5.72, 0.5, fwhm_ratio=1.6),)
        ),
        "B 1s": _simple(
            "B 1s", (186.0, 198.0), (_peak("Li3BO3", 191.6, 1.5), _peak("Li2B4O7", 192.8, 1.5))
        ),
        "C 1s": _simple(
            "C 1s",
            (281.0, 294.0),
            (_peak("C-C", 284.8, 1.3), _peak("C-O", 286.3, 1.4), _peak("CO3", 289.8, 1.5)),
        ),
        "S 2p": _simple(
            "S 2p",
            (156.0, 174.0),
            (_doublet("PS4", 161.0, 1.0, 1.18, 0.5), _doublet("S-S", 162.9, 1.2, 1.18, 0.5)),
        ),
        "P 2p": _simple(
            "P 2p",
            (126.0, 140.0),
            (_doublet("PS4", 131.6, 1.0, 0.86, 0.5), _doublet("P2S6", 133.2, 1.2, 0.86, 0.5)),
        ),
        "Ge 3d": _simple(
            "Ge 3d",
            (25.0, 38.0),
            (
                _doublet("GeS4", 30.5, 1.0, 0.585, 2.0 / 3.0),
                _doublet("GeOx", 32.2, 1.3, 0.585, 2.0 / 3.0),
            ),
        ),
    }
    return MappingProxyType(specs)


#: The demo models (read-only).
DEMO_SPECS: Mapping[str, FitSpec] = demo_specs()
