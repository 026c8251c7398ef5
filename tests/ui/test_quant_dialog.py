"""Tools > Quantification settings: user factors, the CasaXPS file source and corrections,
one undo step, used by the atomic % view and exports."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from xpsfit.quant_settings import QuantSettings
from xpsfit_ui.dialogs.quant_dialog import QuantificationDialog
from xpsfit_ui.exports import export_table
from xpsfit_ui.main_window import MainWindow
from xpsfit_ui.plots.profile_view import Mode
from xpsfit_ui.profile_data import QUANT_KEY, quant_settings


@pytest.fixture
def level0(window: MainWindow, qtbot) -> MainWindow:
    """The window with Co 2p and O 1s of bare-LCO level 0 fitted."""
    ids = window.doc.ids_where(sample="bare-LCO", etch_level=0)
    window.fits.fit_spectra(ids)
    with qtbot.waitSignal(window.fits.batch_finished, timeout=120_000):
        pass
    return window


def _rows(dlg: QuantificationDialog) -> dict[str, tuple[str, str]]:
    t = dlg.table
    return {
        t.item(r, 0).text(): (t.item(r, 1).text(), t.item(r, 2).text()) for r in range(t.rowCount())
    }


def _atomic(doc, path: Path) -> dict[str, dict[str, str]]:
    export_table(doc, "atomic", path)
    with open(path, encoding="utf-8") as fh:
        return {r["element"]: r for r in csv.DictReader(fh) if r["sample"] == "bare-LCO"}


def test_user_factor_and_corrections_are_one_undo_step(
    level0: MainWindow, qtbot, tmp_path: Path
) -> None:
    doc = level0.doc
    before = _atomic(doc, tmp_path / "before.csv")
    assert float(before["Co"]["rsf"]) == pytest.approx(19.42, rel=0.2)  # Scofield Co 2p
    dlg = QuantificationDialog(doc, level0)
    qtbot.addWidget(dlg)
    rows = _rows(dlg)
    assert list(rows) == ["Co 2p", "O 1s"]
    assert rows["O 1s"][1].endswith("(Scofield)")
    co = list(rows).index("Co 2p")
    dlg.table.item(co, 1).setText("10")
    assert _rows(dlg)["Co 2p"][1] == "10 (your value)"
    dlg.exponent.setValue(0.0)
    dlg.transmission.setChecked(False)
    count = doc.undo_stack.count()
    dlg.accept()
    assert doc.undo_stack.count() == count + 1
    assert quant_settings(doc.project.settings) == QuantSettings(
        rsf={"Co 2p": 10.0}, ke_exponent=0.0, use_transmission=False
    )
    after = _atomic(doc, tmp_path / "after.csv")
    assert float(after["Co"]["rsf"]) == 10.0
    assert float(after["Co"]["atomic_percent"]) > float(before["Co"]["atomic_percent"])
    doc.undo_stack.undo()
    assert QUANT_KEY not in doc.project.settings
    assert _atomic(doc, tmp_path / "undone.csv") == before


def test_bad_factor_is_named_and_nothing_is_stored(window: MainWindow, qtbot) -> None:
    dlg = QuantificationDialog(window.doc, window)
    qtbot.addWidget(dlg)
    dlg.table.item(0, 1).setText("-2")
    assert "Co 2p" in dlg.error.text()
    assert "positive" in dlg.error.text()
    count = window.doc.undo_stack.count()
    dlg.accept()
    assert window.doc.undo_stack.count() == count
    assert QUANT_KEY not in window.doc.project.settings
    dlg.table.item(0, 1).setText("abc")
    assert "not a number" in dlg.error.text()


def test_file_factors_missing_are_shown_and_left_out_of_the_view(
    level0: MainWindow, qtbot, tmp_path: Path
) -> None:
    """The demo files carry no CasaXPS RSF: the dialog says so per region, the atomic view
    draws nothing it cannot compute and says why, the table export names the remedy."""
    doc = level0.doc
    dlg = QuantificationDialog(doc, level0)
    qtbot.addWidget(dlg)
    dlg.source.setCurrentIndex(1)
    rows = _rows(dlg)
    assert rows["Co 2p"][1] == "none: the file stores no CasaXPS RSF; give one"
    assert dlg.table.item(0, 2).toolTip().startswith("no CasaXPS RSF stored with bare-LCO")
    assert dlg.table.item(0, 2).foreground().color().name() == "#b00020"
    o1s = list(rows).index("O 1s")
    dlg.table.item(o1s, 1).setText("0.78")
    dlg.accept()
    view = level0.profile_view
    level0.tabs.setCurrentIndex(1)
    view.refresh()
    view.mode.setCurrentText(Mode.ATOMIC.value)
    title = view.plot.titleLabel.text
    assert "without Co 2p" in title
    assert "Quantification settings" in title
    with pytest.raises(Exception, match=r"no CasaXPS RSF .*Quantification settings"):
        export_table(doc, "atomic", tmp_path / "atomic.csv")
    workbook = export_table(doc, "workbook", tmp_path / "all.xlsx")  # without the atomic sheet
    assert workbook.stat().st_size > 0


def test_restore_defaults(window: MainWindow, qtbot) -> None:
    dlg = QuantificationDialog(window.doc, window)
    qtbot.addWidget(dlg)
    dlg.exponent.setValue(1.1)
    dlg.source.setCurrentIndex(1)
    dlg.table.item(0, 1).setText("3")
    dlg.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).click()
    assert dlg.settings() == QuantSettings()
    assert dlg.table.item(0, 1).text() == ""
    assert not Qt.ItemFlag.ItemIsEditable & dlg.table.item(0, 2).flags()


def test_settings_survive_saving_the_project(window: MainWindow, qtbot, tmp_path: Path) -> None:
    dlg = QuantificationDialog(window.doc, window)
    qtbot.addWidget(dlg)
    dlg.table.item(1, 1).setText("0.711")
    dlg.source.setCurrentIndex(1)
    dlg.xray.setCurrentText("Mg Ka")
    dlg.accept()
    wanted = QuantSettings(rsf={"O 1s": 0.711}, file_rsf=True, source="Mg Ka")
    assert quant_settings(window.doc.project.settings) == wanted
    path = window.doc.save(tmp_path / "q.xpsproj")
    window.doc.open(path)
    assert quant_settings(window.doc.project.settings) == wanted
    reopened = QuantificationDialog(window.doc, window)
    qtbot.addWidget(reopened)
    assert reopened.settings() == wanted


def test_casaxps_file_factors_of_an_opened_casaxps_file(
    window: MainWindow, qtbot, realdata: Path
) -> None:
    """FeO opened from CasaXPS's file: with the file's RSFs its region uses CasaXPS's 16.42,
    and the quantification table shows CasaXPS's RSF*T*MFP (exponent 0 as in that file)."""
    doc = window.doc
    doc.replace_project(type(doc.project)())
    window.open_paths([realdata / "pynxtools-xps/FeO_analyzed.vms"])
    sid = doc.current
    dlg = QuantificationDialog(doc, window)
    qtbot.addWidget(dlg)
    assert _rows(dlg)["Fe 2p"][1] == "16.42 (Scofield)"  # CasaXPS's own default is Scofield
    dlg.source.setCurrentIndex(1)
    assert _rows(dlg)["Fe 2p"][1] == "16.42 (CasaXPS file)"
    dlg.exponent.setValue(0.0)
    dlg.accept()
    window.fits.fit_spectra([sid])
    with qtbot.waitSignal(window.fits.batch_finished, timeout=60_000):
        pass
    window.show_peak_table()
    table = window.peak_dialog.table  # type: ignore[union-attr]
    factors = [float(table.item(r, 6).text()) for r in range(table.rowCount())]
    assert factors == pytest.approx([44.32, 44.52, 44.70, 44.93], abs=0.01)
