"""The ``xpsfit gui`` command: registration through the entry point, and a screenshot run."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage

from xpsfit_ui.app import register_cli
from xpsfit_ui.main_window import MainWindow


def test_register_cli_adds_gui_command() -> None:
    parser = argparse.ArgumentParser()
    register_cli(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["gui", "a.vms", "--demo", "--screenshot", "x.png"])
    assert args.files == ["a.vms"]
    assert args.demo
    assert args.screenshot == "x.png"
    assert callable(args.func)


def test_screenshot_of_a_file(tmp_path: Path) -> None:
    from xpsfit.demo import write_demo

    vms = write_demo(tmp_path / "demo")[0]
    out = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_DATA_HOME": str(tmp_path / "data")}  # fmt: skip
    code = "import sys; from xpsfit_ui.app import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.run([sys.executable, "-c", code, str(vms), "--screenshot", str(out)],
                          env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    image = QImage(str(out))
    assert image.width() > 800
    assert image.height() > 500


def test_views_render(window: MainWindow, tmp_path: Path) -> None:
    window.resize(1200, 800)
    window.show()
    window.tabs.setCurrentIndex(1)
    window.profile_view.refresh()
    assert window.grab().save(str(tmp_path / "p.png"))
    for mode in range(window.profile_view.mode.count()):
        window.profile_view.mode.setCurrentIndex(mode)  # no fits yet: every mode must cope


def test_drop_files_opens_them(window: MainWindow, tmp_path: Path) -> None:
    from PySide6.QtCore import QMimeData, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    from xpsfit.demo import write_demo

    vms = write_demo(tmp_path / "demo")[0]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(vms))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    before = len(window.doc.ids())
    window.dropEvent(event)
    assert len(window.doc.ids()) > before
    assert str(vms.resolve()) in window.persistence.recent()


def test_hover_readout(window: MainWindow) -> None:
    view = window.spectrum_view
    window.resize(1200, 800)
    window.show()
    vb = view.plot.getViewBox()
    view.plot.getViewBox().setRange(xRange=(770, 810), yRange=(0, 40000), padding=0)
    scene_pos = vb.mapViewToScene(QPointF(790.0, 20000.0))
    view._on_mouse_moved(scene_pos)
    assert view.readout.textItem.toPlainText().startswith("BE 790.")


def test_window_geometry_is_remembered(tmp_path: Path) -> None:
    from PySide6.QtCore import QSettings

    ini = str(tmp_path / "geometry.ini")
    first = MainWindow(QSettings(ini, QSettings.Format.IniFormat), recovery_dir=tmp_path / "r")
    first.resize(640, 480)
    first.show()
    width = first.width()
    first.close()
    second = MainWindow(QSettings(ini, QSettings.Format.IniFormat), recovery_dir=tmp_path / "r")
    assert width < 1000  # not the default 1400
    assert second.width() == width
    second.close()
