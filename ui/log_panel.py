"""The log panel: read errors (file and line), fit failures and notices, never a crash."""

from __future__ import annotations

import logging
import time

from PySide6.QtGui import QColor, QTextCharFormat
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from xpsfit.errors import ParseError

_LEVEL_COLORS = {logging.ERROR: "#b00020", logging.WARNING: "#8a5a00", logging.INFO: "#202020"}


class LogPanel(QPlainTextEdit):
    """A read-only list of timestamped messages."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(5000)
        self.entries: list[tuple[int, str]] = []

    def add(self, message: str, level: int = logging.INFO) -> None:
        """Append a message (also sent to the ``xpsfit_ui`` logger)."""
        self.entries.append((level, message))
        logging.getLogger("xpsfit_ui").log(level, "%s", message)
        fmt = QTextCharFormat()
        fmt.setForeground(QColor(_LEVEL_COLORS.get(level, "#202020")))
        cursor = self.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        if not self.document().isEmpty():
            cursor.insertText("\n")
        cursor.insertText(f"{time.strftime('%H:%M:%S')}  {message}", fmt)
        self.setTextCursor(cursor)
        self.ensureCursorVisible()

    def add_parse_error(self, exc: ParseError) -> None:
        """Report an unreadable file with its file name, line and field."""
        where = exc.file or "<input>"
        if exc.line is not None:
            where += f", line {exc.line}"
        if exc.field:
            where += f" ({exc.field})"
        self.add(f"Cannot read {where}: {exc.message}", logging.ERROR)
