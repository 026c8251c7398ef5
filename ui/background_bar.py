"""The background of the current spectrum's model: one row of controls above the component
table, and a line saying what the last fit made of it.

Kind (none, linear, Shirley, active Shirley, Tougaard), the channels that tie the end levels
to the data and their convention (xpsfit's: that many channels inside each end; CasaXPS's:
its *Av Width*, channels centred on each end), the Tougaard cross-section and
whether its B is fitted with the peaks (with C, D and the gap below which nothing is lost), and
the active-Shirley slope. Each change is one
:class:`~xpsfit_ui.commands.SetSpecCommand`; nothing is computed here.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from xpsfit import backgrounds
from xpsfit.background_kernels import tougaard_form
from xpsfit.result import FitResult
from xpsfit.spec import BackgroundKind, BackgroundSpec, Param
from xpsfit_ui.commands import SetSpecCommand
from xpsfit_ui.document import Document

KINDS: dict[BackgroundKind, str] = {
    "none": "None",
    "linear": "Linear",
    "shirley": "Shirley",
    "active_shirley": "Active Shirley (fitted)",
    "tougaard": "Tougaard",
}
CONVENTIONS = {"xpsfit": "inside each end", "casaxps": "CasaXPS Av Width"}


def cross_defaults(form: str) -> dict[str, float]:
    """The C and D (eV^2) the engine uses for a cross-section form where the spec gives none."""
    _, c, d = backgrounds.tougaard_defaults(form)
    return {"C": c, "D": d}


def _number(value: float, err: float | None) -> str:
    text = f"{value:.4g}"
    return text if err is None or not math.isfinite(err) else f"{text} ± {err:.2g}"


def summary(result: FitResult | None) -> str:
    """What the fit made of the background: a static one's end levels and how it was
    found, or a fitted one's parameters with their errors ("" without a result)."""
    if result is None:
        return ""
    fitted = [p for p in result.params.values() if p.name.startswith("bg_")]
    if fitted:
        return "Fitted: " + ", ".join(
            f"{p.name.removeprefix('bg_')} {_number(p.value, p.stderr)}" for p in fitted
        )
    info = result.background_info
    if "i_low" not in info:
        return ""
    ends = f"ends {float(info['i_low']):.6g} / {float(info['i_high']):.6g}"
    return f"{ends}; {info.get('message', '')}".rstrip("; ")


class BackgroundBar(QWidget):
    """Background controls of the document's current spectrum."""

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.kind = QComboBox()
        for key, text in KINDS.items():
            self.kind.addItem(text, key)
        self.points = QSpinBox()
        self.points.setRange(0, 99)
        self.points.setToolTip("Channels tying each end level to the data")
        self.convention = QComboBox()
        for key, text in CONVENTIONS.items():
            self.convention.addItem(text, key)
        self.convention.setToolTip(
            "inside each end: the mean of that many channels inside the window (trapezoid "
            "Shirley); CasaXPS Av Width: n / 2 channels either side of each end channel, "
            "beyond the window too (CasaXPS's channel-sum Shirley)"
        )
        self.form = QComboBox()
        self.form.addItems(["U2", "U3"])
        self.fit_b = QCheckBox("fit B")
        self.cross: dict[str, QDoubleSpinBox] = {}
        for name, (top, unit) in {
            "C": (1e6, " eV²"),
            "D": (1e6, " eV²"),
            "gap": (100.0, " eV"),
        }.items():
            box = QDoubleSpinBox()
            box.setRange(0.0 if name == "gap" else 0.01, top)
            box.setDecimals(2)
            box.setPrefix(f"{name} ")
            box.setSuffix(unit)
            box.setToolTip(
                "Tougaard cross-section: C, D (U3 only), and the gap below which no energy is "
                "lost (CasaXPS's fourth cross-section number)"
            )
            box.editingFinished.connect(self._edited)
            self.cross[name] = box
        self.slope = QCheckBox("slope")
        self.result = QLabel()
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # a long line must not widen the window: it is cut at the edge, whole in the tooltip
        self.result.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)
        self.points_label = QLabel("End points")
        for w in (QLabel("Background"), self.kind, self.points_label, self.points,
                  self.convention, self.form, *self.cross.values(), self.fit_b,
                  self.slope):  # fmt: skip
            row.addWidget(w)
        row.addWidget(self.result, 1)
        for box in (self.kind, self.convention, self.form):
            box.currentIndexChanged.connect(self._edited)
        self.points.valueChanged.connect(self._edited)
        for check in (self.fit_b, self.slope):
            check.toggled.connect(self._edited)
        doc.current_changed.connect(self.refresh)
        doc.spec_changed.connect(self._changed)
        doc.result_changed.connect(self._changed)
        doc.spectra_changed.connect(self.refresh)
        self.refresh()

    def _changed(self, sid: str) -> None:
        if sid == self.doc.current:
            self.refresh()

    def refresh(self, *_: Any) -> None:
        """Show the current spectrum's background (controls disabled without one)."""
        sid = self.doc.current
        widgets = (self.kind, self.points, self.convention, self.form, self.fit_b, self.slope,
                   *self.cross.values())  # fmt: skip
        for w in widgets:
            w.blockSignals(True)
        try:
            self.setEnabled(bool(sid))
            bg = self.doc.spec(sid).background if sid else BackgroundSpec()
            self.kind.setCurrentIndex(self.kind.findData(bg.kind))
            casa = bg.options.get("convention", "xpsfit")
            self.convention.setCurrentIndex(max(self.convention.findData(casa), 0))
            self.points.setMinimum(0 if casa == "casaxps" else 1)
            self.points.setValue(int(bg.average_points))
            form = tougaard_form(bg.options)
            self.form.setCurrentText(form)
            self.fit_b.setChecked("B" in bg.params)
            for name, default in cross_defaults(form).items():
                given = bg.params.get(name)
                self.cross[name].setValue(default if given is None else given.value)
            self.cross["gap"].setValue(float(bg.options.get("tougaard_gap", 0.0)))
            self.slope.setChecked("slope" in bg.params)
            static = bg.kind in ("linear", "shirley") or (bg.kind == "tougaard" and not bg.params)
            for w, shown in ((self.points, static), (self.points_label, static),
                             (self.convention, static),
                             (self.form, bg.kind == "tougaard"),
                             (self.fit_b, bg.kind == "tougaard"),
                             (self.cross["C"], bg.kind == "tougaard"),
                             (self.cross["D"], bg.kind == "tougaard" and form == "U3"),
                             (self.cross["gap"], bg.kind == "tougaard"),
                             (self.slope, bg.kind == "active_shirley")):  # fmt: skip
                w.setVisible(shown)
            text = summary(self.doc.result(sid)) if sid else ""
            self.result.setText(text)
            self.result.setToolTip(text)
        finally:
            for w in widgets:
                w.blockSignals(False)

    def background(self) -> BackgroundSpec:
        """The background the controls describe, keeping what they do not show of the
        current one (other options, given parameter values)."""
        old = self.doc.spec(self.doc.current).background
        kind: BackgroundKind = self.kind.currentData()
        options = dict(old.options)
        casa = self.convention.currentData()
        if casa == "xpsfit":
            options.pop("convention", None)
        else:
            options["convention"] = casa
        points = self.points.value()
        if casa == "xpsfit":
            points = max(points, 1)
        params: dict[str, Param] = {}
        if kind == "tougaard":
            options["tougaard_form"] = self.form.currentText()
            params = self._cross_section(old, self.form.currentText())
            gap = self.cross["gap"].value()
            if gap > 0:
                options["tougaard_gap"] = gap
            else:
                options.pop("tougaard_gap", None)
            if self.fit_b.isChecked():
                b0 = backgrounds.tougaard_defaults(self.form.currentText())[0]
                params["B"] = old.params.get("B", Param(b0, 0.0))
        if kind == "active_shirley" and self.slope.isChecked():
            params["slope"] = old.params.get("slope", Param(0.0))
        return replace(old, kind=kind, average_points=points, params=params, options=options)

    def _cross_section(self, old: BackgroundSpec, form: str) -> dict[str, Param]:
        """C and D as the boxes show them: a given one at the new value, a new one fixed
        where it differs from the engine's default (which it then need not state). A box
        still showing the previous form's default (the form was just changed) states
        nothing: the new form's default applies."""
        params: dict[str, Param] = {}
        shown = cross_defaults(tougaard_form(old.options))
        for name, default in cross_defaults(form).items():
            box = self.cross[name]
            value, given = box.value(), old.params.get(name)
            if given is not None:  # unchanged when the box shows it rounded
                same = abs(given.value - value) <= 0.5 * 10.0 ** -box.decimals()
                params[name] = given if same else given.with_value(value)
            elif value not in (default, shown[name]):
                params[name] = Param(value, vary=False)
        return params

    def _edited(self, *_: Any) -> None:
        sid = self.doc.current
        if not sid:
            return
        spec = self.doc.spec(sid)
        new = self.background()
        if new != spec.background:
            text = f"Background: {KINDS[new.kind]}"
            self.doc.undo_stack.push(
                SetSpecCommand(self.doc, sid, replace(spec, background=new), text)
            )
        else:
            self.refresh()
