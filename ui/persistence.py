"""Saving, opening, autosave and crash recovery for the main window.

The recovery file is a normal project file in the user's data folder. It is written at every
autosave tick when there are unsaved edits (at most every two minutes), after every fit batch,
and removed when the user saves or closes cleanly; finding one at start-up means the last
session did not end cleanly, and the window offers to recover it.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QStandardPaths, QTimer

from xpsfit.errors import XpsfitError
from xpsfit.project import Project, load_project, save_project
from xpsfit_ui.document import Document

log = logging.getLogger(__name__)

#: Autosave period, ms (the promise is at most two minutes between autosaves).
AUTOSAVE_MS = 60_000
RECENT_KEY = "recent_files"
MAX_RECENT = 10


def default_recovery_dir() -> Path:
    """The per-user folder holding the recovery file."""
    loc = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(loc or Path.home() / ".xpsfit") / "recovery"


class Persistence(QObject):
    """Autosave timer, recovery file and recent-file list of one document."""

    def __init__(
        self, doc: Document, recovery_dir: Path, settings: QSettings, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.doc = doc
        self.settings = settings
        self.recovery_file = recovery_dir / "recovery.xpsproj"
        self._saved_index = -1
        self.timer = QTimer(self)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(self.autosave)
        self.timer.start()

    def autosave(self) -> bool:
        """Write the recovery file if anything changed since the last autosave or save."""
        index = self.doc.undo_stack.index()
        if not self.doc.is_modified() or index == self._saved_index:
            return False
        save_project(self.recovery_file, self.doc.project, backup=False)
        self._saved_index = index
        log.info("autosaved to %s", self.recovery_file)
        return True

    def force_autosave(self) -> None:
        """Write the recovery file now (after a fit batch)."""
        self._saved_index = -1
        self.autosave()

    def discard_recovery(self) -> None:
        """Remove the recovery file (after a save or a clean exit)."""
        with contextlib.suppress(FileNotFoundError):
            self.recovery_file.unlink()
        self._saved_index = -1

    def pending_recovery(self) -> Project | None:
        """The project left by a session that did not end cleanly, if readable."""
        if not self.recovery_file.is_file():
            return None
        try:
            return load_project(self.recovery_file)
        except XpsfitError as exc:
            log.warning("recovery file unreadable: %s", exc)
            return None

    def recover(self, project: Project) -> None:
        """Load the recovered state as unsaved work (no file name, marked modified)."""
        self.doc.replace_project(project, None)
        self.doc.undo_stack.resetClean()

    def save(self, path: Path | None = None) -> Path:
        """Save the document (atomic, with backup), drop the recovery file, remember it."""
        target = self.doc.save(path)
        self.discard_recovery()
        self.add_recent(target)
        return target

    def recent(self) -> list[str]:
        """Recently opened or saved files, newest first."""
        value = self.settings.value(RECENT_KEY, [])
        items = [value] if isinstance(value, str) else list(value or [])
        return [str(v) for v in items if v]

    def add_recent(self, path: Path) -> None:
        """Put ``path`` first in the recent-file list."""
        text = str(Path(path).resolve())
        items = [text] + [p for p in self.recent() if p != text]
        self.settings.setValue(RECENT_KEY, items[:MAX_RECENT])
