"""Fixtures of the GUI tests: a document or main window holding the synthetic demo spectra
with each region's default template applied. Everything runs offscreen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("PySide6", reason="the GUI tests need PySide6")
pytest.importorskip("pyqtgraph", reason="the GUI tests need pyqtgraph")

from PySide6.QtCore import QSettings

from xpsfit.demo import demo_spectra
from xpsfit.template_library import default_template
from xpsfit.templates import apply_template
from xpsfit_ui.document import Document
from xpsfit_ui.main_window import MainWindow


def _load(doc: Document, sample: str | None, regions: tuple[str, ...]) -> None:
    spectra = [s for s in demo_spectra(sample) if s.region in regions]
    project = doc.with_spectra(spectra)
    specs = {
        sid: apply_template(default_template(sp.region), sp) for sid, sp in project.spectra.items()
    }
    from dataclasses import replace

    doc.replace_project(replace(project, specs=specs))


@pytest.fixture
def co2p_doc(qapp: object) -> Document:
    """A document with the Co 2p spectra of one demo sample (9 levels), current = level 0."""
    doc = Document()
    _load(doc, "bare-LCO", ("Co 2p",))
    return doc


@pytest.fixture
def window(qtbot: object, tmp_path: Path) -> Iterator[MainWindow]:
    """A main window with private settings and recovery folder, holding two demo regions of
    every sample; closed without prompts at the end (not registered with ``qtbot.addWidget``,
    whose close would run before this fixture marks the document clean)."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, recovery_dir=tmp_path / "recovery")
    _load(win.doc, None, ("Co 2p", "O 1s"))
    yield win
    win.fits.runner.cancel_all()
    win.fits.runner.wait(10_000)
    win.doc.undo_stack.setClean()  # so closing asks nothing
    win.close()
    win.deleteLater()
