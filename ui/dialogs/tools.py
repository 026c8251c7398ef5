"""Charge-correction and sputter-rate dialogs."""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from xpsfit.errors import XpsfitError
from xpsfit.profile import SputterRate
from xpsfit.spec import FitSpec, Param
from xpsfit_ui.commands import ProjectCommand, set_setting
from xpsfit_ui.document import Document
from xpsfit_ui.profile_data import SPUTTER_RATE_KEY


class ChargeScope(StrEnum):
    """Which spectra a charge correction shifts."""

    THIS = "this spectrum"
    LEVEL = "this etch level"
    SAMPLE = "this sample (all levels)"
    ALL = "every spectrum"


def _shift_par(par: Param, delta: float) -> Param:
    if par.link is not None or par.expr is not None:
        return par
    return replace(par, value=par.value + delta, min=par.min + delta, max=par.max + delta)


def shifted_spec(spec: FitSpec, delta: float) -> FitSpec:
    """The model moved by ``delta`` eV with its spectrum: window and independent centers."""
    window = None if spec.window is None else (spec.window[0] + delta, spec.window[1] + delta)
    comps = tuple(replace(c, center=_shift_par(c.center, delta)) for c in spec.components)
    return replace(spec, window=window, components=comps)


def apply_charge_shift(doc: Document, sids: list[str], delta: float, reason: str) -> None:
    """Shift spectra (and their models) by ``delta`` eV as one undo step; raw files untouched."""
    spectra = dict(doc.project.spectra)
    specs = dict(doc.project.specs)
    for sid in sids:
        spectra[sid] = spectra[sid].shifted(delta, reason)
        if sid in specs:
            specs[sid] = shifted_spec(specs[sid], delta)
    project = replace(doc.project, spectra=spectra, specs=specs)
    doc.undo_stack.push(ProjectCommand(doc, project, f"Charge correction {delta:+.3f} eV"))


class ChargeCorrectionDialog(QDialog):
    """Shift binding energies so a reference peak sits at its reference energy."""

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Charge correction")
        self.doc = doc
        self.measured = QDoubleSpinBox(decimals=3, minimum=-10.0, maximum=3000.0)
        self.reference = QDoubleSpinBox(decimals=3, minimum=-10.0, maximum=3000.0, value=284.8)
        self.scope = QComboBox()
        self.scope.addItems([s.value for s in ChargeScope])
        self.shift_label = QLabel()
        form = QFormLayout(self)
        form.addRow("Measured reference peak (eV)", self.measured)
        form.addRow("Reference energy (eV)", self.reference)
        form.addRow("Apply to", self.scope)
        form.addRow("Shift", self.shift_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        for box in (self.measured, self.reference):
            box.valueChanged.connect(self._update)
        self._prefill()
        self._update()

    def _prefill(self) -> None:
        res = self.doc.result(self.doc.current) if self.doc.current else None
        if res is not None and res.lines:
            self.measured.setValue(res.lines[0].center.value)
        elif self.doc.current:
            self.measured.setValue(self.reference.value())

    @property
    def shift(self) -> float:
        """Binding-energy shift to apply, eV."""
        return self.reference.value() - self.measured.value()

    def _update(self, *_: object) -> None:
        self.shift_label.setText(f"{self.shift:+.3f} eV")

    def target_ids(self) -> list[str]:
        """Spectra the chosen scope covers."""
        doc, scope = self.doc, ChargeScope(self.scope.currentText())
        if not doc.current:
            return []
        cur = doc.spectrum(doc.current)
        return {
            ChargeScope.THIS: [doc.current],
            ChargeScope.LEVEL: doc.ids_where(sample=cur.sample, etch_level=cur.etch_level),
            ChargeScope.SAMPLE: doc.ids_where(sample=cur.sample),
            ChargeScope.ALL: doc.ids(),
        }[scope]

    def accept(self) -> None:
        sids = self.target_ids()
        if sids and self.shift != 0.0:
            reason = f"reference {self.measured.value():.3f} -> {self.reference.value():.3f} eV"
            apply_charge_shift(self.doc, sids, self.shift, reason)
        super().accept()


class SputterRateDialog(QDialog):
    """Set the sputter rate (and its reference material) that turns etch time into depth."""

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sputter rate")
        self.doc = doc
        current = doc.project.settings.get(SPUTTER_RATE_KEY) or {}
        self.rate = QLineEdit(f"{current['nm_per_s']:g} nm/s" if current else "")
        self.rate.setPlaceholderText("e.g. 0.1 nm/s, 6 nm/min or 1.5 A/s; empty: etch time axis")
        self.material = QLineEdit(current.get("reference_material", "") if current else "")
        self.material.setPlaceholderText("calibrated on, e.g. Ta2O5")
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020")
        form = QFormLayout(self)
        form.addRow("Rate", self.rate)
        form.addRow("Reference material", self.material)
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self) -> None:
        text = self.rate.text().strip()
        if not text:
            set_setting(self.doc, SPUTTER_RATE_KEY, None, "Clear sputter rate")
            super().accept()
            return
        try:
            rate = SputterRate.parse(text, self.material.text().strip())
        except XpsfitError as exc:
            self.error.setText(str(exc))
            return
        value = {"nm_per_s": rate.nm_per_s, "reference_material": rate.reference_material}
        set_setting(self.doc, SPUTTER_RATE_KEY, value, f"Sputter rate {rate.nm_per_s:g} nm/s")
        super().accept()
