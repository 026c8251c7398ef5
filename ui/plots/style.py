"""Colours shared by the plots: one colour per species, colour-blind safe (Okabe-Ito)."""

from __future__ import annotations

from PySide6.QtGui import QColor

#: Okabe-Ito palette without black, as hex strings.
SPECIES_COLORS: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
)


def species_color(index: int) -> QColor:
    """The colour of the ``index``-th species of a specification (cycling)."""
    return QColor(SPECIES_COLORS[index % len(SPECIES_COLORS)])
