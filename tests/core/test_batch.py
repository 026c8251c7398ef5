"""fit_many: sequential, local pool and Dask cluster give identical tables; bad files and
spectra get statuses; a killed worker loses and duplicates nothing; an interrupted run
resumes (with the same weights); the CLI runs and reports errors in one line."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from xpsfit.batch import fit_many
from xpsfit.batch_store import BatchError, read_part
from xpsfit.cli import COMMAND_MODULES, main
from xpsfit.fitting import fit
from xpsfit.io.vamas_write import write_vamas
from xpsfit.lineshapes import evaluate
from xpsfit.quant_settings import QuantSettings
from xpsfit.spec import BackgroundSpec, FitSpec, FractionDef, Param, Peak
from xpsfit.spectrum import Spectrum
from xpsfit.templates import Template, save_template

BE = np.linspace(280.0, 292.0, 60)
Maker = Callable[[np.random.Generator, int], Spectrum]


def singlet_spec() -> FitSpec:
    return dataclasses.replace(c1s_spec().without_component("C-O"), fractions=())


def c1s_spec() -> FitSpec:
    peaks = tuple(
        Peak(name, "gl", Param(c, c - 1.0, c + 1.0), Param(1.2, 0.5, 3.0), Param(1000.0, 0.0),
             shape={"m": Param(30.0, vary=False)})
        for name, c in (("C-C", 284.8), ("C-O", 286.5))
    )  # fmt: skip
    return FitSpec(
        region="C 1s",
        background=BackgroundSpec("linear"),
        components=peaks,
        fractions=(FractionDef("C-O share", "C-O / (C-C + C-O)"),),
    )


def c1s_spectrum(rng: np.random.Generator, k: int) -> Spectrum:
    share = 0.1 + 0.5 * (k % 17) / 16
    y = 40.0 + 2000.0 * (1 - share) * np.exp(-0.5 * ((BE - 284.8) / 0.55) ** 2)
    y += 2000.0 * share * np.exp(-0.5 * ((BE - 286.5) / 0.55) ** 2)
    return Spectrum(BE, rng.poisson(y).astype(float), region="C 1s", element="C",
                    transition="1s", sample=f"s{k}", block=f"b{k}", source_label="Al Ka",
                    source_energy=1486.6)  # fmt: skip


def singlet_spectrum(rng: np.random.Generator, k: int) -> Spectrum:
    y = rng.poisson(evaluate("gl", BE, 3000.0, 284.8, 1.2, m=30.0) + 100.0).astype(float)
    return Spectrum(BE, y, region="C 1s", element="C", transition="1s", block=f"b{k}")


def write_files(
    folder: Path, n_files: int, per_file: int, seed: int = 7, make: Maker = c1s_spectrum
) -> list[Path]:
    rng = np.random.default_rng(seed)
    paths = []
    for f in range(n_files):
        path = folder / f"run{f:03d}.vms"
        write_vamas(path, [make(rng, f * per_file + k) for k in range(per_file)])
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def small_set(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Three files of 40 spectra, one spectrum with a NaN, one unreadable file."""
    folder = tmp_path_factory.mktemp("batch_small")
    paths = write_files(folder, 3, 40)
    rng = np.random.default_rng(3)
    good = c1s_spectrum(rng, 0)
    spoiled = good.replace(intensity=np.where(BE > 290, np.nan, good.intensity))
    write_vamas(folder / "spoiled.vms", [good, spoiled, good.replace(region="O 1s")])
    (folder / "broken.vms").write_text("VAMAS Surface Chemical Analysis Standard\nnonsense\n")
    return [*paths, folder / "spoiled.vms", folder / "broken.vms"]


def tables(out: Path) -> dict[str, list[dict[str, object]]]:
    """Every Parquet table of a run, part by part in unit order."""
    units = sorted(p.stem for p in (out / "spectra").glob("*.parquet"))
    return {t: [r for u in units for r in read_part(out, t, u)] for t in ("spectra", "lines", "fractions")}  # fmt: skip


@pytest.fixture(scope="module")
def sequential(small_set: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("seq")
    fit_many(small_set, [c1s_spec()], out, jobs=1)
    return out


def test_statuses_and_reasons(sequential: Path, small_set: list[Path]) -> None:
    rows = tables(sequential)["spectra"]
    assert len(rows) == 3 * 40 + 3 + 1
    by_status = {s: [r for r in rows if r["status"] == s] for s in ("ok", "bad_input", "skipped")}
    assert len(by_status["ok"]) == 3 * 40 + 1
    codes = sorted(str(r["code"]) for r in by_status["bad_input"])
    assert codes == ["non_finite", "unreadable"]
    unreadable = next(r for r in rows if r["code"] == "unreadable")
    assert str(small_set[-1]) in str(unreadable["reason"])
    assert [r["code"] for r in by_status["skipped"]] == ["no_template"]
    failed = (sequential / "failed.csv").read_text().splitlines()
    assert len(failed) == 1 + 3
    assert "unreadable" in failed[-1]


def test_results_equal_single_fits(sequential: Path, small_set: list[Path]) -> None:
    from xpsfit.io import read

    spectrum = read(small_set[1])[5]
    direct = fit(spectrum, c1s_spec())
    row = next(r for r in tables(sequential)["spectra"] if r["file"] == str(small_set[1]) and r["index"] == 5)  # fmt: skip
    assert row["redchi"] == direct.redchi
    fraction = next(r for r in tables(sequential)["fractions"] if r["file"] == str(small_set[1]) and r["index"] == 5)  # fmt: skip
    assert fraction["value"] == direct.fractions["C-O share"].value


def test_pool_and_chunking_give_identical_tables(
    sequential: Path, small_set: list[Path], tmp_path: Path
) -> None:
    fit_many(small_set, [c1s_spec()], tmp_path, jobs=2, chunk_size=7)
    assert tables(tmp_path) == tables(sequential)
    for name in ("status", "fits", "fractions", "failed"):
        assert (tmp_path / f"{name}.csv").read_bytes() == (sequential / f"{name}.csv").read_bytes()


def test_local_cluster_gives_identical_tables(sequential: Path, small_set: list[Path], tmp_path: Path) -> None:  # fmt: skip
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        address = cluster.scheduler_address
        result = fit_many(small_set, [c1s_spec()], tmp_path, scheduler=address, chunk_size=20)
    assert result.dashboard_link is not None
    assert result.complete
    assert tables(tmp_path) == tables(sequential)
    assert (tmp_path / "fits.csv").read_bytes() == (sequential / "fits.csv").read_bytes()


def test_interrupted_run_resumes_only_missing_units(
    sequential: Path, small_set: list[Path], tmp_path: Path
) -> None:
    seen: list[int] = []

    def stop() -> bool:
        seen.append(1)
        return len(seen) >= 4

    first = fit_many(small_set, [c1s_spec()], tmp_path, jobs=1, cancel=stop)
    assert not first.complete
    assert first.units_run == 4
    assert not (tmp_path / "fits.csv").exists()
    total = len(list((sequential / "spectra").glob("*.parquet")))
    second = fit_many(small_set, [c1s_spec()], tmp_path, jobs=2)
    assert second.complete
    assert (second.units_reused, second.units_run) == (4, total - 4)
    assert tables(tmp_path) == tables(sequential)
    assert (tmp_path / "fits.csv").read_bytes() == (sequential / "fits.csv").read_bytes()
    again = fit_many(small_set, [c1s_spec()], tmp_path, jobs=1)
    assert again.units_run == 0


def test_output_folder_of_another_run_is_refused(sequential: Path, small_set: list[Path]) -> None:
    with pytest.raises(BatchError, match="another run"):
        fit_many(small_set[:1], [c1s_spec()], sequential, jobs=1)


def test_in_memory_spectra(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    spectra = [c1s_spectrum(rng, k) for k in range(9)]
    result = fit_many(spectra, {"C 1s": c1s_spec()}, tmp_path, jobs=1, chunk_size=4)
    assert result.n_ok == 9
    rows = tables(tmp_path)["spectra"]
    assert [r["index"] for r in rows] == list(range(9))
    assert rows[4]["redchi"] == fit(spectra[4], c1s_spec()).redchi


def test_killed_worker_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    paths = write_files(tmp_path, 50, 100, seed=5, make=singlet_spectrum)
    killed: list[int] = []
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster, distributed.Client(cluster) as client:  # fmt: skip
        pids = list(client.run(os.getpid).values())

        def kill_one(done: int, total: int) -> None:
            if done >= 1000 and not killed:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])

        result = fit_many(
            paths,
            [singlet_spec()],
            tmp_path / "out",
            scheduler=client,
            progress=kill_one,
            csv=False,
            chunk_size=100,
        )
        pids_after = set(client.run(os.getpid).values())
    assert killed
    assert pids[0] not in pids_after
    assert result.complete
    assert result.n_spectra == 5000
    rows = tables(tmp_path / "out")["spectra"]
    keys = {(r["file"], r["index"]) for r in rows}
    assert len(rows) == len(keys) == 5000
    assert result.counts == {"ok": 5000}


def _cli(argv: list[str]) -> int:
    assert "xpsfit.cli.batch" in COMMAND_MODULES  # `xpsfit batch` is a registered command
    return main(argv)


def test_cli_glob_run_and_exit_code(
    small_set: list[Path], sequential: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    template = tmp_path / "c1s.json"
    save_template(template, Template(c1s_spec(), "C 1s"))
    pattern = str(small_set[0].parent / "*.vms")
    code = _cli(["batch", pattern, "--template", str(template), "--out", str(tmp_path / "o"), "--jobs", "1"])  # fmt: skip
    assert code == 1  # the unreadable file and the NaN spectrum
    err = capsys.readouterr().err
    assert "121 ok" in err
    assert "failed.csv" in err
    lines = (tmp_path / "o" / "fits.csv").read_text().splitlines()
    assert sorted(lines) == sorted((sequential / "fits.csv").read_text().splitlines())


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nothing*.vms"], "no file matches"),
        (["missing.vms"], "no such file"),
    ],
)
def test_cli_bad_input_is_one_line(
    argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    template = tmp_path / "c1s.json"
    save_template(template, Template(c1s_spec(), "C 1s"))
    code = _cli(["batch", *argv, "--template", str(template), "--out", "o"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1
    assert message in err[0]


def test_missing_extra_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # fmt: skip
    import importlib

    real = importlib.import_module

    def no_pyarrow(name: str, package: str | None = None) -> object:
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", no_pyarrow)
    with pytest.raises(BatchError, match=r'pip install "xpsfit\[dask\]"'):
        fit_many([], [c1s_spec()], tmp_path)


def test_cli_on_a_cluster_prints_the_dashboard(
    small_set: list[Path], sequential: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    distributed = pytest.importorskip("distributed")
    template = tmp_path / "c1s.json"
    save_template(template, Template(c1s_spec(), "C 1s"))
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        argv = [str(p) for p in small_set] + ["--template", str(template), "--out", str(tmp_path / "o")]  # fmt: skip
        code = _cli(["batch", *argv, "--scheduler", cluster.scheduler_address, "--chunk-size", "40"])  # fmt: skip
    assert code == 1
    assert "Dask dashboard: http" in capsys.readouterr().err
    assert (tmp_path / "o" / "fits.csv").read_bytes() == (sequential / "fits.csv").read_bytes()


def test_local_pool_replaces_a_killed_worker(small_set: list[Path], sequential: Path, tmp_path: Path) -> None:  # fmt: skip
    psutil = pytest.importorskip("psutil")
    killed: list[int] = []

    def kill_one(done: int, total: int) -> None:
        workers = [
            p for p in psutil.Process().children(recursive=True)
            if not any(k in " ".join(p.cmdline()) for k in ("forkserver", "resource_tracker"))
        ]  # fmt: skip
        if done >= 20 and workers and not killed:
            workers[0].kill()
            killed.append(workers[0].pid)

    result = fit_many(small_set, [c1s_spec()], tmp_path, jobs=2, chunk_size=5, progress=kill_one)
    assert killed
    assert result.complete
    assert tables(tmp_path) == tables(sequential)


def subtracted_spectrum(rng: np.random.Generator, k: int) -> Spectrum:
    """A background-subtracted singlet: the noise of the flanks goes below zero."""
    y = rng.poisson(evaluate("gl", BE, 3000.0, 284.8, 1.2, m=30.0) + 100.0) - 100.0
    return Spectrum(BE, y.astype(float), region="C 1s", element="C", transition="1s",
                    block=f"b{k}")  # fmt: skip


def test_uniform_weights_fit_what_poisson_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from xpsfit.io import read

    paths = write_files(tmp_path, 1, 4, make=subtracted_spectrum)
    poisson = fit_many(paths, [singlet_spec()], tmp_path / "p", jobs=1)
    assert poisson.counts == {"bad_input": 4}
    for row in tables(tmp_path / "p")["spectra"]:
        assert row["code"] == "negative_counts"
        assert "--weights uniform" in str(row["reason"])
    template = tmp_path / "c1s.json"
    save_template(template, Template(singlet_spec(), "C 1s"))
    argv = ["batch", str(paths[0]), "--template", str(template), "--jobs", "1"]
    assert _cli([*argv, "--out", str(tmp_path / "u"), "--weights", "uniform"]) == 0
    rows = tables(tmp_path / "u")["spectra"]
    assert [r["status"] for r in rows] == ["ok"] * 4
    spectra = read(paths[0])
    for row in rows:
        assert row["redchi"] == fit(spectra[int(row["index"])], singlet_spec(), weights="uniform").redchi  # fmt: skip
    capsys.readouterr()
    assert _cli([*argv, "--out", str(tmp_path / "u")]) == 2  # Poisson on the uniform run
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "another run (weights 'uniform' there, 'poisson' now)" in err[0]
    with pytest.raises(BatchError, match="unknown weights 'gauss'"):
        fit_many(paths, [singlet_spec()], tmp_path / "g", weights="gauss")  # type: ignore[arg-type]


def test_a_run_from_before_weights_resumes_as_poisson(small_set: list[Path], sequential: Path, tmp_path: Path) -> None:  # fmt: skip
    shutil.copytree(sequential, tmp_path / "old")
    manifest = tmp_path / "old" / "manifest.json"
    data = json.loads(manifest.read_text())
    del data["fingerprint"]["options"]["weights"]
    manifest.write_text(json.dumps(data))
    assert fit_many(small_set, [c1s_spec()], tmp_path / "old", jobs=1).units_run == 0
    with pytest.raises(BatchError, match="weights 'poisson' there, 'uniform' now"):
        fit_many(small_set, [c1s_spec()], tmp_path / "old", jobs=1, weights="uniform")


def test_atomic_settings_reach_the_workers_and_the_manifest(
    small_set: list[Path], sequential: Path, tmp_path: Path
) -> None:
    quant = QuantSettings(rsf={"C": 0.25}, ke_exponent=0.0, use_transmission=False)
    fit_many(small_set[:1], [c1s_spec()], tmp_path / "q", jobs=1, quant=quant)
    rows = [r for r in tables(tmp_path / "q")["spectra"] if r["status"] == "ok"]
    assert rows
    for row in rows:
        assert row["rsf"] == 0.25
        assert row["quant_area"] == pytest.approx(row["area"] / 0.25, rel=1e-12)
    default = [r for r in tables(sequential)["spectra"] if r["status"] == "ok"]
    assert {r["rsf"] for r in default} == {1.0}  # Scofield C 1s
    with pytest.raises(BatchError, match="quant"):
        fit_many(small_set[:1], [c1s_spec()], tmp_path / "q", jobs=1)
    # a run written before the setting existed resumes with the default settings
    shutil.copytree(sequential, tmp_path / "old")
    manifest = tmp_path / "old" / "manifest.json"
    data = json.loads(manifest.read_text())
    del data["fingerprint"]["options"]["quant"]
    manifest.write_text(json.dumps(data))
    assert fit_many(small_set, [c1s_spec()], tmp_path / "old", jobs=1).units_run == 0
