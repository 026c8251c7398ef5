"""The fit models behind the synthetic demo profile (one per region).

Positions follow the LiCoO2 study in the science notes (Feng et al., Adv. Funct. Mater. 2023,
33, 2210744, doi:10.1002/adfm.202210744): Co3+ 2p3/2 779.3 eV and Co2+ 781.9 eV with their
2p1/2 lines at 794.4 / 796.4 eV, O 1s components at 529.0 / 530.0 / 531.5 / 533.6 eV, the
interface S 2p, P 2p and Ge 3d pairs. The same models synthesise the demo spectra and fit
them, so the demo's truth is exactly recoverable.
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


def _co2p() -> FitSpec:
    co3 = _doublet("Co3+", 779.3, 1.6, 15.1, 0.5, fwhm_ratio=1.1)
    co2 = _doublet("Co2+", 781.9, 2.6, 14.5, 0.5, fwhm_ratio=1.1)
    sat2 = Doublet(
        id="Co2+sat",
        lineshape="gl",
        satellite_of="Co2+",
        center=Param(786.2, link=Link("Co2+", "offset", 4.3)),
        fwhm=_fixed(4.5),
        area=Param(400.0, link=Link("Co2+", "ratio", 0.45)),
        shape=_M30,
        splitting=_fixed(16.0),
        area_ratio=_fixed(0.5),
        fwhm_ratio=_fixed(1.0),
    )
    sat3 = Doublet(
        id="Co3+sat",
        lineshape="gl",
        satellite_of="Co3+",
        center=Param(789.8, link=Link("Co3+", "offset", 10.5)),
        fwhm=_fixed(3.0),
        area=Param(100.0, link=Link("Co3+", "ratio", 0.1)),
        shape=_M30,
        splitting=_fixed(15.1),
        area_ratio=_fixed(0.5),
        fwhm_ratio=_fixed(1.0),
    )
    return FitSpec(
        region="Co 2p",
        window=(772.0, 808.0),
        background=BackgroundSpec("active_shirley"),
        components=(co3, co2, sat3, sat2),
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
            (524.0, 538.0),
            (
                _peak("Co-O", 529.0, 1.2),
                _peak("Li-Ti-O", 530.0, 1.3),
                _peak("O-lattice", 531.5, 1.5),
                _peak("O-surface", 533.6, 1.8),
            ),
        ),
        "Ti 2p": _simple(
            "Ti 2p", (452.0, 470.0), (_doublet("Li-Ti-O", 458.5, 1.3, 5.7, 0.5, fwhm_ratio=1.6),)
        ),
        "B 1s": _simple(
            "B 1s", (186.0, 198.0), (_peak("Li3BO3", 191.6, 1.5), _peak("Li2B4O7", 192.8, 1.5))
        ),
        "C 1s": _simple(
            "C 1s",
            (280.0, 292.0),
            (_peak("C-C", 284.8, 1.3), _peak("C-O", 286.3, 1.4), _peak("CO3", 289.8, 1.5)),
        ),
        "S 2p": _simple(
            "S 2p",
            (156.0, 170.0),
            (_doublet("PS4", 161.0, 1.0, 1.18, 0.5), _doublet("S-S", 162.9, 1.2, 1.18, 0.5)),
        ),
        "P 2p": _simple(
            "P 2p",
            (126.0, 140.0),
            (_doublet("PS4", 131.6, 1.0, 0.86, 0.5), _doublet("P2S6", 133.2, 1.2, 0.86, 0.5)),
        ),
        "Ge 3d": _simple(
            "Ge 3d",
            (26.0, 38.0),
            (
                _doublet("GeS4", 30.5, 1.0, 0.59, 2.0 / 3.0),
                _doublet("GeOx", 32.2, 1.3, 0.59, 2.0 / 3.0),
            ),
        ),
    }
    return MappingProxyType(specs)


#: The demo models (read-only).
DEMO_SPECS: Mapping[str, FitSpec] = demo_specs()
