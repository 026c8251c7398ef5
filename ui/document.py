"""The Document: the one project state of the application, and its undo stack.

The state is an immutable :class:`xpsfit.project.Project`. Views never change it directly:
every user edit is a command (``xpsfit_ui.commands``) pushed on :attr:`Document.undo_stack`,
and commands call the ``_apply_*`` methods here, which replace the state and emit signals.
Everything is keyed by the stable spectrum id, never by position or display text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from xpsfit.project import Project, load_project, save_project, spectrum_id
from xpsfit.result import FitResult
from xpsfit.spec import FitSpec
from xpsfit.spectrum import Spectrum

log = logging.getLogger(__name__)


class Document(QObject):
    """Project state plus undo stack, with change signals for the views.

    Signals
    -------
    spectra_changed()
        Spectra were added, removed or replaced (e.g. a charge shift).
    spec_changed(str)
        The fit specification of the spectrum with this id changed.
    result_changed(str)
        The fit result of this spectrum changed (or was cleared).
    current_changed(str)
        The spectrum shown in the editors changed ("" for none).
    templates_changed()
        The project's templates changed.
    settings_changed()
        The project settings changed.
    path_changed(str)
        The project file changed (after save-as or open).
    """

    spectra_changed = Signal()
    spec_changed = Signal(str)
    result_changed = Signal(str)
    current_changed = Signal(str)
    templates_changed = Signal()
    settings_changed = Signal()
    path_changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._project = Project()
        self._current = ""
        self._path: Path | None = None
        self.undo_stack = QUndoStack(self)

    # -- reading ---------------------------------------------------------------------------
    @property
    def project(self) -> Project:
        """The current immutable project state."""
        return self._project

    @property
    def path(self) -> Path | None:
        """The project file, or ``None`` when never saved."""
        return self._path

    @property
    def current(self) -> str:
        """Id of the spectrum shown in the editors ("" for none)."""
        return self._current

    def ids(self) -> list[str]:
        """Spectrum ids in display order."""
        return list(self._project.spectra)

    def spectrum(self, sid: str) -> Spectrum:
        """The spectrum with this id."""
        return self._project.spectra[sid]

    def spec(self, sid: str) -> FitSpec:
        """The fit specification of this spectrum (an empty one for its region if none)."""
        spec = self._project.specs.get(sid)
        if spec is None:
            return FitSpec(region=self.spectrum(sid).region)
        return spec

    def result(self, sid: str) -> FitResult | None:
        """The latest fit result of this spectrum, if any."""
        res: FitResult | None = self._project.results.get(sid)
        return res

    def is_modified(self) -> bool:
        """True when there are edits since the last save or open."""
        return not self.undo_stack.isClean()

    def ids_where(self, **match: Any) -> list[str]:
        """Ids of the spectra whose attributes equal ``match`` (e.g. ``region="Co 2p"``)."""
        return [
            sid
            for sid, sp in self._project.spectra.items()
            if all(getattr(sp, k) == v for k, v in match.items())
        ]

    # -- navigation (not an edit) ----------------------------------------------------------
    def set_current(self, sid: str) -> None:
        """Show the spectrum with this id ("" for none)."""
        if sid and sid not in self._project.spectra:
            raise KeyError(sid)
        if sid != self._current:
            self._current = sid
            self.current_changed.emit(sid)

    # -- state changes, called by commands only --------------------------------------------
    def _apply_specs(self, specs: Mapping[str, FitSpec | None]) -> None:
        new = dict(self._project.specs)
        for sid, spec in specs.items():
            if spec is None:
                new.pop(sid, None)
            else:
                new[sid] = spec
        self._project = replace(self._project, specs=new)
        for sid in specs:
            self.spec_changed.emit(sid)

    def _apply_results(self, results: Mapping[str, FitResult | None]) -> None:
        new = dict(self._project.results)
        for sid, res in results.items():
            if res is None:
                new.pop(sid, None)
            else:
                new[sid] = res
        self._project = replace(self._project, results=new)
        for sid in results:
            self.result_changed.emit(sid)

    def _apply_project(self, project: Project) -> None:
        old = self._project
        self._project = project
        if self._current and self._current not in project.spectra:
            self.set_current("")
        self.spectra_changed.emit()
        if dict(old.templates) != dict(project.templates):
            self.templates_changed.emit()
        if dict(old.settings) != dict(project.settings):
            self.settings_changed.emit()
        if self._current:
            self.spec_changed.emit(self._current)
            self.result_changed.emit(self._current)

    # -- whole-project operations (not undoable: they reset the stack) --------------------
    def with_spectra(self, spectra: Iterable[Spectrum]) -> Project:
        """The project with these spectra appended under fresh stable ids."""
        new = dict(self._project.spectra)
        for sp in spectra:
            new[spectrum_id(sp, set(new))] = sp
        return replace(self._project, spectra=new)

    def replace_project(self, project: Project, path: Path | None = None) -> None:
        """Replace the whole state (open, recover, new) and clear the undo history."""
        self.undo_stack.clear()
        self._apply_project(project)
        self._path = path
        self.undo_stack.setClean()
        self.path_changed.emit(str(path or ""))
        if project.spectra and not self._current:
            self.set_current(next(iter(project.spectra)))

    def open(self, path: str | Path) -> None:
        """Load a project file (raises :class:`xpsfit.errors.ParseError` on a bad file)."""
        p = Path(path)
        self.replace_project(load_project(p), p)

    def save(self, path: str | Path | None = None) -> Path:
        """Save atomically (keeping a backup of the previous file) and mark the state clean."""
        target = Path(path) if path is not None else self._path
        if target is None:
            raise ValueError("no project file given")
        save_project(target, self._project)
        self._path = target
        self.undo_stack.setClean()
        self.path_changed.emit(str(target))
        return target
