"""The read-only result table of the dialogs that list rows of numbers."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QTableWidget


def readonly_table(columns: Sequence[str]) -> QTableWidget:
    """A table of these columns: not editable, alternating rows, compact, no row numbers,
    the last column stretched."""
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setAlternatingRowColors(True)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(22)
    table.horizontalHeader().setStretchLastSection(True)
    return table
