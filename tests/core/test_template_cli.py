"""``xpsfit template`` and ``xpsfit library`` commands, and saving a fit as a template."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from xpsfit.cli import library as library_cli
from xpsfit.cli import template as template_cli
from xpsfit.errors import SpecError
from xpsfit.fitting import fit
from xpsfit.reference import LIBRARY_ENV
from xpsfit.spectrum import Spectrum
from xpsfit.templates import (
    TEMPLATE_ENV,
    apply_template,
    default_template,
    load_template,
    save_template,
    template_from_fit,
)


@pytest.fixture(autouse=True)
def _private_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LIBRARY_ENV, str(tmp_path / "no_user_library"))
    monkeypatch.setenv(TEMPLATE_ENV, str(tmp_path / "templates"))


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="xpsfit")
    sub = parser.add_subparsers()
    template_cli.register(sub)
    library_cli.register(sub)
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


def test_template_new_writes_a_valid_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "co2p.json"
    assert (
        run("template", "new", "--region", "Co 2p", "--species", "Co3+,Co2+", "-o", str(out)) == 0
    )
    tpl = load_template(out)
    assert tpl.spec.species() == ["Co3+", "Co2+"]
    assert tpl.spec.background.kind == "active_shirley"
    assert "wrote" in capsys.readouterr().out
    assert run("template", "check", str(out)) == 0
    assert "ok" in capsys.readouterr().out


def test_template_new_with_study_spacings_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ge.json"
    assert (
        run("template", "new", "--region", "ge 3d", "--alternative", "feng2023", "-o", str(out))
        == 0
    )
    err = capsys.readouterr().err
    assert "GeS4.splitting" in err
    assert "outside the spin-orbit range" in err


def test_template_new_unknown_species_raises() -> None:
    with pytest.raises(SpecError, match="unknown species 'Co4\\+'"):
        run("template", "new", "--region", "Co 2p", "--species", "Co4+", "-o", "x.json")


def test_template_check_reports_invalid_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "xpsfit-template", "schema_version": 1}), "utf-8")
    assert run("template", "check", str(bad)) == 2
    assert f"{bad}: spec: missing required key" in capsys.readouterr().err


def test_template_list_shows_defaults_and_saved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    out = folder / "mine.json"
    run("template", "new", "--region", "O 1s", "--name", "my O 1s", "-o", str(out))
    (folder / "broken.json").write_text("[]", "utf-8")
    capsys.readouterr()
    assert run("template", "list") == 0
    text = capsys.readouterr().out
    assert "Co 2p    Co2+, Co3+  [active_shirley]" in text
    assert "mine.json: my O 1s [O 1s]" in text
    assert "broken.json: INVALID" in text


def test_library_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("library", "list") == 0
    listing = capsys.readouterr().out
    assert "Co 2p" in listing
    assert "Co3+, Co2+" in listing
    assert "Zr 3d" in listing
    assert run("library", "show", "Co 2p") == 0
    shown = capsys.readouterr().out
    assert "spin-orbit splitting: 15.1 eV" in shown
    assert "doi:10.1002/adfm.202210744" in shown
    assert "alternative feng2023: splitting 14.5 eV" in shown
    with pytest.raises(SpecError, match="no library entry"):
        run("library", "show", "Qq 1s")


def test_save_a_fit_as_template_and_reapply(tmp_path: Path, rng: np.random.Generator) -> None:
    spec = default_template("C 1s")
    x = np.arange(279.0, 296.0, 0.1)
    y = 800.0 + 2.0e4 * np.exp(-4 * np.log(2) * (x - 285.1) ** 2 / 1.2**2)
    spectrum = Spectrum(x, rng.poisson(y).astype(float), region="C 1s").shifted(0.2)
    result = fit(spectrum, apply_template(spec, spectrum))
    tpl = template_from_fit(result, "my C 1s", spectrum=spectrum)
    assert tpl.charge_shift == pytest.approx(0.2)
    path = tmp_path / "fitted.json"
    save_template(path, tpl)
    loaded = load_template(path)
    assert loaded == tpl
    fitted_cc = result.spec.component("C-C").center.value
    other = Spectrum(x, y, region="C 1s").shifted(0.5)
    moved = apply_template(loaded, other).component("C-C").center.value
    assert moved == pytest.approx(fitted_cc + 0.3)
