"""The model-sensitivity table: each fraction's value, statistical error and systematic spread
per sample and level, which alternative models were kept and which the data reject; export
to CSV through :func:`xpsfit.sensitivity_table.sensitivity_table`."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xpsfit.export import write_csv
from xpsfit.sensitivity import ACCEPT_RATIO, SystematicRow
from xpsfit.sensitivity_table import sensitivity_table
from xpsfit_ui.dialogs.readonly_table import readonly_table
from xpsfit_ui.fit_controller import WEIGHTS_TEXT
from xpsfit_ui.sensitivity import SensitivityController, SensitivityResult

#: Column headers of the dialog's table (fractions and errors in %).
COLUMNS = (
    "Fraction",
    "Sample",
    "Level",
    "Etch time (s)",
    "Depth (nm)",
    "Value (%)",
    "Statistical error (%)",
    "Systematic spread (%)",
    "Variants rejected (reduced chi-square)",
    "Variants kept",
)


def _number(value: float | None, scale: float = 1.0, digits: int = 2) -> str:
    return "" if value is None else f"{scale * value:.{digits}f}"


def _kept(row: SystematicRow) -> str:
    kept = [name for name, value in row.values.items() if value is not None]
    return f"{len(kept)} of {len(row.values)}: {', '.join(kept)}"


def _rejected(row: SystematicRow) -> str:
    parts = [f"{name} ({redchi:.3g})" for name, redchi in row.rejected.items()]
    parts += [f"{name} (no usable fit)" for name, value in row.values.items()
              if value is None and name not in row.rejected]  # fmt: skip
    return "; ".join(parts)


def row_cells(row: SystematicRow) -> tuple[str, ...]:
    """The texts of one table row (see :data:`COLUMNS`)."""
    return (
        row.fraction,
        row.sample,
        str(row.level),
        _number(row.etch_time, digits=1),
        _number(row.depth),
        _number(row.baseline, 100.0),
        _number(row.err, 100.0),
        _number(row.spread, 100.0),
        _rejected(row),
        _kept(row),
    )


def export_sensitivity(result: SensitivityResult, path: str | Path) -> Path:
    """Write the result as the core's sensitivity table (fractions 0..1; ``.tsv``:
    tab-separated, otherwise comma-separated), atomically."""
    p = Path(path)
    table = sensitivity_table(result.rows, result.variants)
    return write_csv(p, table, delimiter="\t" if p.suffix.lower() == ".tsv" else ",")


class SensitivityDialog(QDialog):
    """Shows the controller's latest result; says so when it was dropped."""

    def __init__(self, controller: SensitivityController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Model sensitivity")
        self.resize(1100, 520)
        self.controller = controller
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.table = readonly_table(COLUMNS)
        self.status = QLabel()
        self.export_button = QPushButton("Export CSV...")
        self.export_button.clicked.connect(self._export_dialog)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.header, self.table, self.status, buttons):
            layout.addWidget(widget)
        controller.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Show the controller's current result (or that there is none)."""
        result = self.controller.result
        self.export_button.setEnabled(result is not None)
        rows = () if result is None else result.rows
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for j, text in enumerate(row_cells(row)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        if result is None:
            self.header.setText(
                "No model sensitivity result: the fits it came from changed. Run "
                "Fit > Model sensitivity... again."
            )
            return
        self.header.setText(
            f"{result.region}, fit weights {WEIGHTS_TEXT[result.weights]}. Value and "
            "statistical error (1 sigma): the stored fits. Systematic spread: max - min of "
            f"the fraction over the alternative models kept (of {len(result.variants)} tried); "
            f"a model is rejected when its reduced chi-square exceeds {ACCEPT_RATIO:g} times "
            "that of the stored fit (or 1, whichever is larger)."
        )

    def export_to(self, path: str | Path) -> Path | None:
        """Export the shown result; errors are shown in the dialog."""
        result = self.controller.result
        if result is None:
            return None
        try:
            written = export_sensitivity(result, path)
        except OSError as exc:
            self.status.setText(f"Export failed: {exc}")
            return None
        self.status.setText(f"Wrote {written}")
        return written

    def _export_dialog(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export model sensitivity", "sensitivity.csv", "CSV (*.csv);;TSV (*.tsv)"
        )
        if name:
            self.export_to(name)
