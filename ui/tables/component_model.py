"""The component table: a Qt model over the current spectrum's fit specification.

One row per component parameter (center, FWHM, area, shape parameters, and for doublets the
splitting, area ratio and FWHM ratio). Editing a cell pushes a
:class:`~xpsfit_ui.commands.SetSpecCommand` and refits nothing; fitted values, their errors
and at-bound flags come from the spectrum's last :class:`~xpsfit.result.FitResult`.
"""

from __future__ import annotations

import math
from dataclasses import replace
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from xpsfit.errors import SpecError
from xpsfit.lineshapes import LINESHAPES
from xpsfit.spec import FitSpec, Link, Param, Peak, param_name
from xpsfit_ui.commands import SetSpecCommand
from xpsfit_ui.document import Document
from xpsfit_ui.fit_controller import WEIGHTS_TEXT, stale_reason

AnyIndex = QModelIndex | QPersistentModelIndex


class Col(IntEnum):
    """Columns of the component table."""

    COMPONENT = 0
    SHAPE = 1
    SPECIES = 2
    PARAM = 3
    VALUE = 4
    MIN = 5
    MAX = 6
    FIXED = 7
    LINK_REF = 8
    LINK_KIND = 9
    LINK_VALUE = 10
    FITTED = 11
    ERROR = 12
    BOUND = 13


HEADERS = {
    Col.COMPONENT: "Component",
    Col.SHAPE: "Line shape",
    Col.SPECIES: "Species",
    Col.PARAM: "Parameter",
    Col.VALUE: "Value",
    Col.MIN: "Min",
    Col.MAX: "Max",
    Col.FIXED: "Fixed",
    Col.LINK_REF: "Linked to",
    Col.LINK_KIND: "Link",
    Col.LINK_VALUE: "Factor / offset",
    Col.FITTED: "Fitted",
    Col.ERROR: "± error",
    Col.BOUND: "At bound",
}
_LINK_KINDS = ("offset", "ratio", "equal")
_EDITABLE = {Col.VALUE, Col.MIN, Col.MAX, Col.LINK_REF, Col.LINK_KIND, Col.LINK_VALUE}


def _fmt(v: float) -> str:
    return "" if math.isinf(v) else f"{v:.6g}"


def _parse_float(text: str, empty: float) -> float:
    text = text.strip()
    if not text:
        return empty
    value = float(text)
    if math.isnan(value):
        raise ValueError("NaN is not a value")
    return value


class ComponentTableModel(QAbstractTableModel):
    """Rows ``(component id, parameter name)`` of the document's current spectrum."""

    def __init__(self, doc: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self._rows: list[tuple[str, str]] = []
        self._texts: dict[int, dict[Col, str]] = {}
        doc.current_changed.connect(self._reset)
        doc.spectra_changed.connect(self._reset)
        doc.spec_changed.connect(self._on_change)
        doc.result_changed.connect(self._on_change)
        self._reset()

    # -- structure -------------------------------------------------------------------------
    def _spec(self) -> FitSpec:
        return self.doc.spec(self.doc.current) if self.doc.current else FitSpec()

    @staticmethod
    def _rows_of(spec: FitSpec) -> list[tuple[str, str]]:
        return [(cid, name) for cid, name, _ in spec.iter_params()]

    def _reset(self, *_: object) -> None:
        self.beginResetModel()
        self._texts.clear()
        self._rows = self._rows_of(self._spec())
        self.endResetModel()

    def _on_change(self, sid: str) -> None:
        if sid != self.doc.current:
            return
        self._texts.clear()
        rows = self._rows_of(self._spec())
        if rows != self._rows:
            self._reset()
        elif rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(Col) - 1))

    def row_of(self, component_id: str, name: str) -> int:
        """Row index of a parameter (raises ``ValueError`` when absent)."""
        return self._rows.index((component_id, name))

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Col)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[Col(section)]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        col = Col(index.column())
        first = self._rows[index.row()][1] == "center"
        if col == Col.FIXED:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if col in _EDITABLE or (first and col in (Col.SHAPE, Col.SPECIES)):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    # -- reading ---------------------------------------------------------------------------
    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        col = Col(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._row_texts(index.row())[col]
        if role == Qt.ItemDataRole.CheckStateRole and col == Col.FIXED:
            cid, name = self._rows[index.row()]
            par = self._spec().component(cid).params()[name]
            return Qt.CheckState.Unchecked if par.vary else Qt.CheckState.Checked
        bound = role == Qt.ItemDataRole.BackgroundRole and col == Col.BOUND
        if bound and self._row_texts(index.row())[Col.BOUND]:
            return QBrush(QColor(255, 210, 170))
        if role == Qt.ItemDataRole.ToolTipRole and col == Col.SHAPE:
            shape = LINESHAPES.get(self._row_texts(index.row())[Col.SHAPE])
            return shape.formula if shape else None
        if role == Qt.ItemDataRole.ToolTipRole and col in (Col.FITTED, Col.ERROR):
            return self._fit_note()
        return None

    def _fit_note(self) -> str | None:
        """Tooltip of the fitted values: the fit's weights, and why it is stale if it is."""
        res = self.doc.result(self.doc.current) if self.doc.current else None
        if res is None:
            return None
        reason = stale_reason(self.doc, self.doc.current)
        note = f"last fit: {WEIGHTS_TEXT[res.weights]} weights"
        return f"{note}; stale: {reason}" if reason else note

    def _row_texts(self, row: int) -> dict[Col, str]:
        """Display texts of a row, computed once per change of the spec or result."""
        texts = self._texts.get(row)
        if texts is None:
            cid, name = self._rows[row]
            spec = self._spec()
            comp = spec.component(cid)
            texts = self._texts[row] = self._text(spec, comp, name, comp.params()[name])
        return texts

    def _fitted(self, cid: str, name: str) -> tuple[float, float | None] | None:
        res = self.doc.result(self.doc.current)
        if res is None:
            return None
        p = res.params.get(param_name(cid, name))
        return None if p is None else (p.value, p.stderr)

    def _bound(self, cid: str, name: str) -> str:
        res = self.doc.result(self.doc.current)
        p = None if res is None else res.params.get(param_name(cid, name))
        return "" if p is None or p.at_bound is None else p.at_bound

    def _text(self, spec: FitSpec, comp: Peak, name: str, par: Param) -> dict[Col, str]:
        first = name == "center"
        fitted = self._fitted(comp.id, name)
        texts = {
            Col.COMPONENT: comp.id if first else "",
            Col.SHAPE: comp.lineshape if first else "",
            Col.SPECIES: spec.species_of(comp.id) if first else "",
            Col.PARAM: name,
            Col.VALUE: f"{par.value:.6g}",
            Col.MIN: _fmt(par.min),
            Col.MAX: _fmt(par.max),
            Col.FIXED: "",
            Col.LINK_REF: par.link.ref if par.link else (par.expr or ""),
            Col.LINK_KIND: par.link.kind if par.link else "",
            Col.LINK_VALUE: f"{par.link.value:.6g}" if par.link else "",
            Col.FITTED: "" if fitted is None else f"{fitted[0]:.6g}",
            Col.ERROR: "" if fitted is None or fitted[1] is None else f"{fitted[1]:.2g}",
            Col.BOUND: self._bound(comp.id, name),
        }
        return texts

    # -- editing ---------------------------------------------------------------------------
    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or not self.doc.current:
            return False
        cid, name = self._rows[index.row()]
        spec = self._spec()
        comp = spec.component(cid)
        col = Col(index.column())
        try:
            new_comp = self._edited(comp, name, col, value, role)
        except (ValueError, KeyError):
            return False
        if new_comp is None or new_comp == comp:
            return False
        new_spec = spec.with_component(new_comp)
        try:
            new_spec.validate()
        except SpecError:
            return False
        text = f"Edit {cid} {name} {HEADERS[col].lower()}"
        self.doc.undo_stack.push(SetSpecCommand(self.doc, self.doc.current, new_spec, text))
        return True

    def _edited(self, comp: Peak, name: str, col: Col, value: Any, role: int) -> Peak | None:
        par = comp.params()[name]
        if col == Col.FIXED and role == Qt.ItemDataRole.CheckStateRole:
            fixed = Qt.CheckState(value) == Qt.CheckState.Checked
            return _with_param(comp, name, replace(par, vary=not fixed))
        if role != Qt.ItemDataRole.EditRole:
            return None
        text = str(value)
        if col == Col.SHAPE:
            return None if text not in LINESHAPES else _with_shape(comp, text)
        if col == Col.SPECIES:
            return replace(comp, species=text.strip() or comp.id)
        if col in (Col.VALUE, Col.MIN, Col.MAX):
            field = {Col.VALUE: "value", Col.MIN: "min", Col.MAX: "max"}[col]
            empty = {Col.VALUE: par.value, Col.MIN: -math.inf, Col.MAX: math.inf}[col]
            return _with_param(comp, name, replace(par, **{field: _parse_float(text, empty)}))
        return _with_param(comp, name, replace(par, link=_edited_link(par.link, col, text)))


def _edited_link(link: Link | None, col: Col, text: str) -> Link | None:
    text = text.strip()
    if col == Col.LINK_REF:
        if not text:
            return None
        return Link(text) if link is None else replace(link, ref=text)
    if link is None:
        raise ValueError("set 'Linked to' first")
    if col == Col.LINK_KIND:
        if text not in _LINK_KINDS:
            raise ValueError(f"link kind must be one of {_LINK_KINDS}")
        return replace(link, kind=text)  # type: ignore[arg-type]
    return replace(link, value=_parse_float(text, link.value))


def _with_param(comp: Peak, name: str, par: Param) -> Peak:
    if name in comp.shape:
        return replace(comp, shape={**comp.shape, name: par})
    return replace(comp, **{name: par})


def _with_shape(comp: Peak, key: str) -> Peak:
    shape = LINESHAPES[key]
    params = {p.name: comp.shape.get(p.name, Param(p.default, p.min, p.max)) for p in shape.params}
    return replace(comp, lineshape=key, shape=params)
