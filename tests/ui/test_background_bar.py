"""The background bar: every control edits the current spec in one undo step, the spectrum
view draws the new background, and the line beside it reports what the fit made of it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from xpsfit import backgrounds
from xpsfit.background_casa import tie_levels
from xpsfit.fitting import fit
from xpsfit.spec import BackgroundSpec, Param
from xpsfit_ui.background_bar import BackgroundBar
from xpsfit_ui.commands import FitResultsCommand, SetSpecCommand
from xpsfit_ui.document import Document
from xpsfit_ui.plots.spectrum_view import SpectrumView


@pytest.fixture
def bar(co2p_doc: Document, qtbot) -> BackgroundBar:
    widget = BackgroundBar(co2p_doc)
    qtbot.addWidget(widget)
    return widget


def _choose(box, data: object) -> None:
    box.setCurrentIndex(box.findData(data))


def test_kind_change_is_one_undo_step(co2p_doc: Document, bar: BackgroundBar) -> None:
    doc, sid = co2p_doc, co2p_doc.current
    before = doc.spec(sid).background
    assert before.kind == "active_shirley"
    assert not bar.slope.isHidden()
    assert bar.points.isHidden()
    depth = doc.undo_stack.count()
    _choose(bar.kind, "shirley")
    assert doc.spec(sid).background.kind == "shirley"
    assert bar.slope.isHidden()
    assert not bar.points.isHidden()
    assert doc.undo_stack.count() == depth + 1
    assert doc.undo_stack.undoText() == "Background: Shirley"
    doc.undo_stack.undo()
    assert doc.spec(sid).background == before
    assert bar.kind.currentData() == "active_shirley"  # the bar follows the undo


def test_casaxps_convention_draws_and_fits_casaxps_tie_points(
    co2p_doc: Document, bar: BackgroundBar, qtbot
) -> None:
    doc, sid = co2p_doc, co2p_doc.current
    view = SpectrumView(doc)
    qtbot.addWidget(view)
    view.refresh()
    _choose(bar.kind, "shirley")
    _choose(bar.convention, "casaxps")
    bar.points.setValue(0)  # CasaXPS Av Width 0: one channel
    bar.points.setValue(2)
    bg = doc.spec(sid).background
    assert (bg.kind, bg.average_points, bg.options["convention"]) == ("shirley", 2, "casaxps")
    spectrum, spec = doc.spectrum(sid), doc.spec(sid)
    assert spec.window is not None
    win = spectrum.crop(*spec.window)
    levels = tie_levels(spectrum.binding_energy, spectrum.intensity, spec.window, 2)
    expected = backgrounds.shirley(
        win.binding_energy, win.intensity, end_levels=levels, rule="channel_sum"
    )
    _, drawn = view.bg_item.getData()
    np.testing.assert_allclose(drawn, expected.background, rtol=1e-12)
    result = fit(spectrum, spec)
    doc.undo_stack.push(FitResultsCommand(doc, {sid: result}, "Fit"))
    assert bar.result.text().startswith(f"ends {levels[0]:.6g} / {levels[1]:.6g}; converged")
    # back to xpsfit's convention: at least one channel inside each end
    _choose(bar.convention, "xpsfit")
    assert "convention" not in doc.spec(sid).background.options
    assert doc.spec(sid).background.average_points == 2


def test_tougaard_form_and_fitted_b(co2p_doc: Document, bar: BackgroundBar) -> None:
    doc, sid = co2p_doc, co2p_doc.current
    _choose(bar.kind, "tougaard")
    bar.form.setCurrentText("U3")
    bar.fit_b.setChecked(True)
    bg = doc.spec(sid).background
    assert bg.kind == "tougaard"
    assert bg.options["tougaard_form"] == "U3"
    assert bg.params["B"].vary
    result = fit(doc.spectrum(sid), doc.spec(sid))
    doc.undo_stack.push(FitResultsCommand(doc, {sid: result}, "Fit"))
    assert bar.result.text().startswith("Fitted: offset ")
    assert " B " in bar.result.text()


def test_active_shirley_slope_toggles_its_parameter(co2p_doc: Document, bar: BackgroundBar) -> None:
    doc, sid = co2p_doc, co2p_doc.current
    had = "slope" in doc.spec(sid).background.params
    bar.slope.setChecked(not had)
    assert ("slope" in doc.spec(sid).background.params) is (not had)
    doc.undo_stack.undo()
    assert ("slope" in doc.spec(sid).background.params) is had


def test_edits_keep_a_given_cross_section(co2p_doc: Document, bar: BackgroundBar) -> None:
    """An imported CasaXPS Tougaard (C, D and gap given) keeps them through bar edits."""
    doc, sid = co2p_doc, co2p_doc.current
    given = BackgroundSpec(
        "tougaard",
        2,
        {"C": Param(551.123, vary=False), "D": Param(436.0, vary=False)},
        {"tougaard_form": "U3", "tougaard_gap": 3.0, "convention": "casaxps"},
    )
    doc.undo_stack.push(SetSpecCommand(doc, sid, replace(doc.spec(sid), background=given), "bg"))
    assert bar.form.currentText() == "U3"
    bar.points.setValue(3)
    bar.fit_b.setChecked(True)
    bg = doc.spec(sid).background
    assert (bg.params["C"].value, bg.params["D"].value) == (551.123, 436.0)  # shown as 551.12
    assert bg.options["tougaard_gap"] == 3.0
    assert bg.average_points == 3
    assert "B" in bg.params
    assert not bar.cross["D"].isHidden()  # U3
    # the cross-section boxes edit C, D and the gap, each one undo step
    bar.cross["C"].setValue(600.0)
    bar.cross["C"].editingFinished.emit()
    assert doc.spec(sid).background.params["C"].value == 600.0
    bar.cross["gap"].setValue(0.0)
    bar.cross["gap"].editingFinished.emit()
    assert "tougaard_gap" not in doc.spec(sid).background.options
    doc.undo_stack.undo()
    assert doc.spec(sid).background.options["tougaard_gap"] == 3.0


def test_a_default_cross_section_is_not_written_into_the_spec(
    co2p_doc: Document, bar: BackgroundBar
) -> None:
    doc, sid = co2p_doc, co2p_doc.current
    _choose(bar.kind, "tougaard")
    bg = doc.spec(sid).background
    assert (bg.kind, dict(bg.params)) == ("tougaard", {})
    assert bar.cross["C"].value() == 1643.0
    assert bar.cross["D"].isHidden()  # U2
    # U3 takes the polymer cross-section, not U2's C in the U3 form: nothing is written
    bar.form.setCurrentText("U3")
    bg = doc.spec(sid).background
    assert (bg.options["tougaard_form"], dict(bg.params)) == ("U3", {})
    assert (bar.cross["C"].value(), bar.cross["D"].value()) == (551.0, 436.0)
    bar.form.setCurrentText("U2")
    assert dict(doc.spec(sid).background.params) == {}
    assert bar.cross["C"].value() == 1643.0
