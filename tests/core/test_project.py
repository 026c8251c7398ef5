"""The project file: lossless round trips, checksums, backups, and saves killed mid-write."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from xpsfit.errors import ParseError
from xpsfit.project import (
    Project,
    backup_path,
    load_project,
    project_bytes,
    save_project,
    spectrum_id,
)
from xpsfit.result import Estimate, FitResult, LineResult, MonteCarloSummary, ParamResult
from xpsfit.spec import Doublet, FitSpec, FractionDef, Link, Param, Peak
from xpsfit.spectrum import Spectrum
from xpsfit.templates import Template


def _spectrum(rng: np.random.Generator, level: int) -> Spectrum:
    be = np.linspace(770.0, 810.0, 401)
    y = 1000.0 + 5000.0 * np.exp(-((be - 780.1) ** 2)) + rng.normal(0, 10, be.size)
    return Spectrum(
        be,
        y,
        region="Co 2p",
        sample="bare LCO",
        source_file="/data/profile.vms",
        block=f"Co 2p/{level}",
        etch_level=level,
        etch_time=30.0 * level,
        source_energy=1486.6,
        metadata={"charge_shift": 0.1, "charge_shift_history": (("C 1s", 0.1),)},
    )


def _spec() -> FitSpec:
    return FitSpec(
        region="Co 2p",
        window=(772.0, 808.0),
        components=(
            Doublet(
                "Co3+",
                "gl",
                Param(779.9, 778.0, 781.5),
                Param(1.1, 0.5, 3.0),
                Param(5000.0, 0.0),
                shape={"m": Param(30.0, vary=False)},
                splitting=Param(15.05, vary=False),
            ),
            Peak(
                "sat",
                "gl",
                Param(790.0, link=Link("Co3+", "offset", 10.1)),
                Param(3.0),
                Param(400.0),
                satellite_of="Co3+",
            ),
        ),
        fractions=(FractionDef("Co3+ share", "Co3+ / (Co3+)"),),
    )


def _result(spec: FitSpec, rng: np.random.Generator) -> FitResult:
    x = np.linspace(772.0, 808.0, 361)
    arr = rng.normal(size=x.size)
    line = LineResult(
        "Co3+",
        "major",
        "Co3+ 2p3/2",
        "Co3+",
        "gl",
        Estimate(779.9, 0.01),
        Estimate(1.1, None),
        Estimate(5000.0, 12.5),
        Estimate(4000.0, 9.0),
        arr * 3,
    )
    return FitResult(
        spec=spec,
        spectrum_label="bare LCO / Co 2p / level 0",
        binding_energy=x,
        data=arr + 1 / 3,
        sigma=np.abs(arr) + 0.1,
        background=arr * 0.7,
        envelope=arr * 1.1,
        residual=arr * 0.01,
        lines=(line,),
        params={"Co3p_center": ParamResult("Co3p_center", 779.9, 0.01, True, None, "min")},
        species=("Co3+", "Co2+"),
        species_areas={"Co3+": Estimate(7500.0, 20.0), "Co2+": Estimate(0.1, None)},
        species_covariance=np.array([[1.0, 0.2], [0.2, 3.0]]),
        fractions={"Co3+ share": Estimate(1.0, 0.0)},
        chisqr=float(np.pi),
        redchi=1.0 / 3.0,
        nfev=42,
        ndata=361,
        nvarys=4,
        status="at_bound",
        message="Co3+ center at its lower bound",
        background_info={"iterations": 7, "converged": True, "kind": "shirley"},
        monte_carlo=MonteCarloSummary(50, 7, {"Co3p_center": 0.02}, {"Co3+": 3.0}, {}),
    )


def _project(rng: np.random.Generator, n: int = 3) -> Project:
    spectra: dict[str, Spectrum] = {}
    for level in range(n):
        sp = _spectrum(rng, level)
        spectra[spectrum_id(sp, set(spectra))] = sp
    ids = list(spectra)
    spec = _spec()
    return Project(
        spectra=spectra,
        specs={sid: spec for sid in ids[:2]},
        results={ids[0]: _result(spec, rng)},
        templates={"Co 2p LCO": Template(spec, "Co 2p LCO", "from level 0", 0.1)},
        settings={"sputter_rate_nm_per_s": 0.1, "reference": ("C 1s", 284.8)},
    )


def _assert_same(a: Project, b: Project) -> None:
    assert list(a.spectra) == list(b.spectra)
    for sid in a.spectra:
        assert a.spectra[sid] == b.spectra[sid]
    assert dict(a.specs) == dict(b.specs)
    assert dict(a.templates) == dict(b.templates)
    assert dict(a.settings) == dict(b.settings)
    assert set(a.results) == set(b.results)
    for sid, ra in a.results.items():
        rb = b.results[sid]
        for name in ("binding_energy", "data", "sigma", "background", "envelope", "residual"):
            assert np.array_equal(getattr(ra, name), getattr(rb, name))  # bit-exact
        assert np.array_equal(ra.species_covariance, rb.species_covariance)
        assert ra.lines[0].curve.tobytes() == rb.lines[0].curve.tobytes()
        for name in (
            "spec",
            "params",
            "species",
            "species_areas",
            "fractions",
            "chisqr",
            "redchi",
            "status",
            "message",
            "background_info",
            "monte_carlo",
            "weights",
        ):
            assert getattr(ra, name) == getattr(rb, name), name


def test_round_trip_is_lossless(tmp_path: Path, rng: np.random.Generator) -> None:
    project = _project(rng)
    path = save_project(tmp_path / "p.xpsproj", project)
    _assert_same(project, load_project(path))


def test_spectrum_ids_are_stable_and_unique(rng: np.random.Generator) -> None:
    a, b = _spectrum(rng, 0), _spectrum(rng, 0)
    assert spectrum_id(a) == spectrum_id(b)
    assert spectrum_id(b, {spectrum_id(a)}) != spectrum_id(a)


def test_save_keeps_backup_of_previous_file(tmp_path: Path, rng: np.random.Generator) -> None:
    path = tmp_path / "p.xpsproj"
    first = _project(rng, 1)
    save_project(path, first)
    assert not backup_path(path).exists()
    second = _project(rng, 2)
    save_project(path, second)
    assert len(load_project(backup_path(path)).spectra) == 1
    assert len(load_project(path).spectra) == 2


def _rewrite_member(src: Path, dst: Path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, data if info.filename == name else zin.read(info))


def test_corrupted_member_is_reported(tmp_path: Path, rng: np.random.Generator) -> None:
    path = save_project(tmp_path / "p.xpsproj", _project(rng, 1))
    bad = tmp_path / "bad.xpsproj"
    _rewrite_member(path, bad, "project.json", b"{}")
    with pytest.raises(ParseError, match="checksum mismatch") as info:
        load_project(bad)
    assert info.value.field == "project.json"


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 garbage", b"not a zip"])
def test_not_a_project(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.xpsproj"
    path.write_bytes(content)
    with pytest.raises(ParseError, match="not a project file"):
        load_project(path)


def test_wrong_schema_version(tmp_path: Path, rng: np.random.Generator) -> None:
    path = save_project(tmp_path / "p.xpsproj", _project(rng, 1))
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    manifest["schema_version"] = 99
    bad = tmp_path / "bad.xpsproj"
    _rewrite_member(path, bad, "manifest.json", json.dumps(manifest).encode())
    with pytest.raises(ParseError, match="schema version 99"):
        load_project(bad)


def test_no_pickle_and_full_precision(rng: np.random.Generator) -> None:
    project = _project(rng, 1)
    with zipfile.ZipFile(__import__("io").BytesIO(project_bytes(project))) as zf:
        names = zf.namelist()
        assert all(n.endswith((".json", ".npy")) for n in names)
        body = json.loads(zf.read("project.json"))
    sid = next(iter(project.spectra))
    assert body["results"][sid]["redchi"] == 1.0 / 3.0
    assert math.isinf(project.specs[sid].components[0].area.max)


_KILL_SCRIPT = textwrap.dedent(
    """
    import os, random, signal, sys, time
    from pathlib import Path
    from xpsfit.project import Project, save_project, load_project, project_bytes
    from xpsfit.spectrum import Spectrum
    import numpy as np

    folder, trials = Path(sys.argv[1]), int(sys.argv[2])
    rng = np.random.default_rng(5)
    def make(n):
        return Project(spectra={f"s{i}": Spectrum(np.arange(6000.0), rng.normal(size=6000))
                                for i in range(n)})
    old, new = make(2), make(3)
    path = folder / "p.xpsproj"
    t0 = time.perf_counter(); save_project(folder / "timing.xpsproj", new)
    duration = time.perf_counter() - t0
    counts = {"old": 0, "new": 0, "broken": 0, "torn": 0}
    random.seed(11)
    for _ in range(trials):
        save_project(path, old, backup=False)
        pid = os.fork()
        if pid == 0:
            try:
                save_project(path, new)
            finally:
                os._exit(0)
        time.sleep(random.uniform(0.0, 3.0 * duration))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        try:
            got = len(load_project(path).spectra)
            counts["old" if got == 2 else "new"] += 1
        except Exception:
            counts["broken"] += 1
        for tmp in folder.glob(".p.xpsproj*.tmp"):  # a write the kill interrupted
            counts["torn"] += 1
            tmp.unlink()
    print(counts["old"], counts["new"], counts["broken"], counts["torn"], f"{duration:.4f}")
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="needs fork and SIGKILL")
def test_save_killed_at_random_moment_leaves_old_or_new(tmp_path: Path) -> None:
    env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", _KILL_SCRIPT, str(tmp_path), "200"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=True,
    ).stdout.split()
    old, new, broken, torn = (int(v) for v in out[:4])
    assert broken == 0
    assert torn > 0  # some kills landed in the middle of writing the file
    assert old + new == 200
    assert old > 0  # some kills landed before the rename
    assert new > 0  # and some after it


def _with_body(src: Path, dst: Path, body: dict[str, Any]) -> Path:
    """A copy of a project file with another ``project.json`` (and its checksum)."""
    data = json.dumps(body).encode()
    with zipfile.ZipFile(src) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    manifest["files"]["project.json"] = hashlib.sha256(data).hexdigest()
    mid = dst.with_suffix(".tmp")
    _rewrite_member(src, mid, "project.json", data)
    _rewrite_member(mid, dst, "manifest.json", json.dumps(manifest).encode())
    return dst


def test_fit_weights_are_saved_and_older_files_load_as_poisson(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    project = _project(rng)
    sid = next(iter(project.results))
    result = dataclasses.replace(project.results[sid], weights="uniform")
    path = save_project(tmp_path / "p.xpsproj", dataclasses.replace(project, results={sid: result}))
    assert load_project(path).results[sid].weights == "uniform"
    with zipfile.ZipFile(path) as zf:
        body = json.loads(zf.read("project.json"))
    assert body["results"][sid]["weights"] == "uniform"
    del body["results"][sid]["weights"]  # as written before results recorded their weights
    old = load_project(_with_body(path, tmp_path / "old.xpsproj", body))
    assert old.results[sid].weights == "poisson"
    assert (old.results[sid].spec, old.results[sid].chisqr) == (result.spec, result.chisqr)
    body["results"][sid]["weights"] = "counts"
    bad = _with_body(path, tmp_path / "bad.xpsproj", body)
    with pytest.raises(ParseError, match="unknown fit weights 'counts'") as info:
        load_project(bad)
    assert (info.value.file, info.value.field) == (str(bad), "weights")
