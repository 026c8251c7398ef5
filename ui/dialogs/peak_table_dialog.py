"""Tools > Quantification table: CasaXPS's peak table for the current spectrum's sample and
etch level (each fitted line's position, FWHM, area, RSF, RSF*T*MFP, corrected area and
atomic %), with the atomic % of each element below. It follows the current spectrum, new
fits and the quantification settings."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xpsfit.errors import XpsfitError
from xpsfit.profile_result import ProfileResult
from xpsfit.quant_settings import QuantSettings
from xpsfit.quantify import LineQuant, atomic_rows, line_quant, missing_sensitivity
from xpsfit_ui.dialogs.readonly_table import readonly_table
from xpsfit_ui.document import Document
from xpsfit_ui.profile_data import profile_results, quant_settings, spectrum_level

#: Column headers of the table.
COLUMNS = ("Region", "Line", "Position (eV)", "FWHM (eV)", "Area", "RSF", "RSF*T*MFP",
           "Area/(RSF*T*MFP)", "%At Conc")  # fmt: skip


def row_cells(row: LineQuant) -> tuple[str, ...]:
    """The texts of one table row (see :data:`COLUMNS`)."""
    return (
        row.region, row.label or row.component, f"{row.center:.2f}", f"{row.fwhm:.2f}",
        f"{row.area:.6g}", f"{row.rsf:.4g}", f"{row.total_factor:.4g}", f"{row.corrected:.6g}",
        f"{row.percent:.2f}",
    )  # fmt: skip


class PeakTableDialog(QDialog):
    """The peak table of the current spectrum's sample and level (non-modal)."""

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Quantification table")
        self.resize(900, 420)
        self.doc = doc
        self.header = QLabel()
        self.table = readonly_table(COLUMNS)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.copy_button = QPushButton("Copy table")
        self.copy_button.setToolTip("Tab-separated, with the header and the atomic % summary")
        self.copy_button.clicked.connect(self.copy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.header, self.table, self.summary, buttons):
            layout.addWidget(widget)
        for signal in (doc.current_changed, doc.result_changed, doc.spectra_changed,
                       doc.settings_changed):  # fmt: skip
            signal.connect(self._changed)
        self.refresh()

    def _changed(self, *_: object) -> None:
        """A closed table is brought up to date when it is shown again, not at every edit."""
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: object) -> None:
        self.refresh()
        super().showEvent(event)  # type: ignore[arg-type]

    def refresh(self, *_: object) -> None:
        """Show the table of the current spectrum's sample and level."""
        self.table.setRowCount(0)
        if not self.doc.current:
            self.header.setText("No spectrum selected")
            self.summary.setText("")
            return
        sp = self.doc.spectrum(self.doc.current)
        sample, level = sp.sample, spectrum_level(sp)
        self.header.setText(f"{sample}, level {level}: every fitted region of this level")
        results = [pr for pr in profile_results(self.doc) if pr.sample == sample]
        try:
            settings = quant_settings(self.doc.project.settings)
        except XpsfitError as exc:
            self.summary.setText(str(exc))
            return
        rows = [r for r in line_quant(results, settings) if r.level == level]
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for j, text in enumerate(row_cells(row)):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.summary.setText(self._summary(results, settings, level))

    def text(self) -> str:
        """The shown table as tab-separated text (header first), then the summary line, e.g.
        for pasting into a spreadsheet."""
        t = self.table
        rows = ["\t".join(COLUMNS)]
        rows += ["\t".join(t.item(r, c).text() for c in range(t.columnCount()))
                 for r in range(t.rowCount())]  # fmt: skip
        return "\n".join([self.header.text(), *rows, self.summary.text()]) + "\n"

    def copy(self) -> None:
        """Put :meth:`text` on the clipboard."""
        QApplication.clipboard().setText(self.text())

    @staticmethod
    def _summary(results: Sequence[ProfileResult], settings: QuantSettings, level: int) -> str:
        """The level's atomic % per element, and the regions left out for want of a factor."""
        missing = missing_sensitivity(results, settings)
        atomic = [r for r in atomic_rows(results, settings, exclude=missing) if r.level == level]
        if not atomic:
            text = "Nothing fitted at this level yet."
        else:
            shares = ", ".join(
                f"{r.element} {r.percent:.2f}" + ("" if r.err is None else f" ± {r.err:.2f}")
                for r in atomic
            )
            text = f"Atomic %: {shares}."
        if missing:
            text += (f" Left out (no sensitivity factor): {', '.join(missing)}; give one in "
                     "Tools > Quantification settings.")  # fmt: skip
        return text
