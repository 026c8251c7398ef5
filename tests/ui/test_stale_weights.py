"""A stored fit made with other weights than the project's Fit > Weights setting is stale, like
one whose model was edited since: the data tree, the spectrum view's title and the component
table say why; undoing the change of setting makes the fits current again."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QSettings, Qt

from xpsfit.fitting import fit
from xpsfit_ui.commands import FitResultsCommand, SetSpecCommand
from xpsfit_ui.document import Document
from xpsfit_ui.fit_controller import stale_reason
from xpsfit_ui.main_window import MainWindow
from xpsfit_ui.tables.component_model import Col

CURRENT = ("converged", "at_bound")
OTHER_WEIGHTS = "fitted with Poisson (counts) weights, the project fits with Uniform weights"


def _store_fits(doc: Document, sids: list[str]) -> None:
    results = {sid: fit(doc.spectrum(sid), doc.spec(sid)) for sid in sids}
    doc.undo_stack.push(FitResultsCommand(doc, results, "Fit"))


def _fitted_tip(window: MainWindow) -> str:
    model = window.table_model
    return str(model.data(model.index(0, Col.FITTED), Qt.ItemDataRole.ToolTipRole))


def test_changing_the_weights_makes_fits_stale_and_undo_current(window: MainWindow, qtbot) -> None:
    doc, tree = window.doc, window.tree
    sids = doc.ids_where(sample="bare-LCO", region="Co 2p")[:2]
    _store_fits(doc, sids)
    doc.set_current(sids[0])
    assert all(tree.status(s) in CURRENT for s in sids)
    assert "Poisson (counts) weights" in tree._items[sids[0]].toolTip(1)
    assert window.spectrum_view.plot.titleLabel.text.endswith(": fit")
    assert _fitted_tip(window) == "last fit: Poisson (counts) weights"

    window.actions["weights_uniform"].trigger()
    assert [tree.status(s) for s in sids] == ["stale", "stale"]
    item = tree._items[sids[0]]
    assert item.text(1) == "stale"
    assert item.toolTip(1).startswith(OTHER_WEIGHTS + " (Fit > Weights)")
    assert window.spectrum_view.plot.titleLabel.text.endswith(
        f": fit (stale: {OTHER_WEIGHTS} (Fit > Weights))"
    )
    assert _fitted_tip(window).startswith(
        f"last fit: Poisson (counts) weights; stale: {OTHER_WEIGHTS}"
    )

    doc.undo_stack.undo()
    assert all(tree.status(s) in CURRENT for s in sids)
    assert stale_reason(doc, sids[0]) == ""
    assert window.spectrum_view.plot.titleLabel.text.endswith(": fit")
    doc.undo_stack.redo()
    assert [tree.status(s) for s in sids] == ["stale", "stale"]

    with qtbot.waitSignal(window.fits.batch_finished, timeout=60_000):
        window.fits.fit_spectra([sids[0]])
    refit = doc.result(sids[0])
    assert refit is not None
    assert refit.weights == "uniform"
    assert tree.status(sids[0]) in CURRENT
    assert "Uniform weights" in tree._items[sids[0]].toolTip(1)
    assert tree.status(sids[1]) == "stale"
    doc.undo_stack.undo()  # the refit
    doc.undo_stack.undo()  # the setting
    assert all(tree.status(s) in CURRENT for s in sids)


def test_an_edited_model_and_other_weights_both_show(window: MainWindow) -> None:
    doc = window.doc
    sid = doc.ids_where(sample="bare-LCO", region="Co 2p")[0]
    _store_fits(doc, [sid])
    doc.set_current(sid)
    spec = doc.spec(sid)
    moved = replace(spec, window=(775.0, 805.0))
    doc.undo_stack.push(SetSpecCommand(doc, sid, moved, "window"))
    assert stale_reason(doc, sid) == "model edited since the last fit"
    window.actions["weights_uniform"].trigger()
    assert window.tree.status(sid) == "stale"
    assert stale_reason(doc, sid).startswith(f"model edited since the last fit; {OTHER_WEIGHTS}")
    doc.undo_stack.undo()  # the setting: the edit alone remains
    assert stale_reason(doc, sid) == "model edited since the last fit"
    doc.undo_stack.undo()  # the edit
    assert window.tree.status(sid) != "stale"


def test_a_reopened_project_with_other_weights_shows_its_fits_stale(
    window: MainWindow, tmp_path: Path
) -> None:
    doc = window.doc
    sid = doc.ids_where(sample="bare-LCO", region="Co 2p")[0]
    _store_fits(doc, [sid])
    path = tmp_path / "poisson-fits.xpsproj"
    assert window.save_to(path)
    settings = QSettings(str(tmp_path / "other.ini"), QSettings.Format.IniFormat)
    other = MainWindow(settings, recovery_dir=tmp_path / "other")
    try:
        other.open_paths([path])
        reopened = other.doc.result(sid)
        assert reopened is not None
        assert reopened.weights == "poisson"
        assert other.tree.status(sid) in CURRENT
        other.actions["weights_uniform"].trigger()
        assert other.tree.status(sid) == "stale"
    finally:
        other.doc.undo_stack.setClean()  # so closing asks nothing
        other.close()
