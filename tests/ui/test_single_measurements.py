"""Spectra without an etch level (one measurement per sample, the usual CasaXPS file) get
fractions, atomic %, the report and the profile view like level 0 of a depth profile."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import pyqtgraph as pg
import pytest

from xpsfit.demo import demo_spectra
from xpsfit.errors import XpsfitError
from xpsfit.project import Project
from xpsfit.template_library import default_template
from xpsfit.templates import apply_template
from xpsfit_ui.exports import export_table
from xpsfit_ui.main_window import MainWindow
from xpsfit_ui.plots.profile_view import Mode
from xpsfit_ui.profile_data import profile_results, sid_of
from xpsfit_ui.sensitivity import sensitivity_job


@pytest.fixture
def single(window: MainWindow, qtbot) -> MainWindow:
    """The window holding bare-LCO's surface Co 2p and O 1s as single measurements, fitted."""
    spectra = [
        replace(s, etch_level=None, etch_time=None)
        for s in demo_spectra("bare-LCO")
        if s.etch_level == 0 and s.region in ("Co 2p", "O 1s")
    ]
    doc = window.doc
    doc.replace_project(Project())
    project = doc.with_spectra(spectra)
    specs = {
        sid: apply_template(default_template(sp.region), sp) for sid, sp in project.spectra.items()
    }
    doc.replace_project(replace(project, specs=specs))
    window.fits.fit_spectra(doc.ids())
    with qtbot.waitSignal(window.fits.batch_finished, timeout=120_000):
        pass
    return window


def test_single_measurements_are_quantified_and_exported(
    single: MainWindow, tmp_path: Path
) -> None:
    doc = single.doc
    assert all(doc.spectrum(s).etch_level is None for s in doc.ids())
    (pr,) = profile_results(doc)
    assert sorted((f.region, f.level) for f in pr.fits) == [("Co 2p", 0), ("O 1s", 0)]
    path = export_table(doc, "atomic", tmp_path / "atomic.csv")
    with open(path, encoding="utf-8") as fh:
        rows = {r["element"]: float(r["atomic_percent"]) for r in csv.DictReader(fh)}
    assert set(rows) == {"Co", "O"}
    assert sum(rows.values()) == pytest.approx(100.0)
    fractions = export_table(doc, "fractions", tmp_path / "fractions.csv").read_text()
    assert "Co2+" in fractions
    report = export_table(doc, "report", tmp_path / "report.tsv").read_text()
    assert "%At Conc" in report
    co = doc.ids_where(region="Co 2p")[0]
    assert sid_of(doc, "bare-LCO", "Co 2p", 0) == co


def test_profile_view_draws_them_and_opens_them(single: MainWindow) -> None:
    view = single.profile_view
    single.tabs.setCurrentIndex(1)
    view.refresh()
    view.region.setCurrentText("Co 2p")
    view.mode.setCurrentText(Mode.ATOMIC.value)
    (bars,) = [i for i in view.plot.items if isinstance(i, pg.BarGraphItem)]  # one sample
    assert len(bars.opts["height"]) == 2  # Co and O
    assert sum(bars.opts["height"]) == pytest.approx(100.0)
    bottom = view.plot.getAxis("bottom")
    assert bottom._tickLevels == [[(0, "Co"), (1, "O")], []]
    view.mode.setCurrentText(Mode.FRACTIONS.value)
    assert bottom._tickLevels is None  # numbers again
    (points,) = [i for i in view.plot.listDataItems() if isinstance(i, pg.PlotDataItem)]
    opened: list[str] = []
    view.open_spectrum.connect(opened.append)
    points.sigPointsClicked.emit(points, [points.scatter.points()[0]], None)
    assert opened == single.doc.ids_where(region="Co 2p")


def test_model_sensitivity_needs_a_depth_profile(single: MainWindow) -> None:
    with pytest.raises(XpsfitError, match="no fitted Co 2p depth profile"):
        sensitivity_job(single.doc, "Co 2p", ["bare-LCO"])
