"""The spectrum view: data, background, components by species, envelope, residual; the
background window and every component draggable.

Items are created once per spectrum and per component id and updated with ``setData``. A drag
pushes merged :class:`~xpsfit_ui.commands.SetSpecCommand` s (one undo step per drag); the view
redraws from the document signal, so the table and the plot can never disagree.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QVBoxLayout, QWidget

from xpsfit.model_cache import ModelCache
from xpsfit.spec import FitSpec
from xpsfit_ui.commands import SetSpecCommand
from xpsfit_ui.document import Document
from xpsfit_ui.fit_controller import stale_reason
from xpsfit_ui.plots.style import dark_axes, species_color
from xpsfit_ui.preview import Preview, moved_component, preview

log = logging.getLogger(__name__)


class _LineItems:
    """Curve and fill (down to the background) of one drawn line.

    The fill is a plain path item rebuilt once per change of the line or the background (a
    ``FillBetweenItem`` would rebuild on each of its two curves' change signals).
    """

    def __init__(self, plot: pg.PlotItem) -> None:
        self.curve = pg.PlotCurveItem()
        self.fill = QGraphicsPathItem()
        self.fill.setPen(QPen(Qt.PenStyle.NoPen))
        self.color = ""
        plot.addItem(self.fill)
        plot.addItem(self.curve)

    def set_fill(self, x: np.ndarray, base: np.ndarray, top: np.ndarray) -> None:
        path = pg.arrayToQPath(np.concatenate([x, x[::-1]]), np.concatenate([top, base[::-1]]))
        path.closeSubpath()
        self.fill.setPath(path)

    def remove(self, plot: pg.PlotItem) -> None:
        plot.removeItem(self.fill)
        plot.removeItem(self.curve)


class SpectrumView(QWidget):
    """Interactive plot of the document's current spectrum and its model."""

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self._tokens = itertools.count(1)
        self._drag: dict[str, tuple[int, float, float, float]] = {}
        self._syncing = False
        self._lines: dict[tuple[str, str], _LineItems] = {}
        self.handles: dict[str, pg.TargetItem] = {}
        self.last_preview: Preview | None = None
        self._cache = ModelCache()
        self._drawn: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._build()
        doc.current_changed.connect(self._on_current)
        doc.spec_changed.connect(self._on_doc_change)
        doc.result_changed.connect(self._on_doc_change)
        doc.spectra_changed.connect(self.refresh)

    # -- construction ----------------------------------------------------------------------
    def _build(self) -> None:
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground("w")
        self.plot = self.canvas.addPlot(row=0, col=0)
        self.res_plot = self.canvas.addPlot(row=1, col=0)
        self.canvas.ci.layout.setRowStretchFactor(0, 4)
        self.canvas.ci.layout.setRowStretchFactor(1, 1)
        for p in (self.plot, self.res_plot):
            dark_axes(p)
            p.invertX(True)
            p.showGrid(x=True, y=True, alpha=0.15)
            for name in ("left", "bottom"):  # axes repaint from a pixmap unless they change
                p.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.res_plot.setXLink(self.plot)
        self.plot.setLabel("left", "Intensity", units="counts")
        self.res_plot.setLabel("bottom", "Binding energy", units="eV")
        self.res_plot.setLabel("left", "Residual")
        self.plot.getAxis("bottom").setStyle(showValues=False)
        self.data_item = pg.ScatterPlotItem(
            size=4, pen=None, brush=pg.mkBrush(40, 40, 40, 160), name="data"
        )
        self.bg_item = pg.PlotCurveItem(pen=pg.mkPen(120, 120, 120, width=1.5))
        self.env_item = pg.PlotCurveItem(pen=pg.mkPen(200, 30, 30, width=2))
        self.plot.addItem(self.bg_item)
        self.plot.addItem(self.data_item)
        self.plot.addItem(self.env_item)
        self.env_item.setZValue(10)
        self.res_item = pg.PlotCurveItem(pen=pg.mkPen(60, 60, 60))
        self.res_plot.addItem(self.res_item)
        self.res_plot.addItem(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen(150, 150, 150)))
        self.window_item = pg.LinearRegionItem(
            brush=pg.mkBrush(80, 120, 200, 10),
            hoverBrush=pg.mkBrush(80, 120, 200, 30),
            pen=pg.mkPen(90, 110, 170, width=2, style=Qt.PenStyle.DashLine),
            hoverPen=pg.mkPen(40, 60, 200, width=3),
        )
        self.window_item.setToolTip("Fit window: drag an edge to change it")
        self.window_item.setZValue(-10)
        self.plot.addItem(self.window_item)
        self.window_item.sigRegionChangeFinished.connect(self._on_window_moved)
        self.readout = pg.TextItem(color=(30, 30, 30), anchor=(1, 0))
        self.readout.setParentItem(self.plot.getViewBox())
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)

    # -- drawing ---------------------------------------------------------------------------
    def _on_current(self, _sid: str) -> None:
        self._cache = ModelCache()  # compiled model structures of the spectrum shown
        self.refresh()

    def _on_doc_change(self, sid: str) -> None:
        if sid == self.doc.current:
            self.refresh()

    def refresh(self) -> None:
        """Redraw everything for the current spectrum (cheap: ``setData`` only)."""
        sid = self.doc.current
        self._syncing = True
        try:
            if not sid:
                self._clear()
                return
            spectrum = self.doc.spectrum(sid)
            spec = self.doc.spec(sid)
            pv = preview(spectrum, spec, self.doc.result(sid), self._cache)
            self.last_preview = pv
            self._set(self.data_item, spectrum.binding_energy, spectrum.intensity)
            self._set(self.bg_item, pv.binding_energy, pv.background)
            self._set(self.env_item, pv.binding_energy, pv.envelope)
            self._set(self.res_item, pv.binding_energy, pv.residual)
            self._draw_lines(pv, spec)
            self._draw_handles(pv, spec)
            be = spectrum.binding_energy
            lo, hi = spec.window or (float(be[0]), float(be[-1]))
            self.window_item.setBounds((float(be[0]), float(be[-1])))
            if not np.allclose(self.window_item.getRegion(), (lo, hi)):
                self.window_item.setRegion((lo, hi))
            shown = "fit" if pv.source == "fit" else "model at the current values (not fitted)"
            stale = stale_reason(self.doc, sid) if pv.source == "fit" else ""
            shown += f" (stale: {stale})" if stale else ""
            self.plot.setTitle(f"{spectrum.label}: {shown}", color="#222", size="10pt")
        finally:
            self._syncing = False

    def _set(self, item: pg.GraphicsObject, x: np.ndarray, y: np.ndarray) -> bool:
        """``item.setData(x, y)`` unless it already shows exactly these arrays (a drag moves
        one line: the data and, under a static background, the other lines stay as they are);
        returns whether the item changed."""
        old = self._drawn.get(id(item))
        if old is not None and np.array_equal(old[0], x) and np.array_equal(old[1], y):
            return False
        item.setData(x, y)
        self._drawn[id(item)] = (x, y)
        return True

    def _clear(self) -> None:
        for item in (self.data_item, self.bg_item, self.env_item, self.res_item):
            item.setData([], [])
        self._drawn.clear()
        for key in list(self._lines):
            self._lines.pop(key).remove(self.plot)
        self._drawn.clear()
        for cid in list(self.handles):
            self.plot.removeItem(self.handles.pop(cid))
        self.last_preview = None

    def _draw_lines(self, pv: Preview, spec: FitSpec) -> None:
        species = spec.species()
        wanted = {(ln.component, ln.role) for ln in pv.lines}
        for key in set(self._lines) - wanted:
            gone = self._lines.pop(key)
            self._drawn.pop(id(gone.curve), None)
            gone.remove(self.plot)
        for ln in pv.lines:
            items = self._lines.get((ln.component, ln.role))
            if items is None:
                items = self._lines[(ln.component, ln.role)] = _LineItems(self.plot)
            color = species_color(species.index(ln.species) if ln.species in species else 0)
            if items.color != color.name():
                items.color = color.name()
                items.curve.setPen(pg.mkPen(color, width=1.2))
                fill = QColor(color)
                fill.setAlpha(70)
                items.fill.setBrush(pg.mkBrush(fill))
            top = pv.background + ln.curve
            if self._set(items.curve, pv.binding_energy, top):
                items.set_fill(pv.binding_energy, pv.background, top)

    def _draw_handles(self, pv: Preview, spec: FitSpec) -> None:
        tops = {ln.component: ln for ln in pv.lines if ln.role != "minor"}
        for cid in set(self.handles) - set(tops):
            self.plot.removeItem(self.handles.pop(cid))
        species = spec.species()
        for cid, ln in tops.items():
            handle = self.handles.get(cid)
            if handle is None:
                handle = self._new_handle(cid)
            color = species_color(species.index(ln.species) if ln.species in species else 0)
            if handle.brush.color() != color:
                handle.setBrush(pg.mkBrush(color))
            if cid not in self._drag:
                handle.setPos(ln.center, self._bg_at(pv, ln.center) + ln.height)

    def _new_handle(self, cid: str) -> pg.TargetItem:
        handle = pg.TargetItem(size=11, symbol="o", pen=pg.mkPen("k"), movable=True)
        handle.setToolTip(f"{cid}: drag to move; Shift+drag sideways changes the FWHM")
        handle.setZValue(20)
        handle.sigPositionChanged.connect(lambda item, c=cid: self._on_handle_moved(c, item))
        handle.sigPositionChangeFinished.connect(lambda _item, c=cid: self._end_drag(c))
        self.plot.addItem(handle)
        self.handles[cid] = handle
        return handle

    def _end_drag(self, cid: str) -> None:
        self._drag.pop(cid, None)
        for p in (self.plot, self.res_plot):
            p.getViewBox().enableAutoRange()

    @staticmethod
    def _bg_at(pv: Preview, energy: float) -> float:
        if pv.binding_energy.size == 0:
            return 0.0
        return float(np.interp(energy, pv.binding_energy, pv.background))

    # -- interaction -----------------------------------------------------------------------
    def _on_handle_moved(self, cid: str, item: pg.TargetItem) -> None:
        if self._syncing or self.last_preview is None:
            return
        sid = self.doc.current
        spec = self.doc.spec(sid)
        pv = self.last_preview
        line = next(ln for ln in pv.lines if ln.component == cid and ln.role != "minor")
        pos = item.pos()
        if cid not in self._drag:
            for p in (self.plot, self.res_plot):  # the view holds still while dragging
                p.getViewBox().disableAutoRange()
            comp = spec.component(cid)
            self._drag[cid] = (next(self._tokens), float(pos.x()), comp.fwhm.value, line.center)
        token, x0, fwhm0, center0 = self._drag[cid]
        base = self._bg_at(pv, line.center)
        ratio = (float(pos.y()) - base) / line.height if line.height > 0 else None
        shift = bool(QGuiApplication.keyboardModifiers() & Qt.KeyboardModifier.ShiftModifier)
        if shift:
            new = moved_component(
                spec, cid, height_ratio=ratio, fwhm=max(0.05, fwhm0 + (x0 - float(pos.x())))
            )
        else:
            new = moved_component(spec, cid, center=float(pos.x()), height_ratio=ratio)
        if new is not spec:
            self.doc.undo_stack.push(SetSpecCommand(self.doc, sid, new, f"Drag {cid}", token))
        if shift:
            self._syncing = True
            item.setPos(center0, item.pos().y())
            self._syncing = False

    def _on_window_moved(self) -> None:
        if self._syncing or not self.doc.current:
            return
        sid = self.doc.current
        spec = self.doc.spec(sid)
        lo, hi = (float(v) for v in self.window_item.getRegion())
        if spec.window is not None and np.allclose(spec.window, (lo, hi)):
            return
        new = replace(spec, window=(lo, hi))
        self.doc.undo_stack.push(SetSpecCommand(self.doc, sid, new, "Move background window"))

    def _on_mouse_moved(self, scene_pos: object) -> None:
        vb = self.plot.getViewBox()
        if not self.plot.sceneBoundingRect().contains(scene_pos):
            self.readout.setText("")
            return
        point = vb.mapSceneToView(scene_pos)
        self.readout.setText(f"BE {point.x():.2f} eV   I {point.y():.4g}")
        self.readout.setPos(vb.width() - 4, 2)
