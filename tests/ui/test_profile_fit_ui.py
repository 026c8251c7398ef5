"""Profile fits from the GUI: Monte Carlo error bars in the depth-profile view, edits made
while a profile fit runs are kept (results stale), and the fractions offered in the template's
order."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyqtgraph as pg
import pytest

from xpsfit.fitting import fit
from xpsfit.spec import FitSpec, FractionDef
from xpsfit.template_library import default_template
from xpsfit_ui.commands import FitResultsCommand, SetSpecCommand, SetSpecsCommand
from xpsfit_ui.main_window import MainWindow
from xpsfit_ui.plots.profile_view import Mode
from xpsfit_ui.profile_data import COVARIANCE_ERRORS, MC_ERRORS, fraction_errors, fraction_names


def _run_profile(window: MainWindow, qtbot, sids: list[str], monte_carlo: int = 0) -> None:
    window.fits.fit_profiles(sids, monte_carlo=monte_carlo)
    with qtbot.waitSignal(window.fits.batch_finished, timeout=120_000):
        pass


def _fraction_view(window: MainWindow):
    window.tabs.setCurrentIndex(1)
    view = window.profile_view
    view.refresh()
    view.region.setCurrentText("Co 2p")
    view.mode.setCurrentText(Mode.FRACTIONS.value)
    return view


def _bars(view) -> pg.ErrorBarItem:
    return next(i for i in view.plot.items if isinstance(i, pg.ErrorBarItem))


def test_monte_carlo_profile_fit_shows_mc_error_bars(window: MainWindow, qtbot) -> None:
    doc = window.doc
    sids = doc.ids_where(sample="bare-LCO", region="Co 2p")
    _run_profile(window, qtbot, sids, monte_carlo=8)
    results = [doc.result(s) for s in sids]
    assert all(r is not None and r.monte_carlo is not None for r in results)
    assert results[0] is not None
    assert results[0].monte_carlo is not None
    assert results[0].monte_carlo.n_replicas == 8
    view = _fraction_view(window)
    name = view.quantity.currentText()
    series = [i for i in view.plot.listDataItems() if isinstance(i, pg.PlotDataItem)]
    assert [s.name() for s in series] == ["bare-LCO"]
    assert view.plot.getAxis("left").labelText == f"{name} (%), error bars 1 sigma, {MC_ERRORS}"
    by_level = {doc.spectrum(s).etch_level: doc.result(s) for s in sids}
    expected = [2 * 100.0 * by_level[lv].monte_carlo.fractions[name] for lv in sorted(by_level)]
    np.testing.assert_allclose(_bars(view).opts["height"], expected, rtol=1e-12)


def test_covariance_error_bars_are_labelled(window: MainWindow, qtbot) -> None:
    doc = window.doc
    sids = doc.ids_where(sample="bare-LCO", region="Co 2p")
    _run_profile(window, qtbot, sids)
    view = _fraction_view(window)
    name = view.quantity.currentText()
    series = [i for i in view.plot.listDataItems() if isinstance(i, pg.PlotDataItem)]
    assert series[0].name() == "bare-LCO"
    assert view.plot.getAxis("left").labelText.endswith(f"1 sigma, {COVARIANCE_ERRORS}")
    first = doc.result(doc.ids_where(sample="bare-LCO", region="Co 2p", etch_level=0)[0])
    assert first is not None
    stderr = first.fractions[name].stderr
    assert stderr is not None
    assert _bars(view).opts["height"][0] == pytest.approx(2 * 100.0 * stderr)


def test_samples_with_different_errors_say_so_in_the_legend(window: MainWindow, qtbot) -> None:
    doc = window.doc
    _run_profile(window, qtbot, doc.ids_where(sample="bare-LCO", region="Co 2p"), monte_carlo=4)
    _run_profile(window, qtbot, doc.ids_where(sample="ceramic-LCO", region="Co 2p"))
    view = _fraction_view(window)
    names = sorted(i.name() for i in view.plot.listDataItems() if isinstance(i, pg.PlotDataItem))
    assert names == [
        f"bare-LCO (error bars: {MC_ERRORS})",
        f"ceramic-LCO (error bars: {COVARIANCE_ERRORS})",
    ]
    assert view.plot.getAxis("left").labelText.endswith("error bars 1 sigma")


def test_fraction_errors_mixed() -> None:
    from xpsfit.quantify import FractionRow

    rows = [FractionRow("s", "Co 2p", lv, None, None, "f", 0.3, 0.02, mc)
            for lv, mc in ((0, 0.05), (1, None))]  # fmt: skip
    errors, kind = fraction_errors(rows)
    assert errors == [0.05, 0.02]
    assert kind.startswith("Monte Carlo where")


def test_edit_during_profile_fit_is_kept_and_result_is_stale(window: MainWindow, qtbot) -> None:
    doc = window.doc
    sids = doc.ids_where(sample="bare-LCO", region="Co 2p")
    edited_sid = doc.ids_where(sample="bare-LCO", region="Co 2p", etch_level=4)[0]
    window.fits.fit_profiles(sids)
    spec = doc.spec(edited_sid)  # the user edits before the results arrive
    edited = replace(spec, window=(772.0, 808.0))
    doc.undo_stack.push(SetSpecCommand(doc, edited_sid, edited, "edit"))
    with qtbot.waitSignal(window.fits.batch_finished, timeout=120_000):
        pass
    assert doc.spec(edited_sid) == edited
    assert doc.result(edited_sid) is not None
    assert window.tree.status(edited_sid) == "stale"
    others = [s for s in sids if s != edited_sid]
    assert all(window.tree.status(s) in ("converged", "at_bound") for s in others)
    assert "1 stale" in window.statusBar().currentMessage()
    doc.undo_stack.undo()  # the fit: results gone, the edit still there
    assert doc.result(edited_sid) is None
    assert doc.spec(edited_sid) == edited


def _fit_levels(window: MainWindow, specs: dict[str, FitSpec]) -> None:
    doc = window.doc
    doc.undo_stack.push(SetSpecsCommand(doc, specs, "spec"))
    results = {sid: fit(doc.spectrum(sid), spec) for sid, spec in specs.items()}
    doc.undo_stack.push(FitResultsCommand(doc, results, "Fit"))


def test_fractions_in_template_order_not_alphabetical(window: MainWindow) -> None:
    doc = window.doc
    sids = doc.ids_where(sample="bare-LCO", region="Co 2p")[:3]
    species = doc.spec(sids[0]).species()
    assert len(species) >= 2
    total = " + ".join(species)
    order = sorted(species, reverse=True)  # deliberately not alphabetical
    fractions = tuple(FractionDef(f"{s} share", f"{s} / ({total})") for s in order)
    _fit_levels(window, {sid: replace(doc.spec(sid), fractions=fractions) for sid in sids})
    view = _fraction_view(window)
    names = [view.quantity.itemText(i) for i in range(view.quantity.count())]
    assert names == [f"{s} share" for s in order]
    assert view.quantity.currentText() == f"{order[0]} share"
    assert fraction_names(view.results, "Co 2p") == names


def test_default_template_first_fraction_is_shown(window: MainWindow) -> None:
    doc = window.doc
    sids = doc.ids_where(sample="bare-LCO", region="Co 2p")[:2]
    _fit_levels(window, {sid: doc.spec(sid) for sid in sids})
    view = _fraction_view(window)
    assert view.quantity.currentText() == default_template("Co 2p").fractions[0].name


def test_fit_profile_menu_fits_the_selected_series(window: MainWindow, qtbot) -> None:
    doc = window.doc
    first = doc.ids_where(sample="ceramic-LCO", region="Co 2p", etch_level=0)[0]
    doc.set_current(first)  # clicking a spectrum in the tree selects it
    assert window.tree.selected_ids() == [first]
    window.actions["profile_previous"].trigger()  # F6
    with qtbot.waitSignal(window.fits.batch_finished, timeout=120_000):
        pass
    fitted = {sid for sid in doc.ids() if doc.result(sid) is not None}
    assert fitted == set(doc.ids_where(sample="ceramic-LCO", region="Co 2p"))
    assert len(fitted) == 9  # every level of that sample's Co 2p, nothing else
