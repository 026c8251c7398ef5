"""Fit > Model sensitivity... on one demo sample's Co 2p profile: rows as from
:func:`xpsfit.sensitivity.model_sensitivity` called directly, systematic boxes in the
depth-profile view, the table and its CSV export, cancel, and the result dropped when the
fits it came from change."""

from __future__ import annotations

import csv
import threading
import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest

import xpsfit_ui.sensitivity as sensitivity
from xpsfit.fitting import FitCancelled
from xpsfit.profile import DepthProfile
from xpsfit.sensitivity import DEFAULT_VARIANTS, model_sensitivity
from xpsfit.sensitivity_table import SENSITIVITY_COLUMNS
from xpsfit_ui.dialogs.sensitivity_dialog import COLUMNS, row_cells
from xpsfit_ui.main_window import MainWindow
from xpsfit_ui.plots.profile_view import Mode
from xpsfit_ui.profile_data import depth_scale, profile_results


@pytest.fixture
def fitted(window: MainWindow, qtbot) -> MainWindow:
    """The window with bare-LCO's Co 2p profile fitted and its level 0 selected."""
    doc = window.doc
    with qtbot.waitSignal(window.fits.batch_finished, timeout=120_000):
        window.fits.fit_profiles(doc.ids_where(sample="bare-LCO", region="Co 2p"))
    doc.set_current(doc.ids_where(sample="bare-LCO", region="Co 2p", etch_level=0)[0])
    return window


def _run(window: MainWindow, qtbot) -> None:
    with qtbot.waitSignal(window.sensitivity.stored, timeout=120_000):
        window.actions["sensitivity"].trigger()


def test_rows_match_model_sensitivity_called_directly(fitted: MainWindow, qtbot) -> None:
    _run(fitted, qtbot)
    result = fitted.sensitivity.result
    assert result is not None
    assert result.region == "Co 2p"
    doc = fitted.doc
    sids = doc.ids_where(sample="bare-LCO", region="Co 2p")
    profile = DepthProfile.from_spectra(
        [doc.spectrum(s) for s in sids], depth_scale=depth_scale(doc.project.settings)
    )
    (base,) = [pr for pr in profile_results(doc) if pr.sample == "bare-LCO"]
    level0 = doc.result(doc.ids_where(sample="bare-LCO", region="Co 2p", etch_level=0)[0])
    assert level0 is not None
    direct = model_sensitivity([profile], {"Co 2p": level0.spec}, DEFAULT_VARIANTS, base=[base])
    assert len(direct) == 18  # nine levels, two fractions
    assert list(result.rows) == direct
    assert {r.sample for r in result.rows} == {"bare-LCO"}


def test_result_shown_in_the_profile_view_and_the_table(
    fitted: MainWindow, qtbot, tmp_path: Path
) -> None:
    _run(fitted, qtbot)
    result = fitted.sensitivity.result
    assert result is not None
    view = fitted.profile_view
    assert fitted.tabs.currentIndex() == 1
    assert view.mode.currentText() == Mode.FRACTIONS.value
    assert view.region.currentText() == "Co 2p"
    name = view.quantity.currentText()
    (boxes,) = [i for i in view.plot.items if isinstance(i, pg.BarGraphItem)]
    rows = result.rows_for("bare-LCO", name)
    np.testing.assert_allclose(boxes.opts["height"], [100.0 * r.spread for r in rows])
    centers = np.asarray(boxes.opts["y0"]) + np.asarray(boxes.opts["height"]) / 2
    np.testing.assert_allclose(centers, [100.0 * r.baseline for r in rows])
    assert any(isinstance(i, pg.ErrorBarItem) for i in view.plot.items)  # statistical, beside
    labels = [label.text for _sample, label in view.legend.items]
    assert "bare-LCO: systematic (model spread)" in labels
    assert view.plot.getAxis("left").labelText.endswith("; boxes: model spread")

    dialog = fitted.sensitivity_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.table.rowCount() == len(result.rows)
    shown = [dialog.table.item(0, j).text() for j in range(len(COLUMNS))]
    assert shown == list(row_cells(result.rows[0]))
    first = result.rows[0]
    assert first.rejected  # the demo's data reject some alternatives
    assert all(f"{v} ({chi:.3g})" in shown[COLUMNS.index("Variants rejected (reduced chi-square)")]
               for v, chi in first.rejected.items())  # fmt: skip
    out = dialog.export_to(tmp_path / "sensitivity.csv")
    assert out is not None
    with out.open(newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    assert tuple(table[0]) == (*SENSITIVITY_COLUMNS, *(v.name for v in DEFAULT_VARIANTS))
    assert len(table) == 1 + len(result.rows)
    assert float(table[1][table[0].index("systematic")]) == pytest.approx(first.spread)


def test_result_dropped_when_its_fits_change(fitted: MainWindow, qtbot) -> None:
    _run(fitted, qtbot)
    assert fitted.actions["sensitivity_table"].isEnabled()
    doc = fitted.doc
    level4 = doc.ids_where(sample="bare-LCO", region="Co 2p", etch_level=4)[0]
    with qtbot.waitSignal(fitted.fits.batch_finished, timeout=60_000):
        fitted.fits.fit_spectra([level4])  # one of the fits it came from is replaced
    assert fitted.sensitivity.result is None
    view = fitted.profile_view
    view.refresh()  # done when the view is shown (the window of the tests never is)
    assert [c.name() for c in view.plot.listDataItems()] == ["bare-LCO"]
    assert not [i for i in view.plot.items if isinstance(i, pg.BarGraphItem)]
    assert view.plot.getAxis("left").labelText.endswith("1 sigma, covariance")
    dialog = fitted.sensitivity_dialog
    assert dialog is not None
    assert dialog.table.rowCount() == 0
    assert "changed" in dialog.header.text()
    assert not dialog.export_button.isEnabled()
    assert not fitted.actions["sensitivity_table"].isEnabled()


def test_cancel_stops_the_refits(fitted: MainWindow, qtbot, monkeypatch) -> None:
    """The refits wait at their first progress report until the user cancels, so the cancel
    always comes while they run."""
    real = sensitivity.model_sensitivity
    seen: dict[str, bool] = {}

    def held(*args, progress, cancel, **kwargs):
        def report(done: int, total: int) -> None:
            progress(done, total)
            deadline = time.monotonic() + 60.0
            while not cancel() and time.monotonic() < deadline:
                threading.Event().wait(0.01)

        try:
            return real(*args, progress=report, cancel=cancel, **kwargs)
        except FitCancelled:
            seen["cancelled"] = True
            raise

    monkeypatch.setattr(sensitivity, "model_sensitivity", held)
    fitted.fits.progress.connect(lambda *_: fitted.actions["cancel"].trigger())
    task = fitted.sensitivity.run("Co 2p", ["bare-LCO"])
    assert task is not None
    with qtbot.waitSignal(task.signals.ended, timeout=60_000):
        pass
    assert seen == {"cancelled": True}
    assert fitted.sensitivity.result is None
    assert fitted.statusBar().currentMessage() == "Model sensitivity cancelled: nothing stored"


def test_result_of_fits_changed_while_it_ran_is_dropped(
    fitted: MainWindow, qtbot, monkeypatch
) -> None:
    real = sensitivity.model_sensitivity
    release = threading.Event()

    def held(*args, progress, **kwargs):
        def report(done: int, total: int) -> None:
            progress(done, total)
            release.wait(60.0)

        return real(*args, progress=report, **kwargs)

    def undo_once(*_: object) -> None:
        if not release.is_set():
            fitted.doc.undo_stack.undo()  # the profile fit the refits started from
            release.set()

    monkeypatch.setattr(sensitivity, "model_sensitivity", held)
    fitted.fits.progress.connect(undo_once)
    lines: list[str] = []
    fitted.fits.message.connect(lambda text, _level: lines.append(text))
    idle = fitted.fits.runner.busy_changed
    with qtbot.waitSignal(idle, timeout=60_000, check_params_cb=lambda busy: not busy):
        fitted.actions["sensitivity"].trigger()
    assert fitted.sensitivity.result is None
    assert "Model sensitivity: the fits changed while it ran; result dropped" in lines


def test_nothing_fitted_is_reported(window: MainWindow) -> None:
    lines: list[str] = []
    window.fits.message.connect(lambda text, _level: lines.append(text))
    window.actions["sensitivity"].trigger()
    assert lines == [
        "Model sensitivity: no fitted Co 2p depth profile to refit: fit the profile first (F6)"
    ]
    assert not window.fits.runner.tasks
