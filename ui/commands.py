"""Undoable edits: every change a user makes to a :class:`~xpsfit_ui.document.Document`.

Each command stores the immutable before and after values (structurally shared, never deep
copies of the project). A drag on the plot pushes one :class:`SetSpecCommand` per mouse move
with the same ``drag_token``; consecutive ones merge, so the whole drag is one undo step.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from PySide6.QtGui import QUndoCommand

from xpsfit.project import Project
from xpsfit.result import FitResult
from xpsfit.spec import FitSpec
from xpsfit.templates import Template
from xpsfit_ui.document import Document

#: QUndoCommand.id() of merging spec edits (any constant distinct from -1).
_SPEC_EDIT_ID = 4101


class SetSpecCommand(QUndoCommand):
    """Replace the fit specification of one spectrum.

    Parameters
    ----------
    doc
        The document.
    sid
        Spectrum id.
    spec
        The new specification.
    text
        Undo menu text.
    drag_token
        Non-zero for an interactive drag: pushes with the same token merge into one step.
    """

    def __init__(
        self, doc: Document, sid: str, spec: FitSpec, text: str, drag_token: int = 0
    ) -> None:
        super().__init__(text)
        self._doc = doc
        self.sid = sid
        self.old = doc.project.specs.get(sid)
        self.new = spec
        self.drag_token = drag_token

    def redo(self) -> None:
        self._doc._apply_specs({self.sid: self.new})

    def undo(self) -> None:
        self._doc._apply_specs({self.sid: self.old})

    def id(self) -> int:
        return _SPEC_EDIT_ID if self.drag_token else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetSpecCommand):
            return False
        if other.drag_token != self.drag_token or other.sid != self.sid:
            return False
        self.new = other.new
        return True


class SetSpecsCommand(QUndoCommand):
    """Replace the specifications of several spectra at once (e.g. applying a template).

    Results of those spectra are kept but no longer match their spec until refitted; the data
    tree shows them as stale.
    """

    def __init__(self, doc: Document, specs: Mapping[str, FitSpec], text: str) -> None:
        super().__init__(text)
        self._doc = doc
        self.old = {sid: doc.project.specs.get(sid) for sid in specs}
        self.new: dict[str, FitSpec | None] = dict(specs)

    def redo(self) -> None:
        self._doc._apply_specs(self.new)

    def undo(self) -> None:
        self._doc._apply_specs(self.old)


class FitResultsCommand(QUndoCommand):
    """Store fit results; each fitted spectrum's spec becomes the fitted spec (``result.spec``)
    so the next fit starts from the fitted values, except the spectra in ``keep_specs`` (edited
    while their fit ran: the edit wins and the result shows as stale). Undo restores both."""

    def __init__(
        self,
        doc: Document,
        results: Mapping[str, FitResult],
        text: str,
        keep_specs: Collection[str] = (),
    ) -> None:
        super().__init__(text)
        self._doc = doc
        self.old_specs = {sid: doc.project.specs.get(sid) for sid in results}
        self.old_results = {sid: doc.result(sid) for sid in results}
        self.new_results: dict[str, FitResult | None] = dict(results)
        self.new_specs: dict[str, FitSpec | None] = {
            sid: res.spec for sid, res in results.items() if sid not in keep_specs
        }

    def redo(self) -> None:
        self._doc._apply_specs(self.new_specs)
        self._doc._apply_results(self.new_results)

    def undo(self) -> None:
        self._doc._apply_specs({sid: self.old_specs[sid] for sid in self.new_specs})
        self._doc._apply_results(self.old_results)


class ProjectCommand(QUndoCommand):
    """Replace the whole project state (adding spectra, charge shifts, templates, settings)."""

    def __init__(self, doc: Document, project: Project, text: str) -> None:
        super().__init__(text)
        self._doc = doc
        self.old = doc.project
        self.new = project

    def redo(self) -> None:
        self._doc._apply_project(self.new)

    def undo(self) -> None:
        self._doc._apply_project(self.old)


def set_setting(doc: Document, key: str, value: Any, text: str) -> None:
    """Push an undoable change of one project setting."""
    settings = {**doc.project.settings, key: value}
    doc.undo_stack.push(ProjectCommand(doc, replace(doc.project, settings=settings), text))


def set_templates(doc: Document, templates: Mapping[str, Template], text: str) -> None:
    """Push an undoable replacement of the project's templates."""
    doc.undo_stack.push(ProjectCommand(doc, replace(doc.project, templates=dict(templates)), text))
