"""Save / open / autosave / recovery round trips through the main window; the title shows
unsaved changes; raw input files are never modified."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from xpsfit.demo import write_demo
from xpsfit.project import backup_path, load_project
from xpsfit_ui.commands import SetSpecCommand
from xpsfit_ui.main_window import MainWindow
from xpsfit_ui.persistence import AUTOSAVE_MS


def _edit(win: MainWindow, value: float) -> None:
    doc = win.doc
    spec = doc.spec(doc.current)
    comp = spec.components[0]
    moved = replace(comp, center=replace(comp.center, value=value))
    doc.undo_stack.push(SetSpecCommand(doc, doc.current, spec.with_component(moved), "edit"))


def test_save_open_round_trip_and_title(window: MainWindow, tmp_path: Path, qtbot) -> None:
    path = tmp_path / "study.xpsproj"
    _edit(window, 779.5)
    assert window.isWindowModified()
    assert window.save_to(path)
    assert not window.isWindowModified()
    assert window.windowTitle().startswith("study.xpsproj")
    _edit(window, 779.7)
    assert window.save_to(path)
    assert backup_path(path).is_file()
    other = MainWindow(QSettings(str(tmp_path / "s2.ini"), QSettings.Format.IniFormat),
                       recovery_dir=tmp_path / "r2")  # fmt: skip
    other.open_paths([path])
    assert other.doc.ids() == window.doc.ids()
    for sid in window.doc.ids():
        assert other.doc.spec(sid) == window.doc.spec(sid)
    assert other.doc.spec(window.doc.current).components[0].center.value == 779.7
    assert not other.isWindowModified()
    assert str(path.resolve()) in other.persistence.recent()
    other.close()


def test_autosave_period_and_recovery(
    window: MainWindow, tmp_path: Path, qtbot, monkeypatch
) -> None:
    assert AUTOSAVE_MS <= 120_000
    assert window.persistence.timer.isActive()
    assert not window.persistence.autosave()  # nothing to save yet
    _edit(window, 780.25)
    assert window.persistence.autosave()
    assert not window.persistence.autosave()  # unchanged since
    recovery = window.persistence.recovery_file
    assert recovery.is_file()
    # a new session (same recovery folder) finds it and offers it
    settings = QSettings(str(tmp_path / "s3.ini"), QSettings.Format.IniFormat)
    second = MainWindow(settings, recovery_dir=recovery.parent)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert second.offer_recovery()
    assert second.doc.spec(second.doc.current).components[0].center.value == 780.25
    assert second.isWindowModified()
    assert second.doc.path is None
    second.doc.undo_stack.setClean()
    second.close()
    assert not recovery.exists()  # a clean close removes it


def test_autosave_after_each_batch(window: MainWindow, qtbot) -> None:
    window.fits.fit_spectra([window.doc.current])
    with qtbot.waitSignal(window.fits.batch_finished, timeout=30_000):
        pass
    project = load_project(window.persistence.recovery_file)
    assert window.doc.current in project.results


def test_read_errors_go_to_the_log_and_raw_files_stay_unchanged(
    window: MainWindow, tmp_path: Path
) -> None:
    files = write_demo(tmp_path / "demo")
    raw = [p for p in files if p.suffix.lower() in (".vms", ".vamas")][:2]
    assert raw
    digests = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in raw}
    broken = tmp_path / "broken.vms"
    broken.write_text(
        "VAMAS Surface Chemical Analysis Standard Data Transfer Format 1988 May 4\nxx\n"
    )
    before = len(window.doc.ids())
    added = window.open_paths([*raw, broken, tmp_path / "missing.vms"])
    assert added > 0
    assert len(window.doc.ids()) == before + added
    errors = [m for level, m in window.log_panel.entries if level >= 40]
    assert any("broken.vms" in m for m in errors)
    assert any("missing.vms" in m for m in errors)
    window.doc.undo_stack.undo()  # opening files is one undo step
    assert len(window.doc.ids()) == before
    window.save_to(tmp_path / "p.xpsproj")
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in raw} == digests


def test_opened_spectra_start_from_their_default_templates(
    window: MainWindow, tmp_path: Path
) -> None:
    files = write_demo(tmp_path / "demo")
    raw = [p for p in files if p.suffix.lower() in (".vms", ".vamas")][:1]
    before = set(window.doc.ids())
    added = window.open_paths(raw)
    new = [sid for sid in window.doc.ids() if sid not in before]
    assert len(new) == added > 0
    for sid in new:  # every demo region is in the library: each starts with its model
        spec = window.doc.spec(sid)
        assert spec.components, window.doc.spectrum(sid).label
        assert spec.region == window.doc.spectrum(sid).region
    assert any(f"{added} of {added} spectra start from" in m for _, m in window.log_panel.entries)
    window.doc.undo_stack.undo()  # spectra and their models go in one step
    assert set(window.doc.ids()) == before


def test_a_casaxps_processed_file_opens_with_its_casaxps_fit(
    window: MainWindow, realdata: Path
) -> None:
    added = window.open_paths([realdata / "pynxtools-xps/FeO_analyzed.vms"])
    assert added == 1
    sid = window.doc.current
    spec = window.doc.spec(sid)
    assert [c.lineshape for c in spec.components] == ["lf", "sgl", "lf", "sgl"]
    assert spec.background.kind == "tougaard"
    assert window.background_bar.kind.currentData() == "tougaard"
    messages = [m for _, m in window.log_panel.entries]
    assert any(
        "1 of 1 spectra start from the CasaXPS fit stored in the file" in m for m in messages
    )


def test_a_casaxps_fit_saves_with_the_project(
    window: MainWindow, realdata: Path, tmp_path: Path, qtbot
) -> None:
    """The CasaXPS region's cross-section numbers (a background option) are saved with the
    opened model and its fit; autosave and templates write the same model."""
    window.doc.replace_project(type(window.doc.project)())
    window.open_paths([realdata / "pynxtools-xps/FeO_analyzed.vms"])
    sid = window.doc.current
    window.fits.fit_spectra([sid])
    with qtbot.waitSignal(window.fits.batch_finished, timeout=60_000):
        pass
    spec, result = window.doc.spec(sid), window.doc.result(sid)
    assert result is not None
    assert spec.background.options["casa_cross_section"] == (335.44588, 551.0, 436.0, 3.0)
    path = window.doc.save(tmp_path / "feo.xpsproj")
    project = load_project(path)
    assert project.specs[sid] == spec
    assert project.results[sid].spec == result.spec
