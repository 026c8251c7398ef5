"""Tools > Quantification settings: where atomic % take their sensitivity factors and which
corrections they apply (a project setting, one undo step)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xpsfit.errors import SpecError, XpsfitError
from xpsfit.quant_settings import QuantSettings
from xpsfit.rsf import scofield_table, sensitivity_factor
from xpsfit.spectrum import Spectrum
from xpsfit_ui.commands import set_setting
from xpsfit_ui.document import Document
from xpsfit_ui.profile_data import QUANT_KEY, quant_settings

#: The factor sources offered, in the order of the combo box (``file_rsf`` off, on).
SOURCES = ("Scofield 1976 cross-sections (C 1s = 1)", "RSF CasaXPS stored with each spectrum")
_ERROR = QColor("#b00020")


class QuantificationDialog(QDialog):
    """Edit the project's :class:`~xpsfit.quant_settings.QuantSettings`.

    The table lists the document's regions, and any other label (an element) that has a
    user factor from the command line or the Python API: an entry in *Your RSF* wins over
    the source above; *Used now* shows the factor each region gets with the choices in the
    dialog, or why it has none.
    """

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Quantification settings")
        self.doc = doc
        self._table_values = scofield_table()
        self.source = QComboBox()
        self.source.addItems(SOURCES)
        self.xray = QComboBox()
        self.xray.addItems(["Al Ka", "Mg Ka"])
        self.exponent = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=2.0, singleStep=0.05)
        self.transmission = QCheckBox("at each line's kinetic energy, when a file has a column")
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Region or element", "Your RSF", "Used now"])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setWordWrap(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Sensitivity factors", self.source)
        form.addRow("X-ray source (files naming none)", self.xray)
        form.addRow("Escape-depth exponent n (E_K^n)", self.exponent)
        form.addRow("Divide by the transmission", self.transmission)
        self.buttons = buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        restore = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        restore.clicked.connect(lambda: self._show(QuantSettings()))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Your factors win over the source above:"))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(640, 420)
        try:
            current = quant_settings(doc.project.settings)
        except XpsfitError as exc:
            self.error.setText(f"{exc}; showing the defaults")
            current = QuantSettings()
        self._stored = current
        self._show(current)
        self.source.currentIndexChanged.connect(self._update_used)
        self.xray.currentIndexChanged.connect(self._update_used)
        self.table.itemChanged.connect(self._update_used)

    # -- contents ----------------------------------------------------------------------------
    def _examples(self) -> dict[str, Spectrum]:
        """The first spectrum of each region of the document, in document order."""
        out: dict[str, Spectrum] = {}
        for sid in self.doc.ids():
            sp = self.doc.spectrum(sid)
            out.setdefault(sp.region, sp)
        return out

    def _show(self, settings: QuantSettings) -> None:
        self.source.setCurrentIndex(1 if settings.file_rsf else 0)
        self.xray.setCurrentText(settings.source)
        self.exponent.setValue(settings.ke_exponent)
        self.transmission.setChecked(settings.use_transmission)
        regions = list(self._examples())
        labels = regions + [k for k in settings.rsf if k not in regions]
        self.table.blockSignals(True)
        self.table.setRowCount(len(labels))
        for row, label in enumerate(labels):
            name = QTableWidgetItem(label)
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            value = settings.rsf.get(label)
            used = QTableWidgetItem()
            used.setFlags(used.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(row, 0, name)
            self.table.setItem(row, 1, QTableWidgetItem("" if value is None else f"{value:g}"))
            self.table.setItem(row, 2, used)
        self.table.blockSignals(False)
        self._update_used()

    def _user_factors(self) -> dict[str, float]:
        """The *Your RSF* column; raises :class:`SpecError` naming a row that is not valid."""
        out = {}
        for row in range(self.table.rowCount()):
            label = self.table.item(row, 0).text()
            text = self.table.item(row, 1).text().strip()
            if not text:
                continue
            try:
                value = float(text)
            except ValueError:
                raise SpecError(f"{label}: {text!r} is not a number", key=label) from None
            if not value > 0 or value == float("inf"):
                raise SpecError(f"{label}: the factor must be a positive number", key=label)
            out[label] = value
        return out

    def settings(self) -> QuantSettings:
        """The settings the dialog shows.

        Raises
        ------
        SpecError
            A user factor that is not a positive number, naming its row.
        """
        return QuantSettings(
            rsf=self._user_factors(),
            ke_exponent=self.exponent.value(),
            use_transmission=self.transmission.isChecked(),
            source=self.xray.currentText(),
            file_rsf=self.source.currentIndex() == 1,
        )

    def _update_used(self, *_: object) -> None:
        try:
            settings = self.settings()
            self.error.setText("")
        except SpecError as exc:
            self.error.setText(str(exc))
            return
        examples = self._examples()
        self.table.blockSignals(True)
        for row in range(self.table.rowCount()):
            label = self.table.item(row, 0).text()
            cell = self.table.item(row, 2)
            cell.setForeground(self.palette().text().color())
            if label in settings.rsf:
                cell.setText(f"{settings.rsf[label]:g} (your value)")
            elif label not in examples:
                cell.setText("")
            else:
                try:
                    value = sensitivity_factor(examples[label], settings, self._table_values)
                except SpecError as exc:
                    where = (
                        "the file stores no CasaXPS RSF"
                        if settings.file_rsf
                        else "not in the table"
                    )
                    cell.setText(f"none: {where}; give one")
                    cell.setToolTip(exc.message)
                    cell.setForeground(_ERROR)
                    continue
                cell.setToolTip("")
                origin = "CasaXPS file" if settings.file_rsf else "Scofield"
                element = examples[label].element or label.split()[0]
                if element in settings.rsf:
                    origin = f"your value for {element}"
                cell.setText(f"{value:g} ({origin})")
        self.table.blockSignals(False)

    def accept(self) -> None:
        try:
            settings = self.settings()
        except SpecError as exc:
            self.error.setText(str(exc))
            return
        if settings != self._stored:
            set_setting(self.doc, QUANT_KEY, settings.describe(), "Quantification settings")
        super().accept()
