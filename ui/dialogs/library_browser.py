"""The reference library browser: search by element, species or binding energy; every entry
shows its source; chosen species are added to the current model as components or doublets."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xpsfit.errors import XpsfitError
from xpsfit.reference import Library, load_library
from xpsfit.spec import FitSpec
from xpsfit.template_library import default_fractions, template_from_library
from xpsfit_ui.commands import SetSpecCommand
from xpsfit_ui.document import Document

_KEY = Qt.ItemDataRole.UserRole + 1
_COLUMNS = ["Region / species", "Label", "BE (eV)", "± (eV)", "Compound", "Source"]


def matches(
    query: str, region: str, species_id: str, label: str, energy: float, tol: float
) -> bool:
    """Whether a library species matches a search text: a number matches binding energies
    within the tolerance plus 1 eV; text matches region, id or label (case-insensitive)."""
    q = query.strip().lower()
    if not q:
        return True
    try:
        value = float(q)
    except ValueError:
        return q in region.lower() or q in species_id.lower() or q in label.lower()
    return abs(value - energy) <= tol + 1.0


def with_species(spec: FitSpec, region: str, species_ids: list[str], library: Library) -> FitSpec:
    """``spec`` plus the library components of ``species_ids`` (existing ids are skipped).

    Fractions are regenerated when they were the default ones (or none)."""
    new = [s for s in species_ids if s not in spec.ids()]
    if not new:
        return spec
    built = template_from_library(region, new, library=library)
    base = (
        spec if spec.components else replace(spec, window=built.window, background=built.background)
    )
    old_species = spec.species()
    out = base
    for comp in built.components:
        out = out.with_component(comp)
    if not spec.fractions or spec.fractions == default_fractions(old_species):
        out = replace(out, fractions=default_fractions(out.species()))
    return replace(out, region=spec.region or built.region)


class LibraryBrowser(QDialog):
    """Browse the library and add species to the current spectrum's model."""

    def __init__(
        self, doc: Document, parent: QWidget | None = None, library: Library | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reference library")
        self.resize(900, 560)
        self.doc = doc
        self.library = library or load_library()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search: element (Co), species (Co3+) or energy (780.1)")
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(_COLUMNS)
        self.tree.setSelectionMode(QTreeWidget.SelectionMode.ExtendedSelection)
        self.info = QLabel()
        self.info.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.add_button = buttons.addButton("Add to model", QDialogButtonBox.ButtonRole.ApplyRole)
        self.add_button.clicked.connect(self.add_selected)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (self.search, self.tree, self.info, buttons):
            layout.addWidget(w)
        self.search.textChanged.connect(self.populate)
        self.tree.currentItemChanged.connect(self._show_info)
        self.populate()
        if doc.current:
            self.search.setText(doc.spectrum(doc.current).region)

    def populate(self, *_: object) -> None:
        """Fill the tree with the species matching the search."""
        self.tree.clear()
        query = self.search.text()
        for region in self.library.regions():
            level = self.library.level(region)
            hits = [sp for sp in level.species if matches(query, region, sp.id, sp.label,
                                                            sp.binding_energy, sp.tolerance)]  # fmt: skip
            if not hits:
                continue
            top = QTreeWidgetItem(self.tree, [region, f"splitting {level.splitting:g} eV, "
                                              f"area ratio {level.area_ratio:.3g}", "", "", "",
                                              level.source])  # fmt: skip
            top.setToolTip(5, level.source)
            for sp in hits:
                item = QTreeWidgetItem(top, [sp.id, sp.label, f"{sp.binding_energy:.2f}",
                                             f"{sp.tolerance:.2f}", sp.compound, sp.source])  # fmt: skip
                item.setData(0, _KEY, (region, sp.id))
                item.setToolTip(5, sp.source)
                item.setToolTip(0, sp.notes or sp.label)
        self.tree.expandAll()
        for c in range(len(_COLUMNS) - 1):
            self.tree.resizeColumnToContents(c)

    def _show_info(self, item: QTreeWidgetItem | None, _old: object) -> None:
        key = None if item is None else item.data(0, _KEY)
        if not key:
            self.info.setText("")
            return
        sp = self.library.level(key[0]).get(key[1])
        sats = ", ".join(f"{s.offset:+.1f} eV" for s in sp.satellites) if sp.satellites else "none"
        self.info.setText(f"<b>{sp.label}</b> ({sp.compound}) - satellites: {sats}<br>"
                          f"Source: {sp.source}<br>{sp.notes}")  # fmt: skip

    def selected(self) -> dict[str, list[str]]:
        """Selected species ids by region."""
        out: dict[str, list[str]] = {}
        for item in self.tree.selectedItems():
            key = item.data(0, _KEY)
            if key:
                out.setdefault(key[0], []).append(key[1])
        return out

    def add_selected(self) -> None:
        """Add the selected species to the current model (one undo step)."""
        sid = self.doc.current
        chosen = self.selected()
        if not sid or not chosen:
            return
        spec = self.doc.spec(sid)
        try:
            for region, ids in chosen.items():
                spec = with_species(spec, region, ids, self.library)
            spec.validate()
        except XpsfitError as exc:
            self.info.setText(f"<span style='color:#b00020'>{exc}</span>")
            return
        names = ", ".join(i for ids in chosen.values() for i in ids)
        self.doc.undo_stack.push(SetSpecCommand(self.doc, sid, spec, f"Add {names}"))
        self.info.setText(f"Added {names}.")
