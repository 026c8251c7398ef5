"""Tools > Quantification table: CasaXPS's peak table of the current spectrum's level, which
follows the current spectrum, new fits and the quantification settings; File > Export > Peak
table writes it for every level."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from xpsfit.quant_settings import QuantSettings
from xpsfit_ui.commands import set_setting
from xpsfit_ui.dialogs.peak_table_dialog import COLUMNS
from xpsfit_ui.exports import export_table
from xpsfit_ui.main_window import MainWindow
from xpsfit_ui.profile_data import QUANT_KEY


def _cells(win: MainWindow) -> list[list[str]]:
    t = win.peak_dialog.table  # type: ignore[union-attr]
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def test_table_of_the_current_level(window: MainWindow, qtbot, tmp_path: Path) -> None:
    doc = window.doc
    level0 = doc.ids_where(sample="bare-LCO", etch_level=0)
    doc.set_current(level0[0])
    window.actions["peak_table"].trigger()
    dialog = window.peak_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert _cells(window) == []
    assert "Nothing fitted" in dialog.summary.text()
    window.fits.fit_spectra(level0)
    with qtbot.waitSignal(window.fits.batch_finished, timeout=120_000):
        pass
    rows = _cells(window)
    assert len(rows[0]) == len(COLUMNS)
    assert {r[0] for r in rows} == {"Co 2p", "O 1s"}
    assert sum(float(r[-1]) for r in rows) == pytest.approx(100.0, abs=0.05)
    assert dialog.summary.text().startswith("Atomic %: Co ")
    # the settings change the factors at once
    co_rsf = {r[5] for r in rows if r[0] == "Co 2p"}
    set_setting(doc, QUANT_KEY, QuantSettings(rsf={"Co 2p": 10.0}).describe(), "RSF")
    assert {r[5] for r in _cells(window) if r[0] == "Co 2p"} == {"10"} != co_rsf
    # a region without a factor is named, not counted
    set_setting(doc, QUANT_KEY, QuantSettings(file_rsf=True, rsf={"O": 0.7}).describe(), "f")
    assert {r[0] for r in _cells(window)} == {"O 1s"}
    assert "Left out (no sensitivity factor): Co 2p" in dialog.summary.text()
    # another level: nothing fitted there
    doc.set_current(doc.ids_where(sample="bare-LCO", etch_level=3)[0])
    assert _cells(window) == []
    doc.undo_stack.undo()
    path = export_table(doc, "peak", tmp_path / "peaks.csv")
    with open(path, encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    assert {r["region"] for r in table} == {"Co 2p", "O 1s"}
    assert {r["rsf"] for r in table if r["region"] == "Co 2p"} == {"10.0"}


def test_copy_puts_the_table_on_the_clipboard(window: MainWindow, qtbot) -> None:
    doc = window.doc
    level0 = doc.ids_where(sample="ceramic-LCO", etch_level=0)
    doc.set_current(level0[0])
    window.fits.fit_spectra(level0)
    with qtbot.waitSignal(window.fits.batch_finished, timeout=120_000):
        pass
    window.show_peak_table()
    dialog = window.peak_dialog
    assert dialog is not None
    dialog.copy_button.click()
    lines = QApplication.clipboard().text().splitlines()
    assert lines[0] == "ceramic-LCO, level 0: every fitted region of this level"
    assert lines[1].split("\t") == list(COLUMNS)
    assert len(lines) == 2 + dialog.table.rowCount() + 1
    assert lines[-1].startswith("Atomic %: Co ")
    assert all(len(ln.split("\t")) == len(COLUMNS) for ln in lines[2:-1])


def test_a_closed_table_catches_up_when_shown(window: MainWindow, qtbot) -> None:
    doc = window.doc
    level0 = doc.ids_where(sample="bare-LCO", etch_level=0)
    doc.set_current(level0[0])
    window.fits.fit_spectra(level0)
    with qtbot.waitSignal(window.fits.batch_finished, timeout=120_000):
        pass
    window.show_peak_table()
    dialog = window.peak_dialog
    assert dialog is not None
    before = _cells(window)
    dialog.close()
    set_setting(doc, QUANT_KEY, QuantSettings(rsf={"Co 2p": 10.0}).describe(), "RSF")
    assert _cells(window) == before  # not redrawn while closed
    window.show_peak_table()
    assert {r[5] for r in _cells(window) if r[0] == "Co 2p"} == {"10"}
