"""The main window: data tree, spectrum view with its component table, depth-profile view,
log panel, menus and shortcuts. It wires widgets to the document; it computes nothing."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

import xpsfit
from xpsfit.errors import ParseError, XpsfitError
from xpsfit.project import PROJECT_SUFFIX
from xpsfit.starting_models import starting_models
from xpsfit_ui.background_bar import BackgroundBar
from xpsfit_ui.data_tree import DataTree
from xpsfit_ui.dialogs.peak_table_dialog import PeakTableDialog
from xpsfit_ui.dialogs.sensitivity_dialog import SensitivityDialog
from xpsfit_ui.document import Document
from xpsfit_ui.fit_controller import FitController, weights_text
from xpsfit_ui.log_panel import LogPanel
from xpsfit_ui.menus import build_menus
from xpsfit_ui.persistence import Persistence, default_recovery_dir
from xpsfit_ui.plots.profile_view import Mode, ProfileView
from xpsfit_ui.plots.spectrum_view import SpectrumView
from xpsfit_ui.sensitivity import SensitivityController
from xpsfit_ui.tables.component_model import ComponentTableModel

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """The application window around one :class:`~xpsfit_ui.document.Document`.

    Parameters
    ----------
    settings
        Per-user settings (recent files, window geometry); a temporary one in tests.
    recovery_dir
        Folder of the autosave/recovery file.
    """

    def __init__(self, settings: QSettings | None = None, recovery_dir: Path | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings("xpsfit", "xpsfit")
        self.doc = Document(self)
        self.persistence = Persistence(
            self.doc, recovery_dir or default_recovery_dir(), self.settings, self
        )
        self.fits = FitController(self.doc, self)
        self.sensitivity = SensitivityController(self.doc, self.fits, parent=self)
        self.sensitivity_dialog: SensitivityDialog | None = None
        self.peak_dialog: PeakTableDialog | None = None
        self._build_widgets()
        self.actions: dict[str, QAction] = build_menus(self)
        self.setAcceptDrops(True)
        self.resize(1400, 900)
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
            self.restoreState(self.settings.value("window/state"))
        self.doc.undo_stack.cleanChanged.connect(self._update_title)
        self.doc.path_changed.connect(self._update_title)
        self.fits.message.connect(lambda text, level: self.log_panel.add(text, level))
        self.fits.progress.connect(self._on_progress)
        self.fits.status.connect(self.statusBar().showMessage)
        self.fits.runner.busy_changed.connect(self._on_busy)
        self.fits.batch_finished.connect(self.persistence.force_autosave)
        self.sensitivity.stored.connect(self.show_sensitivity)
        self.doc.settings_changed.connect(self._show_weights)
        self._update_title()
        self._show_weights()

    # -- layout ----------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.tree = DataTree(self.doc)
        self.spectrum_view = SpectrumView(self.doc)
        self.table_model = ComponentTableModel(self.doc, self)
        self.table = QTableView()
        self.table.setModel(self.table_model)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table_model.modelReset.connect(self.table.resizeColumnsToContents)
        self.doc.result_changed.connect(lambda _sid: self.table.resizeColumnsToContents())
        self.background_bar = BackgroundBar(self.doc)
        lower = QWidget()
        stack = QVBoxLayout(lower)
        stack.setContentsMargins(0, 0, 0, 0)
        stack.setSpacing(0)
        stack.addWidget(self.background_bar)
        stack.addWidget(self.table)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.spectrum_view)
        split.addWidget(lower)
        split.setSizes([600, 260])
        self.profile_view = ProfileView(self.doc, self.fits, sensitivity=self.sensitivity)
        self.profile_view.open_spectrum.connect(self.show_spectrum)
        self.tabs = QTabWidget()
        self.tabs.addTab(split, "Spectrum")
        self.tabs.addTab(self.profile_view, "Depth profile")
        self.setCentralWidget(self.tabs)
        self.log_panel = LogPanel()
        for title, widget, area in (
            ("Data", self.tree, Qt.DockWidgetArea.LeftDockWidgetArea),
            ("Log", self.log_panel, Qt.DockWidgetArea.BottomDockWidgetArea),
        ):
            dock = QDockWidget(title, self)
            dock.setObjectName(title)
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
        data_dock, log_dock = self.findChildren(QDockWidget)
        self.resizeDocks([data_dock], [300], Qt.Orientation.Horizontal)
        self.resizeDocks([log_dock], [120], Qt.Orientation.Vertical)
        self.tree.setColumnWidth(0, 190)
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(260)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.fits.runner.cancel_all)
        for w in (self.progress_bar, self.cancel_button):
            w.setVisible(False)
            self.statusBar().addPermanentWidget(w)
        self.weights_label = QLabel()
        self.statusBar().addPermanentWidget(self.weights_label)

    def _update_title(self, *_: object) -> None:
        name = self.doc.path.name if self.doc.path else "untitled"
        self.setWindowTitle(f"{name}[*] - xpsfit")
        self.setWindowModified(self.doc.is_modified())

    def _on_progress(self, done: int, total: int) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)
        self.progress_bar.setFormat("%v / %m spectra")

    def _on_busy(self, busy: bool) -> None:
        self.progress_bar.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self.progress_bar.setValue(0)

    def _show_weights(self) -> None:
        self.weights_label.setText(f"Fit weights: {weights_text(self.doc.project.settings)}")

    def show_sensitivity(self) -> None:
        """Show a finished model-sensitivity run: its region's fractions in the depth-profile
        tab, with the systematic boxes, and the table."""
        result = self.sensitivity.result
        if result is None:
            return
        self.tabs.setCurrentIndex(1)
        view = self.profile_view
        view.refresh()
        view.mode.setCurrentText(Mode.FRACTIONS.value)
        view.region.setCurrentText(result.region)
        self.show_sensitivity_table()

    def show_peak_table(self) -> None:
        """Open (or raise) the quantification table of the current spectrum's level."""
        if self.peak_dialog is None:
            self.peak_dialog = PeakTableDialog(self.doc, self)
        self.peak_dialog.show()
        self.peak_dialog.raise_()

    def show_sensitivity_table(self) -> None:
        """Open (or raise) the model-sensitivity table."""
        if self.sensitivity_dialog is None:
            self.sensitivity_dialog = SensitivityDialog(self.sensitivity, self)
        self.sensitivity_dialog.show()
        self.sensitivity_dialog.raise_()

    def show_spectrum(self, sid: str) -> None:
        """Show a spectrum's fit in the spectrum tab."""
        self.doc.set_current(sid)
        self.tabs.setCurrentIndex(0)

    # -- opening data ----------------------------------------------------------------------
    def open_paths(self, paths: Iterable[str | Path]) -> int:
        """Open project files and instrument files; read errors go to the log panel.

        Returns
        -------
        int
            Number of spectra added (a project replaces the document).
        """
        spectra: list[xpsfit.Spectrum] = []
        for raw in paths:
            path = Path(raw)
            try:
                if path.suffix == PROJECT_SUFFIX:
                    self.doc.open(path)
                    self.persistence.add_recent(path)
                    self.log_panel.add(f"Opened project {path}")
                    continue
                got = xpsfit.read(path)
            except ParseError as exc:
                self.log_panel.add_parse_error(exc)
                continue
            except (XpsfitError, OSError) as exc:
                self.log_panel.add(f"Cannot open {path}: {exc}", logging.ERROR)
                continue
            self.log_panel.add(f"Read {len(got)} spectra from {path}")
            self.persistence.add_recent(path)
            spectra.extend(got)
        if spectra:
            self.add_spectra(spectra, "Open files")
        return len(spectra)

    def add_spectra(self, spectra: list[xpsfit.Spectrum], text: str) -> None:
        """Add spectra as one undoable step, each starting from the CasaXPS fit stored with it
        or else its region's default template (:func:`xpsfit.starting_models.starting_models`),
        and show the first new one."""
        from xpsfit_ui.commands import ProjectCommand

        before = set(self.doc.ids())
        project = self.doc.with_spectra(spectra)
        new = {sid: sp for sid, sp in project.spectra.items() if sid not in before}
        start = starting_models(new)
        project = replace(project, specs={**project.specs, **start.specs})
        self.doc.undo_stack.push(ProjectCommand(self.doc, project, text))
        for sid, why in start.unreadable.items():
            self.log_panel.add(f"{new[sid].full_label}: {why}", logging.WARNING)
        if start.from_file:
            self.log_panel.add(
                f"{len(start.from_file)} of {len(new)} spectra start from the CasaXPS fit stored "
                "in the file"
            )
        templated = len(start.specs) - len(start.from_file)
        if templated:
            self.log_panel.add(
                f"{templated} of {len(new)} spectra start from their region's default template "
                "(Model > Templates applies another)"
            )
        missing = start.missing
        regions = sorted({new[sid].region or "(no region)" for sid in missing})
        if regions:
            self.log_panel.add(
                f"No default model for {', '.join(regions)}: add components with Model > Add from "
                "library or apply a template"
            )
        if new:
            self.doc.set_current(next(iter(new)))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        self.open_paths(paths)
        event.acceptProposedAction()

    # -- saving ----------------------------------------------------------------------------
    def save(self, ask: bool = False) -> bool:
        """Save (asking for a file name when there is none or ``ask``); False if cancelled."""
        path = self.doc.path
        if ask or path is None:
            name, _ = QFileDialog.getSaveFileName(
                self, "Save project", str(path or ""), f"xpsfit project (*{PROJECT_SUFFIX})"
            )
            if not name:
                return False
            path = Path(name).with_suffix(PROJECT_SUFFIX)
        return self.save_to(path)

    def save_to(self, path: Path) -> bool:
        """Save to ``path`` (atomic, keeping a backup); errors go to the log panel."""
        try:
            self.persistence.save(path)
        except (OSError, XpsfitError) as exc:
            self.log_panel.add(f"Cannot save {path}: {exc}", logging.ERROR)
            return False
        self.log_panel.add(f"Saved {path}")
        return True

    def offer_recovery(self) -> bool:
        """At start-up: offer the work left by a session that did not end cleanly."""
        project = self.persistence.pending_recovery()
        if project is None:
            return False
        answer = QMessageBox.question(
            self,
            "Recover unsaved work?",
            "xpsfit did not close cleanly last time. Recover the unsaved work "
            f"({len(project.spectra)} spectra)?",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.persistence.recover(project)
            self.log_panel.add("Recovered unsaved work from the last session")
            return True
        self.persistence.discard_recovery()
        return False

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.doc.is_modified():
            answer = QMessageBox.question(
                self,
                "Unsaved changes",
                "Save the project before closing?",
                QMessageBox.StandardButton.Save
                | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel,
            )
            if answer == QMessageBox.StandardButton.Cancel or (
                answer == QMessageBox.StandardButton.Save and not self.save()
            ):
                event.ignore()
                return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.fits.runner.cancel_all()
        self.fits.runner.wait(5000)
        self.persistence.discard_recovery()
        event.accept()
