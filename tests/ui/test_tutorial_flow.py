"""The steps of docs/gui.md, done as a user does them: open the demo, fit Co 2p at level 0
(F5), save the model as a template and apply it to the whole profile, fit the profile (F6),
look at the Co2+ fraction against depth, export the fraction table, run the model
sensitivity from the depth-profile view."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QSettings

from xpsfit.template_library import default_template
from xpsfit_ui import menus
from xpsfit_ui.app import load_demo
from xpsfit_ui.dialogs import templates_dialog
from xpsfit_ui.dialogs.templates_dialog import Scope, TemplateManager
from xpsfit_ui.main_window import MainWindow
from xpsfit_ui.plots.profile_view import Mode


@pytest.fixture
def demo(qtbot, tmp_path: Path) -> Iterator[MainWindow]:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, recovery_dir=tmp_path / "recovery")
    load_demo(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.fits.runner.cancel_all()
    win.fits.runner.wait(10_000)
    win.doc.undo_stack.setClean()
    win.close()
    win.deleteLater()


def _wait_batch(win: MainWindow, qtbot) -> None:
    with qtbot.waitSignal(win.fits.batch_finished, timeout=120_000):
        pass


def test_tutorial(demo: MainWindow, qtbot, tmp_path: Path, monkeypatch) -> None:
    doc = demo.doc
    level0 = doc.ids_where(sample="bare-LCO", region="Co 2p", etch_level=0)[0]
    assert doc.current == level0  # the demo opens on bare-LCO > level 0 > Co 2p
    assert demo.tree.status(level0) == "unfitted"

    # 1. F5 fits this spectrum
    demo.actions["fit"].trigger()
    _wait_batch(demo, qtbot)
    assert demo.tree.status(level0) in ("converged", "at_bound")
    assert demo.spectrum_view.plot.titleLabel.text.endswith(": fit")

    # 2. Model > Templates... > Save current model... (default name), apply to the profile
    assert demo.actions["templates"].shortcut().toString() == "Ctrl+T"
    manager = TemplateManager(doc, demo.tree.selected_ids(), demo)
    qtbot.addWidget(manager)
    monkeypatch.setattr(
        templates_dialog.QInputDialog,
        "getText",
        lambda *_a, text="", **_k: (text, True),  # the user accepts the proposed name
    )
    manager.save_current()
    assert list(doc.project.templates) == ["Co 2p model"]
    manager.list.setCurrentRow(0)
    manager.scope.setCurrentText(Scope.PROFILE.value)
    manager.apply_selected()
    series = doc.ids_where(sample="bare-LCO", region="Co 2p")
    assert "Applied 'Co 2p model' to 9 spectra." in manager.status.text()
    manager.close()

    # F6 fits the whole Co 2p series of bare-LCO, seeded level by level
    assert demo.actions["profile_previous"].shortcut().toString() == "F6"
    demo.actions["profile_previous"].trigger()
    _wait_batch(demo, qtbot)
    assert all(demo.tree.status(s) in ("converged", "at_bound") for s in series)
    assert {s for s in doc.ids() if doc.result(s) is not None} == set(series)

    # 3. Ctrl+2: Co2+ fraction (the template's first fraction) against depth
    demo.actions["show_profile"].trigger()
    view = demo.profile_view
    assert view.mode.currentText() == Mode.FRACTIONS.value
    assert view.region.currentText() == "Co 2p"
    assert view.quantity.currentText() == default_template("Co 2p").fractions[0].name
    curves = [i for i in view.plot.listDataItems() if isinstance(i, pg.PlotDataItem)]
    assert [c.name() for c in curves] == ["bare-LCO"]
    assert len(curves[0].xData) == 9
    assert view.plot.getAxis("bottom").labelText == "depth (nm)"

    # 4. File > Export > Fraction table...
    out = tmp_path / "fractions.csv"
    monkeypatch.setattr(menus.QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(out), ""))
    demo.actions["export_fractions"].trigger()
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "sample", "region", "level", "etch_time_s", "depth_nm", "fraction", "value", "err",
        "mc_err",
    ]  # fmt: skip
    name = view.quantity.currentText()
    mine = [r for r in rows if r["fraction"] == name]
    assert len(mine) == 9
    assert all(0.0 < float(r["value"]) < 1.0 for r in mine)

    # 5. Fit > Model sensitivity... for the region shown: boxes beside the error bars, a table
    with qtbot.waitSignal(demo.sensitivity.stored, timeout=120_000):
        demo.actions["sensitivity"].trigger()
    assert demo.tabs.currentIndex() == 1
    assert any(isinstance(i, pg.BarGraphItem) for i in view.plot.items)
    assert view.plot.getAxis("left").labelText.endswith("boxes: model spread")
    dialog = demo.sensitivity_dialog
    assert dialog is not None
    assert dialog.table.rowCount() == 18  # nine levels, two fractions

    # Data that are not counts: Fit > Weights > Uniform
    demo.actions["weights_uniform"].trigger()
    assert demo.weights_label.text() == "Fit weights: Uniform"
