"""The depth-profile view after a profile fit: fractions per sample with error bars, atomic %,
stacked spectra, the BE x depth map, and clicking a point opens that spectrum."""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
import pytest

from xpsfit_ui.exports import export_profile_plots, export_table
from xpsfit_ui.main_window import MainWindow
from xpsfit_ui.plots.profile_view import Mode


@pytest.fixture
def fitted(window: MainWindow, qtbot) -> MainWindow:
    window.fits.fit_profiles(window.doc.ids_where(sample="bare-LCO", region="Co 2p"))
    with qtbot.waitSignal(window.fits.batch_finished, timeout=120_000):
        pass
    window.tabs.setCurrentIndex(1)
    window.profile_view.refresh()
    return window


def _series(view) -> list[pg.PlotDataItem]:
    return [i for i in view.plot.listDataItems() if isinstance(i, pg.PlotDataItem)]


def test_fractions_and_click_opens_spectrum(fitted: MainWindow) -> None:
    view = fitted.profile_view
    view.region.setCurrentText("Co 2p")
    view.mode.setCurrentText(Mode.FRACTIONS.value)
    assert view.quantity.currentText().endswith("fraction")
    series = _series(view)
    assert len(series) == 1  # one fitted sample
    assert len(series[0].xData) == 9  # every level
    assert any(isinstance(i, pg.ErrorBarItem) for i in view.plot.items)
    spot = series[0].scatter.points()[4]
    opened: list[str] = []
    view.open_spectrum.connect(opened.append)
    series[0].sigPointsClicked.emit(series[0], [spot], None)
    assert opened
    sp = fitted.doc.spectrum(opened[0])
    assert (sp.region, sp.etch_level) == ("Co 2p", 4)


def test_every_mode_draws(fitted: MainWindow) -> None:
    view = fitted.profile_view
    view.region.setCurrentText("Co 2p")
    view.sample.setCurrentText("bare-LCO")
    for mode in Mode:
        view.mode.setCurrentText(mode.value)
        assert view.plot.items, mode
    view.mode.setCurrentText(Mode.MAP.value)
    assert any(isinstance(i, pg.ImageItem) for i in view.plot.items)


def test_exports_from_the_gui(fitted: MainWindow, tmp_path: Path) -> None:
    doc = fitted.doc
    path = export_table(doc, "fractions", tmp_path / "fractions.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("sample")
    assert len(lines) > 9
    assert export_table(doc, "fits", tmp_path / "fits.tsv").read_text().count("\t") > 10
    doc.set_current(doc.ids_where(sample="bare-LCO", region="Co 2p")[0])
    assert export_table(doc, "curves", tmp_path / "curves.csv").stat().st_size > 1000
    written = export_profile_plots(doc, "Co 2p", "Co2+ fraction", tmp_path / "plots")
    assert {p.suffix for p in written} == {".png", ".svg"}
