"""Menus, actions and keyboard shortcuts of the main window."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu

from xpsfit.errors import XpsfitError
from xpsfit.project import PROJECT_SUFFIX
from xpsfit_ui.commands import set_setting
from xpsfit_ui.dialogs.library_browser import LibraryBrowser
from xpsfit_ui.dialogs.quant_dialog import QuantificationDialog
from xpsfit_ui.dialogs.templates_dialog import TemplateManager
from xpsfit_ui.dialogs.tools import ChargeCorrectionDialog, SputterRateDialog
from xpsfit_ui.exports import (
    TABLES,
    export_profile_plots,
    export_table,
    export_vamas,
    export_view_image,
)
from xpsfit_ui.fit_controller import WEIGHTS_KEY, WEIGHTS_TEXT, profile_scope
from xpsfit_ui.sensitivity import sensitivity_scope

if TYPE_CHECKING:
    from xpsfit_ui.main_window import MainWindow

_DATA_FILTER = "XPS data (*.vms *.vamas *.xy *.spe *.pro *.txt *.csv *.dat);;All files (*)"


def _act(win: MainWindow, menu: QMenu, text: str, slot: object, shortcut: object = None) -> QAction:
    action = menu.addAction(text)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(slot)
    return action


def _open_dialog(win: MainWindow) -> None:
    names, _ = QFileDialog.getOpenFileNames(win, "Open data or project", "",
                                            f"xpsfit project (*{PROJECT_SUFFIX});;{_DATA_FILTER}")  # fmt: skip
    win.open_paths(names)


def _fill_recent(win: MainWindow, menu: QMenu) -> None:
    menu.clear()
    for path in win.persistence.recent():
        menu.addAction(path).triggered.connect(lambda _=False, p=path: win.open_paths([p]))
    menu.setEnabled(bool(win.persistence.recent()))


def _guard(win: MainWindow, what: str, fn: object) -> None:
    try:
        written = fn()  # type: ignore[operator]
    except (XpsfitError, OSError, KeyError) as exc:
        win.log_panel.add(f"{what} failed: {exc}", logging.ERROR)
        return
    win.log_panel.add(f"{what}: wrote {written}")


def _export_table(win: MainWindow, key: str) -> None:
    text, filters = TABLES[key]
    name, _ = QFileDialog.getSaveFileName(win, f"Export {text.lower()}", "", filters)
    if name:
        _guard(win, f"Export {text.lower()}", lambda: export_table(win.doc, key, name))


def _export_plots(win: MainWindow) -> None:
    folder = QFileDialog.getExistingDirectory(win, "Folder for PNG and SVG plots")
    if folder:
        pv = win.profile_view
        region, fraction = pv.region.currentText(), pv.quantity.currentText()
        _guard(win, "Export plots", lambda: export_profile_plots(win.doc, region, fraction, folder))


def export_vamas_to(win: MainWindow, path: str | Path) -> None:
    """File > Export > VAMAS for CasaXPS, once the file name is known: the samples of the
    spectra selected in the data tree (every sample when none), each fitted spectrum with
    its fit; fits CasaXPS cannot hold are reported in the log panel."""
    try:
        done = export_vamas(win.doc, path, win.tree.selected_ids())
    except (XpsfitError, OSError) as exc:
        win.log_panel.add(f"Export VAMAS failed: {exc}", logging.ERROR)
        return
    for why in done.skipped:
        win.log_panel.add(f"Export VAMAS: fit left out, {why}", logging.WARNING)
    win.log_panel.add(f"Export VAMAS: wrote {done}")


def _export_vamas(win: MainWindow) -> None:
    name, _ = QFileDialog.getSaveFileName(
        win, "Export VAMAS for CasaXPS", "spectra.vms", "VAMAS (*.vms)"
    )
    if name:
        export_vamas_to(win, name)


def _export_image(win: MainWindow) -> None:
    name, _ = QFileDialog.getSaveFileName(
        win, "Export view", "spectrum.png", "PNG (*.png);;SVG (*.svg)"
    )
    if name:
        item = win.spectrum_view.plot if win.tabs.currentIndex() == 0 else win.profile_view.plot
        _guard(win, "Export view", lambda: export_view_image(item, Path(name)))


def _file_menu(win: MainWindow, actions: dict[str, QAction]) -> None:
    m = win.menuBar().addMenu("&File")
    actions["open"] = _act(
        win, m, "&Open...", lambda: _open_dialog(win), QKeySequence.StandardKey.Open
    )
    recent = m.addMenu("Open &recent")
    recent.aboutToShow.connect(lambda: _fill_recent(win, recent))
    _fill_recent(win, recent)
    m.addSeparator()
    actions["save"] = _act(
        win, m, "&Save project", lambda: win.save(), QKeySequence.StandardKey.Save
    )
    actions["save_as"] = _act(win, m, "Save project &as...", lambda: win.save(ask=True),
                              QKeySequence.StandardKey.SaveAs)  # fmt: skip
    export = m.addMenu("&Export")
    for key, (text, _f) in TABLES.items():
        actions[f"export_{key}"] = _act(
            win, export, f"{text}...", lambda _=False, k=key: _export_table(win, k)
        )
    actions["export_vamas"] = _act(
        win, export, "VAMAS for CasaXPS (spectra with their fits)...", lambda: _export_vamas(win)
    )
    export.addSeparator()
    actions["export_plots"] = _act(
        win, export, "Depth-profile plots (PNG, SVG)...", lambda: _export_plots(win)
    )
    actions["export_image"] = _act(
        win, export, "Current view as image...", lambda: _export_image(win)
    )
    m.addSeparator()
    actions["quit"] = _act(win, m, "&Quit", win.close, QKeySequence.StandardKey.Quit)


def _set_weights(win: MainWindow, key: str) -> None:
    if win.doc.project.settings.get(WEIGHTS_KEY, "poisson") != key:
        set_setting(win.doc, WEIGHTS_KEY, key, f"Fit weights: {WEIGHTS_TEXT[key]}")


def _weights_menu(win: MainWindow, fit_menu: QMenu, actions: dict[str, QAction]) -> None:
    """Fit > Weights: one checkable action per weighting, following the project setting."""
    menu = fit_menu.addMenu("&Weights")
    group = QActionGroup(menu)
    for key, text in WEIGHTS_TEXT.items():
        action = _act(win, menu, text, lambda _=False, k=key: _set_weights(win, k))
        action.setCheckable(True)
        group.addAction(action)
        actions[f"weights_{key}"] = action

    def sync() -> None:
        value = win.doc.project.settings.get(WEIGHTS_KEY, "poisson")
        for key in WEIGHTS_TEXT:
            actions[f"weights_{key}"].setChecked(key == value)

    win.doc.settings_changed.connect(sync)
    sync()


def run_sensitivity(win: MainWindow) -> None:
    """Fit > Model sensitivity...: the region shown in the depth-profile view (the current
    spectrum's region in the spectrum view), for the samples of the selected spectra (every
    sample when none is selected)."""
    region = win.profile_view.region.currentText() if win.tabs.currentIndex() == 1 else ""
    if not region and win.doc.current:
        region = win.doc.spectrum(win.doc.current).region
    if not region:
        win.log_panel.add("Model sensitivity: choose a spectrum or a region first", logging.ERROR)
        return
    samples = sensitivity_scope(win.doc, region, win.tree.selected_ids())
    win.sensitivity.run(region, samples)


def _fit_menu(win: MainWindow, actions: dict[str, QAction]) -> None:
    m = win.menuBar().addMenu("F&it")
    actions["fit"] = _act(win, m, "&Fit this spectrum",
                          lambda: win.doc.current and win.fits.fit_spectra([win.doc.current]), "F5")  # fmt: skip
    actions["fit_selected"] = _act(win, m, "Fit &selected spectra",
                                   lambda: win.fits.fit_spectra(win.tree.selected_ids()), "Shift+F5")  # fmt: skip
    actions["fit_mc"] = _act(win, m, "Fit with &Monte Carlo errors (100 replicas)",
                             lambda: win.doc.current and win.fits.fit_spectra([win.doc.current], 100))  # fmt: skip
    m.addSeparator()
    for seed, text, key in (("previous", "Fit &profile (each level seeded by the previous)", "F6"),
                            ("template", "Fit profile from the &template at every level", None),
                            ("global", "Fit profile &globally (shared shapes, per-level areas)", None)):  # fmt: skip
        actions[f"profile_{seed}"] = _act(win, m, text, lambda _=False, s=seed: win.fits.fit_profiles(
            profile_scope(win.doc, win.tree.selected_ids()), seed=s), key)  # fmt: skip
    actions["profile_mc"] = _act(win, m, "Fit profile with Monte Carlo &errors (100 replicas)",
                                 lambda: win.fits.fit_profiles(profile_scope(win.doc, win.tree.selected_ids()),
                                                               monte_carlo=100))  # fmt: skip
    m.addSeparator()
    actions["sensitivity"] = _act(win, m, "Model se&nsitivity...", lambda: run_sensitivity(win))
    actions["sensitivity_table"] = _act(win, m, "Model sensitivity &table",
                                        win.show_sensitivity_table)  # fmt: skip
    table = actions["sensitivity_table"]
    win.sensitivity.changed.connect(lambda: table.setEnabled(win.sensitivity.result is not None))
    table.setEnabled(False)
    m.addSeparator()
    _weights_menu(win, m, actions)
    m.addSeparator()
    actions["cancel"] = _act(win, m, "&Cancel running fits", win.fits.runner.cancel_all, "Esc")


def build_menus(win: MainWindow) -> dict[str, QAction]:
    """Create every menu of ``win``; returns the actions by key (for tests and toolbars)."""
    actions: dict[str, QAction] = {}
    _file_menu(win, actions)
    edit = win.menuBar().addMenu("&Edit")
    undo = win.doc.undo_stack.createUndoAction(win, "&Undo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo = win.doc.undo_stack.createRedoAction(win, "&Redo")
    redo.setShortcut(QKeySequence.StandardKey.Redo)
    edit.addAction(undo)
    edit.addAction(redo)
    actions["undo"], actions["redo"] = undo, redo
    model = win.menuBar().addMenu("&Model")
    actions["library"] = _act(
        win, model, "Add from &library...", lambda: LibraryBrowser(win.doc, win).exec(), "Ctrl+L"
    )
    actions["templates"] = _act(win, model, "&Templates...",
                                lambda: TemplateManager(win.doc, win.tree.selected_ids(), win).exec(), "Ctrl+T")  # fmt: skip
    _fit_menu(win, actions)
    tools = win.menuBar().addMenu("&Tools")
    actions["charge"] = _act(
        win, tools, "&Charge correction...", lambda: ChargeCorrectionDialog(win.doc, win).exec()
    )
    actions["sputter"] = _act(
        win, tools, "&Sputter rate...", lambda: SputterRateDialog(win.doc, win).exec()
    )
    actions["quantification"] = _act(
        win, tools, "&Quantification settings...",
        lambda: QuantificationDialog(win.doc, win).exec(),
    )  # fmt: skip
    actions["peak_table"] = _act(win, tools, "Quantification &table", win.show_peak_table, "Ctrl+3")
    view = win.menuBar().addMenu("&View")
    actions["show_spectrum"] = _act(
        win, view, "&Spectrum", lambda: win.tabs.setCurrentIndex(0), "Ctrl+1"
    )
    actions["show_profile"] = _act(
        win, view, "&Depth profile", lambda: win.tabs.setCurrentIndex(1), "Ctrl+2"
    )
    return actions
