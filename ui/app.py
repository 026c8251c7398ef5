"""``xpsfit gui``: start the desktop application.

``xpsfit gui [FILE...] [--demo] [--screenshot PATH] [--view spectrum|profile]`` opens the main
window with the given project or data files (or the embedded synthetic demo profile). With
``--screenshot`` it loads, fits the demo when ``--demo`` is given, renders the window to a PNG
and exits (works with ``QT_QPA_PLATFORM=offscreen``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from xpsfit.demo import demo_depth_scale, demo_spectra
from xpsfit.errors import XpsfitError
from xpsfit.templates import default_specs
from xpsfit_ui.main_window import MainWindow
from xpsfit_ui.profile_data import SPUTTER_RATE_KEY

log = logging.getLogger(__name__)


def load_demo(win: MainWindow) -> None:
    """Open the synthetic demo profile as a new document: each region's default template
    applied to every spectrum, the demo's sputter rate as depth scale."""
    project = win.doc.with_spectra(demo_spectra())
    specs, missing = default_specs(project.spectra)
    for sid, reason in missing.items():
        win.log_panel.add(
            f"{project.spectra[sid].label}: no default model ({reason})", logging.WARNING
        )
    settings = dict(project.settings)
    rate = demo_depth_scale().rate
    if rate is not None:
        settings[SPUTTER_RATE_KEY] = {
            "nm_per_s": rate.nm_per_s,
            "reference_material": rate.reference_material,
        }
    win.doc.replace_project(replace(project, specs=specs, settings=settings), None)
    first_co = win.doc.ids_where(region="Co 2p", etch_level=0)
    if first_co:
        win.doc.set_current(first_co[0])
    win.log_panel.add("Opened the SYNTHETIC demo depth profile (three LiCoO2 samples)")


def fit_and_wait(win: MainWindow, timeout_ms: int = 300_000) -> None:
    """Fit every profile of the document and wait (spinning the event loop) until stored."""
    loop = QEventLoop()
    win.fits.runner.busy_changed.connect(lambda busy: None if busy else loop.quit())
    win.fits.fit_profiles(win.doc.ids())
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def screenshot(win: MainWindow, path: Path, view: str) -> Path:
    """Render the window (spectrum or profile tab) to ``path`` (PNG)."""
    win.tabs.setCurrentIndex(1 if view == "profile" else 0)
    if view == "profile":
        win.profile_view.refresh()
    for _ in range(3):
        QApplication.processEvents()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not win.grab().save(str(path)):
        raise XpsfitError(f"cannot write screenshot {path}")
    return path


def run(args: argparse.Namespace) -> int:
    """Handler of ``xpsfit gui``; returns the exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("xpsfit")
    app.setOrganizationName("xpsfit")
    settings = QSettings("xpsfit", "xpsfit")
    win = MainWindow(settings)
    if args.demo:
        load_demo(win)
    win.open_paths(args.files)
    if args.screenshot:
        win.resize(1500, 950)
        win.show()
        if args.demo:
            fit_and_wait(win)
            co = win.doc.ids_where(region="Co 2p", etch_level=0)
            if co:
                win.doc.set_current(co[0])
        out = screenshot(win, Path(args.screenshot), args.view)
        win.doc.undo_stack.setClean()
        win.persistence.discard_recovery()
        print(out)
        return 0
    win.show()
    win.offer_recovery()
    return int(app.exec())


def register_cli(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``gui`` sub-command to the ``xpsfit`` command line."""
    p = subparsers.add_parser("gui", help="open the desktop application")
    p.add_argument("files", nargs="*", help="project or instrument files to open")
    p.add_argument("--demo", action="store_true", help="open the synthetic demo depth profile")
    p.add_argument("--screenshot", metavar="PATH", help="render the window to PNG and exit")
    p.add_argument("--view", choices=("spectrum", "profile"), default="spectrum",
                   help="tab shown in the screenshot")  # fmt: skip
    p.set_defaults(func=run)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``xpsfit gui`` directly (same arguments)."""
    parser = argparse.ArgumentParser(prog="xpsfit-gui")
    register_cli(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["gui", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
