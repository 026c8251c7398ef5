"""The document and its undo stack: every edit is one command, keyed by spectrum id."""

from __future__ import annotations

from dataclasses import replace

from xpsfit.spec import Param
from xpsfit_ui.commands import FitResultsCommand, SetSpecCommand, set_setting
from xpsfit_ui.document import Document


def test_ids_are_stable_across_reload(co2p_doc: Document) -> None:
    ids = co2p_doc.ids()
    assert len(ids) == 9
    assert len(set(ids)) == 9
    again = Document()
    again.replace_project(again.with_spectra(co2p_doc.spectrum(s) for s in ids))
    assert again.ids() == ids


def test_spec_edit_undo_redo_and_signals(co2p_doc: Document, qtbot) -> None:
    doc = co2p_doc
    sid = doc.current
    old = doc.spec(sid)
    comp = old.components[0]
    new = old.with_component(replace(comp, center=replace(comp.center, value=781.0)))
    with qtbot.waitSignal(doc.spec_changed) as blocker:
        doc.undo_stack.push(SetSpecCommand(doc, sid, new, "edit"))
    assert blocker.args == [sid]
    assert doc.spec(sid).components[0].center.value == 781.0
    assert doc.is_modified()
    doc.undo_stack.undo()
    assert doc.spec(sid) == old
    assert not doc.is_modified()
    doc.undo_stack.redo()
    assert doc.spec(sid) == new


def test_drag_pushes_merge_into_one_step(co2p_doc: Document) -> None:
    doc = co2p_doc
    sid = doc.current
    start = doc.spec(sid)
    cid = start.components[0].id
    for token in (7, 8):  # two separate drags
        for i in range(5):
            spec = doc.spec(sid)
            comp = spec.component(cid)
            moved = replace(comp, center=Param(comp.center.value + 0.1 * (i + 1)))
            doc.undo_stack.push(SetSpecCommand(doc, sid, spec.with_component(moved), "drag", token))
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.spec(sid) == start


def test_edits_of_other_spectra_never_touch_the_current_one(co2p_doc: Document) -> None:
    doc = co2p_doc
    a, b = doc.ids()[:2]
    before = doc.spec(a)
    spec_b = replace(doc.spec(b), window=(775.0, 805.0))
    doc.undo_stack.push(SetSpecCommand(doc, b, spec_b, "edit b"))
    assert doc.spec(a) == before
    assert doc.spec(b).window == (775.0, 805.0)


def test_fit_results_command_restores_spec_and_result(co2p_doc: Document) -> None:
    from xpsfit.fitting import fit

    doc = co2p_doc
    sid = doc.current
    before = doc.spec(sid)
    res = fit(doc.spectrum(sid), before)
    doc.undo_stack.push(FitResultsCommand(doc, {sid: res}, "Fit"))
    assert doc.result(sid) is res
    assert doc.spec(sid) == res.spec
    doc.undo_stack.undo()
    assert doc.result(sid) is None
    assert doc.spec(sid) == before


def test_settings_are_undoable(co2p_doc: Document, qtbot) -> None:
    doc = co2p_doc
    with qtbot.waitSignal(doc.settings_changed):
        set_setting(doc, "sputter_rate", {"nm_per_s": 0.1, "reference_material": "Ta2O5"}, "rate")
    assert doc.project.settings["sputter_rate"]["nm_per_s"] == 0.1
    doc.undo_stack.undo()
    assert "sputter_rate" not in doc.project.settings
