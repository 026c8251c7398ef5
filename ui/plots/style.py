"""Colours shared by the plots: one colour per species, colour-blind safe (Okabe-Ito)."""

from __future__ import annotations

import pyqtgraph as pg
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


#: Text and axis colour on the white plot background.
TEXT_COLOR = "#333333"


def dark_axes(plot: pg.PlotItem) -> None:
    """Draw the axes, tick labels and axis titles of ``plot`` in :data:`TEXT_COLOR` (the
    pyqtgraph default is a light grey meant for a black background)."""
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(TEXT_COLOR))
        axis.setTextPen(pg.mkPen(TEXT_COLOR))
