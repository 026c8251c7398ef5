"""A small table of XPS core-level binding energies used to name regions from energy ranges.

Values are typical handbook binding energies (Al Ka, referenced to C 1s 284.8 eV) of the most
intense line of each level, rounded to 0.5 eV; for doublets the second line is given too. They
only serve to recognise which level an acquisition window was centred on, never to fit.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CoreLevel:
    """One core level.

    Parameters
    ----------
    element
        Chemical symbol, e.g. ``"Co"``.
    transition
        Level, e.g. ``"2p"``.
    binding_energy
        Binding energy of the main (higher-intensity) line, eV.
    partner_energy
        Binding energy of the spin-orbit partner line, eV (``None`` for s levels).
    weight
        How often the level is measured: 3 very common, 2 common, 1 rare; breaks ties when
        several levels fall into one window.
    """

    element: str
    transition: str
    binding_energy: float
    partner_energy: float | None
    weight: int

    @property
    def centroid(self) -> float:
        """Middle of the level's lines, eV."""
        if self.partner_energy is None:
            return self.binding_energy
        return 0.5 * (self.binding_energy + self.partner_energy)


def _cl(el: str, tr: str, be: float, partner: float | None = None, weight: int = 2) -> CoreLevel:
    return CoreLevel(el, tr, be, partner, weight)


#: Core levels of the common elements (first entry of an element = its main level).
CORE_LEVELS: tuple[CoreLevel, ...] = (
    _cl("C", "1s", 284.8, weight=3),
    _cl("O", "1s", 531.0, weight=3),
    _cl("N", "1s", 400.0, weight=3),
    _cl("Co", "2p", 780.0, 795.5, 3),
    _cl("Co", "3p", 60.5, weight=1),
    _cl("Ti", "2p", 458.5, 464.5, 3),
    _cl("Ti", "3p", 37.5, weight=1),
    _cl("S", "2p", 164.0, 165.2, 3),
    _cl("S", "2s", 228.0, weight=1),
    _cl("P", "2p", 133.0, 133.9, 3),
    _cl("P", "2s", 190.5, weight=1),
    _cl("Ge", "3d", 30.5, 31.1, 3),
    _cl("Ge", "2p", 1217.5, 1248.5, 2),
    _cl("B", "1s", 188.0, weight=3),
    _cl("Li", "1s", 55.5, weight=3),
    _cl("Nb", "3d", 207.0, 209.8, 2),
    _cl("Zr", "3d", 182.5, 184.9, 2),
    _cl("Al", "2p", 74.0, weight=2),
    _cl("Al", "2s", 118.5, weight=1),
    _cl("Ni", "2p", 853.0, 870.3, 2),
    _cl("Ni", "3p", 67.0, weight=1),
    _cl("Mn", "2p", 641.5, 653.3, 2),
    _cl("F", "1s", 685.0, weight=2),
    _cl("Si", "2p", 99.5, 100.1, 3),
    _cl("Si", "2s", 150.5, weight=1),
    _cl("Fe", "2p", 710.5, 724.0, 2),
    _cl("Fe", "3p", 55.5, weight=1),
    _cl("Au", "4f", 84.0, 87.7, 2),
    _cl("Ag", "3d", 368.2, 374.2, 2),
    _cl("Cu", "2p", 932.6, 952.5, 2),
    _cl("Cu", "3p", 75.0, weight=1),
    _cl("Pt", "4f", 71.1, 74.4, 2),
    _cl("Sr", "3d", 133.5, 135.3, 2),
    _cl("Zn", "2p", 1021.8, 1044.9, 2),
    _cl("Zn", "3p", 89.0, weight=1),
    _cl("Sn", "3d", 486.5, 494.9, 2),
    _cl("Mo", "3d", 228.0, 231.1, 2),
    _cl("W", "4f", 31.5, 33.7, 2),
    _cl("Cl", "2p", 199.0, 200.6, 2),
    _cl("Na", "1s", 1071.5, weight=2),
    _cl("Mg", "1s", 1303.5, weight=2),
    _cl("Mg", "2p", 50.0, weight=1),
    _cl("Mg", "2s", 89.0, weight=1),
    _cl("K", "2p", 293.0, 295.8, 1),
    _cl("Ca", "2p", 347.0, 350.5, 1),
    _cl("V", "2p", 517.0, 524.5, 1),
    _cl("Cr", "2p", 576.5, 586.3, 1),
    _cl("Ga", "2p", 1117.0, 1144.0, 1),
    _cl("Ga", "3d", 19.0, weight=1),
    _cl("Y", "3d", 156.5, 158.5, 1),
    _cl("Ru", "3d", 280.0, 284.2, 1),
    _cl("Pd", "3d", 335.0, 340.3, 1),
    _cl("In", "3d", 444.5, 452.0, 1),
    _cl("I", "3d", 619.0, 630.5, 1),
    _cl("Ba", "3d", 780.0, 795.3, 1),
    _cl("La", "3d", 835.0, 851.8, 1),
    _cl("Ce", "3d", 882.0, 900.5, 1),
    _cl("Hf", "4f", 14.5, 16.2, 1),
    _cl("Ta", "4f", 22.0, 23.9, 1),
    _cl("Ir", "4f", 61.0, 64.0, 1),
    _cl("Pb", "4f", 137.0, 141.9, 1),
    _cl("Bi", "4f", 157.0, 162.3, 1),
    _cl("Ar", "2p", 242.0, 244.1, 1),
)

_SYMBOLS = """H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As
    Se Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd
    Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am
    Cm Bk Cf Es Fm Md No Lr"""

#: Every chemical symbol, so that labels such as ``"Co2p"`` can be split safely.
ELEMENT_SYMBOLS: frozenset[str] = frozenset(_SYMBOLS.split())
