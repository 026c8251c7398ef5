"""Templates: save the current model, apply a template to this spectrum, the selected ones, a
whole level or the whole profile, and manage the project's templates (import, export, delete)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xpsfit.errors import XpsfitError
from xpsfit.reference import normalize_region
from xpsfit.spec import FitSpec
from xpsfit.templates import (
    Template,
    apply_template,
    load_template,
    save_template,
    template_from_fit,
)
from xpsfit_ui.commands import SetSpecsCommand, set_templates
from xpsfit_ui.document import Document

log = logging.getLogger(__name__)


class Scope(StrEnum):
    """Which spectra a template is applied to."""

    THIS = "this spectrum"
    SELECTED = "selected spectra"
    LEVEL = "this etch level"
    PROFILE = "whole profile (this sample)"
    ALL = "every sample"


def targets(doc: Document, scope: Scope, selected: Sequence[str], region: str) -> list[str]:
    """Spectrum ids a template of ``region`` applies to under ``scope`` (same region only)."""
    cur = doc.spectrum(doc.current) if doc.current else None
    if scope == Scope.THIS:
        ids = [doc.current] if doc.current else []
    elif scope == Scope.SELECTED:
        ids = list(selected)
    elif cur is None:
        ids = []
    elif scope == Scope.LEVEL:
        ids = doc.ids_where(sample=cur.sample, etch_level=cur.etch_level)
    elif scope == Scope.PROFILE:
        ids = doc.ids_where(sample=cur.sample)
    else:
        ids = doc.ids()
    want = normalize_region(region)
    return [s for s in ids if not want or normalize_region(doc.spectrum(s).region) == want]


def apply_to(doc: Document, template: Template, sids: Sequence[str]) -> list[str]:
    """Apply a template to spectra as ONE undo step; returns messages for skipped spectra."""
    specs: dict[str, FitSpec] = {}
    skipped: list[str] = []
    for sid in sids:
        try:
            specs[sid] = apply_template(template, doc.spectrum(sid))
        except XpsfitError as exc:
            skipped.append(f"{doc.spectrum(sid).label}: {exc}")
    if specs:
        text = f"Apply template {template.name!r} to {len(specs)} spectra"
        doc.undo_stack.push(SetSpecsCommand(doc, specs, text))
    return skipped


def current_as_template(doc: Document, name: str, description: str = "") -> Template:
    """The current model as a template: the fitted values when fitted, else the start values."""
    sid = doc.current
    res = doc.result(sid)
    spectrum = doc.spectrum(sid)
    if res is not None and res.spec == doc.spec(sid):
        return template_from_fit(res, name, description=description, spectrum=spectrum)
    shift = float(spectrum.metadata.get("charge_shift", 0.0))
    return Template(doc.spec(sid), name, description, shift)


class TemplateManager(QDialog):
    """List, save, apply, import, export and delete the project's templates."""

    def __init__(
        self, doc: Document, selected: Sequence[str] = (), parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Templates")
        self.resize(560, 420)
        self.doc = doc
        self.selected = list(selected)
        self.list = QListWidget()
        self.scope = QComboBox()
        self.scope.addItems([s.value for s in Scope])
        self.status = QLabel()
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(QLabel("Apply to"))
        row.addWidget(self.scope, 1)
        apply_button = QPushButton("Apply")
        apply_button.clicked.connect(self.apply_selected)
        row.addWidget(apply_button)
        buttons = QHBoxLayout()
        for text, slot in (("Save current model...", self.save_current), ("Import...", self.import_file),
                           ("Export...", self.export_file), ("Delete", self.delete_selected)):  # fmt: skip
            b = QPushButton(text)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addLayout(row)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        doc.templates_changed.connect(self.populate)
        self.populate()

    def populate(self) -> None:
        """Show the project's templates."""
        self.list.clear()
        for name, tpl in self.doc.project.templates.items():
            self.list.addItem(f"{name}  ({tpl.spec.region}, {len(tpl.spec.components)} components)")

    def _chosen(self) -> Template | None:
        row = self.list.currentRow()
        names = list(self.doc.project.templates)
        return self.doc.project.templates[names[row]] if 0 <= row < len(names) else None

    def add_template(self, template: Template) -> None:
        """Store a template in the project (undoable)."""
        templates = {**self.doc.project.templates, template.name: template}
        set_templates(self.doc, templates, f"Add template {template.name!r}")

    def save_current(self) -> None:
        if not self.doc.current:
            return
        region = self.doc.spectrum(self.doc.current).region
        name, ok = QInputDialog.getText(self, "Save template", "Name", text=f"{region} model")
        if ok and name:
            self.add_template(current_as_template(self.doc, name))

    def apply_selected(self) -> None:
        tpl = self._chosen()
        if tpl is None:
            self.status.setText("Choose a template first.")
            return
        sids = targets(self.doc, Scope(self.scope.currentText()), self.selected, tpl.spec.region)
        skipped = apply_to(self.doc, tpl, sids)
        msg = f"Applied {tpl.name!r} to {len(sids) - len(skipped)} spectra."
        self.status.setText(msg + ("\n" + "\n".join(skipped) if skipped else ""))

    def import_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import template", "", "Templates (*.json)")
        if name:
            try:
                self.add_template(load_template(Path(name)))
            except XpsfitError as exc:
                self.status.setText(str(exc))

    def export_file(self) -> None:
        tpl = self._chosen()
        if tpl is None:
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "Export template", f"{tpl.name}.json", "Templates (*.json)"
        )
        if name:
            try:
                save_template(Path(name), tpl)
            except (XpsfitError, OSError) as exc:
                self.status.setText(str(exc))

    def delete_selected(self) -> None:
        tpl = self._chosen()
        if tpl is not None:
            templates = {k: v for k, v in self.doc.project.templates.items() if k != tpl.name}
            set_templates(self.doc, templates, f"Delete template {tpl.name!r}")
