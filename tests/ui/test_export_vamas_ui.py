"""File > Export > VAMAS for CasaXPS: the selected sample's spectra with their fits, read back
by xpsfit's own VAMAS reader and CasaXPS fit parser."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest

import xpsfit
from xpsfit.fitting import fit
from xpsfit.io.casa import fit_spec_from_spectrum
from xpsfit.io.casa_lines import stored_rsf
from xpsfit.quant_settings import QuantSettings
from xpsfit.rsf import sensitivity_factor
from xpsfit.spec import BackgroundSpec
from xpsfit_ui.commands import FitResultsCommand, set_setting
from xpsfit_ui.main_window import MainWindow
from xpsfit_ui.menus import export_vamas_to
from xpsfit_ui.profile_data import QUANT_KEY


def _fit(win: MainWindow, sids: list[str]) -> None:
    doc = win.doc
    results = {sid: fit(doc.spectrum(sid), doc.spec(sid)) for sid in sids}
    doc.undo_stack.push(FitResultsCommand(doc, results, "Fit"))


def test_menu_entry_exists(window: MainWindow) -> None:
    action = window.actions["export_vamas"]
    assert action.text().startswith("VAMAS for CasaXPS")
    export_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    texts = [a.text() for a in export_menu.actions() if a.menu() is not None]
    assert "&Export" in texts


def test_selected_sample_with_fits_reads_back(window: MainWindow, tmp_path: Path) -> None:
    doc = window.doc
    co = doc.ids_where(sample="bare-LCO", region="Co 2p")
    fitted = [co[0], co[3]]
    _fit(window, fitted)
    window.tree.clearSelection()
    window.tree._items[co[2]].setSelected(True)  # one spectrum selects its sample
    path = tmp_path / "bare.vms"
    export_vamas_to(window, path)
    assert "Export VAMAS: wrote" in window.log_panel.entries[-1][1]
    assert [p.name for p in tmp_path.iterdir()] == ["bare.vms"]  # no temporary file left

    blocks = xpsfit.read(path)
    sample_ids = doc.ids_where(sample="bare-LCO")
    assert len(blocks) == len(sample_ids)
    assert {b.sample for b in blocks} == {"bare-LCO"}
    for sid, block in zip(sample_ids, blocks, strict=True):
        assert (block.region, block.etch_level) == (
            doc.spectrum(sid).region,
            doc.spectrum(sid).etch_level,
        )
        back = fit_spec_from_spectrum(block)
        res = doc.result(sid)
        if res is None:
            assert back is None
            continue
        assert back is not None
        written = {c.id: c for c in res.spec.components}
        major = {c.id: c for c in back.components if c.id in written}
        assert set(major) == set(written)  # every component, doublets as major + minor
        for cid, comp in major.items():
            assert comp.center.value == pytest.approx(written[cid].center.value, abs=1e-3)
            assert comp.fwhm.value == pytest.approx(written[cid].fwhm.value, rel=1e-3)


def test_no_selection_writes_everything_and_reports_fits_casa_cannot_hold(
    window: MainWindow, tmp_path: Path
) -> None:
    doc = window.doc
    good, bad = doc.ids_where(sample="glassy-ceramic-LCO", region="Co 2p")[:2]
    _fit(window, [good, bad])
    res = doc.result(bad)
    assert res is not None
    no_bg = replace(res, spec=replace(res.spec, background=BackgroundSpec("none")))
    doc.undo_stack.push(FitResultsCommand(doc, {bad: no_bg}, "Fit"))
    window.tree.clearSelection()
    path = tmp_path / "all.vms"
    path.write_text("old content", encoding="utf-8")
    export_vamas_to(window, path)
    blocks = xpsfit.read(path)
    assert len(blocks) == len(doc.ids())
    by_id = dict(zip(doc.ids(), blocks, strict=True))
    assert fit_spec_from_spectrum(by_id[good]) is not None
    assert fit_spec_from_spectrum(by_id[bad]) is None  # written without its fit
    warnings = [m for lvl, m in window.log_panel.entries if lvl == logging.WARNING]
    assert any("fit left out" in m and doc.spectrum(bad).label in m for m in warnings)


def test_unwritable_destination_is_logged(window: MainWindow, tmp_path: Path) -> None:
    (tmp_path / "taken.vms").mkdir()  # a folder where the file should go
    export_vamas_to(window, tmp_path / "taken.vms")
    level, message = window.log_panel.entries[-1]
    assert level == logging.ERROR
    assert message.startswith("Export VAMAS failed")


def test_written_fits_carry_the_sensitivity_factors(window: MainWindow, tmp_path: Path) -> None:
    """CasaXPS quantifies the export with xpsfit's factors (Scofield, or the user's), and
    xpsfit reads them back as the file's RSFs."""
    doc = window.doc
    level0 = doc.ids_where(sample="bare-LCO", etch_level=0)
    _fit(window, level0)
    set_setting(doc, QUANT_KEY, QuantSettings(rsf={"O 1s": 0.78}).describe(), "RSF")
    path = tmp_path / "rsf.vms"
    export_vamas_to(window, path)
    blocks = {(b.region, b.etch_level): b for b in xpsfit.read(path)}
    co2p = blocks[("Co 2p", 0)]
    expected = sensitivity_factor(doc.spectrum(level0[0]), QuantSettings())
    assert stored_rsf(co2p.metadata["casa_lines"]) == pytest.approx(expected)
    assert stored_rsf(blocks[("O 1s", 0)].metadata["casa_lines"]) == 0.78
    assert "casa_lines" not in blocks[("Co 2p", 1)].metadata  # not fitted
    assert sensitivity_factor(co2p, QuantSettings(file_rsf=True)) == pytest.approx(expected)
