"""The data tree: sample > etch level > region, with each spectrum's fit status."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

from xpsfit_ui.document import Document
from xpsfit_ui.fit_controller import WEIGHTS_TEXT, stale_reason

SID_ROLE = Qt.ItemDataRole.UserRole + 1
_STATUS_COLORS = {
    "unfitted": "#bdbdbd",
    "stale": "#56B4E9",
    "converged": "#009E73",
    "at_bound": "#E69F00",
    "max_evaluations": "#D55E00",
    "failed": "#C00000",
}
_STATUS_TEXT = {
    "unfitted": "not fitted yet",
    "converged": "fit converged",
    "at_bound": "fit converged with a parameter at a bound",
    "max_evaluations": "fit stopped at the evaluation limit",
    "failed": "fit failed",
}


def _dot(color: str) -> QIcon:
    pix = QPixmap(12, 12)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(color))
    painter.setPen(QColor(color).darker(130))
    painter.drawEllipse(1, 1, 10, 10)
    painter.end()
    return QIcon(pix)


class DataTree(QTreeWidget):
    """Tree of the document's spectra; selecting a region shows it."""

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.setHeaderLabels(["Spectrum", "Status"])
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self._icons = {k: _dot(v) for k, v in _STATUS_COLORS.items()}
        self._items: dict[str, QTreeWidgetItem] = {}
        doc.spectra_changed.connect(self.rebuild)
        doc.result_changed.connect(self._update_status)
        doc.spec_changed.connect(self._update_status)
        doc.current_changed.connect(self._select)
        self.currentItemChanged.connect(self._on_current)
        self.rebuild()

    def status(self, sid: str) -> str:
        """Fit status key of a spectrum (``unfitted``, ``stale`` or the result's status); a
        result is stale when its model was edited since the fit or it was fitted with other
        weights than the project's (see :func:`~xpsfit_ui.fit_controller.stale_reason`)."""
        res = self.doc.result(sid)
        if res is None:
            return "unfitted"
        if stale_reason(self.doc, sid):
            return "stale"
        return res.status

    def rebuild(self) -> None:
        """Recreate the tree from the document."""
        self.blockSignals(True)
        self.clear()
        self._items.clear()
        groups: dict[tuple[str, str], QTreeWidgetItem] = {}
        samples: dict[str, QTreeWidgetItem] = {}
        for sid in self.doc.ids():
            sp = self.doc.spectrum(sid)
            sample = sp.sample or "(no sample)"
            if sample not in samples:
                samples[sample] = QTreeWidgetItem(self, [sample])
            level = "single" if sp.etch_level is None else f"level {sp.etch_level}"
            if sp.etch_time is not None:
                level += f" ({sp.etch_time:g} s)"
            key = (sample, level)
            if key not in groups:
                groups[key] = QTreeWidgetItem(samples[sample], [level])
            item = QTreeWidgetItem(groups[key], [sp.region or sp.block or "spectrum", ""])
            item.setData(0, SID_ROLE, sid)
            self._items[sid] = item
            self._update_status(sid)
        self.expandToDepth(0)
        self.blockSignals(False)
        self._select(self.doc.current)

    def _update_status(self, sid: str) -> None:
        item = self._items.get(sid)
        if item is None:
            return
        status = self.status(sid)
        item.setIcon(1, self._icons[status])
        res = self.doc.result(sid)
        tip = stale_reason(self.doc, sid) if status == "stale" else _STATUS_TEXT[status]
        if res is not None:
            tip += f"\nreduced chi-square {res.redchi:.3g}, {res.nfev} evaluations"
            tip += f"\n{WEIGHTS_TEXT[res.weights]} weights"
            if res.message:
                tip += f"\n{res.message}"
        item.setToolTip(0, f"{self.doc.spectrum(sid).label}\n{tip}")
        item.setToolTip(1, tip)
        item.setText(1, status.replace("_", " "))

    def _select(self, sid: str) -> None:
        item = self._items.get(sid)
        if item is not None and self.currentItem() is not item:
            self.blockSignals(True)
            self.setCurrentItem(item)
            self.blockSignals(False)

    def _on_current(self, item: QTreeWidgetItem | None, _old: QTreeWidgetItem | None) -> None:
        sid = None if item is None else item.data(0, SID_ROLE)
        if sid:
            self.doc.set_current(str(sid))

    def selected_ids(self) -> list[str]:
        """Ids of the selected spectra (a selected sample or level selects its spectra)."""
        out: list[str] = []
        for item in self.selectedItems():
            stack = [item]
            while stack:
                node = stack.pop()
                sid = node.data(0, SID_ROLE)
                if sid and sid not in out:
                    out.append(str(sid))
                stack.extend(node.child(i) for i in range(node.childCount()))
        return out
