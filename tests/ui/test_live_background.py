"""The background drawn while editing is the background of the current spec (static Shirley
from the data, active Shirley following the current lines), not the last fit's or a line."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from xpsfit import backgrounds
from xpsfit.background_kernels import cumulative_integral
from xpsfit.fitting import fit
from xpsfit.spec import BackgroundSpec
from xpsfit_ui.commands import FitResultsCommand, SetSpecCommand
from xpsfit_ui.document import Document
from xpsfit_ui.plots.spectrum_view import SpectrumView


@pytest.fixture
def view(co2p_doc: Document, qtbot) -> SpectrumView:
    v = SpectrumView(co2p_doc)
    qtbot.addWidget(v)
    v.resize(900, 600)
    v.refresh()
    return v


def _drawn_background(view: SpectrumView) -> np.ndarray:
    x, y = view.bg_item.getData()
    assert view.last_preview is not None
    np.testing.assert_array_equal(x, view.last_preview.binding_energy)
    return np.asarray(y)


def _fit_current(doc: Document) -> None:
    sid = doc.current
    doc.undo_stack.push(FitResultsCommand(doc, {sid: fit(doc.spectrum(sid), doc.spec(sid))}, "Fit"))


def test_static_shirley_before_any_fit_is_the_data_shirley(
    co2p_doc: Document, view: SpectrumView
) -> None:
    doc, sid = co2p_doc, co2p_doc.current
    spec = doc.spec(sid)
    doc.undo_stack.push(SetSpecCommand(doc, sid, replace(spec, background=BackgroundSpec()), "bg"))
    lo, hi = spec.window or (0.0, 2000.0)
    win = doc.spectrum(sid).crop(lo, hi)
    expected = backgrounds.shirley(win.binding_energy, win.intensity, average_points=5)
    drawn = _drawn_background(view)
    np.testing.assert_allclose(drawn, expected.background, rtol=1e-12)
    straight = np.linspace(drawn[0], drawn[-1], drawn.size)
    assert np.max(np.abs(drawn - straight)) > 0.05 * np.ptp(drawn)  # not a straight line


def test_fitted_then_dragged_active_shirley_follows_the_lines(
    co2p_doc: Document, view: SpectrumView
) -> None:
    doc, sid = co2p_doc, co2p_doc.current
    assert doc.spec(sid).background.kind == "active_shirley"
    _fit_current(doc)
    res = doc.result(sid)
    assert res is not None
    assert view.last_preview is not None
    assert view.last_preview.source == "fit"
    np.testing.assert_array_equal(_drawn_background(view), res.background)
    assert view.plot.titleLabel.text.endswith(": fit")

    cid = next(c.id for c in doc.spec(sid).components if c.satellite_of is None)
    handle = view.handles[cid]
    start = handle.pos()
    for k in range(1, 6):  # one drag, five moves to higher binding energy
        handle.setPos(QPointF(start.x() + 0.1 * k, start.y()))
        pv = view.last_preview
        assert pv is not None
        assert pv.source == "model"
        bg = doc.spec(sid).background.params
        lines = np.sum([ln.curve for ln in pv.lines], axis=0)
        expected = bg["offset"].value + bg["k"].value * cumulative_integral(
            pv.binding_energy, lines
        )
        np.testing.assert_allclose(_drawn_background(view), expected, rtol=1e-9)
    handle.sigPositionChangeFinished.emit(handle)
    assert not np.allclose(_drawn_background(view), res.background)
    assert "not fitted" in view.plot.titleLabel.text
    doc.undo_stack.undo()  # the drag is one step: back to the fit's own curves
    np.testing.assert_array_equal(_drawn_background(view), res.background)


def test_a_spec_that_does_not_build_shows_its_background_or_the_data_alone(
    co2p_doc: Document, view: SpectrumView
) -> None:
    from xpsfit.backgrounds import shirley
    from xpsfit.spec import Param
    from xpsfit_ui.preview import preview

    doc, sid = co2p_doc, co2p_doc.current
    spec = doc.spec(sid)
    comp = spec.components[0]
    broken = spec.with_component(replace(comp, lineshape="no-such-shape"))
    doc.undo_stack.push(SetSpecCommand(doc, sid, broken, "edit"))
    pv = view.last_preview
    assert pv is not None
    assert pv.lines == ()  # nothing to draw for the components
    assert np.all(np.isfinite(pv.background))
    # an active Shirley without lines: the static Shirley of the data, tied at both ends
    static = shirley(pv.binding_energy, pv.data, average_points=spec.background.average_points)
    np.testing.assert_allclose(pv.background, static.background, rtol=1e-9)
    assert np.ptp(pv.background) > 0.3 * np.ptp(pv.data)
    hopeless = replace(spec, shared={"w": Param(1.0, expr="no_such_name * 2")})
    pv = preview(doc.spectrum(sid), hopeless)
    assert pv.lines == ()
    np.testing.assert_array_equal(pv.background, 0.0)
    np.testing.assert_array_equal(pv.residual, pv.data)
