"""Fit > Weights: a project setting changed by an undoable command, saved in the project file,
used by every fit the GUI starts; data that are not counts fit with uniform weights and fail
with Poisson weights with a log line naming the setting."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings

import xpsfit_ui.fit_controller as fit_controller
import xpsfit_ui.sensitivity as sensitivity
from xpsfit.errors import FitError, XpsfitError
from xpsfit.fitting import fit
from xpsfit.project import load_project
from xpsfit_ui.commands import FitResultsCommand, ProjectCommand
from xpsfit_ui.document import Document
from xpsfit_ui.fit_controller import WEIGHTS_KEY, fit_weights, weights_note
from xpsfit_ui.main_window import MainWindow

NOTE = "(fit weights: Poisson (counts); change them in Fit > Weights)"


def _other_window(tmp_path: Path, name: str) -> MainWindow:
    settings = QSettings(str(tmp_path / f"{name}.ini"), QSettings.Format.IniFormat)
    return MainWindow(settings, recovery_dir=tmp_path / name)


def test_toggle_is_undoable_and_saved_with_the_project(window: MainWindow, tmp_path: Path) -> None:
    doc, actions = window.doc, window.actions
    assert actions["weights_poisson"].isChecked()
    assert not actions["weights_uniform"].isChecked()
    assert window.weights_label.text() == "Fit weights: Poisson (counts)"
    actions["weights_uniform"].trigger()
    assert fit_weights(doc.project.settings) == "uniform"
    assert actions["weights_uniform"].isChecked()
    assert not actions["weights_poisson"].isChecked()
    assert window.weights_label.text() == "Fit weights: Uniform"
    assert doc.undo_stack.undoText() == "Fit weights: Uniform"
    assert window.isWindowModified()
    doc.undo_stack.undo()
    assert fit_weights(doc.project.settings) == "poisson"
    assert actions["weights_poisson"].isChecked()
    doc.undo_stack.redo()
    path = tmp_path / "uniform.xpsproj"
    assert window.save_to(path)
    assert load_project(path).settings[WEIGHTS_KEY] == "uniform"
    other = _other_window(tmp_path, "second")
    other.open_paths([path])
    assert other.actions["weights_uniform"].isChecked()
    assert fit_weights(other.doc.project.settings) == "uniform"
    other.close()


def test_projects_without_the_setting_fit_with_poisson_weights() -> None:
    assert fit_weights({}) == "poisson"
    assert "Poisson (counts)" in weights_note({})
    with pytest.raises(XpsfitError, match="fit_weights is 'counts'"):
        fit_weights({WEIGHTS_KEY: "counts"})
    assert "'counts'" in weights_note({WEIGHTS_KEY: "counts"})


def _subtract_background(doc: Document, sids: list[str]) -> None:
    """Replace spectra by background-subtracted copies (a straight line through the ends
    removed): negative channels, not counts."""
    spectra = dict(doc.project.spectra)
    for sid in sids:
        sp = spectra[sid]
        be, y = sp.binding_energy, sp.intensity
        line = np.interp(be, [be[0], be[-1]], [np.median(y[:10]), np.median(y[-10:])])
        spectra[sid] = replace(sp, intensity=y - line)
        assert float(np.min(spectra[sid].intensity)) < 0
    doc.undo_stack.push(ProjectCommand(doc, replace(doc.project, spectra=spectra), "subtract"))


def _error_line(text: str, level: int) -> bool:
    return level == logging.ERROR


def test_negative_intensities_need_uniform_weights(window: MainWindow, qtbot) -> None:
    doc = window.doc
    sid = doc.ids_where(sample="bare-LCO", region="Co 2p", etch_level=0)[0]
    _subtract_background(doc, [sid])
    with qtbot.waitSignal(window.fits.message, check_params_cb=_error_line) as failed:
        window.fits.fit_spectra([sid])
    text = failed.args[0]
    assert "negative intensities cannot be Poisson counts" in text
    assert text.endswith(NOTE)
    assert NOTE in window.statusBar().currentMessage()
    assert doc.result(sid) is None
    window.actions["weights_uniform"].trigger()
    with qtbot.waitSignal(window.fits.batch_finished, timeout=60_000):
        window.fits.fit_spectra([sid])
    result = doc.result(sid)
    assert result is not None
    assert np.all(np.isfinite([e.value for e in result.fractions.values()]))


def test_profile_fit_names_the_weights_of_refused_spectra(window: MainWindow, qtbot) -> None:
    doc = window.doc
    series = doc.ids_where(sample="bare-LCO", region="Co 2p")
    level3 = doc.ids_where(sample="bare-LCO", region="Co 2p", etch_level=3)[0]
    _subtract_background(doc, [level3])
    lines: list[str] = []
    window.fits.message.connect(lambda text, _level: lines.append(text))
    with qtbot.waitSignal(window.fits.batch_finished, timeout=120_000):
        window.fits.fit_profiles(series)
    (refused,) = [t for t in lines if t.startswith("bare-LCO Co 2p level 3:")]
    assert "negative channels" in refused
    assert refused.endswith(NOTE)
    assert doc.result(level3) is None


def _store_fits(doc: Document, sids: list[str]) -> None:
    results = {sid: fit(doc.spectrum(sid), doc.spec(sid)) for sid in sids}
    doc.undo_stack.push(FitResultsCommand(doc, results, "Fit"))


class _Spy:
    """Stands in for the core's fit functions: records the weights, then fails at once."""

    def __init__(self) -> None:
        self.weights: list[str] = []

    def __call__(self, *_args: object, **kwargs: object) -> object:
        self.weights.append(str(kwargs["weights"]))
        raise FitError("spy")


@pytest.mark.parametrize(
    "action",
    ["fit", "fit_selected", "fit_mc", "profile_previous", "profile_template", "profile_global",
     "profile_mc", "sensitivity"],
)  # fmt: skip
def test_every_fit_uses_the_setting(window: MainWindow, qtbot, monkeypatch, action: str) -> None:
    spy = _Spy()
    for module, name in ((fit_controller, "fit"), (fit_controller, "fit_profiles"),
                         (sensitivity, "model_sensitivity")):  # fmt: skip
        monkeypatch.setattr(module, name, spy)
    doc = window.doc
    sids = doc.ids_where(sample="bare-LCO", region="Co 2p")
    if action == "sensitivity":  # it refits stored fits: give it some
        _store_fits(doc, sids)
    doc.set_current(sids[0])
    window.actions["weights_uniform"].trigger()
    with qtbot.waitSignal(window.fits.message, check_params_cb=_error_line) as failed:
        window.actions[action].trigger()
    assert failed.args[0].endswith("spy (fit weights: Uniform; change them in Fit > Weights)")
    assert spy.weights == ["uniform"]
