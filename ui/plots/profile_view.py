"""The depth-profile view: species fractions or atomic % against depth (several samples
overlaid, error bars), stacked spectra with their fits, and a binding-energy x depth map.
Clicking a point or a stacked spectrum opens that spectrum's fit."""

from __future__ import annotations

import logging
from enum import StrEnum

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from xpsfit.errors import XpsfitError
from xpsfit.profile import axis_value
from xpsfit.profile_result import ProfileResult
from xpsfit.quantify import AtomicRow, atomic_rows, fraction_rows, missing_sensitivity
from xpsfit_ui.document import Document
from xpsfit_ui.plots.style import SPECIES_COLORS, TEXT_COLOR, dark_axes, species_color
from xpsfit_ui.profile_data import (
    fraction_errors,
    fraction_names,
    profile_results,
    quant_settings,
    sid_of,
)
from xpsfit_ui.sensitivity import SensitivityController

log = logging.getLogger(__name__)

#: Symbols and line styles of the series once the colours repeat (every 7 series).
_SYMBOLS = ("o", "s", "t", "d")
_DASHES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine)


class Mode(StrEnum):
    """What the profile view shows."""

    FRACTIONS = "Fractions vs depth"
    ATOMIC = "Atomic % vs depth"
    STACKED = "Stacked spectra"
    MAP = "BE x depth map"


class ProfileView(QWidget):
    """Depth-profile plots of the document's fitted spectra.

    Signals
    -------
    open_spectrum(str)
        The user clicked a point of this spectrum id.
    """

    open_spectrum = Signal(str)

    def __init__(
        self,
        doc: Document,
        fits: QObject | None = None,
        parent: QWidget | None = None,
        sensitivity: SensitivityController | None = None,
    ) -> None:
        super().__init__(parent)
        self.doc = doc
        self.sensitivity = sensitivity
        self.results: list[ProfileResult] = []
        self.points: dict[tuple[str, int], tuple[float, float]] = {}
        self.mode = QComboBox()
        self.mode.addItems([m.value for m in Mode])
        self.region = QComboBox()
        self.quantity = QComboBox()
        self.sample = QComboBox()
        bar = QHBoxLayout()
        for label, box in (("Show", self.mode), ("Region", self.region), ("Fraction", self.quantity),
                           ("Sample", self.sample)):  # fmt: skip
            bar.addWidget(QLabel(label))
            bar.addWidget(box, 1)
        self.plot_widget = pg.PlotWidget(background="w")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        dark_axes(self.plot)
        self.legend = self.plot.addLegend(offset=(10, 10), labelTextColor=TEXT_COLOR)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.plot_widget)
        for box in (self.mode, self.region, self.quantity, self.sample):
            box.currentTextChanged.connect(self.redraw)
        doc.result_changed.connect(self._mark_dirty)
        doc.spectra_changed.connect(self._mark_dirty)
        doc.settings_changed.connect(self._mark_dirty)
        if sensitivity is not None:
            sensitivity.changed.connect(self._mark_dirty)
        self._dirty = True

    def _mark_dirty(self, *_: object) -> None:
        self._dirty = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: object) -> None:
        if self._dirty:
            self.refresh()
        super().showEvent(event)  # type: ignore[arg-type]

    # -- data ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Recollect the fitted profiles from the document and redraw."""
        self._dirty = False
        self.results = profile_results(self.doc)
        regions = list(dict.fromkeys(r for pr in self.results for r in pr.regions()))
        if not self.region.currentText() and self.doc.current:
            self.region.addItem(self.doc.spectrum(self.doc.current).region)
        self._fill(self.region, regions)
        self._fill(self.sample, [pr.sample for pr in self.results])
        self._fill_quantities()
        self.redraw()

    @staticmethod
    def _fill(box: QComboBox, items: list[str]) -> None:
        current = box.currentText()
        box.blockSignals(True)
        box.clear()
        box.addItems(items)
        if current in items:
            box.setCurrentText(current)
        box.blockSignals(False)

    def _fill_quantities(self) -> None:
        self._fill(self.quantity, fraction_names(self.results, self.region.currentText()))

    # -- drawing ---------------------------------------------------------------------------
    def redraw(self, *_: object) -> None:
        """Draw the selected mode."""
        if self.sender() is self.region:
            self._fill_quantities()
        self.plot.clear()
        self.legend.clear()
        self.plot.getAxis("bottom").setTicks(None)
        self.points.clear()
        self.plot.invertX(False)
        self.plot.invertY(False)
        mode = Mode(self.mode.currentText())
        self.quantity.setEnabled(mode == Mode.FRACTIONS)
        self.sample.setEnabled(mode in (Mode.STACKED, Mode.MAP))
        if not self.results:
            self.plot.setTitle("Fit a depth profile to see it here", color="#555")
            return
        self.plot.setTitle("")
        axis = self.results[0].depth_scale.axis_label
        {Mode.FRACTIONS: self._draw_fractions, Mode.ATOMIC: self._draw_atomic,
         Mode.STACKED: self._draw_stacked, Mode.MAP: self._draw_map}[mode](axis)  # fmt: skip

    def _series(self, name: str, i: int, x: list[float], y: list[float], err: list[float],
                keys: list[tuple[str, int]]) -> None:  # fmt: skip
        color = species_color(i)
        cycle = i // len(SPECIES_COLORS)  # once the colours repeat, symbol and dash differ
        bars = pg.ErrorBarItem(x=np.array(x), y=np.array(y), height=2 * np.array(err),
                               beam=0.0, pen=pg.mkPen(color))  # fmt: skip
        self.plot.addItem(bars)
        pen = pg.mkPen(color, width=2, style=_DASHES[cycle % len(_DASHES)])
        item = pg.PlotDataItem(x, y, pen=pen, symbol=_SYMBOLS[cycle % len(_SYMBOLS)], symbolSize=8,
                               symbolBrush=color, name=name, data=keys)  # fmt: skip
        item.sigPointsClicked.connect(self._on_points_clicked)
        self.plot.addItem(item)
        for xv, yv, key in zip(x, y, keys, strict=True):
            self.points[key] = (xv, yv)

    def _draw_fractions(self, axis: str) -> None:
        region, name = self.region.currentText(), self.quantity.currentText()
        rows = [r for r in fraction_rows(self.results) if r.region == region and r.fraction == name]
        mode = self.results[0].depth_scale.mode
        samples = list(dict.fromkeys(r.sample for r in rows))
        series = []
        for sample in samples:
            sel = [r for r in rows if r.sample == sample]
            errors, kind = fraction_errors(sel)
            series.append((sample, sel, errors, kind))
        kinds = {kind for *_, kind in series}
        boxes = False
        for i, (sample, sel, errors, kind) in enumerate(series):
            x = [axis_value(r.depth, r.etch_time, r.level, mode) for r in sel]
            y = [100.0 * r.value for r in sel]
            label = sample if len(kinds) == 1 else f"{sample} (error bars: {kind})"
            self._series(label, i, x, y, [100.0 * e for e in errors],
                         [(sample, r.level) for r in sel])  # fmt: skip
            boxes = self._systematic(sample, i, name) or boxes
        self.plot.setLabel("bottom", axis)
        bars = f"error bars 1 sigma, {kinds.pop()}" if len(kinds) == 1 else "error bars 1 sigma"
        note = "; boxes: model spread" if boxes else ""
        self.plot.setLabel("left", f"{name} (%), {bars}{note}")

    def _systematic(self, sample: str, i: int, fraction: str) -> bool:
        """Draw the model spread of ``sample`` as boxes (baseline +- spread / 2) behind its
        points and error bars, when a model-sensitivity result covers them; True if drawn."""
        result = None if self.sensitivity is None else self.sensitivity.result
        if result is None or result.region != self.region.currentText():
            return False
        mode = self.results[0].depth_scale.mode
        rows = [r for r in result.rows_for(sample, fraction)
                if r.baseline is not None and r.spread is not None]  # fmt: skip
        if not rows:
            return False
        x = np.array([axis_value(r.depth, r.etch_time, r.level, mode) for r in rows])
        spread = 100.0 * np.array([r.spread for r in rows])
        low = 100.0 * np.array([r.baseline for r in rows]) - spread / 2
        width = 0.5 * float(np.min(np.diff(np.unique(x)))) if np.unique(x).size > 1 else 1.0
        color = species_color(i)
        fill = QColor(color)
        fill.setAlpha(70)
        boxes = pg.BarGraphItem(x=x, y0=low, height=spread, width=width, brush=fill,
                                pen=pg.mkPen(color, width=1))  # fmt: skip
        boxes.setZValue(-1)
        self.plot.addItem(boxes)
        self.legend.addItem(boxes, f"{sample}: systematic (model spread)")
        return True

    def _draw_atomic(self, axis: str) -> None:
        try:
            settings = quant_settings(self.doc.project.settings)
            missing = missing_sensitivity(self.results, settings)
            rows = atomic_rows(self.results, settings, exclude=missing)
        except XpsfitError as exc:
            self.plot.setTitle(f"Atomic %: {exc}", color="#b00020")
            return
        if missing:
            self.plot.setTitle(
                f"Atomic % without {', '.join(missing)}: no sensitivity factor "
                "(Tools > Quantification settings...)",
                color="#8a5a00",
            )
        if all(len(pr.levels()) == 1 for pr in self.results):
            self._draw_atomic_bars(rows)
            return
        mode = self.results[0].depth_scale.mode
        keys = list(dict.fromkeys((r.sample, r.element) for r in rows))
        for i, (sample, element) in enumerate(keys):
            sel = [r for r in rows if (r.sample, r.element) == (sample, element)]
            x = [axis_value(r.depth, r.etch_time, r.level, mode) for r in sel]
            err = [r.err or 0.0 for r in sel]
            self._series(f"{sample}: {element}", i, x, [r.percent for r in sel], err,
                         [(sample, r.level) for r in sel])  # fmt: skip
        self.plot.setLabel("bottom", axis)
        self.plot.setLabel("left", "atomic %")

    def _draw_atomic_bars(self, rows: list[AtomicRow]) -> None:
        """Single measurements (one level per sample): atomic % as bars per element, one
        colour per sample, with one-sigma error bars."""
        elements = list(dict.fromkeys(r.element for r in rows))
        samples = list(dict.fromkeys(r.sample for r in rows))
        width = 0.8 / max(1, len(samples))
        for i, sample in enumerate(samples):
            sel = {r.element: r for r in rows if r.sample == sample}
            shift = (i - (len(samples) - 1) / 2) * width
            xs = np.array([k + shift for k, e in enumerate(elements) if e in sel])
            ys = np.array([sel[e].percent for e in elements if e in sel])
            errs = np.array([sel[e].err or 0.0 for e in elements if e in sel])
            color = species_color(i)
            bars = pg.BarGraphItem(x=xs, height=ys, width=0.9 * width, brush=color,
                                   pen=pg.mkPen(color))  # fmt: skip
            self.plot.addItem(bars)
            self.legend.addItem(bars, sample)
            self.plot.addItem(pg.ErrorBarItem(x=xs, y=ys, height=2 * errs, beam=0.3 * width,
                                              pen=pg.mkPen(TEXT_COLOR)))  # fmt: skip
        self.plot.getAxis("bottom").setTicks([list(enumerate(elements)), []])
        self.plot.setLabel("bottom", "element (one measurement per sample)")
        self.plot.setLabel("left", "atomic %")

    def _profile(self) -> ProfileResult | None:
        return next((pr for pr in self.results if pr.sample == self.sample.currentText()), None)

    def _draw_stacked(self, _axis: str) -> None:
        pr, region = self._profile(), self.region.currentText()
        if pr is None:
            return
        fits = [f for f in pr.region_fits(region) if f.result is not None]
        peak = max((float(np.nanmax(f.result.data)) for f in fits if f.result), default=1.0)
        for i, sf in enumerate(fits):
            res = sf.result
            assert res is not None
            off = 0.8 * peak * i
            data = pg.PlotDataItem(res.binding_energy, res.data + off, pen=None, symbol="o",
                                   symbolSize=3, symbolPen=None, symbolBrush=(60, 60, 60, 150),
                                   data=[(pr.sample, sf.level)] * res.data.size)  # fmt: skip
            data.sigPointsClicked.connect(self._on_points_clicked)
            self.plot.addItem(data)
            for j, ln in enumerate(res.lines):
                pen = pg.mkPen(
                    species_color(res.species.index(ln.species) if ln.species in res.species else j)
                )
                self.plot.addItem(
                    pg.PlotCurveItem(res.binding_energy, res.background + ln.curve + off, pen=pen)
                )
            self.plot.addItem(
                pg.PlotCurveItem(
                    res.binding_energy, res.envelope + off, pen=pg.mkPen("#c81e1e", width=1.5)
                )
            )
            label = pg.TextItem(f"level {sf.level}", color="#333", anchor=(0, 1))
            label.setPos(float(res.binding_energy[0]), float(res.background[0] + off))
            self.plot.addItem(label)
        self.plot.invertX(True)
        self.plot.setLabel("bottom", "Binding energy", units="eV")
        self.plot.setLabel("left", "Intensity (offset)")

    def _draw_map(self, axis: str) -> None:
        pr, region = self._profile(), self.region.currentText()
        fits = [] if pr is None else [f for f in pr.region_fits(region) if f.result is not None]
        if pr is None or len(fits) < 2:
            self.plot.setTitle("The map needs at least two fitted levels", color="#555")
            return
        first = fits[0].result
        assert first is not None
        be = first.binding_energy
        grid = np.vstack(
            [np.interp(be, f.result.binding_energy, f.result.data) for f in fits if f.result]
        )
        depth = np.array(
            [axis_value(f.depth, f.etch_time, f.level, pr.depth_scale.mode) for f in fits]
        )
        image = pg.ImageItem(grid.T)
        image.setColorMap(pg.colormap.get("viridis"))
        dx = (be[-1] - be[0]) / max(be.size - 1, 1)
        dy = (depth[-1] - depth[0]) / max(depth.size - 1, 1) or 1.0
        image.setRect(float(be[0] - dx / 2), float(depth[0] - dy / 2), float(be[-1] - be[0] + dx),
                      float(depth[-1] - depth[0] + dy))  # fmt: skip
        self.plot.addItem(image)
        self.plot.invertX(True)
        self.plot.invertY(True)
        self.plot.setLabel("bottom", "Binding energy", units="eV")
        self.plot.setLabel("left", axis)

    def _on_points_clicked(
        self, item: pg.PlotDataItem, points: list[pg.SpotItem], *_: object
    ) -> None:
        if not points:
            return
        sample, level = points[0].data()
        sid = sid_of(self.doc, sample, self.region.currentText(), int(level))
        if sid:
            self.open_spectrum.emit(sid)
