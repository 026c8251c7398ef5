"""Templates from the GUI: save the current model, apply it to this spectrum, a level or the
whole profile as one undo step; the library browser adds species to the model."""

from __future__ import annotations

from dataclasses import replace

import pytest

from xpsfit.reference import load_library
from xpsfit_ui.dialogs.library_browser import LibraryBrowser, matches, with_species
from xpsfit_ui.dialogs.templates_dialog import (
    Scope,
    TemplateManager,
    apply_to,
    current_as_template,
    targets,
)
from xpsfit_ui.main_window import MainWindow


def test_apply_template_to_profile_is_one_undo_step(window: MainWindow) -> None:
    doc = window.doc
    spec = doc.spec(doc.current)
    comp = spec.components[0]
    custom = spec.with_component(replace(comp, fwhm=replace(comp.fwhm, value=2.2, vary=False)))
    from xpsfit_ui.commands import SetSpecCommand

    doc.undo_stack.push(SetSpecCommand(doc, doc.current, custom, "custom"))
    tpl = current_as_template(doc, "my Co 2p")
    sids = targets(doc, Scope.PROFILE, [], tpl.spec.region)
    cur = doc.spectrum(doc.current)
    assert set(sids) == set(doc.ids_where(sample=cur.sample, region="Co 2p"))
    before = {s: doc.spec(s) for s in sids}
    count = doc.undo_stack.count()
    assert apply_to(doc, tpl, sids) == []
    assert doc.undo_stack.count() == count + 1
    for s in sids:
        got = doc.spec(s).component(comp.id).fwhm
        assert (got.value, got.vary) == (2.2, False)
    doc.undo_stack.undo()
    assert {s: doc.spec(s) for s in sids} == before


def test_scopes(window: MainWindow) -> None:
    doc = window.doc
    cur = doc.spectrum(doc.current)
    assert targets(doc, Scope.THIS, [], "Co 2p") == [doc.current]
    level = targets(doc, Scope.LEVEL, [], "")
    assert {doc.spectrum(s).region for s in level} == {"Co 2p", "O 1s"}
    assert all(doc.spectrum(s).etch_level == cur.etch_level for s in level)
    assert len(targets(doc, Scope.ALL, [], "O 1s")) == 27
    assert targets(doc, Scope.SELECTED, level, "O 1s") == [s for s in level
                                                           if doc.spectrum(s).region == "O 1s"]  # fmt: skip


def test_template_manager_stores_templates_undoably(window: MainWindow, qtbot) -> None:
    dlg = TemplateManager(window.doc, parent=window)
    qtbot.addWidget(dlg)
    dlg.add_template(current_as_template(window.doc, "Co 2p A"))
    assert dlg.list.count() == 1
    dlg.list.setCurrentRow(0)
    dlg.scope.setCurrentText(Scope.LEVEL.value)
    dlg.apply_selected()
    assert "Applied 'Co 2p A' to 1 spectra" in dlg.status.text()
    dlg.delete_selected()
    assert dlg.list.count() == 0
    window.doc.undo_stack.undo()
    assert dlg.list.count() == 1


def test_library_search_and_add(window: MainWindow, qtbot) -> None:
    assert matches("780", "Co 2p", "Co3+", "LiCoO2", 779.9, 0.4)
    assert not matches("700", "Co 2p", "Co3+", "LiCoO2", 779.9, 0.4)
    assert matches("co3", "Co 2p", "Co3+", "LiCoO2", 779.9, 0.4)
    library = load_library(include_user=False)
    doc = window.doc
    spec = doc.spec(doc.current)
    empty = replace(spec, components=(), fractions=())
    built = with_species(empty, "Co 2p", ["Co3+"], library)
    assert "Co3+" in built.ids()
    assert built.window is not None
    dlg = LibraryBrowser(doc, window, library=library)
    qtbot.addWidget(dlg)
    dlg.search.setText("Ti 2p")
    assert dlg.tree.topLevelItemCount() >= 1
    top = dlg.tree.topLevelItem(0)
    top.child(0).setSelected(True)
    count = doc.undo_stack.count()
    dlg.add_selected()
    assert doc.undo_stack.count() == count + 1
    assert len(doc.spec(doc.current).components) > len(spec.components)


@pytest.mark.parametrize("scope", list(Scope))
def test_every_scope_targets_only_the_region(window: MainWindow, scope: Scope) -> None:
    doc = window.doc
    for sid in targets(doc, scope, doc.ids()[:3], "O 1s"):
        assert doc.spectrum(sid).region == "O 1s"
