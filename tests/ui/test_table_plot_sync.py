"""Table <-> plot synchronisation both ways, and dragging a component on the plot."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from xpsfit_ui.document import Document
from xpsfit_ui.plots.spectrum_view import SpectrumView
from xpsfit_ui.tables.component_model import Col, ComponentTableModel


@pytest.fixture
def view(co2p_doc: Document, qtbot) -> SpectrumView:
    v = SpectrumView(co2p_doc)
    qtbot.addWidget(v)
    v.resize(900, 600)
    v.refresh()
    return v


def _major(view: SpectrumView, cid: str):
    assert view.last_preview is not None
    return next(ln for ln in view.last_preview.lines if ln.component == cid and ln.role != "minor")


def test_table_edit_moves_the_plot(co2p_doc: Document, view: SpectrumView) -> None:
    model = ComponentTableModel(co2p_doc)
    comp = co2p_doc.spec(co2p_doc.current).components[0]
    target = round(comp.center.value + 0.15, 2)  # inside the center's bounds
    row = model.row_of(comp.id, "center")
    assert model.setData(model.index(row, Col.VALUE), f"{target}")
    assert _major(view, comp.id).center == target
    assert view.handles[comp.id].pos().x() == pytest.approx(target)
    co2p_doc.undo_stack.undo()
    assert _major(view, comp.id).center != target


def test_plot_drag_updates_the_table(co2p_doc: Document, view: SpectrumView) -> None:
    model = ComponentTableModel(co2p_doc)
    cid = co2p_doc.spec(co2p_doc.current).components[0].id
    changed = []
    model.dataChanged.connect(lambda *a: changed.append(a))
    handle = view.handles[cid]
    handle.setPos(QPointF(780.5, handle.pos().y()))
    handle.sigPositionChangeFinished.emit(handle)
    row = model.row_of(cid, "center")
    assert model.data(model.index(row, Col.VALUE)) == "780.5"
    assert changed


def test_drag_changes_center_and_height_in_one_undo_step(
    co2p_doc: Document, view: SpectrumView
) -> None:
    doc = co2p_doc
    sid = doc.current
    start = doc.spec(sid)
    cid = start.components[0].id
    handle = view.handles[cid]
    line0 = _major(view, cid)
    base = handle.pos().y() - line0.height
    for k in range(1, 11):  # ten mouse moves of one drag
        handle.setPos(QPointF(line0.center + 0.05 * k, base + line0.height * (1 + 0.05 * k)))
    handle.sigPositionChangeFinished.emit(handle)
    moved = doc.spec(sid).component(cid)
    assert moved.center.value == pytest.approx(line0.center + 0.5)
    assert moved.area.value > start.component(cid).area.value * 1.3
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert doc.spec(sid) == start


def _mouse(widget, kind: QEvent.Type, pos: QPointF, button: Qt.MouseButton,
           buttons: Qt.MouseButton) -> None:  # fmt: skip
    event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons,
                        Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(widget, event)


def test_mouse_drag_on_the_scene(co2p_doc: Document, view: SpectrumView, qtbot) -> None:
    view.show()
    qtbot.waitExposed(view)
    view.refresh()
    qtbot.wait(50)  # let the view box settle its range
    cid = co2p_doc.spec(co2p_doc.current).components[0].id
    vb = view.plot.getViewBox()
    viewport = view.canvas.viewport()
    start_energy = view.handles[cid].pos().x()
    start = QPointF(view.canvas.mapFromScene(vb.mapViewToScene(view.handles[cid].pos())))
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    _mouse(viewport, QEvent.Type.MouseButtonPress, start, left, left)
    for i in range(1, 9):  # leftwards = higher binding energy (inverted axis)
        _mouse(viewport, QEvent.Type.MouseMove, start + QPointF(-5.0 * i, 0.0), none, left)
    end = start + QPointF(-40.0, 0.0)
    _mouse(viewport, QEvent.Type.MouseButtonRelease, end, left, none)
    expected = vb.mapSceneToView(view.canvas.mapToScene(end.toPoint())).x()
    moved = co2p_doc.spec(co2p_doc.current).component(cid).center.value
    assert expected > start_energy + 0.5
    assert moved == pytest.approx(expected, abs=0.05)
    assert co2p_doc.undo_stack.count() == 1  # the whole drag is one undo step


def test_window_handles_edit_the_window(co2p_doc: Document, view: SpectrumView) -> None:
    view.window_item.setRegion((775.0, 805.0))
    view.window_item.sigRegionChangeFinished.emit(view.window_item)
    assert co2p_doc.spec(co2p_doc.current).window == pytest.approx((775.0, 805.0))
    assert view.last_preview is not None
    assert view.last_preview.binding_energy.min() >= 775.0


def test_fixed_and_bounds_edits(co2p_doc: Document) -> None:
    model = ComponentTableModel(co2p_doc)
    cid = co2p_doc.spec(co2p_doc.current).components[0].id
    row = model.row_of(cid, "fwhm")
    assert model.setData(model.index(row, Col.FIXED), Qt.CheckState.Checked.value,
                         Qt.ItemDataRole.CheckStateRole)  # fmt: skip
    assert co2p_doc.spec(co2p_doc.current).component(cid).fwhm.vary is False
    assert model.setData(model.index(row, Col.MAX), "")
    assert np.isinf(co2p_doc.spec(co2p_doc.current).component(cid).fwhm.max)
    assert not model.setData(model.index(row, Col.MIN), "abc")
    assert not model.setData(model.index(row, Col.LINK_REF), "no-such-component")
    assert co2p_doc.undo_stack.count() == 2


def test_link_edit(co2p_doc: Document) -> None:
    model = ComponentTableModel(co2p_doc)
    spec = co2p_doc.spec(co2p_doc.current)
    a, b = [c.id for c in spec.components if c.satellite_of is None][:2]
    row = model.row_of(b, "fwhm")
    assert model.setData(model.index(row, Col.LINK_REF), a)
    assert model.setData(model.index(row, Col.LINK_KIND), "ratio")
    assert model.setData(model.index(row, Col.LINK_VALUE), "1.2")
    link = co2p_doc.spec(co2p_doc.current).component(b).fwhm.link
    assert (link.ref, link.kind, link.value) == (a, "ratio", 1.2)


def test_plot_shows_start_values_clipped_to_bounds(co2p_doc: Document, view: SpectrumView) -> None:
    model = ComponentTableModel(co2p_doc)
    comp = co2p_doc.spec(co2p_doc.current).components[0]
    row = model.row_of(comp.id, "center")
    assert model.setData(model.index(row, Col.VALUE), str(comp.center.max + 2.0))
    assert _major(view, comp.id).center == comp.center.max  # where the fit would start
