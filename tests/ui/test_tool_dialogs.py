"""Charge-correction and sputter-rate dialogs: undoable, and spectra are shifted copies."""

from __future__ import annotations

import numpy as np
import pytest

from xpsfit_ui.dialogs.tools import ChargeCorrectionDialog, ChargeScope, SputterRateDialog
from xpsfit_ui.main_window import MainWindow
from xpsfit_ui.profile_data import depth_scale


def test_charge_correction_shifts_spectra_and_models(window: MainWindow, qtbot) -> None:
    doc = window.doc
    sid = doc.current
    before = doc.spectrum(sid)
    center = doc.spec(sid).components[0].center.value
    dlg = ChargeCorrectionDialog(doc, window)
    qtbot.addWidget(dlg)
    dlg.measured.setValue(285.3)
    dlg.reference.setValue(284.8)
    dlg.scope.setCurrentText(ChargeScope.LEVEL.value)
    assert dlg.shift == pytest.approx(-0.5)
    targets = dlg.target_ids()
    dlg.accept()
    after = doc.spectrum(sid)
    assert np.allclose(after.binding_energy, before.binding_energy - 0.5)
    assert after.metadata["charge_shift"] == pytest.approx(-0.5)
    assert before.metadata.get("charge_shift", 0.0) == 0.0  # the original object is untouched
    assert doc.spec(sid).components[0].center.value == pytest.approx(center - 0.5)
    others = [s for s in doc.ids() if s not in targets]
    assert all("charge_shift" not in doc.spectrum(s).metadata for s in others)
    doc.undo_stack.undo()
    assert doc.spectrum(sid) is before


def test_sputter_rate_sets_the_depth_axis(window: MainWindow, qtbot) -> None:
    doc = window.doc
    dlg = SputterRateDialog(doc, window)
    qtbot.addWidget(dlg)
    dlg.rate.setText("6 nm/min")
    dlg.material.setText("Ta2O5")
    dlg.accept()
    scale = depth_scale(doc.project.settings)
    assert scale.depth(3, 60.0) == pytest.approx(6.0)
    assert scale.rate is not None
    assert scale.rate.reference_material == "Ta2O5"
    bad = SputterRateDialog(doc, window)
    qtbot.addWidget(bad)
    bad.rate.setText("fast")
    bad.accept()
    assert "cannot read sputter rate" in bad.error.text()
    doc.undo_stack.undo()
    assert depth_scale(doc.project.settings).mode == "etch_time"
